package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/curvature-go/curvature/internal/krylov"
)

// Minimize minimises obj from x0 with method and returns the final point and
// the reason it stopped. A nil method means LBFGS{}; nil settings mean the
// defaults of Settings.
//
// Minimize copies x0 and never modifies or retains it. It evaluates f and ∇f
// at x0 first (one evaluation), then runs the method until ‖∇f‖∞ ≤
// GradientThreshold or a budget, a failure or the callback stops it; with
// Settings.CheckCurvature a final curvature probe tells a minimum from a
// saddle, or says that it could not (CurvatureInconclusive). The returned error is nil when Result.Status.Err() is nil and
// otherwise wraps that sentinel with details.
//
// Programming errors panic with an "optim: " message: a nil obj, len(x0) ≠
// obj.Dim(), negative settings, and invalid method fields (for example
// LBFGS.Store < 0). Conditions of the data are reported through the Result
// and the error: x0 holding NaN or Inf (Status NonFinite, X nil), NaN or Inf
// from f or ∇f at x0 or at a point the method must move to, from a
// Hessian-vector product, or at trial points until the method gives up
// (NonFinite, X the best finite point seen; a non-finite trial point alone
// is a rejected step, see the package documentation), a failed line search
// (LineSearchFailure), an inconsistent gradient (NonDescent), exhausted
// budgets (IterationLimit, EvaluationLimit), f unbounded below (Unbounded),
// an objective that leaves entries of grad unwritten (BadObjective).
//
// With Settings.Bounds, Minimize also panics on invalid bounds and on a
// method that does not support them, projects its copy of x0 onto the box
// before the first evaluation, and applies every threshold to the projected
// gradient (see the package documentation, section Bounds).
func Minimize(obj Objective, x0 []float64, method Method, settings *Settings) (Result, error) {
	if obj == nil {
		panic("optim: Minimize: nil objective")
	}
	n := obj.Dim()
	if n < 1 {
		panic(fmt.Sprintf("optim: Minimize: objective dimension %d < 1", n))
	}
	if len(x0) != n {
		panic(fmt.Sprintf("optim: Minimize: len(x0) = %d, objective dimension %d", len(x0), n))
	}
	if method == nil {
		method = LBFGS{}
	}
	r := newRunner(obj, settings)
	if r.box != nil {
		r.box.check("Minimize", n)
		r.box = r.box.filled(n)
		if _, ok := method.(boundedMethod); !ok {
			panic(fmt.Sprintf("optim: %s does not support Settings.Bounds", methodName(method)))
		}
	}
	for i, v := range x0 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			r.err = fmt.Errorf("%w: x0[%d] = %v", ErrNonFinite, i, v)
			return r.result(nil, NonFinite)
		}
	}
	loc := newLocation(n)
	copy(loc.x, x0)
	r.box.Project(loc.x)
	st := r.evalLoc(loc)
	if st == NotTerminated {
		st = method.minimize(r, loc)
	}
	if st == GradientThreshold && r.checkCurvature {
		var negative bool
		negative, _, st = r.probeCurvature(loc)
		if st == NotTerminated {
			st = GradientThreshold
			if negative {
				st = Saddle
			}
		}
	}
	return r.result(loc, st)
}

// location is an evaluated point.
type location struct {
	x, g     []float64
	f, gnorm float64
}

func newLocation(n int) *location {
	return &location{x: make([]float64, n), g: make([]float64, n)}
}

func (l *location) copyFrom(o *location) {
	copy(l.x, o.x)
	copy(l.g, o.g)
	l.f, l.gnorm = o.f, o.gnorm
}

// runner is the shared state of one Minimize call: settings, counters, the
// best point seen and the error detail of a failure.
type runner struct {
	obj Objective
	lin Linearizer
	n   int

	gtol           float64
	maxIter        int
	maxEval        int
	callback       func(Iteration) bool
	checkCurvature bool
	relTol         float64 // Settings.CurvatureTolerance; 0 means the ε-SOSP rule
	probeMax       int
	seed           uint64
	box            *Bounds // nil without bounds

	haveF0 bool
	fLow   float64 // f below this is Unbounded

	iter, fevals, gevals, hvps int
	minCurv                    float64 // +Inf until a curvature is seen
	lambdaMin                  float64 // last probe's upper bound on λ_min
	lambdaConv                 bool    // its Ritz pair converged
	curvTolUsed                float64 // τ of the last probe
	lambdaHere                 bool    // lambdaMin was computed at the current iterate
	escapes                    int

	haveBest         bool
	bestX            []float64
	bestF, bestGNorm float64

	nonFinite      int     // non-finite evaluations since the last finite one or accepted step
	badF, badGNorm float64 // f and ‖∇f‖∞ at the latest of them

	err error // detail of a failure status
}

