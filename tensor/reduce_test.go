package tensor

import (
	"fmt"
	"github.com/curvature-go/curvature/internal/testutil"
	"math"
	"testing"
)

func TestReduceAll(t *testing.T) {
	rng := newRNG(7)
	for _, shape := range [][]int{nil, {1}, {7}, {2, 3}, {2, 3, 4}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 2}} {
		x := randNormal(rng, shape...)
		sum, maxv := 0.0, math.Inf(-1)
		for _, v := range x.Data() {
			sum += v
			maxv = math.Max(maxv, v)
		}
		n := float64(refSize(shape))
		what := fmt.Sprint(shape)
		checkClose(t, "SumAll "+what, []float64{SumAll(x)}, []float64{sum}, 1e-14)
		for name, s := range map[string]*Tensor{"Sum": Sum(x), "Mean": Mean(x), "Max": Max(x)} {
			if s.Dims() != 0 || s.Size() != 1 {
				t.Errorf("%s %s: shape %v, want a scalar", name, what, s.Shape())
			}
		}
		checkClose(t, "Sum "+what, Sum(x).Data(), []float64{sum}, 1e-14)
		checkClose(t, "Mean "+what, Mean(x).Data(), []float64{sum / n}, 1e-14)
		if got := MaxAll(x); got != maxv {
			t.Errorf("MaxAll %s = %v, want %v", what, got, maxv)
		}
		if got := Max(x).Item(); got != maxv {
			t.Errorf("Max %s = %v, want %v", what, got, maxv)
		}
	}
	for _, c := range []struct {
		x    []float64
		want float64
	}{
		{[]float64{1, nan, 3}, nan},
		{[]float64{nan, 1, 3}, nan},
		{[]float64{1, 3, nan}, nan},
		{[]float64{-inf, -inf}, -inf},
		{[]float64{-1, inf, 2}, inf},
		{[]float64{-5, -3, -4}, -3},
	} {
		if got := MaxAll(FromSlice(c.x)); !sameFloat(got, c.want) {
			t.Errorf("MaxAll(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := SumAll(Zeros(0, 3)); got != 0 {
		t.Errorf("SumAll of empty = %v", got)
	}
	if got := MaxAll(Zeros(0, 3)); !math.IsInf(got, -1) {
		t.Errorf("MaxAll of empty = %v, want -Inf as documented", got)
	}
}

var axisShapes = [][]int{{5}, {1}, {2, 3}, {3, 1}, {2, 3, 4}, {3, 0, 2}, {2, 1, 3}, {0, 2}, {2, 1, 2, 1, 2, 1, 2, 1, 2}}

func TestReduceAxis(t *testing.T) {
	rng := newRNG(8)
	sum := func(acc, v float64) float64 { return acc + v }
	maxf := func(acc, v float64) float64 {
		if v > acc || v != v {
			return v
		}
		return acc
	}
	for _, shape := range axisShapes {
		x := randNormal(rng, shape...)
		if x.Size() > 2 {
			x.Data()[1] = nan // NaN wins in MaxAxis
		}
		x0 := x.Clone()
		for axis := -len(shape); axis < len(shape); axis++ {
			a := axis
			if a < 0 {
				a += len(shape)
			}
			for _, keep := range []bool{false, true} {
				what := fmt.Sprintf("%v axis=%d keep=%v", shape, axis, keep)
				wantShape, wantSum := refReduce(x, a, 0, sum)
				if keep {
					wantShape = append(append(append([]int(nil), shape[:a]...), 1), shape[a+1:]...)
				}
				checkShapeIs(t, "ReducedShape "+what, ReducedShape(shape, axis, keep), wantShape)

				got := SumAxis(x, axis, keep)
				checkShapeIs(t, "SumAxis "+what, got.Shape(), wantShape)
				checkClose(t, "SumAxis "+what, got.Data(), wantSum, 1e-14)
				dst := nanFilled(wantShape...)
				if SumAxisTo(dst, x, axis, keep) != dst {
					t.Fatal("SumAxisTo did not return dst")
				}
				checkClose(t, "SumAxisTo "+what, dst.Data(), wantSum, 1e-14)

				wantMean := make([]float64, len(wantSum))
				for i, s := range wantSum {
					wantMean[i] = s / float64(shape[a])
				}
				got = MeanAxis(x, axis, keep)
				checkShapeIs(t, "MeanAxis "+what, got.Shape(), wantShape)
				checkClose(t, "MeanAxis "+what, got.Data(), wantMean, 1e-14)

				_, wantMax := refReduce(x, a, math.Inf(-1), maxf)
				got = MaxAxis(x, axis, keep)
				checkShapeIs(t, "MaxAxis "+what, got.Shape(), wantShape)
				checkData(t, "MaxAxis "+what, got.Data(), wantMax)
				dst = nanFilled(wantShape...)
				if MaxAxisTo(dst, x, axis, keep) != dst {
					t.Fatal("MaxAxisTo did not return dst")
				}
				checkData(t, "MaxAxisTo "+what, dst.Data(), wantMax)
			}
		}
		if !sameBitsSlice(x.Data(), x0.Data()) {
			t.Fatalf("a reduction modified its input %v", shape)
		}
	}
}

// TestReduceAxisSizeOne reduces along an axis of size 1 with keepDims,
// where the result has the operand's shape and may be written over it.
func TestReduceAxisSizeOne(t *testing.T) {
	rng := newRNG(20)
	for _, shape := range [][]int{{1}, {2, 1, 3}, {1, 4}, {3, 1}} {
		for axis, d := range shape {
			if d != 1 {
				continue
			}
			x := randNormal(rng, shape...)
			want := x.Clone()
			y := x.Clone()
			SumAxisTo(y, y, axis, true)
			checkData(t, fmt.Sprintf("SumAxisTo(x, x) %v axis %d", shape, axis), y.Data(), want.Data())
			y = x.Clone()
			MaxAxisTo(y, y, axis, true)
			checkData(t, fmt.Sprintf("MaxAxisTo(x, x) %v axis %d", shape, axis), y.Data(), want.Data())
			checkData(t, "SumAxis over size 1", SumAxis(x, axis, false).Data(), want.Data())
		}
	}
}

func TestReduceAxisPanics(t *testing.T) {
	x := Zeros(2, 3)
	for _, axis := range []int{2, -3, 7} {
		msg := fmt.Sprintf("axis %d", axis)
		testutil.MustPanic(t, "SumAxis "+msg, func() { SumAxis(x, axis, false) }, "tensor: SumAxis", msg)
		testutil.MustPanic(t, "MeanAxis "+msg, func() { MeanAxis(x, axis, false) }, "tensor: MeanAxis", msg)
		testutil.MustPanic(t, "MaxAxis "+msg, func() { MaxAxis(x, axis, false) }, "tensor: MaxAxis", msg)
		testutil.MustPanic(t, "ReducedShape "+msg, func() { ReducedShape(x.Shape(), axis, false) }, "tensor:", msg)
	}
	testutil.MustPanic(t, "SumAxis of a scalar", func() { SumAxis(Scalar(1), 0, false) }, "tensor: SumAxis")
	// Destinations of the wrong shape, including ones of the right size and
	// ones for an empty reduction.
	for _, c := range []struct {
		x, dst []int
		axis   int
		keep   bool
	}{
		{[]int{2, 3}, []int{2}, 0, false},
		{[]int{2, 3}, []int{3, 1}, 0, false},
		{[]int{2, 3}, []int{3}, 0, true},
		{[]int{2, 3}, []int{1, 3}, 0, false},
		{[]int{0, 3}, []int{5}, 0, false},
		{[]int{0, 3}, []int{0}, 0, false},
		{[]int{2, 0}, []int{2, 0}, 1, false},
	} {
		what := fmt.Sprintf("%v axis=%d keep=%v into %v", c.x, c.axis, c.keep, c.dst)
		x, dst := Zeros(c.x...), Full(7, c.dst...)
		testutil.MustPanic(t, "SumAxisTo "+what, func() { SumAxisTo(dst, x, c.axis, c.keep) },
			"tensor: SumAxis", fmt.Sprint(c.dst), fmt.Sprint(c.x))
		if c.x[c.axis] > 0 {
			testutil.MustPanic(t, "MaxAxisTo "+what, func() { MaxAxisTo(dst, x, c.axis, c.keep) },
				"tensor: MaxAxis", fmt.Sprint(c.dst), fmt.Sprint(c.x))
		}
		for _, v := range dst.Data() {
			if v != 7 {
				t.Fatalf("%s: modified a destination of the wrong shape", what)
			}
		}
	}
}

// sumToPairs are (small, full) shape pairs where small broadcasts to full.
var sumToPairs = []struct{ small, full []int }{
	{nil, nil},
	{nil, []int{2, 3}},
	{[]int{1}, []int{4}},
	{nil, []int{1}},
	{[]int{4}, []int{4}},
	{[]int{3}, []int{2, 3}},
	{[]int{3}, []int{1, 3}},
	{[]int{2, 1}, []int{2, 3}},
	{[]int{1, 3}, []int{4, 2, 3}},
	{[]int{3, 1}, []int{2, 3, 4}},
	{[]int{2, 1, 4}, []int{2, 3, 4}},
	{[]int{1, 1}, []int{3, 4}},
	{[]int{4, 1, 3}, []int{4, 5, 3}},
	{[]int{1, 5, 1}, []int{4, 5, 3}},
	{[]int{2, 3, 4}, []int{2, 3, 4}},
	{[]int{1, 2, 1}, []int{3, 1, 2, 5}},
	{[]int{2, 1, 2, 1, 2, 1, 2, 1, 3}, []int{2, 2, 2, 2, 2, 2, 2, 2, 3}},
	{[]int{3}, []int{2, 1, 2, 1, 2, 1, 2, 1, 3}},
	{[]int{1, 2, 1, 2, 1, 2, 1, 2, 1, 2}, []int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}},
	{[]int{3}, []int{0, 3}},
	{[]int{1}, []int{0}},
	{[]int{0}, []int{2, 0}},
	{[]int{1, 3}, []int{2, 0, 3}},
}

