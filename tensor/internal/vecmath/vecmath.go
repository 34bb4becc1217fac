package vecmath

import (
	"fmt"
	"unsafe"
)

// Exp sets dst[i] = e^x[i] for every i. dst and x must have the same length;
// dst may be x itself but must not otherwise overlap it.
//
// The result is within 0.74 ulp of the exact value (measured; 0.56 ulp when
// it is a normal number) and within 2 ulp of math.Exp; NaN, ±Inf, overflow
// and underflow give what math.Exp gives. It costs about 1.5 ns per element
// with AVX2 and FMA, and about as much as math.Exp in pure Go. Algorithm:
// Cody–Waite reduction and a Remez polynomial, summed with its rounding
// errors (see the package documentation).
func Exp(dst, x []float64) {
	if len(dst) == 1 && len(x) == 1 && scalarFMA() { // one element (scalar code): the kernels' own scalar path, without the dispatch
		dst[0] = exp1(x[0])
		return
	}
	checkUnary("Exp", dst, x)
	expVec(dst, x)
}

// Log sets dst[i] = ln x[i] for every i. dst and x must have the same
// length; dst may be x itself but must not otherwise overlap it.
//
// The result is within 0.6 ulp of the exact value (measured) and within
// 1 ulp of math.Log; ±0 give −Inf, negative inputs and NaN give NaN, +Inf
// gives +Inf. Subnormal inputs get their correctly rounded logarithm, as
// from the portable math.Log (the amd64 assembly math.Log does not
// normalise them, golang.org/issue/56600). It costs about 1.8 ns per
// element with AVX2 and FMA, and about as much as math.Log in pure Go.
// Algorithm: exponent split at √2/2 and a Remez polynomial in s = f/(2+f)
// (see the package documentation).
func Log(dst, x []float64) {
	if len(dst) == 1 && len(x) == 1 && scalarFMA() { // one element (scalar code): the kernels' own scalar path, without the dispatch
		dst[0] = log1(x[0])
		return
	}
	checkUnary("Log", dst, x)
	logVec(dst, x)
}

// Tanh sets dst[i] = tanh x[i] for every i. dst and x must have the same
// length; dst may be x itself but must not otherwise overlap it.
//
// The result is within 0.6 ulp of the exact value (measured) and within
// 1 ulp of math.Tanh; the sign of zero is preserved, subnormal x give x,
// NaN gives NaN and ±Inf give ±1. It costs about 2.5 ns per element with
// AVX2 and FMA (math.Tanh: 10.5 ns), and about twice math.Tanh in pure Go.
// Algorithm: u/(u + 2) with u = e^{2|x|} − 1 from the Exp kernel, in
// extended precision (see the package documentation).
func Tanh(dst, x []float64) {
	if len(dst) == 1 && len(x) == 1 && scalarFMA() { // one element (scalar code): the kernels' own scalar path, without the dispatch
		dst[0] = tanh1(x[0])
		return
	}
	checkUnary("Tanh", dst, x)
	tanhVec(dst, x)
}

// Sigmoid sets dst[i] = 1/(1 + e^(−x[i])) for every i. dst and x must have
// the same length; dst may be x itself but must not otherwise overlap it.
//
// The result is within 0.75 ulp of the exact value (measured) over the
// whole float64 range, including large negative x, where σ(x) ≈ e^x is tiny
// and the textbook formula overflows to 0 or loses accuracy; NaN gives NaN,
// +Inf gives 1 and −Inf gives 0. It costs about 2.5 ns per element with AVX2
// and FMA, and about twice 1/(1+math.Exp(−x)) in pure Go. Algorithm: e^(−|x|) from the Exp kernel and a quotient corrected
// by its exact residual (see the package documentation).
func Sigmoid(dst, x []float64) {
	if len(dst) == 1 && len(x) == 1 && scalarFMA() { // one element (scalar code): the kernels' own scalar path, without the dispatch
		dst[0] = sigmoid1(x[0])
		return
	}
	checkUnary("Sigmoid", dst, x)
	sigmoidVec(dst, x)
}

// TanhGrad sets dst[i] = g[i]·(1 − y[i]²) for every i: the backward pass of
// y = tanh(x), given the output y and the upstream gradient g. All three
// slices must have the same length; dst may be g or y but must not
// otherwise overlap them.
//
// 1 − y² is one fused multiply-add, correctly rounded even as |y| → 1, so
// the result is within 1.5 ulp of g·(1 − y²); NaN and ±Inf propagate as in
// the plain expression. It costs 0.1–0.3 ns per element (memory bound) with
// AVX2 and FMA.
func TanhGrad(dst, g, y []float64) {
	if len(dst) == 1 && len(g) == 1 && len(y) == 1 && scalarFMA() {
		dst[0] = tanhGrad1(g[0], y[0])
		return
	}
	checkBinary("TanhGrad", dst, g, y)
	tanhGradVec(dst, g, y)
}

// SigmoidGrad sets dst[i] = g[i]·y[i]·(1 − y[i]) for every i: the backward
// pass of y = σ(x), given the output y and the upstream gradient g. All
// three slices must have the same length; dst may be g or y but must not
// otherwise overlap them.
//
// y·(1 − y) is one fused y − y·y, correctly rounded, so the result is
// within 1.5 ulp of g·y·(1 − y); NaN and ±Inf propagate as in the plain
// expression. It costs 0.2–0.3 ns per element (memory bound) with AVX2 and
// FMA.
func SigmoidGrad(dst, g, y []float64) {
	if len(dst) == 1 && len(g) == 1 && len(y) == 1 && scalarFMA() {
		dst[0] = sigmoidGrad1(g[0], y[0])
		return
	}
	checkBinary("SigmoidGrad", dst, g, y)
	sigmoidGradVec(dst, g, y)
}

func checkUnary(op string, dst, x []float64) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("vecmath: %s: length mismatch dst %d, x %d", op, len(dst), len(x)))
	}
	if partialOverlap(dst, x) {
		panic(fmt.Sprintf("vecmath: %s: dst partially overlaps x", op))
	}
}

func checkBinary(op string, dst, g, y []float64) {
	if len(dst) != len(g) || len(dst) != len(y) {
		panic(fmt.Sprintf("vecmath: %s: length mismatch dst %d, g %d, y %d", op, len(dst), len(g), len(y)))
	}
	if partialOverlap(dst, g) {
		panic(fmt.Sprintf("vecmath: %s: dst partially overlaps g", op))
	}
	if partialOverlap(dst, y) {
		panic(fmt.Sprintf("vecmath: %s: dst partially overlaps y", op))
	}
}

// partialOverlap reports whether a and b share memory without starting at
// the same element. (Same start and equal length, the permitted aliasing,
// is the only overlap the callers allow; their lengths are already equal.)
func partialOverlap(a, b []float64) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	pb := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if pa == pb {
		return false
	}
	const size = unsafe.Sizeof(float64(0))
	return pa < pb+uintptr(len(b))*size && pb < pa+uintptr(len(a))*size
}
