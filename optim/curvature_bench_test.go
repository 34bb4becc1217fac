package optim

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkProbeWideSpectrum is the curvature check at the saddle x = 0 of
// ½Σdᵢxᵢ² with d₀ = −2 and the other dᵢ log-spaced in [1, 1e6]: it reports
// the HVPs per probe and the probe's time as a multiple of the time of its
// HVPs alone ("xHVP"; the rest is Lanczos arithmetic and, above 32 MiB of
// Lanczos vectors, the second pass that rebuilds the eigenvector).
func BenchmarkProbeWideSpectrum(b *testing.B) {
	for _, n := range []int{2000, 5000, 20000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			obj := wideSpectrum(n, -2)
			x0 := make([]float64, n)
			v, hv := make([]float64, n), make([]float64, n)
			for i := range v {
				v[i] = 1
			}
			const reps = 2000
			start := time.Now()
			for range reps {
				obj.HessVec(x0, v, hv)
			}
			perHVP := time.Since(start).Seconds() / reps
			b.ReportAllocs()
			var res Result
			start = time.Now()
			for b.Loop() {
				res, _ = Minimize(obj, x0, LBFGS{}, &Settings{CheckCurvature: true})
				if res.Status != Saddle {
					b.Fatalf("status %v", res.Status)
				}
			}
			perOp := time.Since(start).Seconds() / float64(b.N)
			b.ReportMetric(float64(res.HessVecEvals), "HVPs/op")
			b.ReportMetric(perOp/(float64(res.HessVecEvals)*perHVP), "xHVP")
			b.ReportMetric(res.LambdaMin, "lambda_min")
		})
	}
}
