package optim

import (
	"fmt"
	"math"
)

// SaddleEscape wraps a base method with a second-order stationarity test
// and negative-curvature escapes: at a point where the gradient vanishes,
// step along an eigenvector of negative curvature (compare Nesterov &
// Polyak 2006 and the negative-curvature descent of Moré & Sorensen 1979).
//
// It runs Base until ‖∇f‖∞ falls below the threshold, then runs the
// curvature probe of the package documentation. If the probe establishes
// λ_min ≥ −τ it stops with SecondOrderStationary; if its budget runs out
// first it stops with CurvatureInconclusive. If it finds a unit vector u
// with uᵀ∇²f·u < −τ, it steps to x + α·s·u: the sign s is the one that
// makes ∇fᵀ(s·u) ≤ 0, or, when ∇fᵀu is zero, the one with the lower f at
// the first trial; α starts at InitialStep and is doubled while f keeps
// falling, or halved until f falls below f(x); a trial where f or ∇f is NaN
// or ±Inf counts as no decrease (doubling stops, halving goes on). The step
// is reported to the callback with Iteration.Escape set, and Base resumes
// from the new point with fresh state.
//
// Each test costs one probe (its HVPs are counted in Result.HessVecEvals)
// and each escape a few evaluations of f and ∇f. It does not support
// Settings.Bounds (Minimize panics): an escape along a direction of
// negative curvature would have to respect the box.
type SaddleEscape struct {
	// Base is the method run between escapes. If it is nil, it is
	// defaulted to NewtonCG{}.
	Base Method
	// MaxEscapes caps the number of escapes; when the cap is reached at a
	// saddle, SaddleEscape stops with Saddle. If it is 0, it is defaulted
	// to 100.
	MaxEscapes int
	// InitialStep is the first trial length α of an escape. If it is 0, it
	// is defaulted to 1.
	InitialStep float64
}

var _ Method = SaddleEscape{}

func (m SaddleEscape) minimize(r *runner, loc *location) Status {
	if _, ok := m.Base.(SaddleEscape); ok {
		panic("optim: SaddleEscape.Base is itself a SaddleEscape")
	}
	if m.MaxEscapes < 0 {
		panic(fmt.Sprintf("optim: SaddleEscape.MaxEscapes = %d < 0", m.MaxEscapes))
	}
	if !(m.InitialStep >= 0 && !math.IsInf(m.InitialStep, 1)) {
		panic(fmt.Sprintf("optim: SaddleEscape.InitialStep = %v, want finite ≥ 0", m.InitialStep))
	}
	base := m.Base
	if base == nil {
		base = NewtonCG{}
	}
	maxEscapes := m.MaxEscapes
	if maxEscapes == 0 {
		maxEscapes = 100
	}
	step0 := m.InitialStep
	if step0 == 0 {
		step0 = 1
	}
	trial, best := newLocation(r.n), newLocation(r.n)
	for {
		st := base.minimize(r, loc)
		if st != GradientThreshold {
			return st
		}
		negative, u, st := r.probeCurvature(loc)
		if st != NotTerminated {
			return st
		}
		if !negative {
			return SecondOrderStationary
		}
		if r.escapes >= maxEscapes {
			return Saddle // r.err was set by the probe
		}
		if st := escape(r, loc, u, step0, trial, best); st != NotTerminated {
			return st
		}
		r.escapes++
		if st := r.accept(loc, true); st != NotTerminated {
			return st
		}
	}
}

// escape moves loc along ±u to a point of lower f, as described for
// SaddleEscape. It returns NotTerminated on success, NoProgress if no lower f
// was found (NonFinite if the last trials were non-finite), or the status of
// a budget or of the cap on non-finite evaluations.
func escape(r *runner, loc *location, u []float64, step0 float64, trial, best *location) Status {
	// Fix the sign of u so that its largest component is positive, making
	// the choice between ±u deterministic when both are equally good.
	big := 0
	for i, v := range u {
		if math.Abs(v) > math.Abs(u[big]) {
			big = i
		}
	}
	if u[big] < 0 {
		scale(-1, u)
	}
	// at evaluates x + alpha·u into trial. A non-finite trial has f = +Inf
	// (evalTrial), so it is never lower: the searches below treat it as a
	// rise of f, stop doubling and keep halving.
	at := func(alpha float64) Status {
		for i := range trial.x {
			trial.x[i] = loc.x[i] + alpha*u[i]
		}
		_, st := r.evalTrial(trial)
		return st
	}
	gu := dot(loc.g, u)
	sign := 1.0
	switch {
	case gu > 0:
		sign = -1
	case gu == 0:
		// Both directions are descent directions to second order: try both.
		if st := at(-step0); st != NotTerminated {
			return st
		}
		fMinus := trial.f
		best.copyFrom(trial)
		if st := at(step0); st != NotTerminated {
			return st
		}
		if fMinus < trial.f {
			sign = -1
			trial.copyFrom(best)
		}
	}
	alpha := sign * step0
	if gu != 0 {
		if st := at(alpha); st != NotTerminated {
			return st
		}
	}
	// trial holds x + alpha·u.
	const maxHalvings, maxDoublings = 60, 60
	if trial.f < loc.f {
		for k := 0; k < maxDoublings; k++ {
			best.copyFrom(trial)
			if st := at(2 * alpha); st != NotTerminated {
				return st
			}
			if !(trial.f < best.f) {
				break
			}
			alpha *= 2
		}
		if trial.f >= best.f {
			trial.copyFrom(best)
		}
	} else {
		for k := 0; k < maxHalvings && !(trial.f < loc.f); k++ {
			alpha /= 2
			if st := at(alpha); st != NotTerminated {
				return st
			}
		}
		if !(trial.f < loc.f) {
			if r.nonFinite > 0 {
				return r.nonFiniteStop()
			}
			r.err = fmt.Errorf("%w: no lower f along the negative-curvature direction (λ_min ≈ %.6g)",
				ErrNoProgress, r.lambdaMin)
			return NoProgress
		}
	}
	*loc, *trial = *trial, *loc
	return NotTerminated
}
