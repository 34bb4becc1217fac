package optim

import (
	"errors"
	"math"
	"strconv"
	"testing"
)

// walled is an objective that is finite only inside the open ball ‖x‖₂ <
// radius; outside it returns f = value (+Inf or NaN) and a NaN gradient, as a
// loss that overflows far from its minimum does. It counts the evaluations
// and those that were non-finite.
type walled struct {
	Objective
	radius       float64
	value        float64
	evals, walls int
}

func (w *walled) Eval(x, grad []float64) float64 {
	w.evals++
	var r2 float64
	for _, v := range x {
		r2 += v * v
	}
	if !(r2 < w.radius*w.radius) {
		w.walls++
		for i := range grad {
			grad[i] = math.NaN()
		}
		return w.value
	}
	return w.Objective.Eval(x, grad)
}

// gaussWell is f(x) = 1 − exp(−‖x‖²/2): minimum 0 at the origin, convex for
// ‖x‖ < 1 and of negative curvature along x beyond, with ∇f = x·e and
// ∇²f·v = e·(v − x·(xᵀv)) where e = exp(−‖x‖²/2).
type gaussWell struct{ n int }

func (g gaussWell) Dim() int { return g.n }

func (g gaussWell) Eval(x, grad []float64) float64 {
	e := math.Exp(-0.5 * dot(x, x))
	for i := range grad {
		grad[i] = x[i] * e
	}
	return 1 - e
}

func (g gaussWell) HessVec(x, v, hv []float64) {
	e := math.Exp(-0.5 * dot(x, x))
	xv := dot(x, v)
	for i := range hv {
		hv[i] = e * (v[i] - x[i]*xv)
	}
}

