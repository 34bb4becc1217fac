package optim

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// TestGonumProblem: gonum's own methods minimise our objectives through the
// adapter, and its Hessian matches the analytic one.
func TestGonumProblem(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method optimize.Method
	}{
		{"Newton", &optimize.Newton{}},
		{"BFGS", &optimize.BFGS{}},
		{"LBFGS", &optimize.LBFGS{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := optimize.Minimize(GonumProblem(rosenbrock{4}), []float64{-1.2, 1, -1.2, 1}, nil, tc.method)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range res.X {
				if math.Abs(v-1) > 1e-6 {
					t.Errorf("X[%d] = %v, want 1", i, v)
				}
			}
		})
	}

	x := []float64{-1.2, 1}
	h := mat.NewSymDense(2, nil)
	lin := &linearized{Objective: rosenbrock{2}}
	GonumProblem(lin).Hess(h, x)
	want := mat.NewSymDense(2, []float64{1200*1.44 - 400 + 2, 480, 480, 200})
	if !mat.EqualApprox(h, want, 1e-12) {
		t.Errorf("Hess = %v, want %v", mat.Formatted(h), mat.Formatted(want))
	}
	if lin.linearizes != 1 || lin.linHVPs != 2 || lin.directHVPs != 0 {
		t.Errorf("Hess used %d Linearize, %d linearised and %d direct HVPs; want 1, 2, 0", lin.linearizes, lin.linHVPs, lin.directHVPs)
	}
	g := make([]float64, 2)
	p := GonumProblem(rosenbrock{2})
	p.Grad(g, x)
	// At (−1.2, 1): f = 24.2, ∇f = (−215.6, −88).
	if f := p.Func(x); math.Abs(f-24.2) > 1e-12 || math.Abs(g[0]+215.6) > 1e-12 || math.Abs(g[1]+88) > 1e-12 {
		t.Errorf("Func %v, Grad %v; want 24.2, (−215.6, −88)", f, g)
	}
}
