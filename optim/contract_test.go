package optim

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/optim/mgh"
)

// allMethods lists every Method with default settings.
var allMethods = []struct {
	name   string
	method Method
}{
	{"GradientDescent", GradientDescent{}},
	{"GradientDescentFixed", GradientDescent{StepSize: 0.1}},
	{"SGD", SGD{}},
	{"SGDMomentum", SGD{Momentum: 0.9, Nesterov: true}},
	{"Adam", Adam{}},
	{"LBFGS", LBFGS{}},
	{"NewtonCG", NewtonCG{}},
	{"SaddleEscape", SaddleEscape{}},
	{"SaddleEscapeLBFGS", SaddleEscape{Base: LBFGS{}}},
}

// partialGrad is Σ(xᵢ − 3)², whose Eval writes only grad[:fill] (or adds
// into grad when add is set): a broken objective.
type partialGrad struct {
	n, fill int
	add     bool
}

func (p partialGrad) Dim() int { return p.n }

func (p partialGrad) Eval(x, grad []float64) float64 {
	var f float64
	for i, v := range x {
		f += (v - 3) * (v - 3)
		if grad != nil && i < p.fill {
			if p.add {
				grad[i] += 2 * (v - 3)
			} else {
				grad[i] = 2 * (v - 3)
			}
		}
	}
	return f
}

func (p partialGrad) HessVec(x, v, hv []float64) {
	for i := range v {
		hv[i] = 2 * v[i]
	}
}

// TestPartialGradient: an objective that leaves grad[1] unwritten, or adds
// into grad instead of writing it, is caught at the first evaluation by
// every method, with the entry named, and never reported as a success.
func TestPartialGradient(t *testing.T) {
	for _, obj := range []partialGrad{{n: 3, fill: 1}, {n: 3, fill: 3, add: true}} {
		for _, m := range allMethods {
			t.Run(m.name, func(t *testing.T) {
				res, err := Minimize(obj, []float64{0, 0, 0}, m.method, nil)
				if res.Status != BadObjective || !errors.Is(err, ErrBadObjective) {
					t.Fatalf("status %v, err %v; want BadObjective", res.Status, err)
				}
				want := "grad[1]"
				if obj.add {
					want = "grad[0]"
				}
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err %q does not name %s", err, want)
				}
				if res.FuncEvals != 1 || res.X != nil {
					t.Errorf("%d evaluations, X = %v; want 1 and nil (x0 itself was bad)", res.FuncEvals, res.X)
				}
			})
		}
	}
}

// lateBad fills grad fully except where x[0] > 1, where it forgets grad[2].
type lateBad struct{}

func (lateBad) Dim() int { return 3 }

func (lateBad) Eval(x, grad []float64) float64 {
	var f float64
	for i, v := range x {
		f += (v - 3) * (v - 3)
		if grad != nil && !(i == 2 && x[0] > 1) {
			grad[i] = 2 * (v - 3)
		}
	}
	return f
}

func (lateBad) HessVec(x, v, hv []float64) {
	for i := range v {
		hv[i] = 2 * v[i]
	}
}

// TestPartialGradientLater: the check catches an objective that breaks the
// contract only at some points, and keeps the best point seen before.
func TestPartialGradientLater(t *testing.T) {
	for _, m := range allMethods {
		t.Run(m.name, func(t *testing.T) {
			res, err := Minimize(lateBad{}, []float64{0, 0, 0}, m.method, nil)
			if res.Status != BadObjective || !strings.Contains(err.Error(), "grad[2]") {
				t.Fatalf("status %v, err %v; want BadObjective naming grad[2]", res.Status, err)
			}
			if res.X == nil || !(res.F <= 27) {
				t.Errorf("X = %v, F = %v: want the best point seen (f ≤ f(x0) = 27)", res.X, res.F)
			}
		})
	}
}

// negSquares is f = −Σxᵢ², unbounded below.
type negSquares struct{ n int }

func (q negSquares) Dim() int { return q.n }

func (q negSquares) Eval(x, grad []float64) float64 {
	var f float64
	for i, v := range x {
		f -= v * v
		if grad != nil {
			grad[i] = -2 * v
		}
	}
	return f
}

func (q negSquares) HessVec(x, v, hv []float64) {
	for i := range v {
		hv[i] = -2 * v[i]
	}
}

