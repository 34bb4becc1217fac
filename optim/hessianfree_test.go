package optim

import (
	"errors"
	"math"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
)

// rosenGN is the extended Rosenbrock function as the least-squares problem
// Σ r², r = (10(x_{i+1} − x_i²), 1 − x_i) per pair, with its Gauss–Newton
// matrix G = 2JᵀJ (the Hessian of Σ r² in r is 2I).
type rosenGN struct{ rosenbrock }

func (q rosenGN) GaussNewton(x []float64) func(v, gv []float64) {
	x = append([]float64(nil), x...)
	return func(v, gv []float64) {
		for i := 0; i < len(x); i += 2 {
			// J of the pair: [[−20x_i, 10], [−1, 0]].
			a, b := -20*x[i], 10.0
			j1 := a*v[i] + b*v[i+1]
			j2 := -v[i]
			gv[i] = 2 * (a*j1 - j2)
			gv[i+1] = 2 * b * j1
		}
	}
}

// flippedGrad is a quadratic whose gradient has the wrong sign.
type flippedGrad struct{ quadratic }

func (q flippedGrad) Eval(x, grad []float64) float64 {
	f := q.quadratic.Eval(x, grad)
	for i := range grad {
		grad[i] = -grad[i]
	}
	return f
}

func TestHessianFree(t *testing.T) {
	for _, tc := range []struct {
		name string
		obj  Objective
		x0   []float64
	}{
		{"Rosenbrock, Gauss–Newton", rosenGN{rosenbrock{2}}, []float64{-1.2, 1}},
		{"extended Rosenbrock n=20, Gauss–Newton", rosenGN{rosenbrock{20}}, repeatPair(10, -1.2, 1)},
		{"Rosenbrock, Hessian", rosenbrock{2}, []float64{-1.2, 1}},
		{"quadratic, Hessian", quad5(), []float64{3, -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			last := tc.obj.Eval(tc.x0, nil)
			res, err := Minimize(tc.obj, tc.x0, HessianFree{}, &Settings{GradientThreshold: 1e-8, Callback: func(it Iteration) bool {
				if it.F > last {
					t.Errorf("iteration %d raised f from %v to %v", it.Iter, last, it.F)
				}
				last = it.F
				return false
			}})
			if err != nil || res.Status != GradientThreshold {
				t.Fatalf("status %v, %v after %d iterations", res.Status, err, res.Iterations)
			}
			for i, x := range res.X {
				want := 1.0
				if _, ok := tc.obj.(quadratic); ok {
					want = 0
				}
				if math.Abs(x-want) > 1e-6 {
					t.Errorf("x[%d] = %v, want %v", i, x, want)
				}
			}
			t.Logf("%d iterations, %d evaluations, %d products", res.Iterations, res.FuncEvals, res.HessVecEvals)
		})
	}
}

func repeatPair(k int, a, b float64) []float64 {
	var x []float64
	for i := 0; i < k; i++ {
		x = append(x, a, b)
	}
	return x
}

// TestHessianFreeBadGradient checks that a gradient that does not match f
// ends the run without raising f.
func TestHessianFreeBadGradient(t *testing.T) {
	obj := flippedGrad{quad5()}
	x0 := []float64{1, 2}
	f0 := obj.Eval(x0, make([]float64, 2))
	res, err := Minimize(obj, x0, HessianFree{}, nil)
	if err == nil || res.Status == GradientThreshold || !errors.Is(err, ErrNoProgress) {
		t.Errorf("status %v, %v", res.Status, err)
	}
	if res.F > f0 {
		t.Errorf("f rose from %v to %v", f0, res.F)
	}
	testutil.MustPanic(t, "damping", func() { Minimize(quad5(), x0, HessianFree{InitialDamping: -1}, nil) }, "optim: HessianFree.InitialDamping")
	testutil.MustPanic(t, "MaxCG", func() { Minimize(quad5(), x0, HessianFree{MaxCG: -1}, nil) }, "optim: HessianFree.MaxCG")
}

// wall is Σ(xᵢ − 3)², NaN where x₀ > 2.5: its minimum lies beyond a wall
// of non-finite values.
type wall struct{}

func (wall) Dim() int { return 2 }
func (wall) Eval(x, grad []float64) float64 {
	if x[0] > 2.5 {
		if grad != nil {
			grad[0], grad[1] = math.NaN(), math.NaN()
		}
		return math.NaN()
	}
	if grad != nil {
		grad[0], grad[1] = 2*(x[0]-3), 2*(x[1]-3)
	}
	return (x[0]-3)*(x[0]-3) + (x[1]-3)*(x[1]-3)
}
func (wall) HessVec(x, v, hv []float64) { hv[0], hv[1] = 2*v[0], 2*v[1] }

// TestHessianFreeNonFinite checks that trial points where f is NaN are
// rejected: the run ends at a finite point no worse than x0.
func TestHessianFreeNonFinite(t *testing.T) {
	x0 := []float64{0, 0}
	res, err := Minimize(wall{}, x0, HessianFree{}, &Settings{MaxIterations: 200})
	if res.X == nil || math.IsNaN(res.F) || res.F > (wall{}).Eval(x0, nil) || res.X[0] > 2.5 {
		t.Fatalf("X %v, f %v (%v, %v)", res.X, res.F, res.Status, err)
	}
	if res.Status == GradientThreshold {
		t.Errorf("claimed convergence at %v where ∇f ≠ 0", res.X)
	}
	t.Logf("%v at %v, f = %v after %d evaluations: %v", res.Status, res.X, res.F, res.FuncEvals, err)
}
