package optim

import (
	"math"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
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
	var itFree, itBox int
	run := func(settings *Settings, iters *int) func() {
		return func() {
			res, err := Minimize(obj, x0, LBFGS{}, settings)
			if err != nil {
				b.Fatal(err)
			}
			*iters = res.Iterations
		}
	}
	// The order alternates: the second run of a pair pays for the garbage
	// of the first.
	t := testutil.TimeEach(b, run(nil, &itFree), run(&Settings{Bounds: box}, &itBox))
	perFree, perBox := t[0]/float64(itFree), t[1]/float64(itBox)
	b.ReportMetric(perFree, "ns/iter-LBFGS")
	b.ReportMetric(perBox, "ns/iter-LBFGSB")
	b.ReportMetric(perBox/perFree, "ratio")
	b.ReportMetric(float64(itFree), "iters-LBFGS")
	b.ReportMetric(float64(itBox), "iters-LBFGSB")
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
			var ref, res Result
			solve := func(dst *Result, m Method, settings *Settings) func() {
				return func() {
					var err error
					if *dst, err = Minimize(obj, x0, m, settings); err != nil {
						b.Fatal(err)
					}
				}
			}
			t := testutil.TimeEach(b, solve(&ref, LBFGS{}, nil), solve(&res, m, &Settings{Bounds: box}))
			per := t[1] / float64(res.Iterations)
			b.ReportMetric(per, "ns/iter")
			b.ReportMetric(per/(t[0]/float64(ref.Iterations)), "xLBFGS")
			b.ReportMetric(float64(res.Iterations), "iters")
			b.ReportMetric(float64(res.FuncEvals), "evals")
			b.ReportMetric(float64(res.HessVecEvals), "HVPs")
		})
	}
}