// TestUnbounded: on f = −Σxᵢ² every method whose steps grow with the slope
// stops with Unbounded within a few hundred evaluations; Adam, whose steps
// are bounded by its learning rate, never reports success.
func TestUnbounded(t *testing.T) {
	x0 := []float64{1, 0.5, -0.25, 2}
	for _, m := range allMethods {
		t.Run(m.name, func(t *testing.T) {
			res, err := Minimize(negSquares{4}, x0, m.method, nil)
			t.Logf("%v after %d evaluations, f = %.3g", res.Status, res.FuncEvals, res.F)
			if m.name == "Adam" {
				if res.Status.Success() {
					t.Fatalf("Adam: status %v", res.Status)
				}
				return
			}
			if res.Status != Unbounded || !errors.Is(err, ErrUnbounded) {
				t.Fatalf("status %v, err %v; want Unbounded", res.Status, err)
			}
			if res.FuncEvals > 3000 {
				t.Errorf("%d evaluations: not early", res.FuncEvals)
			}
			bound := -5.25 - math.Max(1, 5.25)/epsilon
			if res.X == nil || !(res.F < bound) || !isFinite(res.F) {
				t.Errorf("X %v, F %v: want the finite point below %v", res.X, res.F, bound)
			}
		})
	}
}

// flipOne returns ∇f with the sign of its first entry flipped.
type flipOne struct{ Objective }

func (f flipOne) Eval(x, grad []float64) float64 {
	v := f.Objective.Eval(x, grad)
	if grad != nil {
		grad[0] = -grad[0]
	}
	return v
}

// shiftedSquares is Σ(xᵢ − 1)².
type shiftedSquares struct{ n int }

func (q shiftedSquares) Dim() int { return q.n }

func (q shiftedSquares) Eval(x, grad []float64) float64 {
	var f float64
	for i, v := range x {
		f += (v - 1) * (v - 1)
		if grad != nil {
			grad[i] = 2 * (v - 1)
		}
	}
	return f
}

func (q shiftedSquares) HessVec(x, v, hv []float64) {
	for i := range v {
		hv[i] = 2 * v[i]
	}
}

// TestNewtonCGWrongGradient: with the gradient's sign flipped (wholly or in
// one entry), NewtonCG never accepts a step that raises f, stops with
// NonDescent saying ∇f does not match f within 20 evaluations, and X is
// never worse than x0 — also when the callback stops the run early.
func TestNewtonCGWrongGradient(t *testing.T) {
	for _, tc := range []struct {
		name string
		obj  Objective
	}{
		{"squares", flipped{shiftedSquares{3}}},
		{"rosenbrock", flipped{rosenbrock{4}}},
		{"rosenbrock/one", flipOne{rosenbrock{4}}},
		{"seed", flipped{seedLoss{}}},
		{"quad5/one", flipOne{quad5()}},
		{"wide", flipped{wideSpectrum(50, 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x0 := make([]float64, tc.obj.Dim())
			for i := range x0 {
				x0[i] = 0.3 + 0.1*float64(i)
			}
			f0 := tc.obj.Eval(x0, nil)
			prev := f0
			res, err := Minimize(tc.obj, x0, NewtonCG{}, &Settings{Callback: func(it Iteration) bool {
				if it.F > prev {
					t.Errorf("iteration %d raised f from %v to %v", it.Iter, prev, it.F)
				}
				prev = it.F
				return false
			}})
			if res.Status != NonDescent || !errors.Is(err, ErrNonDescent) || !strings.Contains(err.Error(), "∇f does not match f") {
				t.Fatalf("status %v, err %v; want NonDescent", res.Status, err)
			}
			if res.FuncEvals > 20 {
				t.Errorf("%d evaluations before the diagnosis", res.FuncEvals)
			}
			if !(res.F <= f0) {
				t.Errorf("F = %v > f(x0) = %v", res.F, f0)
			}
			for stop := 1; stop <= 3; stop++ {
				res, _ := Minimize(tc.obj, x0, NewtonCG{}, &Settings{Callback: func(it Iteration) bool { return it.Iter == stop }})
				if f := tc.obj.Eval(res.X, nil); !(f <= f0) {
					t.Errorf("stopped at %d: f(X) = %v > f(x0) = %v", stop, f, f0)
				}
			}
		})
	}
}

// TestNewtonCGNoFalseNonDescent: with correct gradients, NewtonCG's check
// of ∇f must never fire, on any MGH problem from its standard start or
// from a start ten times farther out, with the default and a very large
// initial radius (many rejected steps at the first point).
func TestNewtonCGNoFalseNonDescent(t *testing.T) {
	for _, p := range append(mgh.Problems(), mgh.SeedProblems()...) {
		for _, sc := range []float64{1, 10} {
			x0 := p.X0()
			for i := range x0 {
				x0[i] = x0[i]*sc + 0.1*float64(i)
			}
			for _, m := range []NewtonCG{{}, {InitialRadius: 1e3}} {
				res, err := Minimize(p, x0, m, &Settings{MaxIterations: 1000})
				if res.Status == NonDescent {
					t.Errorf("%s from %g·x0, Δ0 = %v: %v", p.Name, sc, m.InitialRadius, err)
				}
			}
		}
	}
}
