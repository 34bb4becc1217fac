package gemm

// kernel describes a register-blocked micro-kernel and the cache blocking
// that suits it.
type kernel struct {
	name string

	// mr×nr is the tile of C that fn computes.
	mr, nr int

	// mc, kc and nc are the largest blocks of rows of C, of the inner
	// dimension, and of columns of C handled at once (see doc.go).
	mc, kc, nc int

	// fn sets the mr×nr tile c (row stride ldc) to alpha*Ap*Bp + beta*c,
	// where Ap is an mr×kc sliver of op(A) packed column by column
	// (ap[p*mr+i]) and Bp a kc×nr sliver of op(B) packed row by row
	// (bp[p*nr+j]). When beta is zero c is written without being read.
	// kc is at least 1.
	fn func(kc int, ap, bp, c []float64, ldc int, alpha, beta float64)

	// packA and packB pack operands in the layout fn reads; see the
	// functions packA and packB, which they behave like with mr and nr.
	packA func(dst []float64, transA bool, a []float64, lda, i0, mc, p0, kc int)
	packB func(dst []float64, transB bool, b []float64, ldb, p0, kc, j0, nc, s0, s1 int)
}

// genericKernel is the portable micro-kernel: a 2×4 tile. It is narrow
// because the Go compiler does not fuse multiply-adds on amd64 and schedules
// the products ahead of the sums: a 4×4 tile's sixteen accumulators spill
// to the stack and run at two thirds of the speed.
var genericKernel = kernel{
	name: "generic",
	mr:   2, nr: 4,
	mc: 128, kc: 256, nc: 2048,
	fn: kernel2x4,
	packA: func(dst []float64, transA bool, a []float64, lda, i0, mc, p0, kc int) {
		packA(dst, 2, transA, a, lda, i0, mc, p0, kc)
	},
	packB: func(dst []float64, transB bool, b []float64, ldb, p0, kc, j0, nc, s0, s1 int) {
		packB(dst, 4, transB, b, ldb, p0, kc, j0, nc, s0, s1)
	},
}

// storeRow4 sets row = alpha*(v0, v1, v2, v3) + beta*row, without reading row
// when beta is zero.
func storeRow4(row []float64, alpha, beta, v0, v1, v2, v3 float64) {
	row = row[:4]
	if beta == 0 {
		row[0] = alpha * v0
		row[1] = alpha * v1
		row[2] = alpha * v2
		row[3] = alpha * v3
		return
	}
	row[0] = alpha*v0 + beta*row[0]
	row[1] = alpha*v1 + beta*row[1]
	row[2] = alpha*v2 + beta*row[2]
	row[3] = alpha*v3 + beta*row[3]
}

// kernel2x4 is the fn of genericKernel.
func kernel2x4(kc int, ap, bp, c []float64, ldc int, alpha, beta float64) {
	ap = ap[:2*kc]
	bp = bp[:4*kc]
	var c00, c01, c02, c03 float64
	var c10, c11, c12, c13 float64
	for p := 0; p < kc; p++ {
		a := ap[2*p : 2*p+2 : 2*p+2]
		b := bp[4*p : 4*p+4 : 4*p+4]
		a0, a1 := a[0], a[1]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	storeRow4(c[0*ldc:0*ldc+4], alpha, beta, c00, c01, c02, c03)
	storeRow4(c[1*ldc:1*ldc+4], alpha, beta, c10, c11, c12, c13)
}
