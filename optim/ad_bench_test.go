package optim_test

import (
	"testing"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/optim/mgh"
)

// BenchmarkLBFGSADvsHand solves extended Rosenbrock (n = 1000) with L-BFGS
// twice per loop, once with gradients from the tape and once with the
// hand-written gradient of optim/mgh, and reports the time per iteration
// of each and their ratio.
//
//	GOMAXPROCS=1 go test ./optim -run '^$' -bench LBFGSADvsHand
func BenchmarkLBFGSADvsHand(b *testing.B) {
	const n = 1000
	hand := mgh.ExtendedRosenbrock(n)
	auto := hvp.NewObjective(graphtest.ExtRosenbrock, n)
	x0 := hand.X0()
	var itAD, itHand int
	solve := func(obj optim.Objective, iters *int) func() {
		return func() {
			res, err := optim.Minimize(obj, x0, &optim.LBFGS{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			*iters = res.Iterations
		}
	}
	t := testutil.TimeEach(b, solve(auto, &itAD), solve(hand, &itHand))
	if itAD != itHand {
		b.Fatalf("AD took %d iterations, hand %d", itAD, itHand)
	}
	perAD, perHand := t[0]/float64(itAD), t[1]/float64(itHand)
	b.ReportMetric(t[0]/1e6, "ms/solve-ad")
	b.ReportMetric(t[1]/1e6, "ms/solve-hand")
	b.ReportMetric(perAD/1e3, "µs/iter-ad")
	b.ReportMetric(perHand/1e3, "µs/iter-hand")
	b.ReportMetric(perAD/perHand, "ad/hand")
}