func newRunner(obj Objective, settings *Settings) *runner {
	var s Settings
	if settings != nil {
		s = *settings
	}
	if s.GradientThreshold < 0 || math.IsNaN(s.GradientThreshold) {
		panic(fmt.Sprintf("optim: Settings.GradientThreshold = %v < 0", s.GradientThreshold))
	}
	if s.MaxIterations < 0 {
		panic(fmt.Sprintf("optim: Settings.MaxIterations = %d < 0", s.MaxIterations))
	}
	if s.MaxEvaluations < 0 {
		panic(fmt.Sprintf("optim: Settings.MaxEvaluations = %d < 0", s.MaxEvaluations))
	}
	if s.CurvatureTolerance < 0 || math.IsNaN(s.CurvatureTolerance) || math.IsInf(s.CurvatureTolerance, 1) {
		panic(fmt.Sprintf("optim: Settings.CurvatureTolerance = %v, want finite ≥ 0", s.CurvatureTolerance))
	}
	if s.CurvatureMaxHVPs < 0 {
		panic(fmt.Sprintf("optim: Settings.CurvatureMaxHVPs = %d < 0", s.CurvatureMaxHVPs))
	}
	r := &runner{
		obj:            obj,
		n:              obj.Dim(),
		gtol:           s.GradientThreshold,
		maxIter:        s.MaxIterations,
		maxEval:        s.MaxEvaluations,
		callback:       s.Callback,
		checkCurvature: s.CheckCurvature,
		relTol:         s.CurvatureTolerance,
		probeMax:       s.CurvatureMaxHVPs,
		seed:           s.Seed,
		box:            s.Bounds,
		minCurv:        math.Inf(1),
		lambdaMin:      math.NaN(),
		curvTolUsed:    math.NaN(),
		bestF:          math.Inf(1),
	}
	if r.gtol == 0 {
		r.gtol = 1e-6
	}
	if r.maxIter == 0 {
		r.maxIter = 10000
	}
	if r.probeMax == 0 {
		r.probeMax = 5000
	}
	r.lin, _ = obj.(Linearizer)
	r.bestX = make([]float64, r.n)
	return r
}

// maxNonFinite caps the consecutive evaluations with a non-finite f or ∇f
// that the methods may reject as trial points before the run stops with
// NonFinite.
const maxNonFinite = 50

// poison is the NaN, with a payload of its own, that fills grad before
// every call of Objective.Eval: an entry that still holds it afterwards (or
// holds it as a propagated NaN, when the objective added into grad) was not
// written.
var poison = math.Float64frombits(poisonBits)

const poisonBits = 0x7ff80bad0bad0bad

// unfilled returns the index of the first entry of g that holds the poison
// NaN, or −1.
func unfilled(g []float64) int {
	for i, v := range g {
		if v != v && math.Float64bits(v)&^(1<<63) == poisonBits {
			return i
		}
	}
	return -1
}

// unboundedFactor sets the bound of Status Unbounded: f below f(x0) −
// unboundedFactor·max(1, |f(x0)|). At that depth f(x0) and the scale it
// started at are below the rounding level of f.
const unboundedFactor = 1 / epsilon

// eval evaluates f and ∇f at loc.x and reports whether both are finite. It
// returns EvaluationLimit (without evaluating) when the budget is spent,
// BadObjective when the objective left an entry of ∇f unwritten, Unbounded
// when f fell below the bound of that Status, and NotTerminated otherwise.
// It keeps the best finite point and the count of consecutive non-finite
// evaluations.
func (r *runner) eval(loc *location) (finite bool, st Status) {
	if r.maxEval > 0 && r.fevals >= r.maxEval {
		r.err = fmt.Errorf("%w: %d evaluations", ErrEvaluationLimit, r.fevals)
		return false, EvaluationLimit
	}
	if r.box != nil {
		r.box.Project(loc.x) // f is never evaluated outside the box
	}
	for i := range loc.g {
		loc.g[i] = poison
	}
	loc.f = r.obj.Eval(loc.x, loc.g)
	r.fevals++
	r.gevals++
	if isFinite(loc.f) {
		if i := unfilled(loc.g); i >= 0 {
			r.err = fmt.Errorf("%w: Eval returned f = %v but did not write grad[%d] (of %d) at evaluation %d",
				ErrBadObjective, loc.f, i, len(loc.g), r.fevals)
			return false, BadObjective
		}
	}
	if r.box != nil {
		loc.gnorm = r.box.projGradNorm(loc.x, loc.g)
	} else {
		loc.gnorm = normInf(loc.g)
	}
	if !isFinite(loc.f) || !isFinite(loc.gnorm) {
		r.nonFinite++
		r.badF, r.badGNorm = loc.f, loc.gnorm
		return false, NotTerminated
	}
	r.nonFinite = 0
	if loc.f < r.bestF {
		r.haveBest = true
		copy(r.bestX, loc.x)
		r.bestF, r.bestGNorm = loc.f, loc.gnorm
	}
	if !r.haveF0 {
		r.haveF0 = true
		r.fLow = loc.f - unboundedFactor*math.Max(1, math.Abs(loc.f))
	} else if loc.f < r.fLow {
		r.err = fmt.Errorf("%w: f = %.6g at evaluation %d, more than %.3g·max(1, |f(x0)|) below f(x0) = %.6g",
			ErrUnbounded, loc.f, r.fevals, unboundedFactor, r.fLow+unboundedFactor*math.Max(1, math.Abs(r.fLow)))
		return true, Unbounded
	}
	return true, NotTerminated
}

