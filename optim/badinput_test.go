package optim

import (
	"errors"
	"math"
	"testing"
)

func TestMinimizePanics(t *testing.T) {
	q := quad5()
	x0 := []float64{1, 1}
	for _, tc := range []struct {
		name string
		want string
		f    func()
	}{
		{"nil objective", "nil objective", func() { Minimize(nil, x0, nil, nil) }},
		{"short x0", "len(x0) = 1, objective dimension 2", func() { Minimize(q, []float64{1}, nil, nil) }},
		{"long x0", "len(x0) = 3", func() { Minimize(q, []float64{1, 2, 3}, nil, nil) }},
		{"negative threshold", "GradientThreshold = -1", func() { Minimize(q, x0, nil, &Settings{GradientThreshold: -1}) }},
		{"NaN threshold", "GradientThreshold = NaN", func() { Minimize(q, x0, nil, &Settings{GradientThreshold: math.NaN()}) }},
		{"negative iterations", "MaxIterations = -1", func() { Minimize(q, x0, nil, &Settings{MaxIterations: -1}) }},
		{"negative evaluations", "MaxEvaluations = -5", func() { Minimize(q, x0, nil, &Settings{MaxEvaluations: -5}) }},
		{"negative curvature tol", "CurvatureTolerance", func() { Minimize(q, x0, nil, &Settings{CurvatureTolerance: -1e-3}) }},
		{"LBFGS store", "LBFGS.Store = -1", func() { Minimize(q, x0, LBFGS{Store: -1}, nil) }},
		{"GD step", "GradientDescent.StepSize = -0.1", func() { Minimize(q, x0, GradientDescent{StepSize: -0.1}, nil) }},
		{"SGD rate", "SGD.LearningRate", func() { Minimize(q, x0, SGD{LearningRate: -1}, nil) }},
		{"SGD momentum", "SGD.Momentum = 1", func() { Minimize(q, x0, SGD{Momentum: 1}, nil) }},
		{"SGD nesterov", "Nesterov needs Momentum", func() { Minimize(q, x0, SGD{Nesterov: true}, nil) }},
		{"Adam beta", "Adam.Beta2 = 1", func() { Minimize(q, x0, Adam{Beta2: 1}, nil) }},
		{"Adam eps", "Adam.Epsilon = -1", func() { Minimize(q, x0, Adam{Epsilon: -1}, nil) }},
		{"Newton eta", "NewtonCG.Eta = 0.5", func() { Minimize(q, x0, NewtonCG{Eta: 0.5}, nil) }},
		{"Newton radius", "NewtonCG.InitialRadius = -1", func() { Minimize(q, x0, NewtonCG{InitialRadius: -1}, nil) }},
		{"Newton forcing", "NewtonCG.ForcingMax = 1", func() { Minimize(q, x0, NewtonCG{ForcingMax: 1}, nil) }},
		{"Newton maxcg", "NewtonCG.MaxCG = -3", func() { Minimize(q, x0, NewtonCG{MaxCG: -3}, nil) }},
		{"escape nested", "itself a SaddleEscape", func() { Minimize(q, x0, SaddleEscape{Base: SaddleEscape{}}, nil) }},
		{"escape max", "MaxEscapes = -1", func() { Minimize(q, x0, SaddleEscape{MaxEscapes: -1}, nil) }},
		{"escape step", "InitialStep = -1", func() { Minimize(q, x0, SaddleEscape{InitialStep: -1}, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) { mustPanic(t, tc.want, tc.f) })
	}
}

// TestMinimizeBadData covers the data conditions that are reported, not
// panicked on: every case must leave X finite (or nil when no finite point
// was seen) and never worse than the best point evaluated.
func TestMinimizeBadData(t *testing.T) {
	for _, tc := range []struct {
		name     string
		obj      Objective
		x0       []float64
		method   Method
		settings *Settings
		status   Status
		err      error
		xNil     bool
	}{
		{"NaN in x0", quad5(), []float64{1, math.NaN()}, LBFGS{}, nil, NonFinite, ErrNonFinite, true},
		{"Inf in x0", quad5(), []float64{math.Inf(-1), 0}, LBFGS{}, nil, NonFinite, ErrNonFinite, true},
		{"NaN at x0", &poisoned{Objective: quad5(), after: 0, value: math.NaN()}, []float64{1, 1}, LBFGS{}, nil, NonFinite, ErrNonFinite, true},
		{"NaN part-way LBFGS", &poisoned{Objective: rosenbrock{2}, after: 7, value: math.NaN()}, []float64{-1.2, 1}, LBFGS{}, nil, NonFinite, ErrNonFinite, false},
		{"Inf part-way NewtonCG", &poisoned{Objective: rosenbrock{2}, after: 5, value: math.Inf(1)}, []float64{-1.2, 1}, NewtonCG{}, nil, NonFinite, ErrNonFinite, false},
		{"Inf gradient GD", &poisoned{Objective: rosenbrock{2}, after: 4, value: math.Inf(-1), inGrad: true}, []float64{-1.2, 1}, GradientDescent{StepSize: 1e-3}, nil, NonFinite, ErrNonFinite, false},
		{"divergent GD", quad5(), []float64{1, 0}, GradientDescent{StepSize: 1}, nil, NonFinite, ErrNonFinite, false},
		{"divergent SGD", quad5(), []float64{1, 0}, SGD{LearningRate: 2, Momentum: 0.5}, nil, NonFinite, ErrNonFinite, false},
		{"NaN part-way SaddleEscape", &poisoned{Objective: seedLoss{}, after: 3, value: math.NaN()}, []float64{0, 0}, SaddleEscape{}, nil, NonFinite, ErrNonFinite, false},
		{"budget x0 only", rosenbrock{2}, []float64{-1.2, 1}, LBFGS{}, &Settings{MaxEvaluations: 1}, EvaluationLimit, ErrEvaluationLimit, false},
		{"budget mid-search", rosenbrock{2}, []float64{-1.2, 1}, LBFGS{}, &Settings{MaxEvaluations: 10}, EvaluationLimit, ErrEvaluationLimit, false},
		{"iterations", rosenbrock{2}, []float64{-1.2, 1}, NewtonCG{}, &Settings{MaxIterations: 3}, IterationLimit, ErrIterationLimit, false},
		{"wrong-sign gradient LBFGS", flipped{quad5()}, []float64{1, 0}, LBFGS{}, nil, NonDescent, ErrNonDescent, false},
		{"wrong-sign gradient GD", flipped{quad5()}, []float64{1, 0}, GradientDescent{}, nil, NonDescent, ErrNonDescent, false},
		{"noise at rounding level LBFGS", noisy{x0: []float64{1, 2}}, []float64{1, 2}, LBFGS{}, &Settings{GradientThreshold: 1e-300}, LineSearchFailure, ErrLineSearch, false},
		{"noise at rounding level GD", noisy{x0: []float64{1, 2}}, []float64{1, 2}, GradientDescent{}, &Settings{GradientThreshold: 1e-300}, LineSearchFailure, ErrLineSearch, false},
		// Every trial rises by less than the rounding slack of ρ: NewtonCG
		// must reject them all (it is monotone), shrink its radius and stop.
		{"noise at rounding level NewtonCG", noisy{x0: []float64{1, 2}}, []float64{1, 2}, NewtonCG{}, &Settings{GradientThreshold: 1e-300}, NoProgress, ErrNoProgress, false},
		{"wrong-sign gradient NewtonCG", flipped{quad5()}, []float64{1, 0}, NewtonCG{}, nil, NonDescent, ErrNonDescent, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := &counting{Objective: tc.obj}
			x0 := append([]float64(nil), tc.x0...)
			res, err := Minimize(obj, x0, tc.method, tc.settings)
			if res.Status != tc.status || !errors.Is(err, tc.err) {
				t.Fatalf("status %v, err %v; want %v, %v", res.Status, err, tc.status, tc.err)
			}
			t.Logf("err: %v", err)
			if res.Status.Success() {
				t.Errorf("failure reported as success")
			}
			if tc.xNil {
				if res.X != nil {
					t.Errorf("X = %v, want nil", res.X)
				}
				return
			}
			if res.X == nil {
				t.Fatal("X is nil")
			}
			for _, v := range res.X {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("X = %v holds NaN/Inf", res.X)
				}
			}
			// X must be the best finite point seen: recompute f there and
			// compare with f(x0) (the first point evaluated).
			f := tc.obj.Eval(res.X, make([]float64, len(res.X)))
			if p, ok := tc.obj.(*poisoned); ok {
				f = p.Objective.Eval(res.X, nil)
			}
			f0 := obj.Objective.Eval(tc.x0, nil)
			if p, ok := tc.obj.(*poisoned); ok {
				f0 = p.Objective.Eval(tc.x0, nil)
			}
			if !(f <= f0) || f != res.F && !isPoisoned(tc.obj) {
				t.Errorf("X has f = %v (Result.F %v), f(x0) = %v", f, res.F, f0)
			}
			if tc.status == NonDescent || tc.status == LineSearchFailure || tc.status == NoProgress || tc.name == "budget x0 only" {
				if res.X[0] != tc.x0[0] || res.X[1] != tc.x0[1] {
					t.Errorf("X = %v moved from x0 = %v", res.X, tc.x0)
				}
			}
			if tc.settings != nil && tc.settings.MaxEvaluations > 0 && obj.evals > tc.settings.MaxEvaluations {
				t.Errorf("%d evaluations, budget %d", obj.evals, tc.settings.MaxEvaluations)
			}
		})
	}
}

