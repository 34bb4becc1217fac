package hvp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// TestSharpnessWarmStart follows λ_max along a slowly changing sequence of
// operators (a fixed eigenbasis, eigenvalues drifting): every estimate is
// within the tolerance, and the warm-started ones take fewer products than
// a cold start.
func TestSharpnessWarmStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	n := 300
	base := make([]float64, n)
	for i := range base {
		base[i] = rng.Float64() * 10 // bulk in [0, 10)
	}
	base[17] = 12 // the top eigenvalue, 20% above the bulk
	var sh hvp.Sharpness
	coldHVPs := 0
	for step := 0; step < 10; step++ {
		d := make(diagOp, n)
		for i := range d {
			d[i] = base[i] * (1 + 0.01*float64(step))
		}
		want := 12 * (1 + 0.01*float64(step))
		e, err := sh.Estimate(d)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Converged || math.Abs(e.Value-want) > 1e-3*want || e.Value > want*(1+1e-15) {
			t.Errorf("step %d: λ_max ≈ %v (converged %v), want %v", step, e.Value, e.Converged, want)
		}
		var cold hvp.Sharpness
		c, _ := cold.Estimate(d)
		if step == 0 {
			coldHVPs = c.HVPs
			continue
		}
		if e.HVPs >= c.HVPs {
			t.Errorf("step %d: warm start took %d products, a cold start %d", step, e.HVPs, c.HVPs)
		}
	}
	t.Logf("cold start: %d products", coldHVPs)
	// At, on an objective: f = Σ cᵢxᵢ⁴/12 at x has H = diag(cᵢxᵢ²).
	f := func(x *graph.Node) *graph.Node {
		c := x.Tape().Const(tensor.FromSlice([]float64{1, 2, 3}))
		return graph.Scale(graph.Sum(graph.Mul(c, graph.Pow(x, 4))), 1.0/12)
	}
	e, err := sh.At(hvp.NewObjective(f, 3), []float64{1, 1, 2})
	if err != nil || math.Abs(e.Value-12) > 1e-2 {
		t.Errorf("At: λ_max ≈ %v (%v), want 12", e.Value, err)
	}
}
