package vec

import (
	"fmt"
	"unsafe"

	"github.com/curvature-go/curvature/internal/overlap"
)

// Add sets dst[i] = a[i] + b[i].
func Add(dst, a, b []float64) {
	check2("Add", dst, a, b)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { add(dst[lo:hi], a[lo:hi], b[lo:hi]) })
		return
	}
	add(dst, a, b)
}

// Sub sets dst[i] = a[i] − b[i].
func Sub(dst, a, b []float64) {
	check2("Sub", dst, a, b)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { sub(dst[lo:hi], a[lo:hi], b[lo:hi]) })
		return
	}
	sub(dst, a, b)
}

// Mul sets dst[i] = a[i]·b[i].
func Mul(dst, a, b []float64) {
	check2("Mul", dst, a, b)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { mul(dst[lo:hi], a[lo:hi], b[lo:hi]) })
		return
	}
	mul(dst, a, b)
}

// Div sets dst[i] = a[i] / b[i].
func Div(dst, a, b []float64) {
	check2("Div", dst, a, b)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { div(dst[lo:hi], a[lo:hi], b[lo:hi]) })
		return
	}
	div(dst, a, b)
}

// AddScalar sets dst[i] = a[i] + s. (a[i] − s is AddScalar with −s, which
// IEEE 754 defines to be the same.)
func AddScalar(dst, a []float64, s float64) {
	check1("AddScalar", dst, a)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { addScalar(dst[lo:hi], a[lo:hi], s) })
		return
	}
	addScalar(dst, a, s)
}

// ScalarSub sets dst[i] = s − b[i].
func ScalarSub(dst []float64, s float64, b []float64) {
	check1("ScalarSub", dst, b)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { scalarSub(dst[lo:hi], s, b[lo:hi]) })
		return
	}
	scalarSub(dst, s, b)
}

// Scale sets dst[i] = s·a[i].
func Scale(dst []float64, s float64, a []float64) {
	check1("Scale", dst, a)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { scale(dst[lo:hi], s, a[lo:hi]) })
		return
	}
	scale(dst, s, a)
}

// DivScalar sets dst[i] = a[i] / s (a true division, not a product with
// 1/s, which rounds differently).
func DivScalar(dst, a []float64, s float64) {
	check1("DivScalar", dst, a)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { divScalar(dst[lo:hi], a[lo:hi], s) })
		return
	}
	divScalar(dst, a, s)
}

// ScalarDiv sets dst[i] = s / b[i].
func ScalarDiv(dst []float64, s float64, b []float64) {
	check1("ScalarDiv", dst, b)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { scalarDiv(dst[lo:hi], s, b[lo:hi]) })
		return
	}
	scalarDiv(dst, s, b)
}

// MulAdd sets dst[i] = a[i]·b[i] + c[i], the product rounded before the
// addition (not a fused multiply-add). With c = dst it accumulates:
// dst[i] += a[i]·b[i].
func MulAdd(dst, a, b, c []float64) {
	check2("MulAdd", dst, a, b)
	check1("MulAdd", dst, c)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { mulAdd(dst[lo:hi], a[lo:hi], b[lo:hi], c[lo:hi]) })
		return
	}
	mulAdd(dst, a, b, c)
}

// Axpy sets dst[i] = s·a[i] + b[i], the product rounded before the
// addition. With b = dst it accumulates: dst[i] += s·a[i].
func Axpy(dst []float64, s float64, a, b []float64) {
	check2("Axpy", dst, a, b)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { axpy(dst[lo:hi], s, a[lo:hi], b[lo:hi]) })
		return
	}
	axpy(dst, s, a, b)
}

// MulScaled sets dst[i] = (s·a[i])·b[i], rounding s·a[i] first (for
// s = ±2 or another power of two that is exact unless it overflows or
// underflows).
func MulScaled(dst []float64, s float64, a, b []float64) {
	check2("MulScaled", dst, a, b)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { mulScaled(dst[lo:hi], s, a[lo:hi], b[lo:hi]) })
		return
	}
	mulScaled(dst, s, a, b)
}

// MulScaledAdd sets dst[i] = (s·a[i])·b[i] + c[i], each product rounded
// before the next operation. With c = dst it accumulates.
func MulScaledAdd(dst []float64, s float64, a, b, c []float64) {
	check2("MulScaledAdd", dst, a, b)
	check1("MulScaledAdd", dst, c)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { mulScaledAdd(dst[lo:hi], s, a[lo:hi], b[lo:hi], c[lo:hi]) })
		return
	}
	mulScaledAdd(dst, s, a, b, c)
}

