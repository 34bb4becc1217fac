package optim

import "fmt"

// Method is a minimisation algorithm for Minimize: GradientDescent, SGD,
// Adam, LBFGS, NewtonCG or SaddleEscape. The interface is sealed: the
// methods share the driver's evaluation counting, budgets and NaN handling,
// which this package does not export.
type Method interface {
	// minimize runs the method from loc, an evaluated point with finite f
	// and ∇f, updating loc in place as it accepts points. It returns why it
	// stopped (never NotTerminated).
	minimize(r *runner, loc *location) Status
}

// Settings controls Minimize. A nil *Settings, and every zero field, means the
// documented default. Negative values panic.
//
// The budgets count every evaluation, including rejected trial points where
// f or ∇f was NaN or ±Inf; such trials shorten the step rather than stop the
// run (see the package documentation and Status NonFinite).
type Settings struct {
	// GradientThreshold is the convergence test: Minimize stops with
	// GradientThreshold when ‖∇f(x)‖∞ ≤ GradientThreshold. With Bounds the
	// test is on the projected gradient, ‖P(x − ∇f(x)) − x‖∞ ≤
	// GradientThreshold with P the projection onto the box, which is zero
	// exactly at the first-order (KKT) points. If it is 0, it is defaulted
	// to 1e-6.
	GradientThreshold float64

	// MaxIterations caps the number of accepted iterations. If it is 0, it
	// is defaulted to 10000.
	MaxIterations int

	// MaxEvaluations caps the number of calls to Objective.Eval (including
	// the one at x0, so 1 evaluates x0 only). If it is 0 there is no limit
	// other than MaxIterations.
	MaxEvaluations int

	// Callback, if not nil, is called after every accepted iteration. If it
	// returns true, Minimize stops with status Stopped.
	Callback func(Iteration) (stop bool)

	// CheckCurvature makes Minimize, when it stops with GradientThreshold,
	// run the curvature probe at the final point (see the package
	// documentation): it reports Saddle (with ErrSaddle) instead of success
	// when it finds a direction of curvature below −τ, and
	// CurvatureInconclusive when its budget runs out before it can decide.
	// It costs one probe (its HVPs are counted in Result.HessVecEvals).
	// SaddleEscape always performs this check.
	CheckCurvature bool

	// CurvatureTolerance, if positive, replaces the default threshold of
	// negligible curvature by the relative one τ = CurvatureTolerance·‖H‖,
	// with ‖H‖ estimated by Lanczos. If it is 0, τ is the
	// ε-second-order-stationarity threshold max(√(ρ·GradientThreshold),
	// 1e-8·‖H‖), with ρ estimated at the point (package documentation).
	CurvatureTolerance float64

	// CurvatureMaxHVPs caps the Hessian-vector products of one curvature
	// probe's search; assembling the eigenvector of a negative verdict may
	// take as many again. If it is 0, it is defaulted to 5000.
	CurvatureMaxHVPs int

	// Seed seeds the curvature probe's random start vector and the random
	// direction of its estimate of ρ, making the probes reproducible.
	Seed uint64

	// Bounds, if not nil, confines the search to the box lᵢ ≤ xᵢ ≤ uᵢ.
	// LBFGS (then the L-BFGS-B algorithm) and NewtonCG (then a projected
	// trust-region Newton method in the manner of TRON) support bounds;
	// the other methods panic when Bounds is set. Minimize panics on
	// invalid bounds (a side of the wrong length, NaN, lᵢ > uᵢ, lᵢ = +∞ or
	// uᵢ = −∞), projects
	// x0 onto the box and evaluates f only at points inside it; the
	// stationarity test and Result.GradNorm use the projected gradient
	// (see GradientThreshold), and Result.ActiveLower and ActiveUpper
	// report the bounds X lies on. With CheckCurvature the Lanczos probe
	// runs on the Hessian restricted to the variables strictly inside
	// their bounds.
	Bounds *Bounds
}

