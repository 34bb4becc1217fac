package vec

import (
	"runtime"
	"sync/atomic"
)

// ParallelMin is the length from which the element-wise kernels of this
// package split their work over goroutines: below it one goroutine does
// all of it. SumParallelMin is the same for Sum and Dot.
//
// Both are measured, not guessed: see BenchmarkSplit and the figures in
// doc.go. Set GOMAXPROCS=1 to keep every kernel on one goroutine.
const (
	ParallelMin    = 1 << 15
	SumParallelMin = 1 << 16
)

// Workers returns the number of goroutines worth using for n elements of
// element-wise work: 1 below ParallelMin, otherwise as many as
// runtime.GOMAXPROCS allows with at least ParallelMin/2 elements each.
func Workers(n int) int { return WorkersFrom(n, ParallelMin) }

// SumWorkers is Workers for sums (with SumParallelMin for ParallelMin).
func SumWorkers(n int) int { return WorkersFrom(n, SumParallelMin) }

// WorkersFrom is Workers with the threshold lo (> 1) in place of
// ParallelMin, for kernels whose cost per element differs from that of
// this package's (the transcendental functions of package tensor).
func WorkersFrom(n, lo int) int {
	if n < lo {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), n/(lo/2)))
}

// chunksPerWorker is how many pieces For cuts the work of each goroutine
// into, so that a goroutine that starts late, or shares its core with
// another process, leaves its pieces to the others instead of making them
// wait.
const chunksPerWorker = 4

// For calls f(lo, hi) on contiguous ranges that partition [0, n), using up
// to w goroutines (the caller's among them), and returns when every call
// has returned. The ranges are about n/(4w) long, rounded up to a
// multiple of eight when longer than eight (so that element ranges keep
// the 64-byte alignment of the slices and two goroutines never write to
// one cache line); the goroutines take them in turn from a shared counter,
// so one that is not running yet, or runs slowly, takes fewer, and the
// caller does them all when no other goroutine starts in time. A goroutine
// that starts after the last range was taken returns without calling f:
// it may outlive For, but touches nothing of the caller's.
//
// Which goroutine computes a range, and in what order the ranges are
// computed, depends on timing: f must give the same result whatever the
// order of its calls, as element-wise work does (reductions store one
// partial result per range and combine them afterwards in a fixed order,
// see Sum). A panic in f on another goroutine ends the program.
func For(n, w int, f func(lo, hi int)) {
	if w <= 1 || n <= 1 {
		f(0, n)
		return
	}
	chunk := (n + chunksPerWorker*w - 1) / (chunksPerWorker * w)
	if chunk > 8 {
		chunk = (chunk + 7) &^ 7
	}
	count := (n + chunk - 1) / chunk
	if count <= 1 {
		f(0, n)
		return
	}
	j := &job{f: f, n: n, chunk: chunk, count: int64(count), last: make(chan struct{}, 1)}
	for range min(w, count) - 1 {
		go func() {
			if j.work() {
				j.last <- struct{}{}
			}
		}()
	}
	if !j.work() {
		<-j.last // another goroutine is finishing the last range
	}
}

// job is the shared state of one For call.
type job struct {
	f        func(lo, hi int)
	n, chunk int
	count    int64         // number of ranges
	next     atomic.Int64  // ranges taken
	done     atomic.Int64  // ranges finished
	last     chan struct{} // receives once if the last range finishes on a helper
}

// work computes ranges until none is left, and reports whether it
// finished the last one still running.
func (j *job) work() (finishedLast bool) {
	for {
		c := j.next.Add(1) - 1
		if c >= j.count {
			return finishedLast
		}
		lo := int(c) * j.chunk
		j.f(lo, min(lo+j.chunk, j.n))
		if j.done.Add(1) == j.count {
			finishedLast = true
		}
	}
}