func TestSumToBroadcastTo(t *testing.T) {
	rng := newRNG(9)
	for _, p := range sumToPairs {
		what := fmt.Sprintf("%v <-> %v", p.small, p.full)
		x, y := randNormal(rng, p.small...), randNormal(rng, p.full...)
		x0, y0 := x.Clone(), y.Clone()

		bx := BroadcastTo(x, p.full)
		checkShapeIs(t, "BroadcastTo "+what, bx.Shape(), p.full)
		checkData(t, "BroadcastTo "+what, bx.Data(), refBroadcastTo(x, p.full))
		dst := nanFilled(p.full...)
		if BroadcastToTo(dst, x, p.full) != dst {
			t.Fatal("BroadcastToTo did not return dst")
		}
		checkData(t, "BroadcastToTo "+what, dst.Data(), bx.Data())

		sy := SumTo(y, p.small)
		checkShapeIs(t, "SumTo "+what, sy.Shape(), p.small)
		checkClose(t, "SumTo "+what, sy.Data(), refSumTo(y, p.small), 1e-13)
		dst = nanFilled(p.small...)
		if SumToTo(dst, y, p.small) != dst {
			t.Fatal("SumToTo did not return dst")
		}
		checkData(t, "SumToTo "+what, dst.Data(), sy.Data())

		// SumTo is the adjoint of BroadcastTo: <B x, y> = <x, Bᵀ y>.
		lhs, rhs := refDot(bx.Data(), y.Data()), refDot(x.Data(), sy.Data())
		if math.Abs(lhs-rhs) > 1e-12*(1+math.Abs(lhs)) {
			t.Errorf("%s: <BroadcastTo(x), y> = %v but <x, SumTo(y)> = %v", what, lhs, rhs)
		}
		if !Equal(x, x0) || !Equal(y, y0) {
			t.Fatalf("%s: an operand was modified", what)
		}
	}
}

