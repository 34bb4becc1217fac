package curvefit_test

import (
	"math"
	"testing"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/optim/curvefit"
	"github.com/curvature-go/curvature/tensor"
)

// TestBadStartBoundedMinimize: from the bad start b = −3, with the bound
// b ≥ 0 the general minimisers reach the true minimum too — L-BFGS-B
// (LBFGS with bounds) and the projected trust-region Newton method
// (NewtonCG with bounds) on SSE/2 with exact gradients and HVPs — so with
// the bound every method does.
func TestBadStartBoundedMinimize(t *testing.T) {
	x, y := badStartData()
	ref, err := curvefit.Fit(expDecay, curvefit.Data{X: x, Y: y}, []float64{5, 0.8, 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sse := func(th *graph.Node) *graph.Node {
		tp := th.Tape()
		r := graph.Sub(expDecay(tp.Const(tensor.FromSlice(x)), th), tp.Const(tensor.FromSlice(y)))
		return graph.Scale(graph.Sum(graph.Square(r)), 0.5)
	}
	inf := math.Inf(1)
	bounds := &optim.Bounds{Lower: []float64{-inf, 0, -inf}}
	for _, m := range []optim.Method{optim.LBFGS{}, optim.NewtonCG{}} {
		res, err := optim.Minimize(hvp.NewObjective(sse, 3), []float64{1, -3, 0}, m, &optim.Settings{Bounds: bounds, GradientThreshold: 1e-8})
		if err != nil {
			t.Fatalf("%T b ≥ 0: %v (status %v)", m, err, res.Status)
		}
		t.Logf("%T b ≥ 0: θ = %.6g, SSE/2 = %.6g (minimum %.6g), %d evaluations, %d HVPs", m, res.X, res.F, ref.ChiSq/2, res.FuncEvals, res.HessVecEvals)
		if e, _ := testutil.RelErr(res.X, ref.Theta); e > 1e-6 {
			t.Errorf("%T b ≥ 0: θ = %v, the minimum is at %v", m, res.X, ref.Theta)
		}
		if math.Abs(res.F-ref.ChiSq/2) > 1e-9*ref.ChiSq {
			t.Errorf("%T b ≥ 0: SSE/2 = %v, minimum %v", m, res.F, ref.ChiSq/2)
		}
	}
}
