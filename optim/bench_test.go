package optim

import (
	"testing"
)

// BenchmarkLBFGSExtRosenbrock1000 minimises the extended Rosenbrock function
// of 1000 variables (hand-written gradient) from its standard start with
// LBFGS; it reports the time per iteration and the iteration and evaluation
// counts. Compare with the same solver fed AD gradients (ad/hvp).
func BenchmarkLBFGSExtRosenbrock1000(b *testing.B) {
	obj := rosenbrock{1000}
	x0 := fill(1000, -1.2, 1)
	b.ReportAllocs()
	var res Result
	for b.Loop() {
		var err error
		res, err = Minimize(obj, x0, LBFGS{}, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*res.Iterations), "ns/iter")
	b.ReportMetric(float64(res.Iterations), "iters")
	b.ReportMetric(float64(res.FuncEvals), "evals")
}

// BenchmarkNewtonCG reports the HVPs per outer iteration of NewtonCG on the
// extended Rosenbrock function (n = 1000) and on a 100-variable quadratic
// with eigenvalues spread over [1, 1e4].
func BenchmarkNewtonCG(b *testing.B) {
	n := 100
	a := make([]float64, n*n)
	rhs := make([]float64, n)
	for i := 0; i < n; i++ {
		a[i*n+i] = 1
		for k := 0; k < i; k++ {
			a[i*n+i] *= 1.0975 // 1.0975^99 ≈ 1e4
		}
		rhs[i] = 1
	}
	for _, tc := range []struct {
		name string
		obj  Objective
		x0   []float64
	}{
		{"ExtRosenbrock1000", rosenbrock{1000}, fill(1000, -1.2, 1)},
		{"Quadratic100", quadratic{a: a, b: rhs}, make([]float64, n)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var res Result
			for b.Loop() {
				var err error
				res, err = Minimize(tc.obj, tc.x0, NewtonCG{}, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.HessVecEvals)/float64(res.Iterations), "HVPs/iter")
			b.ReportMetric(float64(res.Iterations), "iters")
			b.ReportMetric(float64(res.HessVecEvals), "HVPs")
		})
	}
}