func isPoisoned(o Objective) bool { _, ok := o.(*poisoned); return ok }

// flipped returns −∇f: −∇f is then an ascent direction.
type flipped struct{ Objective }

func (f flipped) Eval(x, grad []float64) float64 {
	v := f.Objective.Eval(x, grad)
	for i := range grad {
		grad[i] = -grad[i]
	}
	return v
}

// noisy is f(x) = 1 + 1e-30·‖x‖² + 1e-15·[x ≠ x0]: its gradient is that of
// the smooth part, but every point other than x0 is higher by a few units in
// the last place, as if f carried rounding noise, so no line search can find
// a decrease and no gradient check can blame ∇f.
type noisy struct{ x0 []float64 }

func (noisy) Dim() int { return 2 }
func (o noisy) Eval(x, grad []float64) float64 {
	if grad != nil {
		grad[0], grad[1] = 2e-30*x[0], 2e-30*x[1]
	}
	f := 1 + 1e-30*(x[0]*x[0]+x[1]*x[1])
	if x[0] != o.x0[0] || x[1] != o.x0[1] {
		f += 1e-15
	}
	return f
}
func (noisy) HessVec(x, v, hv []float64) { hv[0], hv[1] = 2e-30*v[0], 2e-30*v[1] }

// TestMinimizeDoesNotRetain: x0 is neither modified nor passed to the
// objective (so it cannot be retained), and Result.X is a fresh slice.
func TestMinimizeDoesNotRetain(t *testing.T) {
	for _, m := range []Method{LBFGS{}, NewtonCG{}, GradientDescent{}, SGD{LearningRate: 1e-3}, Adam{}, SaddleEscape{}} {
		x0 := []float64{-1.2, 1}
		obj := &counting{Objective: rosenbrock{2}, watch: x0}
		res, _ := Minimize(obj, x0, m, &Settings{MaxIterations: 50})
		if x0[0] != -1.2 || x0[1] != 1 {
			t.Errorf("%T modified x0: %v", m, x0)
		}
		if obj.sawWatch {
			t.Errorf("%T passed x0's storage to the objective", m)
		}
		if &res.X[0] == &x0[0] {
			t.Errorf("%T returned x0 as X", m)
		}
	}
}