// TestSumToAdjointRandom checks the adjoint identity on random pairs of
// shapes.
func TestSumToAdjointRandom(t *testing.T) {
	rng := newRNG(10)
	for range 200 {
		full := make([]int, rng.IntN(6))
		for i := range full {
			full[i] = 1 + rng.IntN(3)
		}
		small := append([]int(nil), full[rng.IntN(len(full)+1):]...)
		for i := range small {
			if rng.IntN(2) == 0 {
				small[i] = 1
			}
		}
		x, y := randNormal(rng, small...), randNormal(rng, full...)
		lhs := refDot(BroadcastTo(x, full).Data(), y.Data())
		rhs := refDot(x.Data(), SumTo(y, small).Data())
		if math.Abs(lhs-rhs) > 1e-12*(1+math.Abs(lhs)) {
			t.Errorf("%v <-> %v: <BroadcastTo(x), y> = %v but <x, SumTo(y)> = %v", small, full, lhs, rhs)
		}
	}
}

func TestSumToBroadcastToPanics(t *testing.T) {
	for _, p := range []struct{ small, full []int }{
		{[]int{2}, []int{3}},
		{[]int{2, 3}, []int{3}},
		{[]int{3, 1}, []int{2, 3}},
		{[]int{2}, []int{1}},
	} {
		what := fmt.Sprintf("%v <-> %v", p.small, p.full)
		testutil.MustPanic(t, "SumTo "+what, func() { SumTo(Zeros(p.full...), p.small) },
			"tensor: SumTo", fmt.Sprint(p.small), fmt.Sprint(p.full))
		testutil.MustPanic(t, "BroadcastTo "+what, func() { BroadcastTo(Zeros(p.small...), p.full) },
			"tensor: BroadcastTo", fmt.Sprint(p.small), fmt.Sprint(p.full))
	}
	testutil.MustPanic(t, "SumToTo dst", func() { SumToTo(Zeros(2), Zeros(2, 3), []int{3}) },
		"tensor: SumTo", "destination shape", "[2]", "[3]")
	testutil.MustPanic(t, "BroadcastToTo dst", func() { BroadcastToTo(Zeros(3, 2), Zeros(3), []int{2, 3}) },
		"tensor: BroadcastTo", "destination shape", "[3 2]", "[2 3]")
}

