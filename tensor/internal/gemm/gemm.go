package gemm

import (
	"fmt"
	"runtime"
)

// Dgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices,
// where op(X) is X when the corresponding trans flag is false and Xᵀ when it
// is true. op(A) is m×k, op(B) is k×n and C is m×n; lda, ldb and ldc are the
// row strides of the stored a, b and c, exactly as in gonum's row-major
// blas64 Dgemm, whose semantics Dgemm follows: when beta is zero C is
// overwritten without being read (so NaN in C does not propagate), and when k
// or alpha is zero C is only scaled by beta.
//
// Dgemm costs 2·m·n·k floating-point operations. Large products use packed,
// cache-blocked panels and a register-blocked micro-kernel (AVX2/FMA assembly
// on amd64 CPUs that support it, portable Go otherwise), following Goto and
// van de Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS
// 34(3), 2008. Products of at least 2¹⁷ multiply-adds (about 51³) are split
// over up to runtime.GOMAXPROCS(0) goroutines, all of which have finished when
// Dgemm returns; products of at most 6³ multiply-adds, and those with m or n
// equal to 1, use a direct loop. Dgemm does not retain a, b or c.
//
// Dgemm panics with a message starting "gemm: " if a dimension is negative, a
// stride is smaller than the row length it must hold, or a slice is too short
// for the matrix it must hold; it then has not modified c.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	dgemm(bestKernel, workers(m, n, k, runtime.GOMAXPROCS(0)), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// checkArgs panics if the arguments of Dgemm do not describe valid matrices.
// The checks and their order follow the reference BLAS (and gonum).
func checkArgs(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if m < 0 {
		panic(fmt.Sprintf("gemm: Dgemm: m = %d < 0", m))
	}
	if n < 0 {
		panic(fmt.Sprintf("gemm: Dgemm: n = %d < 0", n))
	}
	if k < 0 {
		panic(fmt.Sprintf("gemm: Dgemm: k = %d < 0", k))
	}
	// Row lengths of the stored (untransposed) a and b, and their row counts.
	aCols, aRows := k, m
	if transA {
		aCols, aRows = m, k
	}
	bCols, bRows := n, k
	if transB {
		bCols, bRows = k, n
	}
	if lda < max(1, aCols) {
		panic(fmt.Sprintf("gemm: Dgemm: lda = %d < max(1, %d) (transA = %t, m = %d, k = %d)", lda, aCols, transA, m, k))
	}
	if ldb < max(1, bCols) {
		panic(fmt.Sprintf("gemm: Dgemm: ldb = %d < max(1, %d) (transB = %t, k = %d, n = %d)", ldb, bCols, transB, k, n))
	}
	if ldc < max(1, n) {
		panic(fmt.Sprintf("gemm: Dgemm: ldc = %d < max(1, n = %d)", ldc, n))
	}
	if m == 0 || n == 0 {
		return
	}
	if need := (aRows-1)*lda + aCols; len(a) < need {
		panic(fmt.Sprintf("gemm: Dgemm: len(a) = %d < %d for a %d×%d matrix with lda = %d", len(a), need, aRows, aCols, lda))
	}
	if need := (bRows-1)*ldb + bCols; len(b) < need {
		panic(fmt.Sprintf("gemm: Dgemm: len(b) = %d < %d for a %d×%d matrix with ldb = %d", len(b), need, bRows, bCols, ldb))
	}
	if need := (m-1)*ldc + n; len(c) < need {
		panic(fmt.Sprintf("gemm: Dgemm: len(c) = %d < %d for a %d×%d matrix with ldc = %d", len(c), need, m, n, ldc))
	}
}

// Size thresholds, in multiply-adds (m·n·k).
const (
	// directMaxWork is the largest product computed by the direct loop;
	// below it packing costs more than it saves.
	directMaxWork = 6 * 6 * 6

	// parallelMinWork is the smallest product split over goroutines, 2¹⁷
	// (about 51³, 7 µs on one core). Measured with BenchmarkDgemmSplit on
	// the two cores of a shared Intel Xeon virtual machine, the helper
	// goroutines of package vec awake: two goroutines were 1.3–1.5 times
	// faster than one (medians, three runs) at 56³, 1.5–1.6 at 64³ (0.92
	// once), 1.7 from 80³ on and 1.7–1.8 on the thin products of a 10-class
	// output layer (128×256×10); at 48³ 0.94–1.36, at 40³ 0.86–1.26 and at
	// 32³ 0.83–0.92. A helper that is asleep can take from 20 µs to a few
	// ms to wake (BenchmarkWake); the caller then does the work itself.
	parallelMinWork = 1 << 17

	// workPerWorker is the least work, in multiply-adds, given to each
	// goroutine.
	workPerWorker = parallelMinWork / 2
)

// workers returns how many goroutines to use for an m×n×k product when procs
// are available.
func workers(m, n, k, procs int) int {
	work := m * n * k
	if procs <= 1 || work < parallelMinWork {
		return 1
	}
	return max(1, min(procs, work/workPerWorker))
}

// dgemm computes C = alpha*op(A)*op(B) + beta*C with the micro-kernel kern and
// up to nw goroutines. The arguments have been checked by checkArgs.
func dgemm(kern *kernel, nw int, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if m*n*k <= directMaxWork || m == 1 || n == 1 {
		direct(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	blocked(kern, nw, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// scaleC sets C = beta*C, writing zeros without reading C when beta is zero.
func scaleC(m, n int, beta float64, c []float64, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
