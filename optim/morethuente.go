package optim

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// moreThuente is the line search of Moré and Thuente ("Line search algorithms
// with guaranteed sufficient decrease", ACM TOMS 20(3), 1994). Along a descent
// direction d it looks for a step α > 0 satisfying the strong Wolfe
// conditions
//
//	f(x+α·d) ≤ f(x) + c1·α·∇f(x)ᵀd,   |∇f(x+α·d)ᵀd| ≤ c2·|∇f(x)ᵀd|,
//
// keeping an interval of uncertainty that is shrunk by safeguarded cubic and
// quadratic interpolation. Until a step satisfies the sufficient-decrease
// condition with a non-negative derivative it works on the auxiliary function
// ψ(α) = f(x+α·d) − f(x) − c1·α·∇f(x)ᵀd (the paper's first stage). Each trial
// costs one evaluation of f and ∇f.
//
// A trial where f or ∇f is NaN or ±Inf is rejected (an addition to the
// paper, whose analysis assumes f finite): it becomes the far end of the
// interval of uncertainty and the next trial is halfway back toward the
// best step so far. Such trials count toward the evaluation cap, so a
// search that meets only non-finite values ends after maxEval trials.
type moreThuente struct {
	c1, c2  float64 // sufficient decrease and curvature constants, 0 < c1 < c2 < 1
	xtol    float64 // relative interval width at which the search gives up
	maxEval int     // evaluations per search
	best    *location

	// The trials of the last search (steps and f values) with f(x) and
	// ∇f(x)ᵀd, for inconsistent.
	trialA, trialF []float64
	finit, ginit   float64
}

func newMoreThuente(n int, c2 float64) *moreThuente {
	return &moreThuente{c1: 1e-4, c2: c2, xtol: 1e-14, maxEval: 20, best: newLocation(n)}
}

// lsOutcome is how a line search ended.
type lsOutcome int

const (
	// lsWolfe: the strong Wolfe conditions hold at the returned point.
	lsWolfe lsOutcome = iota
	// lsDecrease: the search stopped early (interval below rounding level,
	// step bound, evaluation cap) at a point with f lower than at x.
	lsDecrease
	// lsFail: no point with f lower than at x was found.
	lsFail
)

// mtPoint is a step α with φ(α) = f(x+α·d) and φ'(α).
type mtPoint struct{ a, f, g float64 }

