package optim

import (
	"errors"
	"fmt"
)

// Status reports why Minimize stopped.
type Status int

const (
	// NotTerminated is the zero Status; Minimize never returns it.
	NotTerminated Status = iota
	// GradientThreshold: ‖∇f(X)‖∞ (with Settings.Bounds, the projected
	// gradient's) fell to Settings.GradientThreshold. This is success;
	// with Settings.CheckCurvature it also means no curvature below the
	// tolerance was found at X.
	GradientThreshold
	// SecondOrderStationary: SaddleEscape stopped where ‖∇f‖∞ is below the
	// threshold and the curvature probe established λ_min ≥ −τ, the
	// threshold of negligible curvature (Result.CurvatureTol; see the
	// package documentation). This is success.
	SecondOrderStationary
	// Stopped: the Settings.Callback asked to stop.
	Stopped
	// Saddle: the gradient is below the threshold but the curvature probe
	// found a direction u with uᵀ∇²f·u < −τ (Result.LambdaMin, an upper
	// bound on λ_min): X is a saddle point, not a minimum. Reported when
	// Settings.CheckCurvature is set, or by SaddleEscape when it runs out
	// of escapes.
	Saddle
	// IterationLimit: Settings.MaxIterations was reached.
	IterationLimit
	// EvaluationLimit: Settings.MaxEvaluations was reached.
	EvaluationLimit
	// NonFinite: x0 held NaN or ±Inf; f or ∇f was NaN or ±Inf at x0, or
	// at the next iterate of SGD, Adam or fixed-step GradientDescent; a
	// Hessian-vector product was; or the method gave up rejecting trial
	// points where f or ∇f was (see the package documentation: a
	// non-finite trial is a rejected step, not a stop). Result.X is the
	// best finite point seen.
	NonFinite
	// LineSearchFailure: the line search found no point with a lower f along
	// a descent direction; x was left at the best point.
	LineSearchFailure
	// NonDescent: −∇f is not a descent direction of f: the line search's
	// trials show f rising along it (a failed finite-difference check of
	// ∇f), so ∇f does not match f.
	NonDescent
	// NoProgress: the trust region shrank below working precision without
	// an acceptable step, or the escape line search found no decrease.
	NoProgress
	// CurvatureInconclusive: the gradient is below the threshold, but the
	// curvature probe spent Settings.CurvatureMaxHVPs before it either found
	// curvature below −τ or established λ_min ≥ −τ. Result.LambdaMin is
	// then only an upper bound on λ_min (Result.LambdaMinConverged is
	// false). It is not a success: a point whose curvature was not
	// established is not known to be a minimum.
	CurvatureInconclusive
	// Unbounded: f fell below f(x0) − max(1, |f(x0)|)/ε (ε = 2⁻⁵², about
	// 4.5e15·max(1, |f(x0)|)): f is unbounded below along the path taken
	// (see the package documentation). Result.X is the last point.
	Unbounded
	// BadObjective: the objective broke its contract: Objective.Eval
	// returned a finite f but left an entry of grad unwritten (or only
	// added to it). Result.X is the best point seen before; the error names
	// the entry.
	BadObjective
)

var statusNames = [...]string{
	NotTerminated:         "NotTerminated",
	GradientThreshold:     "GradientThreshold",
	SecondOrderStationary: "SecondOrderStationary",
	Stopped:               "Stopped",
	Saddle:                "Saddle",
	IterationLimit:        "IterationLimit",
	EvaluationLimit:       "EvaluationLimit",
	NonFinite:             "NonFinite",
	LineSearchFailure:     "LineSearchFailure",
	NonDescent:            "NonDescent",
	NoProgress:            "NoProgress",
	CurvatureInconclusive: "CurvatureInconclusive",
	Unbounded:             "Unbounded",
	BadObjective:          "BadObjective",
}

// String returns the name of s.
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	if name := lsString(s); name != "" {
		return name
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Success reports whether s means that a stationary point satisfying the
// requested tests was found (GradientThreshold or SecondOrderStationary, or
// for LeastSquares SmallRelativeReduction, SmallStep, SmallGradient or
// ZeroResidual).
func (s Status) Success() bool {
	return s == GradientThreshold || s == SecondOrderStationary || lsSuccess(s)
}

// Err returns the sentinel error matching s: nil for GradientThreshold,
// SecondOrderStationary, Stopped and NotTerminated, and otherwise one of
// ErrSaddle, ErrIterationLimit, ErrEvaluationLimit, ErrNonFinite,
// ErrLineSearch, ErrNonDescent, ErrNoProgress, ErrCurvatureInconclusive,
// ErrUnbounded or ErrBadObjective. Minimize returns an error that wraps it
// with details (test it with errors.Is).
func (s Status) Err() error {
	switch s {
	case Saddle:
		return ErrSaddle
	case IterationLimit:
		return ErrIterationLimit
	case EvaluationLimit:
		return ErrEvaluationLimit
	case NonFinite:
		return ErrNonFinite
	case LineSearchFailure:
		return ErrLineSearch
	case NonDescent:
		return ErrNonDescent
	case NoProgress:
		return ErrNoProgress
	case RankDeficient:
		return ErrRankDeficient
	case CurvatureInconclusive:
		return ErrCurvatureInconclusive
	case Unbounded:
		return ErrUnbounded
	case BadObjective:
		return ErrBadObjective
	}
	return nil
}

// Sentinel errors returned (wrapped) by Minimize; see Status.Err.
var (
	ErrSaddle          = errors.New("optim: stopped at a saddle point (negative curvature)")
	ErrIterationLimit  = errors.New("optim: iteration limit reached")
	ErrEvaluationLimit = errors.New("optim: evaluation limit reached")
	ErrNonFinite       = errors.New("optim: NaN or Inf")
	ErrLineSearch      = errors.New("optim: line search failed")
	ErrNonDescent      = errors.New("optim: search direction is not a descent direction")
	ErrNoProgress      = errors.New("optim: no further progress possible")

	ErrCurvatureInconclusive = errors.New("optim: curvature test inconclusive (budget spent before λ_min was bounded)")
	ErrUnbounded             = errors.New("optim: f is unbounded below")
	ErrBadObjective          = errors.New("optim: the objective broke its contract")
)