// Iteration describes the state after one accepted iteration, for
// Settings.Callback.
type Iteration struct {
	// Iter is the number of accepted iterations so far.
	Iter int
	// X is the current iterate. It is valid only during the callback and
	// must not be modified or retained.
	X []float64
	// F is f(X) and GradNorm is ‖∇f(X)‖∞ (the projected gradient's with
	// Settings.Bounds).
	F, GradNorm float64
	// FuncEvals, GradEvals and HessVecEvals are the counts so far.
	FuncEvals, GradEvals, HessVecEvals int
	// Escape reports that this iteration was a SaddleEscape step along a
	// direction of negative curvature rather than a step of the base method.
	Escape bool
}

// Result is the outcome of Minimize.
type Result struct {
	// X is the final point: the last iterate when Status is
	// GradientThreshold, SecondOrderStationary, Saddle,
	// CurvatureInconclusive or Stopped, and
	// otherwise the point with the lowest finite f seen (for the monotone
	// methods LBFGS, NewtonCG and GradientDescent with a line search the
	// two coincide). X never holds NaN; it is nil only when no finite point
	// was seen (x0 non-finite, f or ∇f non-finite at x0, or the objective
	// broke its contract at x0: BadObjective).
	X []float64
	// F is f(X) and GradNorm is ‖∇f(X)‖∞, or with Settings.Bounds the
	// projected gradient ‖P(X − ∇f(X)) − X‖∞ (NaN when X is nil).
	F, GradNorm float64
	// Iterations is the number of accepted iterations.
	Iterations int
	// FuncEvals counts calls to Objective.Eval; GradEvals counts those that
	// also computed ∇f (every call made by this package's methods does, so
	// the two are equal: each is a "point"); HessVecEvals counts
	// Hessian-vector products, including those of Lanczos probes.
	FuncEvals, GradEvals, HessVecEvals int
	// Status says why Minimize stopped.
	Status Status
	// MinCurvature is the smallest curvature dᵀ∇²f·d/dᵀd seen during the
	// run (by the CG directions of NewtonCG and by Lanczos probes); NaN
	// when no Hessian-vector product was taken.
	MinCurvature float64
	// LambdaMin is the curvature probe's estimate of the smallest
	// eigenvalue of ∇²f(X) when a probe ran at X (CheckCurvature or
	// SaddleEscape), and NaN otherwise. It is always an upper bound on
	// λ_min: for Saddle the Rayleigh quotient uᵀ∇²f·u of an explicit unit
	// vector, otherwise the smallest Ritz value. It equals λ_min only to
	// the accuracy that LambdaMinConverged states.
	LambdaMin float64
	// LambdaMinConverged reports that the probe's Ritz pair behind
	// LambdaMin converged: an eigenvalue lies within CurvatureTol of
	// LambdaMin (or the Krylov space was exhausted, making it exact). When
	// false, LambdaMin is only an upper bound on λ_min; the verdict
	// (Status) rests on the probe's own test, not on this flag.
	LambdaMinConverged bool
	// CurvatureTol is the threshold τ of negligible curvature used by the
	// last probe (NaN when none ran): negative curvature counts only below
	// −CurvatureTol.
	CurvatureTol float64
	// Escapes is the number of negative-curvature escapes taken by
	// SaddleEscape.
	Escapes int
	// ActiveLower and ActiveUpper report, with Settings.Bounds, which
	// bounds X lies on: ActiveLower[i] is X[i] == lᵢ and ActiveUpper[i] is
	// X[i] == uᵢ (both for a variable fixed by lᵢ = uᵢ). The methods set a
	// variable that reaches a bound to the bound's value (the Cauchy points
	// and projections do), so the comparison is exact; a variable that
	// converges to a bound from inside without reaching it is reported
	// free. They are nil without bounds or when X is nil.
	ActiveLower, ActiveUpper []bool
}

// setting is a float64 field of a method, for checkRanges.
type setting struct {
	name string
	v    float64
	max  float64
}

// checkRanges panics, naming the method and the field, unless every
// setting lies in [0, max) (NaN never does).
func checkRanges(method string, settings ...setting) {
	for _, f := range settings {
		if !(f.v >= 0 && f.v < f.max) {
			panic(fmt.Sprintf("optim: %s.%s = %v outside [0, %v)", method, f.name, f.v, f.max))
		}
	}
}
