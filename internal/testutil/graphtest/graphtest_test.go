package graphtest_test

import (
	"math"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
)

// TestFunctions checks each function's value against its formula and its
// recorded gradient against finite differences and the hand-derived one.
func TestFunctions(t *testing.T) {
	rosen := func(x []float64) (f float64, g []float64) {
		g = make([]float64, len(x))
		for i := 0; i+1 < len(x); i += 2 {
			s, u := x[i+1]-x[i]*x[i], 1-x[i]
			f += 100*s*s + u*u
			g[i], g[i+1] = -400*s*x[i]-2*u, 200*s
		}
		return f, g
	}
	seed := func(x float64) func([]float64) (float64, []float64) {
		return func(w []float64) (float64, []float64) {
			r := 1 - w[0]*w[1]*x
			return r * r, []float64{-2 * r * w[1] * x, -2 * r * w[0] * x}
		}
	}
	for _, c := range []struct {
		name string
		f    ad.Func
		hand func([]float64) (float64, []float64)
		x    []float64
	}{
		{"SeedLoss saddle", graphtest.SeedLoss, seed(1), []float64{0, 0}},
		{"SeedLoss", graphtest.SeedLoss, seed(1), []float64{0.3, -1.7}},
		{"SeedLossAt(2.5)", graphtest.SeedLossAt(2.5), seed(2.5), []float64{-0.4, 0.9}},
		{"Seed nodes", func(w *graph.Node) *graph.Node {
			return graphtest.Seed(graph.Index(w, 0), graph.Index(w, 1), -3)
		}, seed(-3), []float64{1.1, 0.2}},
		{"ExtRosenbrock minimum", graphtest.ExtRosenbrock, rosen, []float64{1, 1, 1, 1}},
		{"ExtRosenbrock", graphtest.ExtRosenbrock, rosen, []float64{-1.2, 1, 0.5, -0.3, 2, 3.5}},
	} {
		val, g := ad.ValueAndGrad(c.f, c.x)
		wantF, wantG := c.hand(c.x)
		if math.Abs(val-wantF) > 1e-14*max(1, math.Abs(wantF)) {
			t.Errorf("%s: f = %v, formula %v", c.name, val, wantF)
		}
		if e, i := testutil.RelErr(g, wantG); e > 1e-14 {
			t.Errorf("%s: gradient %v, formula %v (error %.3g at %d)", c.name, g, wantG, e, i)
		}
		fd := testutil.FiniteGrad(func(x []float64) float64 { v, _ := ad.ValueAndGrad(c.f, x); return v }, c.x)
		if e, i := testutil.RelErr(g, fd); e > 1e-9 {
			t.Errorf("%s: gradient vs differences: error %.3g at %d", c.name, e, i)
		}
	}
}
