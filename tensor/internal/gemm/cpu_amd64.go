//go:build amd64 && !purego

package gemm

import "github.com/curvature-go/curvature/tensor/internal/cpu"

// hasAVX2FMA reports whether the CPU supports AVX2 and FMA and the operating
// system saves the YMM registers (see package tensor/internal/cpu).
func hasAVX2FMA() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// avx2Kernel is the 6×8 AVX2/FMA micro-kernel: twelve ymm accumulators of
// four float64s, two ymm registers for a row of the B sliver, and broadcasts
// of A. Blocking for a Zen 3 core (32 KiB L1d, 512 KiB L2): the 256×8 B
// sliver (16 KiB) stays in L1 with room for the A sliver streaming past it;
// the 120×256 A block (240 KiB) takes half of L2; a 256×2048 B panel (4 MiB)
// lives in L3.
var avx2Kernel = kernel{
	name: "avx2",
	mr:   6, nr: 8,
	mc: 120, kc: 256, nc: 2048,
	fn:    kernel6x8,
	packA: packA6,
	packB: packB8,
}

// kernel6x8Asm is the assembly body of avx2Kernel's fn; it reads a[0:6*kc],
// b[0:8*kc] and the 6×8 tile at c.
//
//go:noescape
func kernel6x8Asm(kc int, a, b, c *float64, ldc int, alpha, beta float64)

func kernel6x8(kc int, ap, bp, c []float64, ldc int, alpha, beta float64) {
	_ = ap[6*kc-1]
	_ = bp[8*kc-1]
	_ = c[5*ldc+7]
	kernel6x8Asm(kc, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
}

// Assembly packing of full slivers for avx2Kernel (see pack_amd64.s for
// the exact layouts). packA6N and packB8T interleave the 6 or 8 rows of src
// (stride ld) of one sliver; packA6T and packB8N pack several adjacent
// slivers at once, reading src row by row.
//
//go:noescape
func packA6N(dst, src *float64, kc, lda int)

//go:noescape
func packA6T(dst, src *float64, kc, lda, slivers int)

//go:noescape
func packB8N(dst, src *float64, kc, ldb, slivers int)

//go:noescape
func packB8T(dst, src *float64, kc, ldb int)

// packA6 is packA with mr = 6, full slivers packed in assembly.
func packA6(dst []float64, transA bool, a []float64, lda, i0, mc, p0, kc int) {
	full := mc / 6
	if transA && full > 0 {
		// Rows p0..p0+kc-1 of a, columns i0..i0+6*full-1.
		_ = dst[full*kc*6-1]
		_ = a[(p0+kc-1)*lda+i0+6*full-1]
		packA6T(&dst[0], &a[p0*lda+i0], kc, lda, full)
	}
	for s := 0; s < full && !transA; s++ {
		d := dst[s*kc*6 : (s+1)*kc*6]
		r0 := i0 + s*6
		// Rows r0..r0+5 of a, columns p0..p0+kc-1.
		_ = a[(r0+5)*lda+p0+kc-1]
		packA6N(&d[0], &a[r0*lda+p0], kc, lda)
	}
	if full*6 < mc {
		packA(dst[full*kc*6:], 6, transA, a, lda, i0+full*6, mc-full*6, p0, kc)
	}
}

// packB8 is packB with nr = 8, full slivers packed in assembly.
func packB8(dst []float64, transB bool, b []float64, ldb, p0, kc, j0, nc, s0, s1 int) {
	full := min(s1, nc/8)
	if !transB && full > s0 {
		// Rows p0..p0+kc-1 of b, columns j0+8*s0..j0+8*full-1.
		_ = dst[full*kc*8-1]
		_ = b[(p0+kc-1)*ldb+j0+8*full-1]
		packB8N(&dst[s0*kc*8], &b[p0*ldb+j0+8*s0], kc, ldb, full-s0)
	}
	for s := s0; s < full && transB; s++ {
		d := dst[s*kc*8 : (s+1)*kc*8]
		c0 := j0 + s*8
		// Rows c0..c0+7 of b, columns p0..p0+kc-1.
		_ = b[(c0+7)*ldb+p0+kc-1]
		packB8T(&d[0], &b[c0*ldb+p0], kc, ldb)
	}
	if s0 = max(s0, full); s0 < s1 {
		packB(dst, 8, transB, b, ldb, p0, kc, j0, nc, s0, s1)
	}
}

// kernels lists the micro-kernels usable on this CPU, best first.
func kernels() []*kernel {
	if hasAVX2FMA() {
		return []*kernel{&avx2Kernel, &genericKernel}
	}
	return []*kernel{&genericKernel}
}
