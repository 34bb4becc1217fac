package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/internal/testutil"
)

func TestConstructors(t *testing.T) {
	d := []float64{1, 2, 3, 4, 5, 6}
	x := New(d, 2, 3)
	checkShapeIs(t, "New", x.Shape(), []int{2, 3})
	if x.Dims() != 2 || x.Size() != 6 || x.Dim(0) != 2 || x.Dim(1) != 3 || x.Dim(-1) != 3 || x.Dim(-2) != 2 {
		t.Errorf("New: Dims %d Size %d Dim(0) %d Dim(-1) %d", x.Dims(), x.Size(), x.Dim(0), x.Dim(-1))
	}
	d[0] = 9 // New uses data as its storage
	if x.At(0, 0) != 9 {
		t.Error("New copied its data")
	}
	for i := range 2 {
		for j := range 3 {
			if x.At(i, j) != d[i*3+j] {
				t.Errorf("At(%d, %d) = %v, want %v", i, j, x.At(i, j), d[i*3+j])
			}
		}
	}
	x.Set(-7, 1, 2)
	if d[5] != -7 {
		t.Error("Set did not write row-major position 5")
	}

	v := []float64{1, 2}
	f := FromSlice(v)
	v[0] = 5
	if f.At(0) != 1 || f.Dims() != 1 {
		t.Error("FromSlice did not copy")
	}
	s := Scalar(2.5)
	if s.Dims() != 0 || s.Size() != 1 || s.Item() != 2.5 || s.At() != 2.5 || !s.IsScalar() {
		t.Errorf("Scalar: %v", s)
	}
	s.Set(4)
	if s.Item() != 4 {
		t.Error("Set on a scalar")
	}
	for name, c := range map[string]struct {
		x    *Tensor
		want float64
	}{
		"Zeros": {Zeros(2, 2), 0}, "Ones": {Ones(3), 1}, "Full": {Full(-2, 1, 2, 3), -2}, "Full0": {Full(0, 2), 0},
	} {
		for _, e := range c.x.Data() {
			if e != c.want {
				t.Errorf("%s has element %v", name, e)
			}
		}
	}
	checkShapeIs(t, "Full", Full(-2, 1, 2, 3).Shape(), []int{1, 2, 3})
	for _, v := range Full(negZero, 3).Data() {
		if !sameBits(v, negZero) {
			t.Errorf("Full(-0) has element %v with sign bit %v", v, math.Signbit(v))
		}
	}
	for _, v := range Full(nan, 2).Data() {
		if !math.IsNaN(v) {
			t.Errorf("Full(NaN) has element %v", v)
		}
	}
	zl := ZerosLike(x)
	checkShapeIs(t, "ZerosLike", zl.Shape(), x.Shape())
	checkData(t, "ZerosLike", zl.Data(), make([]float64, 6))
	if !Ones(1, 1).IsScalar() || Ones(2).IsScalar() {
		t.Error("IsScalar")
	}

	var w Tensor
	buf, shape := []float64{1, 2, 3}, []int{3, 1}
	w.Wrap(buf, shape)
	checkShapeIs(t, "Wrap", w.Shape(), shape)
	buf[1] = 8
	if w.At(1, 0) != 8 {
		t.Error("Wrap copied its data")
	}
	if got := SizeOf([]int{2, 0, 3}); got != 0 {
		t.Errorf("SizeOf = %d", got)
	}
	if got := SizeOf(nil); got != 1 {
		t.Errorf("SizeOf(nil) = %d", got)
	}
}