// TestNonFiniteTrialRejected: on objectives that are +Inf (or NaN) outside
// a ball, a method whose trial step leaves the ball must reject that trial,
// shorten the step and still reach the minimum. Every case is chosen so that
// at least one trial lands outside (checked), and the evaluation counts of
// the Result must include the rejected trials.
//
//   - The Gaussian well 1 − exp(−x²/2) inside |x| < 2, from x0 = 1.9: the
//     first line-search trial of LBFGS and GD (step length 1, to 0.9) is
//     still descending with a steeper slope, so Moré–Thuente extrapolates
//     to a step of 5, at x = −3.1; NewtonCG with a huge radius meets the
//     negative curvature at x0 and follows it to the boundary of the trust
//     region, 1e3 or 1e6 away.
//   - The bowl x² inside |x| < 2 scaled to the box |x| < 0.02 (f = 1e4·x²),
//     from 0.019: the unit first step of LBFGS and GD lands at −0.981,
//     50 times the width of the domain away.
//   - The seed loss (1 − w1·w2)² inside ‖w‖ < 10, from its saddle (0, 0),
//     with an escape whose first trials are 1e3 away on both sides: the
//     escape must halve back inside and find the valley w1·w2 = 1.
func TestNonFiniteTrialRejected(t *testing.T) {
	bowl := quadratic{a: []float64{2e4}, b: []float64{0}}
	for _, tc := range []struct {
		name   string
		obj    Objective
		radius float64
		value  float64
		x0     []float64
		method Method
	}{
		{"well/LBFGS", gaussWell{1}, 2, math.Inf(1), []float64{1.9}, LBFGS{}},
		{"well/GD", gaussWell{1}, 2, math.Inf(1), []float64{1.9}, GradientDescent{}},
		{"well/NewtonCG-1e3", gaussWell{1}, 2, math.Inf(1), []float64{1.9}, NewtonCG{InitialRadius: 1e3}},
		{"well/NewtonCG-1e6", gaussWell{1}, 2, math.Inf(1), []float64{1.9}, NewtonCG{InitialRadius: 1e6}},
		{"well/SaddleEscape-NewtonCG-1e6", gaussWell{1}, 2, math.Inf(1), []float64{1.9}, SaddleEscape{Base: NewtonCG{InitialRadius: 1e6}}},
		{"well-NaN/LBFGS", gaussWell{1}, 2, math.NaN(), []float64{1.9}, LBFGS{}},
		{"well-NaN/NewtonCG-1e6", gaussWell{1}, 2, math.NaN(), []float64{1.9}, NewtonCG{InitialRadius: 1e6}},
		{"well-2d/LBFGS", gaussWell{2}, 2, math.Inf(1), []float64{1.5, -1.2}, LBFGS{}},
		{"well-2d/GD", gaussWell{2}, 2, math.Inf(1), []float64{1.5, -1.2}, GradientDescent{}},
		{"well-2d/NewtonCG-1e6", gaussWell{2}, 2, math.Inf(1), []float64{1.5, -1.2}, NewtonCG{InitialRadius: 1e6}},
		{"bowl/LBFGS", bowl, 0.02, math.Inf(1), []float64{0.019}, LBFGS{}},
		{"bowl/GD", bowl, 0.02, math.Inf(1), []float64{0.019}, GradientDescent{}},
		{"bowl-NaN/GD", bowl, 0.02, math.NaN(), []float64{0.019}, GradientDescent{}},
		{"seed/SaddleEscape-step1e3", seedLoss{}, 10, math.Inf(1), []float64{0, 0}, SaddleEscape{InitialStep: 1e3}},
		{"seed-NaN/SaddleEscape-LBFGS-step1e3", seedLoss{}, 10, math.NaN(), []float64{0, 0}, SaddleEscape{Base: LBFGS{}, InitialStep: 1e3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := &walled{Objective: tc.obj, radius: tc.radius, value: tc.value}
			res, err := Minimize(obj, tc.x0, tc.method, nil)
			t.Logf("%v after %d iterations, %d evaluations (%d rejected outside the ball), %d HVPs; X = %v",
				res.Status, res.Iterations, res.FuncEvals, obj.walls, res.HessVecEvals, res.X)
			if err != nil || !res.Status.Success() {
				t.Fatalf("status %v, err %v", res.Status, err)
			}
			if obj.walls == 0 {
				t.Fatal("no trial left the ball: the case does not test a non-finite trial")
			}
			if res.FuncEvals != obj.evals {
				t.Errorf("Result.FuncEvals = %d, objective saw %d calls", res.FuncEvals, obj.evals)
			}
			if _, ok := tc.obj.(seedLoss); ok {
				if res.Escapes != 1 || math.Abs(res.X[0]*res.X[1]-1) > 1e-6 {
					t.Errorf("%d escapes, X = %v: want 1 escape and w1·w2 = 1", res.Escapes, res.X)
				}
			} else {
				for i, v := range res.X {
					if math.Abs(v) > 1e-5*tc.radius {
						t.Errorf("X[%d] = %v, want the minimiser 0", i, v)
					}
				}
			}
			if !(res.F < 1e-10) || !(res.GradNorm <= 1e-6) {
				t.Errorf("F = %v, GradNorm = %v", res.F, res.GradNorm)
			}
		})
	}
}

// recording is a poisoned objective that also remembers the best finite
// point it returned (from the evaluations before the poisoned ones).
type recording struct {
	poisoned
	bestF   float64
	bestX   []float64
	anyBest bool
}

func (r *recording) Eval(x, grad []float64) float64 {
	f := r.poisoned.Eval(x, grad)
	if r.calls <= r.after && (!r.anyBest || f < r.bestF) {
		r.anyBest, r.bestF = true, f
		r.bestX = append(r.bestX[:0], x...)
	}
	return f
}

