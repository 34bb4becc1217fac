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
// the rounding slack makes ρ exceed Eta. When two consecutive rejected steps
// along nearly the same direction both raise f, their secant slopes are
// extrapolated to length 0 as in the line search's gradient check; a rate
// of increase where ∇f promised descent stops the run with NonDescent ("∇f
// does not match f"), usually within three iterations. NewtonCG stops with
// NoProgress if the step no longer changes x, or with NonFinite if it shrank
// that far rejecting non-finite trials.
//
// At a saddle point where ∇f = 0, CG has nothing to work on and NewtonCG
// stops there; use Settings.CheckCurvature to detect it, or SaddleEscape to
// leave it.
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
	var up uphill
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
			up.reset()
			if st := r.accept(loc, false); st != NotTerminated {
				return st
			}
			continue
		}
		if trial.f > loc.f {
			if bad, slope, rate := up.add(p, pnorm, trial.f-loc.f, dot(loc.g, p)/pnorm, loc.f); bad {
				r.err = fmt.Errorf("%w: along the trust-region step ∇fᵀp/‖p‖ = %.6g but f changes at the rate %.6g: ∇f does not match f",
					ErrNonDescent, slope, rate)
				return NonDescent
			}
		} else {
			up.reset()
		}
	}
}

// uphill records the consecutive rejected trust-region steps that raised f,
// to tell a gradient that does not match f (f rises along the model's
// descent direction however short the step) from a model that is merely
// inaccurate (f falls once the step is short enough).
type uphill struct {
	n        int
	a, df    [2]float64 // lengths and rises of the last two, newest first
	dir      []float64  // unit direction of the newest
	sameLine bool       // the last two were along nearly the same direction
}

func (u *uphill) reset() { u.n = 0 }

// add records a rejected step p (length pnorm) that raised f by df, with the
// model's slope gᵀp/‖p‖ along it, and reports whether the record shows that
// ∇f does not match f. As in the line search's check, the secant slopes
// df/‖p‖ of the two shortest rises well above rounding level are
// extrapolated linearly to length 0, which recovers the directional
// derivative of f exactly for a quadratic; a positive extrapolated slope
// where ∇f promised a negative one, by more than half its size, is a failed
// finite-difference check of ∇f. It returns the model's slope and the
// extrapolated rate too.
func (u *uphill) add(p []float64, pnorm, df, slope, f float64) (bad bool, s, rate float64) {
	noise := 100 * epsilon * math.Max(1, math.Abs(f))
	if df <= noise || !(slope < 0) {
		u.reset()
		return false, slope, math.NaN()
	}
	if u.dir == nil {
		u.dir = make([]float64, len(p))
	}
	cos := 0.0
	if u.n > 0 {
		cos = dot(u.dir, p) / pnorm
	}
	for i := range p {
		u.dir[i] = p[i] / pnorm
	}
	u.a[1], u.df[1] = u.a[0], u.df[0]
	u.a[0], u.df[0] = pnorm, df
	if u.n == 0 || cos < 0.99 {
		u.n = 1
		return false, slope, math.NaN()
	}
	u.n++
	a1, a2, d1, d2 := u.a[0], u.a[1], u.df[0], u.df[1]
	if a1 == a2 {
		return false, slope, math.NaN()
	}
	s1, s2 := d1/a1, d2/a2
	rate = s1 - a1*(s2-s1)/(a2-a1)
	return rate > 0 && rate-slope > 0.5*math.Abs(slope), slope, rate
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
