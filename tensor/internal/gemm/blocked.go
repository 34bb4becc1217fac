package gemm

import (
	"sync"
	"unsafe"

	"github.com/curvature-go/curvature/tensor/internal/vec"
)

// blocked computes C = alpha*op(A)*op(B) + beta*C with packed panels and the
// micro-kernel kern, using up to nw goroutines (see doc.go for the scheme).
// It requires m, n, k >= 1.
func blocked(kern *kernel, nw int, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if nw > 1 {
		splitWork(kern, nw, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	mr, nr := kern.mr, kern.nr

	// Balanced blocks: ceil(k/KC) inner blocks of nearly equal size rather
	// than full blocks and a thin remainder, and likewise for m and n.
	kBlocks := ceilDiv(k, kern.kc)
	kc := ceilDiv(k, kBlocks)
	nBlocks := ceilDiv(n, kern.nc)
	nc := roundUp(ceilDiv(n, nBlocks), nr)
	mBlocks := ceilDiv(m, kern.mc)
	mc := roundUp(ceilDiv(m, mBlocks), mr)

	bbuf := getBuf(kc * nc)
	defer putBuf(bbuf)
	bpack := aligned(*bbuf, kc*nc)
	ws := getWorkspace(mc*kc, mr*nr)
	defer putWorkspace(ws)
	apack := aligned(ws.abuf, mc*kc)

	for jc := 0; jc < n; jc += nc {
		ncCur := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kcCur := min(kc, k-pc)
			betaCur := beta
			if pc > 0 {
				betaCur = 1
			}
			kern.packB(bpack, transB, b, ldb, pc, kcCur, jc, ncCur, 0, ceilDiv(ncCur, nr))
			for ic := 0; ic < m; ic += mc {
				mcCur := min(mc, m-ic)
				kern.packA(apack, transA, a, lda, ic, mcCur, pc, kcCur)
				macro(kern, kcCur, apack, ic, mcCur, bpack, jc, ncCur, alpha, betaCur, c, ldc, ws.tile)
			}
		}
	}
}

// splitWork computes the product with up to nw goroutines, each running
// the one-goroutine blocked algorithm on slabs of C: ranges of columns, or
// of rows when C is taller than wide. C is cut into slabsPerWorker·nw
// slabs (fewer when they would get thinner than a tile) that the
// goroutines take in turn (vec.Run), so that when a helper goroutine does
// not start in time the caller computes its slab too instead of waiting.
// The goroutines share nothing they write, so they never wait for each
// other; the price is that each slab packs the whole of the other operand
// (A for column slabs), O(m·k) per slab against O(m·n·k/slabs) of
// arithmetic. Each element of C is computed by the same sequence of
// operations whatever the slabs (their boundaries are multiples of the
// tile), so the result does not depend on nw.
func splitWork(kern *kernel, nw int, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if n >= m {
		slabs := min(slabsPerWorker*nw, ceilDiv(n, kern.nr))
		vec.Run(slabs, nw, func(w int) {
			j0, j1 := split(w, n, slabs, kern.nr), split(w+1, n, slabs, kern.nr)
			if j0 >= j1 {
				return
			}
			var bw []float64
			if transB {
				bw = b[j0*ldb:] // op(B)[:, j0:] = (B[j0:, :])ᵀ
			} else {
				bw = b[j0:] // op(B)[:, j0:] = B[:, j0:]
			}
			blocked(kern, 1, transA, transB, m, j1-j0, k, alpha, a, lda, bw, ldb, beta, c[j0:], ldc)
		})
		return
	}
	slabs := min(slabsPerWorker*nw, ceilDiv(m, kern.mr))
	vec.Run(slabs, nw, func(w int) {
		i0, i1 := split(w, m, slabs, kern.mr), split(w+1, m, slabs, kern.mr)
		if i0 >= i1 {
			return
		}
		var aw []float64
		if transA {
			aw = a[i0:] // op(A)[i0:, :] = (A[:, i0:])ᵀ
		} else {
			aw = a[i0*lda:] // op(A)[i0:, :] = A[i0:, :]
		}
		blocked(kern, 1, transA, transB, i1-i0, n, k, alpha, aw, lda, b, ldb, beta, c[i0*ldc:], ldc)
	})
}

// slabsPerWorker is how many slabs of C splitWork makes per goroutine.
// Two per goroutine would balance the work better when one goroutine
// starts late, but the extra packing of the shared operand cost more:
// with one, BenchmarkDgemmSplit measured the products of the MLP step
// 1.68–1.90 times faster on two goroutines than on one (medians, quiet
// machine), with two 1.41–1.86 times. (Both measured in batches of eight
// products, before helpers spun for 200 µs; alternating one product on
// one goroutine with one on two, one slab per goroutine gave 1.64–1.87.)
const slabsPerWorker = 1

// macro multiplies the packed row block apack (rows ic..ic+mc-1 of C) by the
// packed panel bpack (columns jc..jc+nc-1), one micro-kernel call per tile:
// each B sliver stays in L1 while the A slivers stream past it from L2.
func macro(kern *kernel, kc int, apack []float64, ic, mc int, bpack []float64, jc, nc int, alpha, beta float64, c []float64, ldc int, tile []float64) {
	mr, nr := kern.mr, kern.nr
	for jr := 0; jr < nc; jr += nr {
		bp := bpack[jr*kc : (jr+nr)*kc]
		j := jc + jr
		cols := min(nr, nc-jr)
		for ir := 0; ir < mc; ir += mr {
			ap := apack[ir*kc : (ir+mr)*kc]
			i := ic + ir
			rows := min(mr, mc-ir)
			if rows == mr && cols == nr {
				kern.fn(kc, ap, bp, c[i*ldc+j:], ldc, alpha, beta)
				continue
			}
			// Edge tile: compute the full tile locally, copy out the
			// part inside C.
			kern.fn(kc, ap, bp, tile, nr, alpha, 0)
			for r := 0; r < rows; r++ {
				crow := c[(i+r)*ldc+j : (i+r)*ldc+j+cols]
				trow := tile[r*nr : r*nr+cols]
				if beta == 0 {
					copy(crow, trow)
					continue
				}
				for q, v := range trow {
					crow[q] = v + beta*crow[q]
				}
			}
		}
	}
}

// split returns the start of part i when n items are divided into parts
// nearly equal parts whose boundaries are multiples of q (the last part takes
// the remainder).
func split(i, n, parts, q int) int {
	return min(n, roundUp(i*n/parts, q))
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, q int) int { return ceilDiv(a, q) * q }

// Pack buffers are reused through pools; a buffer is owned by one goroutine
// between get and put.
var (
	bufPool       sync.Pool // *[]float64
	workspacePool sync.Pool // *workspace
)

// alignFloats is the alignment of packed buffers, in float64s (64 bytes,
// one cache line).
const alignFloats = 8

// getBuf returns a buffer that aligned can cut n float64s from.
func getBuf(n int) *[]float64 {
	if v, ok := bufPool.Get().(*[]float64); ok && cap(*v) >= n+alignFloats {
		return v
	}
	s := make([]float64, n+alignFloats)
	return &s
}

func putBuf(b *[]float64) { bufPool.Put(b) }

// workspace is one goroutine's packed A block and edge tile.
type workspace struct {
	abuf []float64
	tile []float64
}

func getWorkspace(n, tile int) *workspace {
	ws, _ := workspacePool.Get().(*workspace)
	if ws == nil {
		ws = new(workspace)
	}
	if cap(ws.abuf) < n+alignFloats {
		ws.abuf = make([]float64, n+alignFloats)
	}
	if cap(ws.tile) < tile {
		ws.tile = make([]float64, tile)
	}
	ws.abuf = ws.abuf[:cap(ws.abuf)]
	return ws
}

func putWorkspace(ws *workspace) { workspacePool.Put(ws) }

// aligned returns buf[off:off+n] for the smallest off that puts its first
// element on a 64-byte boundary. buf must have room for n+alignFloats values.
func aligned(buf []float64, n int) []float64 {
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	off := int((64-addr%64)%64) / 8
	return buf[off : off+n : off+n]
}
