package optim

import (
	"fmt"
	"math"
)

// GradientDescent is steepest descent, x ← x − α·∇f(x) (Cauchy 1847; Nocedal
// & Wright §3.3).
//
// With a fixed StepSize every step is taken whatever happens to f (a NaN or
// Inf at the new iterate stops the run with NonFinite): on a
// quadratic with Hessian eigenvalues in [λmin, λmax] it converges when
// α < 2/λmax, fastest at α = 2/(λmin+λmax), at the rate (κ−1)/(κ+1) with κ =
// λmax/λmin, zigzagging across the valley. Without a StepSize each α comes
// from the Moré–Thuente strong-Wolfe line search (c1 = 1e-4, c2 = 0.9), with
// the initial trial α_{k−1}·‖∇f_{k−1}‖²/‖∇f_k‖² (Nocedal & Wright eq. 3.60);
// a trial where f or ∇f is NaN or ±Inf is rejected and the search backs
// off halfway toward the best finite step; a failed line search leaves x at
// the best point and stops with LineSearchFailure (NonFinite if its last
// trial was non-finite). Each iteration costs O(n) flops plus the
// evaluations. It does not support Settings.Bounds (Minimize panics).
type GradientDescent struct {
	// StepSize is the fixed step α. If it is 0, a line search chooses each
	// step. A negative StepSize panics.
	StepSize float64
}

var _ Method = GradientDescent{}

func (m GradientDescent) minimize(r *runner, loc *location) Status {
	if m.StepSize < 0 || math.IsNaN(m.StepSize) {
		panic(fmt.Sprintf("optim: GradientDescent.StepSize = %v < 0", m.StepSize))
	}
	n := r.n
	trial := newLocation(n)
	d := make([]float64, n)
	var ls *moreThuente
	if m.StepSize == 0 {
		ls = newMoreThuente(n, 0.9)
	}
	prevStep, prevGG := 0.0, 0.0
	for {
		if st := r.check(loc); st != NotTerminated {
			return st
		}
		for i, g := range loc.g {
			d[i] = -g
		}
		if ls == nil {
			for i := range trial.x {
				trial.x[i] = loc.x[i] + m.StepSize*d[i]
			}
			if st := r.evalLoc(trial); st != NotTerminated {
				return st
			}
		} else {
			gg := dot(loc.g, loc.g)
			alpha0 := 1 / math.Sqrt(gg)
			if prevStep > 0 {
				alpha0 = prevStep * prevGG / gg
			}
			outcome, step, st := ls.search(r, loc, d, alpha0, 1e10*alpha0, trial)
			if st != NotTerminated {
				return st
			}
			if outcome == lsFail {
				return lineSearchFailed(r, ls, loc)
			}
			prevStep, prevGG = step, gg
		}
		*loc, *trial = *trial, *loc
		if st := r.accept(loc, false); st != NotTerminated {
			return st
		}
	}
}