// evalLoc evaluates a point the method must move to (x0, or the next iterate
// of SGD, Adam and fixed-step GradientDescent). It returns EvaluationLimit
// (without evaluating) when the budget is spent, NonFinite when f or ∇f is
// not finite, and NotTerminated otherwise.
func (r *runner) evalLoc(loc *location) Status {
	finite, st := r.eval(loc)
	if st == NotTerminated && !finite {
		r.err = fmt.Errorf("%w: f = %v, ‖∇f‖∞ = %v at evaluation %d", ErrNonFinite, loc.f, loc.gnorm, r.fevals)
		return NonFinite
	}
	return st
}

// evalTrial evaluates a trial point that the method may reject (a line
// search step, a trust-region step, an escape step). A non-finite f or ∇f
// there is a rejected trial, not a failure: evalTrial returns finite =
// false, sets loc.f to +Inf so that the point compares worse than any
// finite one, and returns NonFinite only when maxNonFinite consecutive
// evaluations have been non-finite. Otherwise the status is that of eval.
func (r *runner) evalTrial(loc *location) (finite bool, st Status) {
	finite, st = r.eval(loc)
	if st != NotTerminated || finite {
		return finite, st
	}
	loc.f = math.Inf(1)
	if r.nonFinite >= maxNonFinite {
		return false, r.nonFiniteStop()
	}
	return false, NotTerminated
}

// nonFiniteStop sets the error of a run that gives up because its latest
// trial points were non-finite, and returns NonFinite.
func (r *runner) nonFiniteStop() Status {
	r.err = fmt.Errorf("%w: f = %v, ‖∇f‖∞ = %v at evaluation %d, the last of %d consecutive non-finite trials",
		ErrNonFinite, r.badF, r.badGNorm, r.fevals, r.nonFinite)
	return NonFinite
}

// check reports whether the run must stop at loc before another iteration.
func (r *runner) check(loc *location) Status {
	if loc.gnorm <= r.gtol {
		return GradientThreshold
	}
	if r.iter >= r.maxIter {
		r.err = fmt.Errorf("%w: %d iterations", ErrIterationLimit, r.iter)
		return IterationLimit
	}
	return NotTerminated
}

// accept records an accepted iteration at loc and calls the callback.
func (r *runner) accept(loc *location, escape bool) Status {
	r.iter++
	r.nonFinite = 0 // a step was taken: earlier rejections are settled
	r.lambdaHere = false
	if r.callback != nil && r.callback(Iteration{
		Iter: r.iter, X: loc.x, F: loc.f, GradNorm: loc.gnorm,
		FuncEvals: r.fevals, GradEvals: r.gevals, HessVecEvals: r.hvps,
		Escape: escape,
	}) {
		return Stopped
	}
	return NotTerminated
}

// hessOp returns the Hessian at x as a counting operator, fixed once through
// Linearize when the objective implements it. x must not change while the
// operator is in use.
func (r *runner) hessOp(x []float64) func(v, hv []float64) {
	var apply func(v, hv []float64)
	if r.lin != nil {
		apply = r.lin.Linearize(x)
	} else {
		obj := r.obj
		apply = func(v, hv []float64) { obj.HessVec(x, v, hv) }
	}
	return func(v, hv []float64) {
		r.hvps++
		apply(v, hv)
	}
}

// noteCurvature records a curvature value dᵀHd/dᵀd.
func (r *runner) noteCurvature(c float64) {
	if c < r.minCurv {
		r.minCurv = c
	}
}

