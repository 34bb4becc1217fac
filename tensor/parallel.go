package tensor

import (
	"github.com/curvature-go/curvature/internal/overlap"
	"github.com/curvature-go/curvature/tensor/internal/vec"
)

// The data movement of package tensor (copies, fills, broadcasts) is
// bound by memory bandwidth, as the element-wise kernels of
// tensor/internal/vec are, and is split over goroutines from the same
// length, vec.ParallelMin, except copies (see copyParallelMin). Each
// element is written once from its source, so the split cannot change a
// result.

// copyParallelMin is the length from which copyData splits a copy. It is
// below vec.ParallelMin because of what follows a copy more than the copy
// itself: one goroutine copies a megabyte and more (Tape.Var's copy of
// the 784×256 weights of the MLP step in ad/hvp) with the runtime's
// non-temporal stores, which bypass the caches, so the matrix product
// that reads the copy next fetches it from memory; the pieces of a split
// copy (4K elements and more, a quarter of each goroutine's share) stay
// in the caches. On the two cores of a shared AMD EPYC virtual machine,
// ad/hvp's BenchmarkTwoCores ran the MLP step 1.67–1.70 times faster on
// two cores than on one (medians; fastest steps 1.76–1.79) with copies
// split from 2¹⁵, against 1.62–1.64 (1.66–1.71) from 2¹⁸, the two builds
// alternated run by run. Alone, on the two cores of an idle Intel Xeon
// virtual machine, the split copy (BenchmarkSplit's Copy, medians) was
// 1.34–1.35 times as fast as one goroutine's at 2¹⁵, 0.91–1.25 at 2¹⁶,
// 1.9–2.3 from 2¹⁷ on, and 0.93–0.97 at 2¹⁴.
const copyParallelMin = 1 << 15

// copyData copies src into dst (of equal lengths), on as many goroutines
// as vec.WorkersFrom allows from copyParallelMin elements when the two do
// not overlap (an overlapping copy keeps copy's memmove semantics on one
// goroutine).
func copyData(dst, src []float64) {
	if len(dst) < copyParallelMin { // kept inlinable: the common small copy
		copy(dst, src)
		return
	}
	copyLarge(dst, src)
}

func copyLarge(dst, src []float64) {
	if w := vec.WorkersFrom(len(dst), copyParallelMin); w > 1 && len(src) == len(dst) && overlap.Disjoint(dst, src) {
		vec.For(len(dst), w, func(lo, hi int) { copy(dst[lo:hi], src[lo:hi]) })
		return
	}
	copy(dst, src)
}

// clearData sets every element of out to +0, on as many goroutines as
// vec.Workers allows.
func clearData(out []float64) {
	if w := vec.Workers(len(out)); w > 1 {
		vec.For(len(out), w, func(lo, hi int) { clear(out[lo:hi]) })
		return
	}
	clear(out)
}

// fill sets every element of out to v, by copies (memmove), on
// as many goroutines as vec.Workers allows.
func fill(out []float64, v float64) {
	if w := vec.Workers(len(out)); w > 1 {
		vec.For(len(out), w, func(lo, hi int) { fillSerial(out[lo:hi], v) })
		return
	}
	fillSerial(out, v)
}

// fillSerial is fill on the calling goroutine: doubling copies up to
// fillBlock elements, then copies of that block, which stays in L1, so
// that a long fill reads no memory it is not writing.
func fillSerial(out []float64, v float64) {
	if len(out) == 0 {
		return
	}
	out[0] = v
	b := min(len(out), fillBlock)
	for k := 1; k < b; k *= 2 {
		copy(out[k:b], out[:k])
	}
	for k := b; k < len(out); k += b {
		copy(out[k:], out[:b])
	}
}

// fillBlock is the length (4 KiB) of the block fillSerial repeats.
const fillBlock = 512

// broadcastRuns sets out, of outer×n×inner elements, to n copies of each
// run of inner elements of x (of outer×inner): the case of BroadcastTo in
// which one run of dimensions is repeated, as a bias is over a batch.
// Runs are shared out among goroutines from vec.ParallelMin elements of out.
func broadcastRuns(out, x []float64, outer, n, inner int) {
	rows := func(r0, r1 int) {
		for r := r0; r < r1; r++ { // r = o·n + j
			src := x[(r/n)*inner : (r/n+1)*inner]
			if inner == 1 {
				out[r] = src[0]
				continue
			}
			copy(out[r*inner:(r+1)*inner], src)
		}
	}
	if inner == 1 {
		// One value per run of n: fill each run.
		rows = func(o0, o1 int) {
			for o := o0; o < o1; o++ {
				fillSerial(out[o*n:(o+1)*n], x[o])
			}
		}
		if w := vec.Workers(len(out)); w > 1 && outer >= w {
			vec.For(outer, w, rows)
			return
		}
		for o := range outer {
			fill(out[o*n:(o+1)*n], x[o])
		}
		return
	}
	if w := vec.Workers(len(out)); w > 1 && outer*n >= w {
		vec.For(outer*n, w, rows)
		return
	}
	rows(0, outer*n)
}

// ParallelWorkers returns how many goroutines element-wise work on n
// elements is shared among by this package's kernels: 1 below 2¹⁷
// elements, otherwise as many as GOMAXPROCS allows with at least 2¹⁶
// elements each. A caller that evaluates element-wise work of its own in
// pieces (graph's fused evaluation) uses it to split as the kernels do.
func ParallelWorkers(n int) int { return vec.Workers(n) }

// ParallelWorkersHeavy is ParallelWorkers for work of several nanoseconds
// an element (the transcendental kernels: Tanh, Exp, …), which this
// package splits from 2¹² elements.
func ParallelWorkersHeavy(n int) int { return vec.WorkersFrom(n, heavyParallelMin) }

// ParallelRun calls f(0), …, f(count−1), each once, on up to w goroutines
// (the caller's among them) of the pool the kernels use, and returns when
// every call has returned. The calls may run in any order and at once:
// f must write disjoint memory, and a result that combines several calls
// must be combined afterwards in a fixed order for it not to depend on w.
// A panic in f on another goroutine ends the program.
func ParallelRun(count, w int, f func(i int)) { vec.Run(count, w, f) }

// SumBlock is the block length of SumAll's fixed order: SumAll of a
// longer slice sums each block of SumBlock elements (the last one
// shorter) and combines the block sums with SumBlockSums.
const SumBlock = vec.SumBlock

// SumBlockSums returns the sum of the block sums bs in SumAll's order, so
// that summing the blocks of a slice one by one (SumAll of each, which is
// computed where the block is) and then calling SumBlockSums gives SumAll
// of the whole slice, bit for bit.
func SumBlockSums(bs []float64) float64 {
	if len(bs) == 1 {
		return bs[0]
	}
	return vec.SumOfBlocks(bs)
}