// Relu sets dst[i] = max(a[i], 0): a[i] where a[i] > 0, +0 where
// a[i] ≤ 0 (−0 included), and NaN for NaN.
func Relu(dst, a []float64) {
	check1("Relu", dst, a)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { relu(dst[lo:hi], a[lo:hi]) })
		return
	}
	relu(dst, a)
}

// Step sets dst[i] = s where a[i] > 0 and +0 elsewhere (NaN included):
// with s = 1 the derivative of Relu.
func Step(dst []float64, s float64, a []float64) {
	check1("Step", dst, a)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { step(dst[lo:hi], s, a[lo:hi]) })
		return
	}
	step(dst, s, a)
}

// MaskMul sets dst[i] = a[i]·m[i] where m[i] ≠ 0 and +0 where m[i] = 0,
// even where a[i] is ±Inf or NaN (the product with a mask of a rule that
// must not let Inf·0 turn into NaN).
func MaskMul(dst, a, m []float64) {
	check2("MaskMul", dst, a, m)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { maskMul(dst[lo:hi], a[lo:hi], m[lo:hi]) })
		return
	}
	maskMul(dst, a, m)
}

// Square sets dst[i] = a[i]·a[i].
func Square(dst, a []float64) {
	check1("Square", dst, a)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { square(dst[lo:hi], a[lo:hi]) })
		return
	}
	square(dst, a)
}

// Gather sets dst[j] = src[j·step] for every j; src must hold at least
// (len(dst)−1)·step + 1 elements, step must be positive, and dst and src
// must not overlap.
func Gather(dst, src []float64, step int) {
	checkStrided("Gather", dst, src, step)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { gather(dst[lo:hi], src[lo*step:], step) })
		return
	}
	gather(dst, src, step)
}

// Scatter sets dst[j·step] = src[j] for every j and leaves the other
// elements of dst alone; dst must hold at least (len(src)−1)·step + 1
// elements, step must be positive, and dst and src must not overlap.
func Scatter(dst, src []float64, step int) {
	checkStrided("Scatter", src, dst, step)
	if w := Workers(len(src)); w > 1 {
		For(len(src), w, func(lo, hi int) { scatterGeneric(dst[lo*step:], src[lo:hi], step) })
		return
	}
	scatterGeneric(dst, src, step)
}

// ScatterAdd sets dst[j·step] += src[j] for every j, with the requirements
// of Scatter.
func ScatterAdd(dst, src []float64, step int) {
	checkStrided("ScatterAdd", src, dst, step)
	if w := Workers(len(src)); w > 1 {
		For(len(src), w, func(lo, hi int) { scatterAdd(dst[lo*step:], src[lo:hi], step) })
		return
	}
	scatterAdd(dst, src, step)
}

func check1(op string, dst, a []float64) {
	if len(dst) != len(a) {
		panic(fmt.Sprintf("vec: %s: length mismatch dst %d, operand %d", op, len(dst), len(a)))
	}
	if partialOverlap(dst, a) {
		panic(fmt.Sprintf("vec: %s: dst partially overlaps an operand", op))
	}
}

func check2(op string, dst, a, b []float64) {
	if len(dst) != len(a) || len(dst) != len(b) {
		panic(fmt.Sprintf("vec: %s: length mismatch dst %d, a %d, b %d", op, len(dst), len(a), len(b)))
	}
	if partialOverlap(dst, a) || partialOverlap(dst, b) {
		panic(fmt.Sprintf("vec: %s: dst partially overlaps an operand", op))
	}
}

// checkStrided checks the operands of Gather (dense d, strided s) and of
// Scatter (the same roles swapped).
func checkStrided(op string, d, s []float64, step int) {
	if step < 1 {
		panic(fmt.Sprintf("vec: %s: step %d", op, step))
	}
	if len(d) > 0 && len(s) < (len(d)-1)*step+1 {
		panic(fmt.Sprintf("vec: %s: %d elements at step %d need %d, have %d", op, len(d), step, (len(d)-1)*step+1, len(s)))
	}
	if !overlap.Disjoint(d, s) {
		panic(fmt.Sprintf("vec: %s: dst and src overlap", op))
	}
}

// partialOverlap reports whether a and b share memory without starting at
// the same element. (Same start and equal length, the permitted aliasing,
// is the only overlap the callers allow; their lengths are already equal.)
func partialOverlap(a, b []float64) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	if unsafe.SliceData(a) == unsafe.SliceData(b) {
		return false
	}
	return !overlap.Disjoint(a, b)
}
