package gemm

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// mlpShapes are the products of one forward and backward step of a
// 784-256-256-10 perceptron with batch 128 (ad/hvp's BenchmarkTwoCores).
var mlpShapes = []benchShape{
	{"XW-128x784x256", false, false, 128, 784, 256},
	{"XTG-784x128x256", true, false, 784, 128, 256},
	{"XW-128x256x256", false, false, 128, 256, 256},
	{"XTG-256x128x256", true, false, 256, 128, 256},
	{"GWT-128x256x256", false, true, 128, 256, 256},
	{"XW-128x256x10", false, false, 128, 256, 10},
	{"XTG-256x128x10", true, false, 256, 128, 10},
	{"GWT-128x10x256", false, true, 128, 10, 256},
	// Cubes around the threshold parallelMinWork.
	{"32x32x32", false, false, 32, 32, 32},
	{"40x40x40", false, false, 40, 40, 40},
	{"48x48x48", false, false, 48, 48, 48},
	{"56x56x56", false, false, 56, 56, 56},
	{"64x64x64", false, false, 64, 64, 64},
	{"80x80x80", false, false, 80, 80, 80},
	{"100x100x100", false, false, 100, 100, 100},
	{"128x128x128", false, false, 128, 128, 128},
}

// BenchmarkDgemmTwoCores times Dgemm on the shapes of the MLP step, and on
// cubes around parallelMinWork, with
// GOMAXPROCS 1 and 2 alternately inside one loop, and reports the speed-up
// 1core/2core (and that of the fastest round of each). It needs two cores:
//
//	go test ./tensor/internal/gemm -run '^$' -bench DgemmTwoCores -count 5
func BenchmarkDgemmTwoCores(b *testing.B) {
	if runtime.NumCPU() < 2 {
		b.Skip("fewer than two cores")
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, s := range mlpShapes {
		b.Run(s.name, func(b *testing.B) {
			a, lda, bb, ldb, c, ldc := s.operands()
			var t1, t2, min1, min2 time.Duration
			timed := func(procs int, sum, least *time.Duration) {
				runtime.GOMAXPROCS(procs)
				t0 := time.Now()
				Dgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, ldc)
				d := time.Since(t0)
				*sum += d
				if *least == 0 || d < *least {
					*least = d
				}
			}
			for b.Loop() {
				timed(1, &t1, &min1)
				timed(2, &t2, &min2)
			}
			per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
			b.ReportMetric(per(t1)/1e3, "µs/1core")
			b.ReportMetric(per(t2)/1e3, "µs/2core")
			b.ReportMetric(per(t1)/per(t2), "1core/2core")
			b.ReportMetric(float64(min1)/float64(min2), "1core/2core-fastest")
		})
	}
}

// BenchmarkDgemmSplit times Dgemm on the shapes of BenchmarkDgemmTwoCores
// on one goroutine and on two, at GOMAXPROCS=2, alternately (so that
// package vec's helper goroutine is awake, as it is between the products
// of a training step, for products shorter than its spinning time), and
// reports the ratios
// one/two of the median and of the fastest products: above 1 the split
// pays, which sets parallelMinWork. It needs two cores:
//
//	go test ./tensor/internal/gemm -run '^$' -bench DgemmSplit -count 3
func BenchmarkDgemmSplit(b *testing.B) {
	if runtime.NumCPU() < 2 || runtime.GOMAXPROCS(0) < 2 {
		b.Skip("needs two cores and GOMAXPROCS ≥ 2")
	}
	for _, s := range mlpShapes {
		b.Run(s.name, func(b *testing.B) {
			a, lda, bb, ldb, c, ldc := s.operands()
			var t1, t2 []time.Duration
			timed := func(nw int, ts *[]time.Duration) {
				t0 := time.Now()
				dgemm(bestKernel, nw, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, ldc)
				*ts = append(*ts, time.Since(t0))
			}
			for b.Loop() {
				timed(1, &t1)
				timed(2, &t2)
			}
			slices.Sort(t1)
			slices.Sort(t2)
			b.ReportMetric(float64(t1[len(t1)/2].Nanoseconds())/1e3, "µs/one")
			b.ReportMetric(float64(t1[len(t1)/2])/float64(t2[len(t2)/2]), "one/two")
			b.ReportMetric(float64(t1[0])/float64(t2[0]), "one/two-fastest")
		})
	}
}