func TestConstructorPanics(t *testing.T) {
	testutil.MustPanic(t, "New length", func() { New([]float64{1, 2, 3}, 2, 2) }, "tensor: New", "3 values", "[2 2]", "4")
	testutil.MustPanic(t, "New scalar from nil", func() { New(nil) }, "tensor: New", "0 values")
	testutil.MustPanic(t, "New negative", func() { New(nil, 2, -1) }, "tensor: New", "negative", "[2 -1]")
	testutil.MustPanic(t, "Zeros negative", func() { Zeros(-3) }, "tensor: Zeros", "negative", "[-3]")
	var w Tensor
	testutil.MustPanic(t, "Wrap length", func() { w.Wrap(make([]float64, 5), []int{2, 3}) }, "tensor: Wrap", "5 values", "[2 3]")
	x := Zeros(2, 3)
	for _, idx := range [][]int{{2, 0}, {0, 3}, {-1, 0}, {0, -1}} {
		testutil.MustPanic(t, fmt.Sprintf("At%v", idx), func() { x.At(idx...) }, "tensor: At", "out of range", fmt.Sprint(idx), "[2 3]")
		testutil.MustPanic(t, fmt.Sprintf("Set%v", idx), func() { x.Set(1, idx...) }, "tensor: Set", "out of range", fmt.Sprint(idx), "[2 3]")
	}
	for _, idx := range [][]int{{1}, {0, 0, 0}, nil} {
		testutil.MustPanic(t, fmt.Sprintf("At%v", idx), func() { x.At(idx...) }, "tensor: At", fmt.Sprintf("%d indices", len(idx)), "[2 3]")
		testutil.MustPanic(t, fmt.Sprintf("Set%v", idx), func() { x.Set(1, idx...) }, "tensor: Set", fmt.Sprintf("%d indices", len(idx)), "[2 3]")
	}
	checkData(t, "a tensor after failed Sets", x.Data(), make([]float64, 6))
	testutil.MustPanic(t, "Item of 2 elements", func() { Zeros(2).Item() }, "tensor: Item", "[2]", "2 elements")
	testutil.MustPanic(t, "Item of 0 elements", func() { Zeros(0).Item() }, "tensor: Item", "[0]", "0 elements")
	testutil.MustPanic(t, "Dim out of range", func() { x.Dim(2) }, "tensor: Dim", "axis 2")
	testutil.MustPanic(t, "Dim negative out of range", func() { x.Dim(-3) }, "tensor: Dim", "axis -3")
	if v := Ones(1, 1, 1).Item(); v != 1 {
		t.Errorf("Item of [1 1 1] = %v", v)
	}
}

func TestCloneCopyFillEqual(t *testing.T) {
	rng := newRNG(17)
	x := randNormal(rng, 2, 3)
	c := x.Clone()
	if !Equal(c, x) {
		t.Fatal("Clone is not Equal")
	}
	c.Data()[0]++
	if Equal(c, x) {
		t.Error("Clone shares storage")
	}
	c = x.Clone()
	c.Shape()[0] = 1 // the contract forbids this; Clone must still not share shapes
	checkShapeIs(t, "shape after changing a clone's shape", x.Shape(), []int{2, 3})

	y := Zeros(2, 3)
	y.CopyFrom(x)
	if !Equal(y, x) {
		t.Error("CopyFrom")
	}
	y.Data()[1] = 100
	if x.Data()[1] == 100 {
		t.Error("CopyFrom shares storage")
	}
	testutil.MustPanic(t, "CopyFrom shape", func() { Zeros(3, 2).CopyFrom(x) }, "tensor: CopyFrom", "[3 2]", "[2 3]")
	testutil.MustPanic(t, "CopyFrom size", func() { Zeros(6).CopyFrom(x) }, "tensor: CopyFrom", "[6]", "[2 3]")

	y.Fill(-1.5)
	checkData(t, "Fill", y.Data(), []float64{-1.5, -1.5, -1.5, -1.5, -1.5, -1.5})

	for _, c := range []struct {
		a, b *Tensor
		want bool
	}{
		{New([]float64{1, 2}, 2), New([]float64{1, 2}, 2), true},
		{New([]float64{1, 2}, 2), New([]float64{1, 2}, 1, 2), false},
		{New([]float64{1, 2}, 2), New([]float64{1, 3}, 2), false},
		{New([]float64{1, 2, 3, 4}, 2, 2), New([]float64{1, 2, 3, 4}, 4), false},
		{Scalar(1), New([]float64{1}, 1), false},
		{Scalar(nan), Scalar(nan), false},
		{Scalar(0), Scalar(negZero), true},
		{Zeros(0), Zeros(0), true},
		{Zeros(0, 2), Zeros(2, 0), false},
	} {
		if got := Equal(c.a, c.b); got != c.want {
			t.Errorf("Equal(%v %v, %v %v) = %v", c.a.Shape(), c.a, c.b.Shape(), c.b, got)
		}
	}
}

