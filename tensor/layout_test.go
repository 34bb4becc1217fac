package tensor

import (
	"fmt"
	"math"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
)

func TestReshape(t *testing.T) {
	cases := []struct {
		from, to, want []int
	}{
		{[]int{2, 3}, []int{6}, []int{6}},
		{[]int{2, 3}, []int{3, 2}, []int{3, 2}},
		{[]int{2, 3}, []int{-1}, []int{6}},
		{[]int{2, 3}, []int{3, -1}, []int{3, 2}},
		{[]int{2, 3, 4}, []int{-1, 4}, []int{6, 4}},
		{[]int{2, 3, 4}, []int{2, -1, 2}, []int{2, 6, 2}},
		{[]int{6}, []int{1, 6, 1}, []int{1, 6, 1}},
		{[]int{1}, nil, nil},
		{nil, []int{1, 1}, []int{1, 1}},
		{nil, []int{-1}, []int{1}},
		{[]int{0, 3}, []int{3, 0}, []int{3, 0}},
		{[]int{0, 3}, []int{-1, 3}, []int{0, 3}},
	}
	rng := newRNG(14)
	for _, c := range cases {
		what := fmt.Sprintf("Reshape(%v, %v)", c.from, c.to)
		x := randNormal(rng, c.from...)
		y := Reshape(x, c.to...)
		checkShapeIs(t, what, y.Shape(), c.want)
		checkData(t, what, y.Data(), x.Data())
		checkShapeIs(t, "ResolveShape", ResolveShape("test", x.Size(), c.to), c.want)
		if x.Size() > 0 {
			// Reshape shares storage, as documented.
			y.Data()[0] = 42
			if x.Data()[0] != 42 {
				t.Errorf("%s does not share storage", what)
			}
		}
	}
	bad := []struct{ from, to []int }{
		{[]int{2, 3}, []int{4}},
		{[]int{2, 3}, []int{-1, -1}},
		{[]int{2, 3}, []int{-1, 4}},
		{[]int{2, 3}, []int{-2, -3}},
		{[]int{2, 3}, nil},
		{[]int{0, 3}, []int{0, -1}},
	}
	for _, c := range bad {
		x := Zeros(c.from...)
		testutil.MustPanic(t, fmt.Sprintf("Reshape(%v, %v)", c.from, c.to), func() { Reshape(x, c.to...) },
			"tensor: Reshape", fmt.Sprint(c.to))
	}
}

func TestSlice(t *testing.T) {
	rng := newRNG(15)
	cases := []struct {
		shape                  []int
		axis, start, end, step int
	}{
		{[]int{5}, 0, 0, 5, 1},
		{[]int{5}, 0, 1, 4, 1},
		{[]int{5}, 0, 0, 5, 2},
		{[]int{5}, 0, 1, 5, 3},
		{[]int{5}, -1, 4, 5, 7},
		{[]int{5}, 0, 2, 2, 1},
		{[]int{5}, 0, 5, 5, 1},
		{[]int{4, 6}, 0, 1, 3, 1},
		{[]int{4, 6}, 1, 1, 6, 2},
		{[]int{4, 6}, -1, 0, 6, 5},
		{[]int{4, 6}, -2, 0, 4, 3},
		{[]int{2, 5, 3}, 1, 1, 5, 2},
		{[]int{2, 5, 3}, 2, 0, 3, 2},
		{[]int{2, 5, 3}, 0, 1, 2, 1},
		{[]int{3, 0, 2}, 2, 0, 1, 1},
		{[]int{3, 4, 0}, 1, 1, 3, 1},
		{[]int{2, 1, 2, 1, 2, 1, 2, 1, 4}, -1, 1, 4, 2},
		{[]int{2, 1, 2, 1, 2, 1, 2, 1, 4}, 4, 1, 2, 1},
	}
	for _, c := range cases {
		what := fmt.Sprintf("%v axis=%d [%d:%d:%d]", c.shape, c.axis, c.start, c.end, c.step)
		a := c.axis
		if a < 0 {
			a += len(c.shape)
		}
		var idx []int
		for i := c.start; i < c.end; i += c.step {
			idx = append(idx, i)
		}
		wantShape := append([]int(nil), c.shape...)
		wantShape[a] = len(idx)
		x := randNormal(rng, c.shape...)
		x0 := x.Clone()
		want := make([]float64, 0, refSize(wantShape))
		forEachCoord(wantShape, func(sc []int) {
			xc := append([]int(nil), sc...)
			xc[a] = idx[sc[a]]
			want = append(want, x.Data()[refOffset(c.shape, xc)])
		})

		checkShapeIs(t, "SliceShape "+what, SliceShape(c.shape, c.axis, c.start, c.end, c.step), wantShape)
		got := Slice(x, c.axis, c.start, c.end, c.step)
		checkShapeIs(t, "Slice "+what, got.Shape(), wantShape)
		checkData(t, "Slice "+what, got.Data(), want)
		dst := nanFilled(wantShape...)
		if SliceTo(dst, x, c.axis, c.start, c.end, c.step) != dst {
			t.Fatal("SliceTo did not return dst")
		}
		checkData(t, "SliceTo "+what, dst.Data(), want)
		if !Equal(x, x0) {
			t.Fatalf("Slice %s modified its input", what)
		}
		// Slice makes a copy.
		if got.Size() > 0 {
			got.Data()[0] = math.Pi
			if !Equal(x, x0) {
				t.Fatalf("Slice %s shares storage with its input", what)
			}
		}

		// UnsliceTo is the adjoint of Slice: <Slice(x), g> = <x, Unslice(g)>.
		g := randNormal(rng, wantShape...)
		u := UnsliceTo(nil, g, c.shape, c.axis, c.start, c.end, c.step)
		checkShapeIs(t, "UnsliceTo "+what, u.Shape(), c.shape)
		lhs := refDot(Slice(x, c.axis, c.start, c.end, c.step).Data(), g.Data())
		rhs := refDot(x.Data(), u.Data())
		if math.Abs(lhs-rhs) > 1e-12*(1+math.Abs(lhs)) {
			t.Errorf("%s: <Slice(x), g> = %v but <x, Unslice(g)> = %v", what, lhs, rhs)
		}
		// And every element it does not place is zero, even in a reused dst.
		wantU := make([]float64, x.Size())
		forEachCoord(wantShape, func(sc []int) {
			xc := append([]int(nil), sc...)
			xc[a] = idx[sc[a]]
			wantU[refOffset(c.shape, xc)] = g.Data()[refOffset(wantShape, sc)]
		})
		checkData(t, "UnsliceTo "+what, u.Data(), wantU)
		dst = nanFilled(c.shape...)
		if UnsliceTo(dst, g, c.shape, c.axis, c.start, c.end, c.step) != dst {
			t.Fatal("UnsliceTo did not return dst")
		}
		checkData(t, "UnsliceTo(dst) "+what, dst.Data(), wantU)
	}
}

