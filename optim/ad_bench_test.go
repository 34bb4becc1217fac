package optim_test

import (
	"testing"
	"time"

	"github.com/curvature-go/curvature/ad/hvp"
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
	var tAD, tHand time.Duration
	var itAD, itHand int
	for b.Loop() {
		t0 := time.Now()
		ra, err := optim.Minimize(auto, x0, &optim.LBFGS{}, nil)
		t1 := time.Now()
		rh, err2 := optim.Minimize(hand, x0, &optim.LBFGS{}, nil)
		t2 := time.Now()
		if err != nil || err2 != nil || ra.Iterations != rh.Iterations {
			b.Fatalf("AD: %v (%d iterations), hand: %v (%d iterations)", err, ra.Iterations, err2, rh.Iterations)
		}
		tAD += t1.Sub(t0)
		tHand += t2.Sub(t1)
		itAD += ra.Iterations
		itHand += rh.Iterations
	}
	perAD := float64(tAD.Nanoseconds()) / float64(itAD)
	perHand := float64(tHand.Nanoseconds()) / float64(itHand)
	b.ReportMetric(float64(tAD.Nanoseconds())/float64(b.N)/1e6, "ms/solve-ad")
	b.ReportMetric(float64(tHand.Nanoseconds())/float64(b.N)/1e6, "ms/solve-hand")
	b.ReportMetric(perAD/1e3, "µs/iter-ad")
	b.ReportMetric(perHand/1e3, "µs/iter-hand")
	b.ReportMetric(perAD/perHand, "ad/hand")
}