func TestString(t *testing.T) {
	for _, c := range []struct {
		x    *Tensor
		want string
	}{
		{Scalar(3.5), "3.5"},
		{Scalar(-1e-20), "-1e-20"},
		{Scalar(math.Inf(-1)), "-Inf"},
		{Scalar(nan), "NaN"},
		{&Tensor{}, "<empty>"},
		{FromSlice([]float64{1, 2.5, -3}), "[1 2.5 -3]"},
		{FromSlice(nil), "[]"},
		{New([]float64{7}, 1), "[7]"},
		{New([]float64{1, 2, 3, 4, 5, 6}, 2, 3), "[[1 2 3]\n [4 5 6]]"},
		{New([]float64{1, 2}, 2, 1), "[[1]\n [2]]"},
		{New([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2), "[[[1 2]\n  [3 4]]\n [[5 6]\n  [7 8]]]"},
		{New([]float64{1, 2}, 1, 1, 2), "[[[1 2]]]"},
		{Zeros(2, 0), "[[]\n []]"},
	} {
		if got := c.x.String(); got != c.want {
			t.Errorf("String of %v = %q, want %q", c.x.Shape(), got, c.want)
		}
	}
	if got := fmt.Sprint(New([]float64{1, 2}, 2)); got != "[1 2]" {
		t.Errorf("fmt.Sprint uses String: got %q", got)
	}
}

func TestDenseConversions(t *testing.T) {
	m := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	x := FromDense(m)
	checkShapeIs(t, "FromDense", x.Shape(), []int{2, 3})
	checkData(t, "FromDense", x.Data(), []float64{1, 2, 3, 4, 5, 6})
	m.Set(0, 0, 100)
	if x.At(0, 0) != 1 {
		t.Error("FromDense aliases the matrix")
	}
	// Any mat.Matrix, including a transposed view.
	xt := FromDense(m.T())
	checkShapeIs(t, "FromDense(T)", xt.Shape(), []int{3, 2})
	checkData(t, "FromDense(T)", xt.Data(), []float64{100, 4, 2, 5, 3, 6})

	v := mat.NewVecDense(3, []float64{1, -2, 3})
	xv := FromVec(v)
	checkShapeIs(t, "FromVec", xv.Shape(), []int{3})
	checkData(t, "FromVec", xv.Data(), []float64{1, -2, 3})
	v.SetVec(0, 50)
	if xv.At(0) != 1 {
		t.Error("FromVec aliases the vector")
	}

	for _, c := range []struct {
		x    *Tensor
		r, c int
	}{
		{New([]float64{1, 2, 3, 4, 5, 6}, 2, 3), 2, 3},
		{FromSlice([]float64{1, 2, 3}), 3, 1},
		{Scalar(5), 1, 1},
	} {
		d := ToDense(c.x)
		if r, cc := d.Dims(); r != c.r || cc != c.c {
			t.Errorf("ToDense(%v) is %d×%d, want %d×%d", c.x.Shape(), r, cc, c.r, c.c)
		}
		for i := range c.r {
			for j := range c.c {
				if d.At(i, j) != c.x.Data()[i*c.c+j] {
					t.Errorf("ToDense(%v)[%d, %d] = %v", c.x.Shape(), i, j, d.At(i, j))
				}
			}
		}
		d.Set(0, 0, -99)
		if c.x.Data()[0] == -99 {
			t.Errorf("ToDense(%v) aliases the tensor", c.x.Shape())
		}
		c.x.Data()[c.x.Size()-1] = 77
		if d.At(c.r-1, c.c-1) == 77 {
			t.Errorf("ToDense(%v): the matrix aliases the tensor", c.x.Shape())
		}

		vd := ToVecDense(c.x)
		if vd.Len() != c.x.Size() {
			t.Errorf("ToVecDense length %d", vd.Len())
		}
		for i := range vd.Len() {
			if vd.AtVec(i) != c.x.Data()[i] {
				t.Errorf("ToVecDense(%v)[%d] = %v", c.x.Shape(), i, vd.AtVec(i))
			}
		}
		vd.SetVec(0, 1234)
		if c.x.Data()[0] == 1234 {
			t.Error("ToVecDense aliases the tensor")
		}
	}
	// Round trip.
	rng := newRNG(18)
	r := randNormal(rng, 4, 5)
	if !Equal(FromDense(ToDense(r)), r) {
		t.Error("FromDense(ToDense(x)) != x")
	}
	if !Equal(FromVec(ToVecDense(r)), Reshape(r, -1)) {
		t.Error("FromVec(ToVecDense(x)) != x")
	}
	testutil.MustPanic(t, "ToDense 3-D", func() { ToDense(Zeros(2, 2, 2)) }, "tensor: ToDense", "[2 2 2]")
	testutil.MustPanic(t, "ToDense empty", func() { ToDense(Zeros(0, 3)) }, "tensor: ToDense", "[0 3]")
	testutil.MustPanic(t, "ToVecDense empty", func() { ToVecDense(Zeros(0)) }, "tensor: ToVecDense", "[0]")
}

func TestRandom(t *testing.T) {
	shape := []int{3, 4, 5}
	a := RandNormal(rand.New(rand.NewPCG(1, 2)), shape...)
	b := RandNormal(rand.New(rand.NewPCG(1, 2)), shape...)
	c := RandNormal(rand.New(rand.NewPCG(1, 3)), shape...)
	checkShapeIs(t, "RandNormal", a.Shape(), shape)
	if !Equal(a, b) {
		t.Error("RandNormal is not repeatable with the same seed")
	}
	if Equal(a, c) {
		t.Error("RandNormal gives the same values for different seeds")
	}
	// The elements are the source's NormFloat64 draws, in row-major order.
	src := rand.New(rand.NewPCG(1, 2))
	for i, v := range a.Data() {
		if w := src.NormFloat64(); v != w {
			t.Fatalf("RandNormal element %d = %v, want %v", i, v, w)
		}
	}

	u := RandUniform(rand.New(rand.NewPCG(7, 7)), -2, 3, 10, 10)
	u2 := RandUniform(rand.New(rand.NewPCG(7, 7)), -2, 3, 10, 10)
	checkShapeIs(t, "RandUniform", u.Shape(), []int{10, 10})
	if !Equal(u, u2) {
		t.Error("RandUniform is not repeatable with the same seed")
	}
	src = rand.New(rand.NewPCG(7, 7))
	for i, v := range u.Data() {
		if v < -2 || v >= 3 {
			t.Errorf("RandUniform element %v outside [-2, 3)", v)
		}
		if w := -2 + 5*src.Float64(); v != w {
			t.Fatalf("RandUniform element %d = %v, want %v", i, v, w)
		}
	}

	// The largest draw, 1−2⁻⁵³, rounds lo + (hi−lo)·u up to hi for some
	// intervals; the result must stay below hi.
	for _, c := range [][2]float64{{1, 2}, {-2, 3}, {0, 1}, {-1, 0}, {10, 10.5}} {
		for _, v := range RandUniform(rand.New(maxSource{}), c[0], c[1], 3).Data() {
			if v < c[0] || v >= c[1] {
				t.Errorf("RandUniform on [%v, %v) gave %v for the largest draw", c[0], c[1], v)
			}
		}
	}

	// Moments, with bounds of several standard errors.
	const n = 20000
	z := RandNormal(rand.New(rand.NewPCG(9, 9)), n)
	mean := SumAll(z) / n
	vr := SumAll(Square(AddScalar(z, -mean))) / (n - 1)
	if math.Abs(mean) > 5/math.Sqrt(n) || math.Abs(vr-1) > 5*math.Sqrt(2.0/n) {
		t.Errorf("RandNormal: mean %v, variance %v", mean, vr)
	}
	w := RandUniform(rand.New(rand.NewPCG(9, 9)), 1, 3, n)
	if m := SumAll(w) / n; math.Abs(m-2) > 5*math.Sqrt(1.0/3/n) {
		t.Errorf("RandUniform on [1, 3): mean %v", m)
	}
	if e := RandNormal(rand.New(rand.NewPCG(1, 1))); e.Dims() != 0 || e.Size() != 1 {
		t.Errorf("RandNormal with no shape gives %v", e.Shape())
	}
}

// maxSource is a rand.Source that always returns the largest value, so that
// Float64 returns 1−2⁻⁵³.
type maxSource struct{}

func (maxSource) Uint64() uint64 { return math.MaxUint64 }
