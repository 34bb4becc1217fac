package optim

import (
	"fmt"
	"math"
)

// NewtonCG is the trust-region Newton method whose subproblem
//
//	min_p  m(p) = f + ∇fᵀp + ½·pᵀ∇²f·p   subject to ‖p‖₂ ≤ Δ
//
// is solved approximately by the conjugate-gradient method of Steihaug and
// Toint on Hessian-vector products (Steihaug 1983; Toint 1981; Nocedal &
// Wright, Numerical Optimization, Algorithms 4.1 and 7.2). CG stops when the
// residual falls to η_k·‖∇f‖₂ with the forcing term η_k = min(ForcingMax,
// ‖∇f‖₂), which gives locally quadratic convergence (Nocedal & Wright
// Theorem 7.2), when a step reaches the trust-region boundary, when it meets
// a direction of non-positive curvature, which it follows to the boundary, or
// after MaxCG steps. Every curvature dᵀ∇²f·d/dᵀd seen by CG is recorded in
// Result.MinCurvature.
//
// Each outer iteration fixes the point once (Linearizer.Linearize when the
// objective implements it) and costs one HVP per CG step plus one evaluation
// of f and ∇f at the trial point; memory is O(n). A trial step is accepted
// when the ratio ρ of actual to predicted reduction exceeds Eta; the ratio is
// computed with both reductions shifted by 10·ε·max(1, |f|) so that steps at
// rounding level are judged by the model (Conn, Gould & Toint, Trust-Region
// Methods, §17.4.2). The radius is cut to ‖p‖/4 when ρ < 1/4 and doubled when
// ρ > 3/4 and the step reached the boundary. A trial point where f or ∇f is
// NaN or ±Inf is rejected like one with ρ < 0 (the radius is cut to ‖p‖/4
// and CG re-solves at the same point), so a large InitialRadius or a loss
// that overflows far from x costs a few rejected steps, not the run.
// NewtonCG is monotone: a step that raises f is never accepted, even when
// the rounding slack makes ρ exceed Eta. After two rejected steps at the
// same point that raised f, it checks ∇f against f once along −∇f by two
// short steps (a finite-difference test of the directional derivative);
// a rate of increase where ∇f promised descent stops the run with
// NonDescent ("∇f does not match f"), within a handful of evaluations. NewtonCG stops with
// NoProgress if the step no longer changes x, or with NonFinite if it shrank
// that far rejecting non-finite trials.
//
// At a saddle point where ∇f = 0, CG has nothing to work on and NewtonCG
// stops there; use Settings.CheckCurvature to detect it, or SaddleEscape to
// leave it.
//
// With Settings.Bounds, NewtonCG runs a projected trust-region Newton method
// in the manner of TRON (Lin & Moré 1999), without its incomplete-Cholesky
// preconditioner: a Cauchy step along the projected gradient path chosen by
// a projected search on the quadratic model, then conjugate gradients on the
// variables strictly inside their bounds, each CG step followed by a
// projected search, until the step stays in the face, meets the
// trust-region boundary, or MaxCG HVPs are spent; the radius is managed as
// above and the point is fixed once per outer iteration in the same way.
// Each outer iteration costs a few HVPs for the Cauchy search (typically
// two), one per CG step, and one per projected search that meets a bound.
type NewtonCG struct {
	// InitialRadius is the first trust-region radius Δ0. If it is 0, it is
	// defaulted to 1.
	InitialRadius float64
	// MaxRadius caps the radius. If it is 0, there is no cap.
	MaxRadius float64
	// Eta is the acceptance threshold on ρ, in [0, 1/4). If it is 0, it is
	// defaulted to 1e-4 (which accepts any step with a real decrease).
	Eta float64
	// ForcingMax caps the forcing term η_k = min(ForcingMax, ‖∇f‖₂) of the
	// CG stopping rule. If it is 0, it is defaulted to 0.1; a tiny value
	// such as 1e-12 makes each subproblem solve exact (pure Newton steps
	// inside the trust region).
	ForcingMax float64
	// MaxCG caps the CG iterations (and so the HVPs) per outer iteration.
	// If it is 0, it is defaulted to 2n: in floating point, CG on an
	// ill-conditioned Hessian needs more than the n steps of exact
	// arithmetic.
	MaxCG int
}

var _ Method = NewtonCG{}

