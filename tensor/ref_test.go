package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// This file holds the slow, obviously correct reference implementations and
// the helpers that the tests of this package share. Nothing here calls the
// code under test except the constructors New and Data, whose own tests are
// in tensor_test.go.

// refSize returns the product of shape.
func refSize(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// refBroadcastShape applies NumPy's broadcasting rule dimension by
// dimension, aligning the shapes at the right. ok is false when the shapes
// are incompatible.
func refBroadcastShape(a, b []int) (out []int, ok bool) {
	n := max(len(a), len(b))
	out = make([]int, n)
	for j := range n {
		da, db := 1, 1
		if k := j - (n - len(a)); k >= 0 {
			da = a[k]
		}
		if k := j - (n - len(b)); k >= 0 {
			db = b[k]
		}
		switch {
		case da == db:
			out[j] = da
		case da == 1:
			out[j] = db
		case db == 1:
			out[j] = da
		default:
			return nil, false
		}
	}
	return out, true
}

// forEachCoord calls f with every coordinate of shape in row-major order.
// The slice passed to f is reused between calls.
func forEachCoord(shape []int, f func(c []int)) {
	c := make([]int, len(shape))
	var rec func(d int)
	rec = func(d int) {
		if d == len(shape) {
			f(c)
			return
		}
		for i := 0; i < shape[d]; i++ {
			c[d] = i
			rec(d + 1)
		}
	}
	rec(0)
}

// refOffset returns the row-major offset of coordinate c in shape.
func refOffset(shape, c []int) int {
	if len(shape) != len(c) {
		panic("refOffset: rank mismatch")
	}
	off := 0
	for i, d := range shape {
		off = off*d + c[i]
	}
	return off
}

// refBroadcastOffset returns the offset, in a tensor of shape in, of the
// element that broadcasting maps to the output coordinate c: in is aligned
// with c at the right and its size-1 dimensions are pinned to index 0.
func refBroadcastOffset(in, c []int) int {
	lead := len(c) - len(in)
	off := 0
	for i, d := range in {
		x := c[lead+i]
		if d == 1 {
			x = 0
		}
		off = off*d + x
	}
	return off
}

// refBinary evaluates f elementwise under broadcasting, coordinate by
// coordinate.
func refBinary(f func(x, y float64) float64, a, b *Tensor) (shape []int, data []float64) {
	shape, ok := refBroadcastShape(a.Shape(), b.Shape())
	if !ok {
		panic("refBinary: incompatible shapes")
	}
	data = make([]float64, 0, refSize(shape))
	ad, bd := a.Data(), b.Data()
	forEachCoord(shape, func(c []int) {
		data = append(data, f(ad[refBroadcastOffset(a.Shape(), c)], bd[refBroadcastOffset(b.Shape(), c)]))
	})
	return shape, data
}

// refBroadcastTo repeats x to shape coordinate by coordinate.
func refBroadcastTo(x *Tensor, shape []int) []float64 {
	out := make([]float64, 0, refSize(shape))
	forEachCoord(shape, func(c []int) {
		out = append(out, x.Data()[refBroadcastOffset(x.Shape(), c)])
	})
	return out
}

// refSumTo sums x into shape (which broadcasts to x's shape) by adding each
// element of x into the element of the result it was broadcast from.
func refSumTo(x *Tensor, shape []int) []float64 {
	out := make([]float64, refSize(shape))
	i := 0
	forEachCoord(x.Shape(), func(c []int) {
		out[refBroadcastOffset(shape, c)] += x.Data()[i]
		i++
	})
	return out
}

// refReduce reduces x along axis (already normalised) with f, starting
// from init, and returns the result with the axis removed.
func refReduce(x *Tensor, axis int, init float64, f func(acc, v float64) float64) (shape []int, data []float64) {
	xs := x.Shape()
	for i, d := range xs {
		if i != axis {
			shape = append(shape, d)
		}
	}
	data = make([]float64, refSize(shape))
	for i := range data {
		data[i] = init
	}
	i := 0
	forEachCoord(xs, func(c []int) {
		rc := make([]int, 0, len(c))
		for j, v := range c {
			if j != axis {
				rc = append(rc, v)
			}
		}
		o := refOffset(shape, rc)
		data[o] = f(data[o], x.Data()[i])
		i++
	})
	return shape, data
}

// refDot returns the inner product of two equally long slices.
func refDot(a, b []float64) float64 {
	if len(a) != len(b) {
		panic("refDot: length mismatch")
	}
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// testValues are the values from which test tensors draw about half their
// elements, so that ties (for EqualMask), zeros and small integer powers
// are common.
var testValues = []float64{-2, -1, -0.5, 0, 0.5, 1, 2, 3}

// randTensor returns a tensor of the given shape whose elements are drawn
// from testValues and from a standard normal distribution.
func randTensor(rng *rand.Rand, shape ...int) *Tensor {
	d := make([]float64, refSize(shape))
	for i := range d {
		if rng.IntN(2) == 0 {
			d[i] = testValues[rng.IntN(len(testValues))]
		} else {
			d[i] = rng.NormFloat64()
		}
	}
	return New(d, shape...)
}

// randNormal returns a tensor of standard normal elements.
func randNormal(rng *rand.Rand, shape ...int) *Tensor {
	d := make([]float64, refSize(shape))
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return New(d, shape...)
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// sameFloat reports whether x and y are equal, counting two NaNs as equal.
func sameFloat(x, y float64) bool { return x == y || (x != x && y != y) }

// sameBits reports whether x and y are equal including the sign of zero,
// counting two NaNs as equal.
func sameBits(x, y float64) bool {
	if x != x || y != y {
		return x != x && y != y
	}
	return x == y && math.Signbit(x) == math.Signbit(y)
}

// ulpDiff returns the number of representable float64 values between x
// and y (0 for +0 and −0). It is meaningful for finite x and y.
func ulpDiff(x, y float64) uint64 {
	ord := func(v float64) int64 {
		b := int64(math.Float64bits(v))
		if b < 0 {
			b = math.MinInt64 - b
		}
		return b
	}
	a, b := ord(x), ord(y)
	if a > b {
		return uint64(a - b)
	}
	return uint64(b - a)
}

// checkData fails t if got and want differ (NaNs equal each other).
func checkData(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !sameFloat(got[i], want[i]) {
			t.Fatalf("%s: element %d = %v, want %v\ngot  %v\nwant %v", what, i, got[i], want[i], got, want)
		}
	}
}

// checkClose fails t unless |got−want| ≤ tol·max(1, |want|) elementwise.
func checkClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range got {
		if sameFloat(got[i], want[i]) {
			continue
		}
		if math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("%s: element %d = %v, want %v (tol %g)", what, i, got[i], want[i], tol)
		}
	}
}

