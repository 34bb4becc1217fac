package vec

import (
	"runtime"
	"sync"
)

// ParallelMin is the length from which the element-wise kernels of this
// package split their work over goroutines: below it one goroutine does
// all of it. SumParallelMin is the same for Sum.
//
// Both are measured, not guessed (BenchmarkParallelThreshold, GOMAXPROCS=2
// on the two cores of a shared AMD EPYC virtual machine): waking a second
// goroutine costs 7–18 µs there (median and 90th percentile), and these
// kernels are bound by memory bandwidth, which a second core raises by
// only 20–40%. Split over two goroutines, Add and Axpy were 1.2–1.4 times
// faster from 2²⁰ elements on and 0.6–0.8 times as fast (slower) at
// 2¹⁵–2¹⁹; Sum, which reads one slice instead of three, gained only at 2²³
// (1.36 times) and was even at 2²¹. When other processes keep both cores
// busy, a second goroutine gains nothing at any length (0.7–1.0 times as
// fast from 2¹⁵ to 2²³ in the same benchmark), so the thresholds are set
// where the split pays on an otherwise idle machine; on a busy one it
// may cost up to 30%. Measured again with the machine's load average at
// 2.4–5.4 (other processes on both cores), the split was 0.65–0.9 times as
// fast from 2¹⁵ to 2¹⁹ and 0.5–1.3 times from 2²⁰ to 2²³ (three runs),
// which gives no case for a lower threshold. Set GOMAXPROCS=1 to keep
// every kernel on one goroutine.
const (
	ParallelMin    = 1 << 20
	SumParallelMin = 1 << 22
)

// Workers returns the number of goroutines worth using for n elements of
// element-wise work: 1 below ParallelMin, otherwise as many as
// runtime.GOMAXPROCS allows with at least ParallelMin/2 elements each.
func Workers(n int) int { return workers(n, ParallelMin) }

// workers is Workers with the threshold lo.
func workers(n, lo int) int {
	if n < lo {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), n/(lo/2)))
}

// For calls f(lo, hi) on at most w contiguous ranges that partition
// [0, n), of equal lengths (rounded up to a multiple of eight when longer
// than eight, so that element ranges keep the alignment of the slices),
// on as many goroutines (the caller's among them), and returns when all
// have returned. The results of element-wise work cannot depend on w;
// reductions use fixed blocks for the same reason (see Sum).
func For(n, w int, f func(lo, hi int)) {
	if w <= 1 || n <= 1 {
		f(0, n)
		return
	}
	chunk := (n + w - 1) / w
	if chunk > 8 {
		chunk = (chunk + 7) &^ 7
	}
	var wg sync.WaitGroup
	for lo := chunk; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			f(lo, hi)
		}(lo, min(lo+chunk, n))
	}
	f(0, min(chunk, n))
	wg.Wait()
}

// SumWorkers is Workers for sums (with SumParallelMin for ParallelMin).
func SumWorkers(n int) int { return workers(n, SumParallelMin) }