func (m NewtonCG) validate() {
	checkRanges("NewtonCG",
		setting{"InitialRadius", m.InitialRadius, math.Inf(1)},
		setting{"MaxRadius", m.MaxRadius, math.Inf(1)},
		setting{"Eta", m.Eta, 0.25},
		setting{"ForcingMax", m.ForcingMax, 1},
	)
	if m.MaxCG < 0 {
		panic(fmt.Sprintf("optim: NewtonCG.MaxCG = %d < 0", m.MaxCG))
	}
}

func (m NewtonCG) minimize(r *runner, loc *location) Status {
	m.validate()
	if r.box != nil {
		return m.minimizeBounded(r, loc)
	}
	n := r.n
	delta := m.InitialRadius
	if delta == 0 {
		delta = 1
	}
	maxRadius := m.MaxRadius
	if maxRadius == 0 {
		maxRadius = math.Inf(1)
	}
	delta = math.Min(delta, maxRadius)
	eta := m.Eta
	if eta == 0 {
		eta = 1e-4
	}
	forcing := m.ForcingMax
	if forcing == 0 {
		forcing = 0.1
	}
	maxCG := m.MaxCG
	if maxCG == 0 {
		maxCG = 2 * n
	}

	cg := newSteihaug(n)
	trial := newLocation(n)
	var hess func(v, hv []float64)
	uphill := 0      // consecutive rejected steps at this point that raised f
	checked := false // the gradient check ran at this point
	for {
		if st := r.check(loc); st != NotTerminated {
			return st
		}
		if hess == nil {
			hess = r.hessOp(loc.x)
		}
		gnorm := math.Sqrt(dot(loc.g, loc.g))
		tol := math.Min(forcing, gnorm) * gnorm
		pred, boundary, st := cg.solve(r, hess, loc.g, delta, tol, maxCG)
		if st != NotTerminated {
			return st
		}
		p := cg.z
		moved := false
		for i := range trial.x {
			trial.x[i] = loc.x[i] + p[i]
			moved = moved || trial.x[i] != loc.x[i]
		}
		if !moved {
			if r.nonFinite > 0 {
				// The radius shrank to nothing rejecting NaN or Inf.
				return r.nonFiniteStop()
			}
			r.err = fmt.Errorf("%w: trust-region step below the rounding level of x (Δ = %.3g, ‖∇f‖∞ = %.3g)",
				ErrNoProgress, delta, loc.gnorm)
			return NoProgress
		}
		finite, st := r.evalTrial(trial)
		if st != NotTerminated {
			return st
		}
		pnorm := math.Sqrt(dot(p, p))
		if !finite {
			// NaN or Inf at the trial: reject it as if ρ < 0.
			delta = 0.25 * pnorm
			continue
		}
		slack := 10 * epsilon * math.Max(1, math.Abs(loc.f))
		rho := (loc.f - trial.f + slack) / (pred + slack)
		switch {
		case rho < 0.25:
			delta = 0.25 * pnorm
		case rho > 0.75 && boundary:
			delta = math.Min(2*delta, maxRadius)
		}
		// Monotone: a step that raises f is never taken, however the
		// rounding slack makes ρ look.
		if rho > eta && trial.f <= loc.f {
			*loc, *trial = *trial, *loc
			hess = nil
			uphill, checked = 0, false
			if st := r.accept(loc, false); st != NotTerminated {
				return st
			}
			continue
		}
		// Rejected: the radius must shrink, also when ρ looked good but f
		// rose (by less than the rounding slack), or CG would return the
		// same step forever.
		delta = math.Min(delta, 0.25*pnorm)
		if trial.f > loc.f {
			uphill++
		}
		if uphill >= 2 && !checked {
			checked = true
			bad, slope, rate, st := gradientMismatch(r, loc, trial, hess, delta)
			if st != NotTerminated {
				return st
			}
			if bad {
				r.err = fmt.Errorf("%w: along d = −∇f/‖∇f‖, ∇fᵀd = %.6g but f changes at the rate %.6g: ∇f does not match f",
					ErrNonDescent, slope, rate)
				return NonDescent
			}
		}
	}
}