// TestUnsliceWhole checks UnsliceTo of a slice that is the whole tensor,
// including writing over the gradient itself.
func TestUnsliceWhole(t *testing.T) {
	rng := newRNG(21)
	for _, c := range []struct {
		shape                  []int
		axis, start, end, step int
	}{
		{[]int{2, 3}, 1, 0, 3, 1},
		{[]int{2, 1}, 1, 0, 1, 5},
		{[]int{4}, 0, 0, 4, 1},
	} {
		g := randNormal(rng, c.shape...)
		want := g.Clone()
		UnsliceTo(g, g, c.shape, c.axis, c.start, c.end, c.step)
		checkData(t, fmt.Sprintf("UnsliceTo(g, g) %v", c.shape), g.Data(), want.Data())
	}
}

func TestSlicePanics(t *testing.T) {
	x := Zeros(4, 6)
	for _, c := range []struct{ axis, start, end, step int }{
		{0, 0, 5, 1},
		{0, -1, 2, 1},
		{0, 3, 2, 1},
		{1, 0, 6, 0},
		{1, 0, 6, -1},
		{2, 0, 1, 1},
		{-3, 0, 1, 1},
	} {
		what := fmt.Sprintf("Slice axis=%d [%d:%d:%d]", c.axis, c.start, c.end, c.step)
		testutil.MustPanic(t, what, func() { Slice(x, c.axis, c.start, c.end, c.step) }, "tensor: Slice")
		testutil.MustPanic(t, "Unslice"+what, func() { UnsliceTo(nil, Zeros(1), x.Shape(), c.axis, c.start, c.end, c.step) }, "tensor: ")
	}
	testutil.MustPanic(t, "Slice bounds message", func() { Slice(x, 1, 2, 9, 1) }, "[2:9:1]", "axis 1", "[4 6]")
	testutil.MustPanic(t, "SliceTo dst", func() { SliceTo(Zeros(4, 3), x, 1, 0, 6, 3) }, "tensor: Slice", "destination shape", "[4 3]", "[4 2]")
	testutil.MustPanic(t, "UnsliceTo gradient shape", func() { UnsliceTo(nil, Zeros(4, 3), x.Shape(), 1, 0, 6, 3) },
		"tensor: Unslice", "[4 3]", "[4 2]")
	testutil.MustPanic(t, "UnsliceTo dst", func() { UnsliceTo(Zeros(4, 5), Zeros(4, 2), x.Shape(), 1, 0, 6, 3) },
		"tensor: Unslice", "destination shape", "[4 5]", "[4 6]")
}

func TestOneHot(t *testing.T) {
	for _, c := range []struct {
		labels  []int
		classes int
	}{
		{[]int{0, 2, 1, 2}, 3},
		{[]int{4}, 5},
		{nil, 3},
		{[]int{0, 0}, 1},
	} {
		got := OneHot(c.labels, c.classes)
		checkShapeIs(t, "OneHot", got.Shape(), []int{len(c.labels), c.classes})
		for i, l := range c.labels {
			for j := range c.classes {
				want := 0.0
				if j == l {
					want = 1
				}
				if v := got.Data()[i*c.classes+j]; v != want {
					t.Errorf("OneHot(%v, %d)[%d, %d] = %v, want %v", c.labels, c.classes, i, j, v, want)
				}
			}
		}
	}
	testutil.MustPanic(t, "OneHot label too large", func() { OneHot([]int{0, 3}, 3) }, "tensor: OneHot", "label 3", "[0,3)")
	testutil.MustPanic(t, "OneHot negative label", func() { OneHot([]int{-1}, 3) }, "tensor: OneHot", "label -1")
	testutil.MustPanic(t, "OneHot negative classes", func() { OneHot([]int{0}, -2) }, "tensor:")
}

