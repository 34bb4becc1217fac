package tensor

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor/internal/gemm"
	"github.com/curvature-go/curvature/tensor/internal/vec"
	"github.com/curvature-go/curvature/tensor/internal/vecmath"
)

// The hot transcendental loops, on the vectorised kernels of
// tensor/internal/vecmath (AVX2/FMA assembly on amd64, pure Go elsewhere),
// split over the goroutines GOMAXPROCS allows from heavyParallelMin
// elements on. Each element is computed alone, so the split cannot change
// a result.

func vecExp(out, x []float64)     { heavy(vecmath.Exp, out, x) }
func vecLog(out, x []float64)     { heavy(vecmath.Log, out, x) }
func vecTanh(out, x []float64)    { heavy(vecmath.Tanh, out, x) }
func vecSigmoid(out, x []float64) { heavy(vecmath.Sigmoid, out, x) }

// heavyParallelMin is the length from which the transcendental kernels
// (1.5–2.5 ns per element on one core, bound by arithmetic rather than by
// memory) are split over goroutines. Measured with
// BenchmarkParallelThresholdHeavy on the two cores of a shared Intel Xeon
// virtual machine while it was otherwise idle, two goroutines ran Tanh
// 1.46–1.49 times as fast as one at 2¹² elements and Exp 1.27–1.29
// (medians of three runs), both 1.7–1.8 at 2¹⁴ and 1.9 at 2¹⁶; at 2¹¹ Tanh
// 1.14–1.20 and Exp 0.96–0.98.
const heavyParallelMin = 1 << 12

// heavy applies the kernel f to x, into out, on up to as many goroutines as
// GOMAXPROCS allows, at least heavyParallelMin/2 elements each.
func heavy(f func(out, x []float64), out, x []float64) {
	if len(out) != len(x) {
		f(out, x) // the kernel's panic names the lengths
		return
	}
	if w := vec.WorkersFrom(len(out), heavyParallelMin); w > 1 {
		vec.For(len(out), w, func(lo, hi int) { f(out[lo:hi], x[lo:hi]) })
		return
	}
	f(out, x)
}

// fused2 is heavy for the memory-bound fused backward kernels of three
// slices (TanhGrad, SigmoidGrad), split from vec.ParallelMin on.
func fused2(f func(dst, g, y []float64), dst, g, y []float64) {
	if len(g) != len(dst) || len(y) != len(dst) {
		f(dst, g, y)
		return
	}
	if w := vec.Workers(len(dst)); w > 1 {
		vec.For(len(dst), w, func(lo, hi int) { f(dst[lo:hi], g[lo:hi], y[lo:hi]) })
		return
	}
	f(dst, g, y)
}

// TanhGradTo sets dst = g⊙(1−y²), the backward pass of tanh given its
// output y, in one fused pass, and returns dst (a nil dst is allocated).
// All three must have one shape.
func TanhGradTo(dst, g, y *Tensor) *Tensor {
	dst = fusedDst("tensor: TanhGrad", dst, g, y)
	fused2(vecmath.TanhGrad, dst.data, g.data, y.data)
	return dst
}

// SigmoidGradTo sets dst = g⊙y⊙(1−y), the backward pass of the sigmoid
// given its output y, in one fused pass, and returns dst.
func SigmoidGradTo(dst, g, y *Tensor) *Tensor {
	dst = fusedDst("tensor: SigmoidGrad", dst, g, y)
	fused2(vecmath.SigmoidGrad, dst.data, g.data, y.data)
	return dst
}

// fusedDst checks that g and y have one shape and returns the destination
// of a fused backward kernel (see prepareDst).
func fusedDst(op string, dst, g, y *Tensor) *Tensor {
	if !SameShape(g.shape, y.shape) {
		panic(fmt.Sprintf("%s: shapes %v and %v differ", op, g.shape, y.shape))
	}
	return prepareDst(op, dst, y.shape)
}

// dgemm computes C = op(A)·op(B) + beta·C for row-major matrices, on the
// packed, register-blocked kernels of tensor/internal/gemm.
func dgemm(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm.Dgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}