// probeCurvature runs the curvature probe at loc (krylov.Probe with the
// threshold τ of the package documentation). It reports whether it found
// curvature below −τ, with the unit vector u that shows it; the Status is
// NotTerminated when the probe decided, CurvatureInconclusive when its
// budget ran out first, NonFinite when a product was NaN or Inf, and that
// of a budget otherwise.
func (r *runner) probeCurvature(loc *location) (negative bool, u []float64, st Status) {
	// With bounds the probe examines the Hessian on the free variables
	// only (u is then in their coordinates; only SaddleEscape, which does
	// not support bounds, uses it).
	op, dim := krylov.Operator(r.hessOp(loc.x)), r.n
	if r.box != nil {
		if op, dim = r.box.freeOperator(op, loc.x); dim == 0 {
			return false, nil, NotTerminated // every variable is on a bound
		}
	}
	rho := 0.0
	if r.relTol == 0 {
		var ok bool
		if rho, ok = r.lipschitz(loc.x); !ok {
			r.err = fmt.Errorf("%w: Hessian-vector product near X at the curvature probe", ErrNonFinite)
			return false, nil, NonFinite
		}
	}
	res, err := krylov.Probe(op, dim, &krylov.ProbeSettings{
		GradTol: r.gtol, Rho: rho, RelTol: r.relTol, MaxOps: r.probeMax, Seed: r.seed,
	})
	if err != nil {
		r.err = fmt.Errorf("%w: Hessian-vector product at the curvature probe", ErrNonFinite)
		return false, nil, NonFinite
	}
	r.lambdaMin, r.lambdaConv, r.curvTolUsed, r.lambdaHere = res.Value, res.Converged, res.Tol, true
	r.noteCurvature(res.Value)
	switch res.Verdict {
	case krylov.Negative:
		r.err = fmt.Errorf("%w: λ_min ≤ %.6g < −τ = %.3g (‖H‖ ≈ %.3g) at ‖∇f‖∞ = %.3g",
			ErrSaddle, res.Value, -res.Tol, res.NormEst, loc.gnorm)
		return true, res.Vector, NotTerminated
	case krylov.NonNegative:
		return false, nil, NotTerminated
	}
	r.err = fmt.Errorf("%w: after %d HVPs the smallest Ritz value is %.6g (an upper bound on λ_min, residual %.3g); "+
		"curvature below −τ = %.3g (‖H‖ ≈ %.3g) was neither found nor excluded",
		ErrCurvatureInconclusive, res.Ops, res.Value, res.Residual, -res.Tol, res.NormEst)
	return false, nil, CurvatureInconclusive
}

// lipschitz estimates the Lipschitz constant ρ of the Hessian near x by
// krylov.EstimateLipschitz (two HVPs, at x ± h·v, counted). It reports false
// if a product was not finite.
func (r *runner) lipschitz(x []float64) (float64, bool) {
	rho := krylov.EstimateLipschitz(func(y, v, hv []float64) { r.hessOp(y)(v, hv) }, x, r.seed)
	return rho, isFinite(rho)
}

// result builds the Result and error of a run that stopped with st at loc.
func (r *runner) result(loc *location, st Status) (Result, error) {
	res := Result{
		F: math.NaN(), GradNorm: math.NaN(),
		Iterations: r.iter, FuncEvals: r.fevals, GradEvals: r.gevals, HessVecEvals: r.hvps,
		Status: st, MinCurvature: math.NaN(), LambdaMin: math.NaN(), CurvatureTol: r.curvTolUsed,
		Escapes: r.escapes,
	}
	if !math.IsInf(r.minCurv, 1) {
		res.MinCurvature = r.minCurv
	}
	switch {
	case loc != nil && (st == GradientThreshold || st == SecondOrderStationary || st == Saddle ||
		st == CurvatureInconclusive || st == Stopped):
		res.X = append([]float64(nil), loc.x...)
		res.F, res.GradNorm = loc.f, loc.gnorm
		if r.lambdaHere {
			res.LambdaMin, res.LambdaMinConverged = r.lambdaMin, r.lambdaConv
		}
	case r.haveBest:
		res.X = append([]float64(nil), r.bestX...)
		res.F, res.GradNorm = r.bestF, r.bestGNorm
	}
	if r.box != nil && res.X != nil {
		res.ActiveLower, res.ActiveUpper = r.box.active(res.X)
	}
	err := st.Err()
	if err != nil && r.err != nil && errors.Is(r.err, err) {
		err = r.err
	}
	if ar, ok := r.obj.(AnomalyReporter); ok && st == NonFinite {
		if a := ar.Anomaly(); a != nil {
			err = fmt.Errorf("%w; %v", err, a)
		}
	}
	return res, err
}

func normInf(v []float64) float64 {
	var m float64
	for _, x := range v {
		a := math.Abs(x)
		if a > m {
			m = a
		} else if a != a {
			return math.NaN()
		}
	}
	return m
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