func TestGatherRows(t *testing.T) {
	rng := newRNG(16)
	x := randNormal(rng, 4, 3)
	idx := []int{2, 0, 1, 2}
	got := GatherRows(x, idx)
	checkShapeIs(t, "GatherRows", got.Shape(), []int{4})
	for i, j := range idx {
		if got.Data()[i] != x.Data()[i*3+j] {
			t.Errorf("GatherRows[%d] = %v, want x[%d, %d] = %v", i, got.Data()[i], i, j, x.Data()[i*3+j])
		}
	}
	got.Data()[0] = math.Pi
	if x.Data()[2] == math.Pi {
		t.Error("GatherRows shares storage with its input")
	}
	if g := GatherRows(Zeros(0, 3), nil); g.Size() != 0 || g.Dims() != 1 {
		t.Errorf("GatherRows of no rows has shape %v", g.Shape())
	}
	testutil.MustPanic(t, "GatherRows index", func() { GatherRows(x, []int{0, 3, 0, 0}) }, "tensor: GatherRows", "index 3", "row 1")
	testutil.MustPanic(t, "GatherRows negative", func() { GatherRows(x, []int{0, 0, -1, 0}) }, "tensor: GatherRows", "index -1")
	testutil.MustPanic(t, "GatherRows count", func() { GatherRows(x, []int{0, 0}) }, "tensor: GatherRows", "[4 3]", "2 indices")
	testutil.MustPanic(t, "GatherRows rank", func() { GatherRows(Zeros(4), []int{0, 0, 0, 0}) }, "tensor: GatherRows", "[4]")
}

func TestConcat(t *testing.T) {
	cases := []struct {
		a, b []int
		axis int
	}{
		{[]int{2, 3}, []int{4, 3}, 0},
		{[]int{2, 3}, []int{2, 1}, 1},
		{[]int{2, 3}, []int{2, 2}, -1},
		{[]int{2, 1, 2}, []int{2, 3, 2}, 1},
		{[]int{1}, []int{1}, 0},
		{[]int{0, 2}, []int{3, 2}, 0},
	}
	for _, c := range cases {
		a, b := Zeros(c.a...), Zeros(c.b...)
		for i := range a.data {
			a.data[i] = float64(i + 1)
		}
		for i := range b.data {
			b.data[i] = -float64(i + 1)
		}
		got := Concat(a, b, c.axis)
		ax := normAxis("test", c.axis, len(c.a))
		// Reference: element by element, from the coordinates.
		for off := range got.data {
			idx := make([]int, len(got.shape))
			r := off
			for d := len(got.shape) - 1; d >= 0; d-- {
				idx[d] = r % got.shape[d]
				r /= got.shape[d]
			}
			var want float64
			if idx[ax] < c.a[ax] {
				want = a.At(idx...)
			} else {
				idx[ax] -= c.a[ax]
				want = b.At(idx...)
			}
			if got.data[off] != want {
				t.Errorf("Concat(%v, %v, %d)[%d] = %v, want %v", c.a, c.b, c.axis, off, got.data[off], want)
			}
		}
		// A nil operand stands for zeros.
		z := ConcatTo(Full(math.NaN(), got.shape...), nil, b, c.axis)
		wantZ := Concat(Zeros(c.a...), b, c.axis)
		if !Equal(z, wantZ) {
			t.Errorf("ConcatTo(nil, b) = %v, want %v", z, wantZ)
		}
		z = ConcatTo(Full(math.NaN(), got.shape...), a, nil, c.axis)
		if !Equal(z, Concat(a, Zeros(c.b...), c.axis)) {
			t.Errorf("ConcatTo(a, nil) = %v", z)
		}
	}
	testutil.MustPanic(t, "Concat ranks", func() { Concat(Zeros(2), Zeros(2, 1), 0) }, "tensor: Concat", "[2]", "[2 1]")
	testutil.MustPanic(t, "Concat sizes", func() { Concat(Zeros(2, 3), Zeros(2, 4), 0) }, "tensor: Concat", "[2 3]", "[2 4]")
	testutil.MustPanic(t, "Concat axis", func() { Concat(Zeros(2, 3), Zeros(2, 3), 2) }, "Concat")
	testutil.MustPanic(t, "Concat dst", func() { ConcatTo(Zeros(5, 3), Zeros(2, 3), Zeros(2, 3), 0) }, "tensor: Concat", "[5 3]")
	testutil.MustPanic(t, "Concat nil", func() { ConcatTo(nil, nil, Zeros(2), 0) }, "tensor: Concat")
}