// TestNonFiniteForever: an objective that returns NaN (or an Inf gradient)
// at every evaluation after the k-th must stop every method with NonFinite
// (ErrNonFinite), at exactly the best finite point it returned, well within
// the evaluation budget, after at most 50 non-finite evaluations (the
// documented cap on consecutive ones). With k = 0 f(x0) itself is
// non-finite, which stops the run at once with X nil. The rows from the
// origin make NewtonCG shrink its radius toward zero, where a step keeps
// moving x until ‖p‖² underflows (about 270 rejections): only the cap ends
// those runs after 50.
func TestNonFiniteForever(t *testing.T) {
	const budget = 400
	methods := []struct {
		name   string
		method Method
	}{
		{"LBFGS", LBFGS{}},
		{"GD", GradientDescent{}},
		{"GD-fixed", GradientDescent{StepSize: 1e-3}},
		{"NewtonCG", NewtonCG{}},
		{"SaddleEscape", SaddleEscape{}},
		{"SGD", SGD{LearningRate: 1e-3}},
		{"Adam", Adam{LearningRate: 1e-2}},
	}
	starts := []struct {
		name string
		x0   []float64
	}{
		{"std", []float64{-1.2, 1}},
		{"origin", []float64{0, 0}},
	}
	for _, m := range methods {
		for _, s := range starts {
			for _, k := range []int{0, 1, 2, 7, 15} {
				for _, inGrad := range []bool{false, true} {
					value := math.NaN()
					kind := "NaN-f"
					if inGrad {
						value, kind = math.Inf(1), "Inf-grad"
					}
					t.Run(m.name+"/"+s.name+"/"+kind+"/k="+strconv.Itoa(k), func(t *testing.T) {
						obj := &recording{poisoned: poisoned{Objective: rosenbrock{2}, after: k, value: value, inGrad: inGrad}}
						res, err := Minimize(obj, s.x0, m.method, &Settings{MaxEvaluations: budget})
						if res.Status != NonFinite || !errors.Is(err, ErrNonFinite) {
							t.Fatalf("status %v, err %v after %d evaluations; want NonFinite", res.Status, err, res.FuncEvals)
						}
						if res.FuncEvals != obj.calls {
							t.Errorf("Result.FuncEvals = %d, objective saw %d", res.FuncEvals, obj.calls)
						}
						// 50 is the cap documented in the package doc.
						if bad := obj.calls - k; bad > 50 {
							t.Errorf("%d non-finite evaluations, documented cap 50", bad)
						}
						if k == 0 {
							if res.X != nil || res.FuncEvals != 1 {
								t.Errorf("f(x0) non-finite: X = %v after %d evaluations, want nil after 1", res.X, res.FuncEvals)
							}
							return
						}
						if res.X == nil {
							t.Fatal("X is nil")
						}
						for i, v := range res.X {
							if v != obj.bestX[i] {
								t.Fatalf("X = %v, best finite point returned %v", res.X, obj.bestX)
							}
						}
						if res.F != obj.bestF {
							t.Errorf("F = %v, best finite f %v", res.F, obj.bestF)
						}
					})
				}
			}
		}
	}
	// At the saddle of the seed loss every method but SaddleEscape stops
	// at x0 (∇f = 0); SaddleEscape's escape search meets only NaN and must
	// stop with NonFinite at x0 after at most 50 trials.
	for _, base := range []Method{nil, LBFGS{}} {
		obj := &recording{poisoned: poisoned{Objective: seedLoss{}, after: 1, value: math.NaN()}}
		res, err := Minimize(obj, []float64{0, 0}, SaddleEscape{Base: base}, &Settings{MaxEvaluations: budget})
		if res.Status != NonFinite || !errors.Is(err, ErrNonFinite) || res.Escapes != 0 {
			t.Errorf("SaddleEscape{%T} at the seed saddle: status %v, %d escapes, err %v; want NonFinite", base, res.Status, res.Escapes, err)
		}
		if res.X == nil || res.X[0] != 0 || res.X[1] != 0 || obj.calls-1 > 50 {
			t.Errorf("SaddleEscape{%T} at the seed saddle: X = %v after %d evaluations", base, res.X, obj.calls)
		}
	}
}