// TestShapeArgumentsNotRetained checks that functions taking a shape slice
// do not keep it in their result: changing the slice afterwards must not
// change the result's shape.
func TestShapeArgumentsNotRetained(t *testing.T) {
	cases := map[string]func(s []int) *Tensor{
		"SumTo":       func(s []int) *Tensor { return SumTo(Zeros(4, 3), s) },
		"BroadcastTo": func(s []int) *Tensor { return BroadcastTo(Zeros(3), s) },
		"UnsliceTo":   func(s []int) *Tensor { return UnsliceTo(nil, Zeros(4, 1), s, 1, 0, 1, 1) },
		"New":         func(s []int) *Tensor { return New(make([]float64, 12), s...) },
		"Zeros":       func(s []int) *Tensor { return Zeros(s...) },
		"Full":        func(s []int) *Tensor { return Full(1, s...) },
		"Reshape":     func(s []int) *Tensor { return Reshape(Zeros(12), s...) },
	}
	for name, f := range cases {
		var s []int
		if name == "SumTo" {
			s = []int{1, 3}
		} else {
			s = []int{4, 3}
		}
		want := append([]int(nil), s...)
		x := f(s)
		s[0], s[1] = 99, 98
		checkShapeIs(t, name+" after the caller changed its shape slice", x.Shape(), want)
	}
}
