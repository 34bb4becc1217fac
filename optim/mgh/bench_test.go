package mgh

import (
	"math"
	"testing"
	"time"
)

// BenchmarkEval times f and ∇f at X0 for every problem; ns/var is the time
// per variable (flat in n for the O(n) problems).
func BenchmarkEval(b *testing.B) {
	for _, p := range allProblems() {
		b.Run(p.Name, func(b *testing.B) {
			x := p.X0()
			g := make([]float64, len(x))
			b.ReportAllocs()
			for b.Loop() {
				p.Eval(x, g)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(x)), "ns/var")
		})
	}
}

// BenchmarkHessVec times one exact Hessian-vector product at X0; hvp/eval is
// its cost relative to one Eval with gradient.
func BenchmarkHessVec(b *testing.B) {
	for _, p := range allProblems() {
		b.Run(p.Name, func(b *testing.B) {
			x := p.X0()
			n := len(x)
			g, v, hv := make([]float64, n), make([]float64, n), make([]float64, n)
			for i := range v {
				v[i] = 1
			}
			// Time Eval outside the benchmark timer: the best of five
			// warm batches, to damp the noise of a shared machine.
			const reps = 200
			evalNs := math.Inf(1)
			for range 6 {
				start := time.Now()
				for range reps {
					p.Eval(x, g)
				}
				evalNs = math.Min(evalNs, float64(time.Since(start).Nanoseconds())/reps)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p.HessVec(x, v, hv)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/evalNs, "hvp/eval")
		})
	}
}