// gradientMismatch checks ∇f at loc against f along d = −∇f/‖∇f‖₂, by
// two evaluations at the steps t and t/2: the Richardson extrapolation
// 2·s(t/2) − s(t) of the secant slopes s(τ) = (f(x+τd) − f(x))/τ recovers
// the directional derivative of f to O(t²), whatever its curvature. t is
// the smaller of the trust radius and 0.01·‖∇f‖₂/|dᵀHd|, so that the
// model's curvature term is a hundredth of its slope; when the change of f
// at t/2 would be within a thousand times its rounding level the check
// declines (no verdict). It reports a mismatch when the extrapolated rate
// is positive and exceeds the slope ∇fᵀd = −‖∇f‖₂ by more than half its
// size, with both numbers; a budget or the cap on non-finite evaluations
// ends it with a Status.
func gradientMismatch(r *runner, loc, trial *location, hess func(v, hv []float64), delta float64) (bad bool, slope, rate float64, st Status) {
	n := len(loc.g)
	gn := math.Sqrt(dot(loc.g, loc.g))
	d, hd := make([]float64, n), make([]float64, n)
	for i, g := range loc.g {
		d[i] = -g / gn
	}
	hess(d, hd)
	kappa := math.Abs(dot(d, hd))
	t := delta
	if kappa > 0 {
		t = math.Min(t, 0.01*gn/kappa)
	}
	slope = -gn
	noise := 100 * epsilon * math.Max(1, math.Abs(loc.f))
	if !(gn*t/2 > 1e3*noise) {
		return false, slope, math.NaN(), NotTerminated
	}
	at := func(tau float64) (float64, bool, Status) {
		for i := range trial.x {
			trial.x[i] = loc.x[i] + tau*d[i]
		}
		finite, st := r.evalTrial(trial)
		return trial.f, finite, st
	}
	f1, ok1, st := at(t)
	if st != NotTerminated {
		return false, slope, math.NaN(), st
	}
	f2, ok2, st := at(t / 2)
	if st != NotTerminated || !ok1 || !ok2 {
		return false, slope, math.NaN(), st
	}
	rate = 2*(f2-loc.f)/(t/2) - (f1-loc.f)/t
	return rate > 0 && rate-slope > 0.5*math.Abs(slope), slope, rate, NotTerminated
}

// epsilon is the float64 machine epsilon.
const epsilon = 0x1p-52

// steihaug holds the work vectors of the Steihaug–Toint CG solver.
type steihaug struct {
	z, res, d, hd []float64
}

func newSteihaug(n int) *steihaug {
	return &steihaug{z: make([]float64, n), res: make([]float64, n), d: make([]float64, n), hd: make([]float64, n)}
}

// solve approximately minimises the model gᵀz + ½zᵀHz over ‖z‖₂ ≤ delta by
// Steihaug–Toint CG (Nocedal & Wright Algorithm 7.2), leaving the step in
// w.z. It returns the predicted reduction −(gᵀz + ½zᵀHz) and whether the
// step lies on the boundary.
func (w *steihaug) solve(r *runner, hess func(v, hv []float64), g []float64, delta, tol float64, maxIter int) (pred float64, boundary bool, st Status) {
	z, res, d, hd := w.z, w.res, w.d, w.hd
	for i, gi := range g {
		z[i] = 0
		res[i] = gi
		d[i] = -gi
	}
	rr := dot(res, res)
	for j := 0; j < maxIter && math.Sqrt(rr) > tol; j++ {
		hess(d, hd)
		dhd, dd := dot(d, hd), dot(d, d)
		if !isFinite(dhd) {
			r.err = fmt.Errorf("%w: Hessian-vector product", ErrNonFinite)
			return 0, false, NonFinite
		}
		r.noteCurvature(dhd / dd)
		if dhd <= 0 {
			w.toBoundary(delta)
			boundary = true
			break
		}
		alpha := rr / dhd
		var zz float64
		for i := range z {
			zi := z[i] + alpha*d[i]
			zz += zi * zi
		}
		if zz >= delta*delta {
			w.toBoundary(delta)
			boundary = true
			break
		}
		axpy(alpha, d, z)
		axpy(alpha, hd, res)
		rrNew := dot(res, res)
		beta := rrNew / rr
		rr = rrNew
		for i := range d {
			d[i] = -res[i] + beta*d[i]
		}
	}
	// With res = g + H·z, the model value is gᵀz + ½zᵀHz = ½(gᵀz + resᵀz).
	return -0.5 * (dot(g, z) + dot(res, z)), boundary, NotTerminated
}

// toBoundary moves z along d to the trust-region boundary, τ > 0 solving
// ‖z + τ·d‖ = delta, and updates the residual with the held H·d.
func (w *steihaug) toBoundary(delta float64) {
	z, d := w.z, w.d
	zd, dd, zz := dot(z, d), dot(d, d), dot(z, z)
	disc := math.Sqrt(zd*zd + dd*math.Max(0, delta*delta-zz))
	var tau float64
	if zd > 0 {
		tau = math.Max(0, delta*delta-zz) / (zd + disc)
	} else {
		tau = (disc - zd) / dd
	}
	axpy(tau, d, z)
	axpy(tau, w.hd, w.res)
}