// search runs the line search from the evaluated point from along d, which
// must satisfy ∇f(from)ᵀd < 0, starting with the step alpha0 and never
// exceeding stpMax. On lsWolfe and lsDecrease out holds the new point, at
// which f and ∇f are finite. The returned Status is NotTerminated unless a
// budget ran out or the runner's cap on consecutive non-finite evaluations
// was reached (then out is unspecified; the runner keeps the best point).
func (ls *moreThuente) search(r *runner, from *location, d []float64, alpha0, stpMax float64, out *location) (lsOutcome, float64, Status) {
	finit := from.f
	ginit := dot(from.g, d)
	gtest := ls.c1 * ginit
	const stpMin = 0.0
	stp := math.Min(math.Max(alpha0, stpMin), stpMax)

	ls.trialA, ls.trialF = ls.trialA[:0], ls.trialF[:0]
	ls.finit, ls.ginit = finit, ginit
	x := mtPoint{0, finit, ginit} // best step so far
	y := mtPoint{0, finit, ginit} // other end of the interval
	bestIsOut := false            // whether the best step's point is in out (else in ls.best, or from when x.a = 0)
	bestF := finit                // f (not ψ) at the best step
	bracketed := false
	stage1 := true
	width, width1 := stpMax-stpMin, 2*(stpMax-stpMin)
	lo, hi := 0.0, stp+4*stp

	// finish returns the best step found when no Wolfe step can be had.
	finish := func(st Status) (lsOutcome, float64, Status) {
		if x.a == 0 || bestF >= finit {
			return lsFail, 0, st
		}
		if !bestIsOut {
			out.copyFrom(ls.best)
		}
		return lsDecrease, x.a, st
	}

	for evals := 0; ; evals++ {
		if evals == ls.maxEval {
			return finish(NotTerminated)
		}
		for i := range out.x {
			out.x[i] = from.x[i] + stp*d[i]
		}
		finite, st := r.evalTrial(out)
		if st != NotTerminated {
			bestIsOut = false
			return finish(st)
		}
		if !finite {
			// A trial where f or ∇f is NaN or ±Inf is rejected: it
			// becomes the far end of the interval and the next trial
			// is halfway back toward the best step, the last finite
			// point known to be good.
			y = mtPoint{stp, math.Inf(1), math.NaN()}
			bracketed = true
			stp = x.a + 0.5*(stp-x.a)
		} else {
			t := mtPoint{stp, out.f, dot(out.g, d)}
			ls.trialA = append(ls.trialA, stp)
			ls.trialF = append(ls.trialF, t.f)
			ftest := finit + stp*gtest

			if t.f <= ftest && math.Abs(t.g) <= ls.c2*(-ginit) {
				return lsWolfe, stp, NotTerminated
			}
			if stage1 && t.f <= ftest && t.g >= 0 {
				stage1 = false
			}
			if stp == stpMax && t.f <= ftest && t.g <= gtest {
				// Still descending at the largest step allowed.
				return lsDecrease, stp, NotTerminated
			}

			// Update the interval, on ψ in the first stage when the
			// trial lowered ψ but not f below the sufficient-decrease
			// line.
			var moved bool
			if stage1 && t.f <= x.f && t.f > ftest {
				psi := func(p mtPoint) mtPoint { return mtPoint{p.a, p.f - p.a*gtest, p.g - gtest} }
				xm, ym := psi(x), psi(y)
				stp, moved = mtStep(&xm, &ym, psi(t), &bracketed, lo, hi)
				x = mtPoint{xm.a, xm.f + xm.a*gtest, xm.g + gtest}
				y = mtPoint{ym.a, ym.f + ym.a*gtest, ym.g + gtest}
			} else {
				stp, moved = mtStep(&x, &y, t, &bracketed, lo, hi)
			}
			if moved {
				bestF = t.f
				ls.best.copyFrom(out)
				bestIsOut = false
			}
		}

		// Force sufficient shrinkage of the interval by bisection.
		if bracketed {
			if math.Abs(y.a-x.a) >= 0.66*width1 {
				stp = x.a + 0.5*(y.a-x.a)
			}
			width1 = width
			width = math.Abs(y.a - x.a)
			lo, hi = math.Min(x.a, y.a), math.Max(x.a, y.a)
		} else {
			lo = stp + 1.1*(stp-x.a)
			hi = stp + 4*(stp-x.a)
		}
		stp = math.Min(math.Max(stp, stpMin), stpMax)
		if bracketed && (stp <= lo || stp >= hi || hi-lo <= ls.xtol*hi) {
			// Rounding errors prevent further progress.
			return finish(NotTerminated)
		}
	}
}

// inconsistent reports, after a failed search, whether the trials show that
// ∇f does not match f: it takes the two smallest steps α1 < α2 whose change
// of f is well above rounding level, and extrapolates the secant slopes
// sᵢ = (f(αᵢ) − f(0))/αᵢ linearly to α = 0, which recovers φ'(0) exactly for
// a quadratic φ. A positive extrapolated slope where ∇f promised ∇fᵀd < 0 is
// a failed finite-difference check of the gradient along d. It returns the
// extrapolated slope too.
func (ls *moreThuente) inconsistent() (bool, float64) {
	noise := 100 * epsilon * math.Max(1, math.Abs(ls.finit))
	a1, a2 := math.Inf(1), math.Inf(1)
	var f1, f2 float64
	for i, a := range ls.trialA {
		if math.Abs(ls.trialF[i]-ls.finit) <= noise {
			continue
		}
		switch {
		case a < a1:
			a2, f2 = a1, f1
			a1, f1 = a, ls.trialF[i]
		case a < a2 && a != a1:
			a2, f2 = a, ls.trialF[i]
		}
	}
	if math.IsInf(a2, 1) {
		return false, math.NaN()
	}
	s1, s2 := (f1-ls.finit)/a1, (f2-ls.finit)/a2
	s0 := s1 - a1*(s2-s1)/(a2-a1)
	return s0 > 0 && s0-ls.ginit > 0.5*math.Abs(ls.ginit), s0
}

