package vec

import (
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSplit times kernels at lengths from 2¹² to 2²¹ on one goroutine
// and split by For over two, alternately in one loop (so that both see the
// same machine; see splitRatio), and reports the ratios one/two of the
// median and of the fastest calls: above 1 the split pays. ParallelMin and
// SumParallelMin are the smallest lengths from which it did. It needs two
// cores and GOMAXPROCS ≥ 2:
//
//	go test ./tensor/internal/vec -run '^$' -bench Split -count 3
func BenchmarkSplit(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 || runtime.NumCPU() < 2 {
		b.Skip("needs two cores and GOMAXPROCS ≥ 2")
	}
	for _, n := range []int{1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 17, 1 << 18, 3 << 17, 1 << 19, 1 << 21} {
		// One set of slices for each side, so that each finds its slices
		// in the caches where its own previous call left them (for the
		// split, half of them in the other core's): with one set, the
		// call on one goroutine would first fetch back the half that the
		// split call had moved to the other core.
		x, y, _, d := benchSlices(n)
		x2, y2, _, d2 := benchSlices(n)
		wide, wide2 := make([]float64, 2*n), make([]float64, 2*n)
		nb := (n + SumBlock - 1) / SumBlock
		for _, k := range []struct {
			name     string
			one, two func()
		}{
			{"Add", func() { add(d, x, y) }, func() { For(n, 2, func(lo, hi int) { add(d2[lo:hi], x2[lo:hi], y2[lo:hi]) }) }},
			{"Copy", func() { copy(d, x) }, func() { For(n, 2, func(lo, hi int) { copy(d2[lo:hi], x2[lo:hi]) }) }},
			{"Square", func() { square(d, x) }, func() { For(n, 2, func(lo, hi int) { square(d2[lo:hi], x2[lo:hi]) }) }},
			{"Axpy", func() { axpy(d, 1.5, x, d) }, func() { For(n, 2, func(lo, hi int) { axpy(d2[lo:hi], 1.5, x2[lo:hi], d2[lo:hi]) }) }},
			{"ScatterAdd2", func() { scatterAddGeneric(wide, x, 2) }, func() {
				For(n, 2, func(lo, hi int) { scatterAddGeneric(wide2[lo*2:], x2[lo:hi], 2) })
			}},
			{"Sum", func() { d[0] = blockSum(x) }, func() { d2[0] = sumParallel(x2, nb, 2) }},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", k.name, n), func(b *testing.B) {
				splitRatio(b, n, k.one, k.two)
			})
		}
	}
}

// splitRatio runs one and two alternately inside b.Loop and reports ns
// per element of each (medians over the calls) and the ratios one/two of
// the median and of the fastest calls. Between two calls of two there is
// one call of one, so that up to the lengths where one takes spinFor the
// pool's helper goroutine is awake, as it is between the kernels of a
// gradient or a training step.
func splitRatio(b *testing.B, n int, one, two func()) {
	var t1, t2 []time.Duration
	for b.Loop() {
		t0 := time.Now()
		one()
		t := time.Now()
		two()
		t1 = append(t1, t.Sub(t0))
		t2 = append(t2, time.Since(t))
	}
	slices.Sort(t1)
	slices.Sort(t2)
	m1, m2 := t1[len(t1)/2], t2[len(t2)/2]
	b.ReportMetric(float64(m1.Nanoseconds())/float64(n), "ns/elem-one")
	b.ReportMetric(float64(m2.Nanoseconds())/float64(n), "ns/elem-two")
	b.ReportMetric(float64(m1)/float64(m2), "one/two")
	b.ReportMetric(float64(t1[0])/float64(t2[0]), "one/two-fastest")
}

// BenchmarkWake measures how long a goroutine started by a go statement
// takes to begin running on another core while its creator keeps its own
// core busy (as a kernel does), after the other core has been idle for
// 1 ms, and how long one of the pool's helpers takes to pick up a Run
// call when it is awake. The first is the cost that the pool's spinning
// avoids between the kernels of one step. It needs two cores:
//
//	go test ./tensor/internal/vec -run '^$' -bench Wake
func BenchmarkWake(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 || runtime.NumCPU() < 2 {
		b.Skip("needs two cores and GOMAXPROCS ≥ 2")
	}
	spinUntil := func(done func() bool) {
		for !done() {
		}
	}
	b.Run("go", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			time.Sleep(time.Millisecond)
			var started atomic.Int64
			t0 := time.Now()
			go func() { started.Store(time.Now().UnixNano()) }()
			spinUntil(func() bool { return started.Load() != 0 })
			lat = append(lat, time.Unix(0, started.Load()).Sub(t0))
		}
		reportMedian(b, lat)
	})
	b.Run("pool-asleep", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			time.Sleep(time.Millisecond + spinFor) // the helper goes to sleep
			var started atomic.Int64
			t0 := time.Now()
			Run(2, 2, func(i int) {
				if i == 0 {
					spinUntil(func() bool { return started.Load() != 0 || time.Since(t0) > 5*time.Millisecond })
					return
				}
				started.Store(time.Now().UnixNano())
			})
			if s := started.Load(); s > 0 {
				lat = append(lat, time.Unix(0, s).Sub(t0))
			}
		}
		reportMedian(b, lat)
	})
	b.Run("pool", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			var started atomic.Int64
			var t0 time.Time
			Run(2, 2, func(i int) { // keep the helper awake
				if i == 1 {
					started.Store(1)
				}
			})
			started.Store(0)
			t0 = time.Now()
			Run(2, 2, func(i int) {
				if i == 0 { // the caller's call: wait for the helper to take the other
					spinUntil(func() bool { return started.Load() != 0 || time.Since(t0) > time.Millisecond })
					return
				}
				started.Store(time.Now().UnixNano())
			})
			if s := started.Load(); s > 1 {
				lat = append(lat, time.Unix(0, s).Sub(t0))
			}
		}
		reportMedian(b, lat)
	})
}

// reportMedian reports the median of lat in µs.
func reportMedian(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "µs-median")
	b.ReportMetric(float64(lat[len(lat)/10].Nanoseconds())/1e3, "µs-p10")
}
