package tensor

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// The hot transcendental loops. They are kept apart so that the vectorised
// kernels of tensor/internal/vecmath can replace them in one place.

func vecExp(out, x []float64) {
	for i, v := range x {
		out[i] = math.Exp(v)
	}
}

func vecLog(out, x []float64) {
	for i, v := range x {
		out[i] = math.Log(v)
	}
}

func vecTanh(out, x []float64) {
	for i, v := range x {
		out[i] = math.Tanh(v)
	}
}

func vecSigmoid(out, x []float64) {
	for i, v := range x {
		if v >= 0 {
			out[i] = 1 / (1 + math.Exp(-v))
		} else {
			e := math.Exp(v)
			out[i] = e / (1 + e)
		}
	}
}

// dgemm computes C = op(A)·op(B) + beta·C for row-major matrices.
func dgemm(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	blas64.Implementation().Dgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}
