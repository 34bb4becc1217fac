package hvp_test

import (
	"math"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
)

// TestObjectiveAnomalies: an Objective's user can switch anomaly detection
// on, and a non-finite HVP (the tangent sweep of Linearize) is reported
// against the forward operation whose derivative produced it.
func TestObjectiveAnomalies(t *testing.T) {
	f := func(x *graph.Node) *graph.Node { // x₀^1.5 + x₁²: f'' = +Inf at x₀ = 0
		return graph.Add(graph.Pow(graph.Index(x, 0), 1.5), graph.Square(graph.Index(x, 1)))
	}
	obj := hvp.NewObjective(f, 2)
	x, g, hv := []float64{0, 0.5}, make([]float64, 2), make([]float64, 2)
	obj.HessVec(x, []float64{1, 1}, hv)
	if obj.Anomaly() != nil {
		t.Fatalf("anomaly %v with detection off", obj.Anomaly())
	}
	obj.DetectAnomalies(true)
	obj.Eval(x, g)
	if err := obj.Anomaly(); err != nil {
		t.Fatalf("anomaly %v at a finite value and gradient", err)
	}
	hess := obj.Linearize(x)
	hess([]float64{1, 1}, hv)
	if !math.IsInf(hv[0], 1) {
		t.Fatalf("H·v = %v, want +Inf first", hv)
	}
	err := obj.Anomaly()
	if err == nil || !strings.Contains(err.Error(), "in the derivative of Pow") {
		t.Errorf("anomaly %v, want one naming the derivative of Pow", err)
	}
	obj.DetectAnomalies(false)
	obj.Eval(x, g)
	if obj.Anomaly() != nil {
		t.Errorf("anomaly %v after switching detection off", obj.Anomaly())
	}
}
