package hvp_test

import (
	"math"
	"testing"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// TestLineAndPlane checks the landscape of a quadratic, which its Taylor
// model gives exactly, and of the seed loss against direct evaluation.
func TestLineAndPlane(t *testing.T) {
	a := tensor.New([]float64{3, 1, 0, 1, -2, 0.5, 0, 0.5, 1}, 3, 3)
	quad := func(x *graph.Node) *graph.Node { // ½xᵀAx + Σx
		ax := graph.Reshape(graph.MatMul(x.Tape().Const(a), graph.Reshape(x, 3, 1)), 3)
		return graph.Add(graph.Scale(graph.Sum(graph.Mul(x, ax)), 0.5), graph.Sum(x))
	}
	obj := hvp.NewObjective(quad, 3)
	x := []float64{0.5, -1, 2}
	d1, d2 := []float64{1, 0, -1}, []float64{0.2, 1, 0.3}
	m := hvp.Taylor(obj.At(x))
	alphas, betas := []float64{-1, -0.25, 0, 0.5, 2}, []float64{-0.5, 0, 1}
	line := hvp.Line(obj, x, d1, alphas)
	plane := hvp.Plane(obj, x, d1, d2, alphas, betas)
	for i, al := range alphas {
		want := m.Predict(scaled(al, d1, 0, d2))
		if math.Abs(line[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("Line at α = %v: %v, want %v", al, line[i], want)
		}
		for j, be := range betas {
			want := m.Predict(scaled(al, d1, be, d2))
			if math.Abs(plane[j][i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("Plane at (%v, %v): %v, want %v", al, be, plane[j][i], want)
			}
		}
	}
	// The seed loss is quartic: compare with direct evaluation.
	seed := hvp.NewObjective(graphtest.SeedLoss, 2)
	got := hvp.Line(seed, []float64{0, 0}, []float64{1, 1}, []float64{0, 1, 2})
	for i, want := range []float64{1, 0, 9} {
		if math.Abs(got[i]-want) > 1e-15 {
			t.Errorf("seed loss along [1 1] at %d: %v, want %v", i, got[i], want)
		}
	}
	testutil.MustPanic(t, "Line length", func() { hvp.Line(seed, []float64{0}, []float64{1, 1}, nil) }, "hvp: Line", "dimension 2")
	testutil.MustPanic(t, "Plane length", func() { hvp.Plane(seed, []float64{0, 0}, []float64{1, 1}, []float64{1}, nil, nil) }, "hvp: Plane")
}

func scaled(a float64, d1 []float64, b float64, d2 []float64) []float64 {
	out := make([]float64, len(d1))
	for i := range out {
		out[i] = a*d1[i] + b*d2[i]
	}
	return out
}
