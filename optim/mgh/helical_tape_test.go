package mgh_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/optim/mgh"
)

// helicalOnTape is the helical valley written with graph ops, θ by Atan2:
// f = 100[(x₃ − 10θ)² + (r − 1)²] + x₃², r = √(x₁² + x₂²), θ =
// atan2(x₂, x₁)/2π on the paper's branch (θ + 1 where atan2 gives θ <
// −¼: a constant shift, which has no derivative).
func helicalOnTape(x *graph.Node) *graph.Node {
	x1, x2, x3 := graph.Index(x, 0), graph.Index(x, 1), graph.Index(x, 2)
	theta := graph.Scale(graph.Atan2(x2, x1), 1/(2*math.Pi))
	if theta.Item() < -0.25 {
		theta = graph.AddScalar(theta, 1)
	}
	r := graph.Sqrt(graph.Add(graph.Square(x1), graph.Square(x2)))
	a := graph.Sub(x3, graph.Scale(theta, 10))
	b := graph.AddScalar(r, -1)
	return graph.Add(graph.Scale(graph.Add(graph.Square(a), graph.Square(b)), 100), graph.Square(x3))
}

// TestHelicalValleyOnTape: the tape's Atan2 gives the helical valley's
// value, gradient and Hessian-vector products of the hand-written problem,
// on both branches, and Newton-CG minimises the tape version.
func TestHelicalValleyOnTape(t *testing.T) {
	p := mgh.HelicalValley()
	rng := rand.New(rand.NewPCG(9, 19))
	pts := [][]float64{p.X0(), {0.5, 0.5, 0.3}, {-0.7, -0.4, 1.1}, {0.3, -0.9, -0.5}}
	for range 20 {
		pts = append(pts, []float64{4*rng.Float64() - 2, 4*rng.Float64() - 2, 4*rng.Float64() - 2})
	}
	for _, x := range pts {
		g, hv, v := make([]float64, 3), make([]float64, 3), []float64{0.3, -1.2, 0.7}
		f := p.Eval(x, g)
		p.HessVec(x, v, hv)
		ft, gt := ad.ValueAndGrad(helicalOnTape, x)
		hvt := hvp.HVP(helicalOnTape, x, v)
		if math.Abs(ft-f) > 1e-12*math.Max(1, math.Abs(f)) {
			t.Errorf("x = %v: f = %v on the tape, %v by hand", x, ft, f)
		}
		if e, i := testutil.RelErr(gt, g); e > 1e-11 {
			t.Errorf("x = %v: gradient error %.2g at %d: %v, want %v", x, e, i, gt, g)
		}
		if e, i := testutil.RelErr(hvt, hv); e > 1e-10 {
			t.Errorf("x = %v: HVP error %.2g at %d: %v, want %v", x, e, i, hvt, hv)
		}
	}
	res, err := optim.Minimize(hvp.NewObjective(helicalOnTape, 3), p.X0(), optim.NewtonCG{}, nil)
	if err != nil || res.F > 1e-12 {
		t.Errorf("Newton-CG on the tape: f = %v, %v, %v", res.F, res.Status, err)
	}
}