// checkShape fails t if got is not want.
func checkShapeIs(t *testing.T, what string, got, want []int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: shape %v, want %v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: shape %v, want %v", what, got, want)
		}
	}
}

// nanFilled returns a tensor of the given shape full of NaN, as a
// destination that must be completely overwritten.
func nanFilled(shape ...int) *Tensor {
	d := make([]float64, refSize(shape))
	for i := range d {
		d[i] = math.NaN()
	}
	return New(d, shape...)
}

// TestReferenceHelpers checks the reference helpers themselves on cases
// small enough to verify by hand, so that a bug in them cannot hide one in
// the code under test.
func TestReferenceHelpers(t *testing.T) {
	if s, ok := refBroadcastShape([]int{4, 1, 3}, []int{1, 5, 1}); !ok || fmt.Sprint(s) != "[4 5 3]" {
		t.Errorf("refBroadcastShape = %v, %v", s, ok)
	}
	if _, ok := refBroadcastShape([]int{2, 3}, []int{2}); ok {
		t.Error("refBroadcastShape accepted [2 3] and [2]")
	}
	var coords []string
	forEachCoord([]int{2, 2}, func(c []int) { coords = append(coords, fmt.Sprint(c)) })
	if got := strings.Join(coords, ""); got != "[0 0][0 1][1 0][1 1]" {
		t.Errorf("forEachCoord order %s", got)
	}
	// x = [[1],[2]] broadcast against [10 20 30].
	x := New([]float64{1, 2}, 2, 1)
	y := New([]float64{10, 20, 30}, 3)
	shape, d := refBinary(func(a, b float64) float64 { return a + b }, x, y)
	if fmt.Sprint(shape, d) != "[2 3] [11 21 31 12 22 32]" {
		t.Errorf("refBinary = %v %v", shape, d)
	}
	if got := refSumTo(New([]float64{1, 2, 3, 4, 5, 6}, 2, 3), []int{3}); fmt.Sprint(got) != "[5 7 9]" {
		t.Errorf("refSumTo = %v", got)
	}
	if ulpDiff(1, math.Nextafter(1, 2)) != 1 || ulpDiff(math.Copysign(0, -1), 0) != 0 ||
		ulpDiff(-math.SmallestNonzeroFloat64, math.SmallestNonzeroFloat64) != 2 {
		t.Error("ulpDiff is wrong")
	}
}
