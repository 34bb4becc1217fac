package tensor

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor/internal/gemm"
	"github.com/curvature-go/curvature/tensor/internal/vecmath"
)

// The hot transcendental loops, on the vectorised kernels of
// tensor/internal/vecmath (AVX2/FMA assembly on amd64, pure Go elsewhere).

func vecExp(out, x []float64)     { vecmath.Exp(out, x) }
func vecLog(out, x []float64)     { vecmath.Log(out, x) }
func vecTanh(out, x []float64)    { vecmath.Tanh(out, x) }
func vecSigmoid(out, x []float64) { vecmath.Sigmoid(out, x) }

// TanhGradTo sets dst = g⊙(1−y²), the backward pass of tanh given its
// output y, in one fused pass, and returns dst (a nil dst is allocated).
// All three must have one shape.
func TanhGradTo(dst, g, y *Tensor) *Tensor {
	dst = fusedDst("tensor: TanhGrad", dst, g, y)
	vecmath.TanhGrad(dst.data, g.data, y.data)
	return dst
}

// SigmoidGradTo sets dst = g⊙y⊙(1−y), the backward pass of the sigmoid
// given its output y, in one fused pass, and returns dst.
func SigmoidGradTo(dst, g, y *Tensor) *Tensor {
	dst = fusedDst("tensor: SigmoidGrad", dst, g, y)
	vecmath.SigmoidGrad(dst.data, g.data, y.data)
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
