package vec

import (
	"runtime"
	"sync"
)

// ParallelMin is the length from which the kernels of this package split
// their work over goroutines: below it one goroutine does all of it.
//
// It is measured, not guessed (BenchmarkParallelThreshold, two cores of an
// AMD EPYC, GOMAXPROCS=2): starting a goroutine and waiting for it costs
// about as much as adding 10–20 thousand elements, so two goroutines
// first win, by a margin that survives a shared machine, at about 2¹⁵
// elements for a streaming kernel such as Add.
const ParallelMin = 1 << 15

// Workers returns the number of goroutines worth using for n elements of
// streaming work: 1 below ParallelMin, otherwise as many as
// runtime.GOMAXPROCS allows with at least ParallelMin/2 elements each.
func Workers(n int) int {
	if n < ParallelMin {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), n/(ParallelMin/2)))
}

// For calls f(lo, hi) on w contiguous ranges that partition [0, n), each
// but the last a multiple of eight elements long, on w goroutines (the
// caller's among them), and returns when all have returned. The results of
// element-wise work cannot depend on w; reductions use fixed blocks for
// the same reason (see Sum).
func For(n, w int, f func(lo, hi int)) {
	if w <= 1 || n <= 8 {
		f(0, n)
		return
	}
	chunk := ((n+w-1)/w + 7) &^ 7
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
