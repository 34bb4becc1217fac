package optim

import (
	"math"
	"testing"
	"time"
)

// BenchmarkLBFGSBOverhead measures the cost per iteration of L-BFGS-B
// (LBFGS with Settings.Bounds) over unbounded LBFGS on the extended
// Rosenbrock function of 1000 variables from its standard start, with the
// bounds [−10, 10] on every variable, which are never active. The two runs
// alternate inside each benchmark iteration, in alternating order, so that
// both see the same machine load; "ratio" is the bounded time per iteration over the
// unbounded one (goal ≤ 1.3), and the iteration counts of both are reported.
//
//	GOMAXPROCS=1 go test ./optim -run '^$' -bench LBFGSBOverhead -count 5
func BenchmarkLBFGSBOverhead(b *testing.B) {
	const n = 1000
	obj := rosenbrock{n}
	x0 := fill(n, -1.2, 1)
	box := &Bounds{Lower: fill(n, -10, -10), Upper: fill(n, 10, 10)}
	b.ReportAllocs()
	var tFree, tBox time.Duration
	var itFree, itBox int
	run := func(settings *Settings, elapsed *time.Duration, iters *int) {
		t0 := time.Now()
		res, err := Minimize(obj, x0, LBFGS{}, settings)
		*elapsed += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		*iters += res.Iterations
	}
	for k := 0; b.Loop(); k++ {
		// Alternate the order: the second run of a pair pays for the
		// garbage of the first.
		if k%2 == 0 {
			run(nil, &tFree, &itFree)
			run(&Settings{Bounds: box}, &tBox, &itBox)
		} else {
			run(&Settings{Bounds: box}, &tBox, &itBox)
			run(nil, &tFree, &itFree)
		}
	}
	perFree := float64(tFree.Nanoseconds()) / float64(itFree)
	perBox := float64(tBox.Nanoseconds()) / float64(itBox)
	b.ReportMetric(perFree, "ns/iter-LBFGS")
	b.ReportMetric(perBox, "ns/iter-LBFGSB")
	b.ReportMetric(perBox/perFree, "ratio")
	b.ReportMetric(float64(itFree)/float64(b.N), "iters-LBFGS")
	b.ReportMetric(float64(itBox)/float64(b.N), "iters-LBFGSB")
}

// BenchmarkBoundsActive runs L-BFGS-B and TRON on the extended Rosenbrock
// function of 1000 variables with a quarter of the variables held on a
// bound at the solution (x₄ₖ ≤ 0.5, x₄ₖ₊₂ ≥ 1.5), where every L-BFGS-B
// iteration takes the general path (Cauchy point and subspace step on the
// compact form). Each run alternates with an unbounded LBFGS run on the
// same function; "xLBFGS" is the bounded method's time per iteration over
// LBFGS's.
func BenchmarkBoundsActive(b *testing.B) {
	const n = 1000
	obj := rosenbrock{n}
	x0 := fill(n, -1.2, 1)
	lo, hi := fill(n, math.Inf(-1), math.Inf(-1)), fill(n, math.Inf(1), math.Inf(1))
	for i := 0; i < n; i += 4 {
		hi[i] = 0.5
		lo[i+2] = 1.5
	}
	box := &Bounds{Lower: lo, Upper: hi}
	for _, m := range []Method{LBFGS{}, NewtonCG{}} {
		b.Run(methodName(m), func(b *testing.B) {
			b.ReportAllocs()
			var tRef, tBox time.Duration
			var itRef, itBox int
			var res Result
			for k := 0; b.Loop(); k++ {
				for j := 0; j < 2; j++ {
					t0 := time.Now()
					if (j+k)%2 == 0 {
						ref, err := Minimize(obj, x0, LBFGS{}, nil)
						if err != nil {
							b.Fatal(err)
						}
						tRef += time.Since(t0)
						itRef += ref.Iterations
						continue
					}
					var err error
					res, err = Minimize(obj, x0, m, &Settings{Bounds: box})
					if err != nil {
						b.Fatal(err)
					}
					tBox += time.Since(t0)
					itBox += res.Iterations
				}
			}
			per := float64(tBox.Nanoseconds()) / float64(itBox)
			b.ReportMetric(per, "ns/iter")
			b.ReportMetric(per/(float64(tRef.Nanoseconds())/float64(itRef)), "xLBFGS")
			b.ReportMetric(float64(res.Iterations), "iters")
			b.ReportMetric(float64(res.FuncEvals), "evals")
			b.ReportMetric(float64(res.HessVecEvals), "HVPs")
		})
	}
}
