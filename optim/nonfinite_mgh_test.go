package optim_test

import (
	"math"
	"testing"

	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/optim/mgh"
)

// overflowCounter counts the evaluations of a problem whose f or ∇f is not
// finite.
type overflowCounter struct {
	mgh.Problem
	evals, overflows int
}

func (o *overflowCounter) Eval(x, grad []float64) float64 {
	o.evals++
	f := o.Problem.Eval(x, grad)
	bad := math.IsNaN(f) || math.IsInf(f, 0)
	for _, g := range grad {
		bad = bad || math.IsNaN(g) || math.IsInf(g, 0)
	}
	if bad {
		o.overflows++
	}
	return f
}

// TestBox3DLargeRadius: Box 3-D sums exp(−tᵢ·x1) − exp(−tᵢ·x2) terms, which
// overflow once a trial puts x1 or x2 below about −710 (t₁₀ = 1). From the
// standard start (0, 10, 20) NewtonCG with a trust radius of 1e3 or 1e6
// takes such a first step, which used to end the run with NonFinite; the
// overflowing trial must be rejected like a step with ρ < 0 and the problem
// still solved (f within 1e-6 of f* = 0, ‖∇f‖∞ ≤ 1e-6, recomputed here).
func TestBox3DLargeRadius(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method optim.Method
	}{
		{"NewtonCG-1e3", optim.NewtonCG{InitialRadius: 1e3}},
		{"NewtonCG-1e6", optim.NewtonCG{InitialRadius: 1e6}},
		{"SaddleEscape-NewtonCG-1e6", optim.SaddleEscape{Base: optim.NewtonCG{InitialRadius: 1e6}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mgh.Box3D()
			obj := &overflowCounter{Problem: p}
			res, err := optim.Minimize(obj, p.X0(), tc.method, nil)
			ok, f, gn := mghSolved(p, res.X)
			t.Logf("%v: f = %.3g, ‖∇f‖∞ = %.2g after %d iterations, %d evaluations (%d overflowed), %d HVPs",
				res.Status, f, gn, res.Iterations, res.FuncEvals, obj.overflows, res.HessVecEvals)
			if err != nil || !res.Status.Success() || !ok {
				t.Fatalf("status %v, err %v, solved %v", res.Status, err, ok)
			}
			if obj.overflows == 0 {
				t.Error("no trial overflowed: the case does not test a non-finite trial")
			}
			if res.FuncEvals != obj.evals {
				t.Errorf("Result.FuncEvals = %d, problem saw %d", res.FuncEvals, obj.evals)
			}
		})
	}
}
