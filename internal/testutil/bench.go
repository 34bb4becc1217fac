package testutil

import (
	"testing"
	"time"
)

// TimeEach runs the benchmark loop of b, calling each of fs once an
// iteration and timing every call, and returns the mean time of one call
// of each, in nanoseconds. The order of the calls alternates between
// iterations (fs in order, then in reverse), so that drift of the machine
// over the run, or the garbage one call leaves to the next, favours none
// of them: the ratios of the results are the figures to compare.
func TimeEach(b *testing.B, fs ...func()) []float64 {
	b.Helper()
	total := make([]time.Duration, len(fs))
	n := 0
	for b.Loop() {
		for k := range fs {
			j := k
			if n%2 == 1 {
				j = len(fs) - 1 - k
			}
			t0 := time.Now()
			fs[j]()
			total[j] += time.Since(t0)
		}
		n++
	}
	per := make([]float64, len(fs))
	for i, d := range total {
		per[i] = float64(d.Nanoseconds()) / float64(max(n, 1))
	}
	return per
}