func TestMinimizeCallbackStop(t *testing.T) {
	calls := 0
	res, err := Minimize(rosenbrock{2}, []float64{-1.2, 1}, LBFGS{}, &Settings{Callback: func(it Iteration) bool {
		calls++
		if it.Iter != calls || it.FuncEvals < it.Iter {
			t.Errorf("iteration %d at call %d with %d evaluations", it.Iter, calls, it.FuncEvals)
		}
		return it.Iter == 3
	}})
	if err != nil || res.Status != Stopped || res.Iterations != 3 || calls != 3 {
		t.Errorf("status %v, err %v, iterations %d, calls %d; want Stopped after 3", res.Status, err, res.Iterations, calls)
	}
}

func TestStatusStrings(t *testing.T) {
	for s := NotTerminated; s <= BadObjective; s++ {
		if s.String() == "" || s.String()[0] == 'S' && s.String() == "Status(" {
			t.Errorf("status %d has no name", int(s))
		}
		if (s.Err() == nil) != (s == NotTerminated || s == GradientThreshold || s == SecondOrderStationary || s == Stopped) {
			t.Errorf("%v.Err() = %v", s, s.Err())
		}
	}
	if Status(99).String() != "Status(99)" {
		t.Errorf("unknown status prints %q", Status(99).String())
	}
}