// mtStep is the safeguarded step of Moré & Thuente (1994, §4). x is the best
// step so far, y the other endpoint of the interval of uncertainty, t the
// latest trial; lo and hi bound the next step while no minimiser is
// bracketed. It updates x, y and bracketed and returns the next trial step and
// whether t became the best step.
func mtStep(x, y *mtPoint, t mtPoint, bracketed *bool, lo, hi float64) (next float64, moved bool) {
	opposite := t.g*math.Copysign(1, x.g) < 0
	switch {
	case t.f > x.f:
		// Case 1: a higher value brackets a minimiser. Take the cubic step
		// if it is closer to x than the quadratic one (which interpolates
		// x.f, x.g and t.f), else their midpoint.
		c := cubicMinimizer(*x, t)
		q := x.a + x.g/((x.f-t.f)/(t.a-x.a)+x.g)/2*(t.a-x.a)
		if math.Abs(c-x.a) < math.Abs(q-x.a) {
			next = c
		} else {
			next = c + (q-c)/2
		}
		*bracketed = true
	case opposite:
		// Case 2: derivatives of opposite sign bracket a minimiser. Take
		// the cubic or the secant step, whichever is farther from t.
		c := cubicMinimizer(*x, t)
		s := t.a + t.g/(t.g-x.g)*(x.a-t.a)
		if math.Abs(c-t.a) > math.Abs(s-t.a) {
			next = c
		} else {
			next = s
		}
		*bracketed = true
	case math.Abs(t.g) < math.Abs(x.g):
		// Case 3: same sign, decreasing magnitude. The cubic may have no
		// minimiser in the direction of t; then extrapolate to the bound.
		theta := 3*(x.f-t.f)/(t.a-x.a) + x.g + t.g
		s := math.Max(math.Abs(theta), math.Max(math.Abs(x.g), math.Abs(t.g)))
		gamma := s * math.Sqrt(math.Max(0, (theta/s)*(theta/s)-(x.g/s)*(t.g/s)))
		if t.a > x.a {
			gamma = -gamma
		}
		rr := ((gamma - t.g) + theta) / ((gamma + (x.g - t.g)) + gamma)
		var c float64
		switch {
		case rr < 0 && gamma != 0:
			c = t.a + rr*(x.a-t.a)
		case t.a > x.a:
			c = hi
		default:
			c = lo
		}
		sec := t.a + t.g/(t.g-x.g)*(x.a-t.a)
		if *bracketed {
			if math.Abs(c-t.a) < math.Abs(sec-t.a) {
				next = c
			} else {
				next = sec
			}
			if t.a > x.a {
				next = math.Min(t.a+0.66*(y.a-t.a), next)
			} else {
				next = math.Max(t.a+0.66*(y.a-t.a), next)
			}
		} else {
			if math.Abs(c-t.a) > math.Abs(sec-t.a) {
				next = c
			} else {
				next = sec
			}
			next = math.Min(math.Max(next, lo), hi)
		}
	default:
		// Case 4: same sign, magnitude not decreasing. Inside a bracket
		// take the cubic step between t and y; otherwise go to the bound.
		switch {
		case *bracketed && isFinite(y.f):
			next = cubicMinimizer(t, *y)
		case *bracketed:
			// y is a rejected non-finite trial: bisect toward it.
			next = t.a + 0.5*(y.a-t.a)
		case t.a > x.a:
			next = hi
		default:
			next = lo
		}
	}
	if t.f > x.f {
		*y = t
	} else {
		if opposite {
			*y = *x
		}
		*x = t
		moved = true
	}
	return next, moved
}

// cubicMinimizer returns the minimiser of the cubic interpolating the values
// and derivatives at p and t (Moré & Thuente 1994, §4), in the form that is
// numerically stable when measured from p.
func cubicMinimizer(p, t mtPoint) float64 {
	theta := 3*(p.f-t.f)/(t.a-p.a) + p.g + t.g
	s := math.Max(math.Abs(theta), math.Max(math.Abs(p.g), math.Abs(t.g)))
	gamma := s * math.Sqrt(math.Max(0, (theta/s)*(theta/s)-(p.g/s)*(t.g/s)))
	if t.a < p.a {
		gamma = -gamma
	}
	rr := ((gamma - p.g) + theta) / (((gamma - p.g) + gamma) + t.g)
	return p.a + rr*(t.a-p.a)
}

// dot, axpy and scale use gonum's assembly kernels.
func dot(a, b []float64) float64 { return floats.Dot(a, b) }

func axpy(a float64, x, y []float64) { floats.AddScaled(y, a, x) }

func scale(a float64, x []float64) { floats.Scale(a, x) }
