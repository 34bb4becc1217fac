package optim

import (
	"fmt"
	"math"
)

// tron is the projected trust-region Newton method that NewtonCG runs when
// Settings.Bounds is set, after TRON (Lin & Moré, "Newton's method for large
// bound-constrained optimization problems", SIAM J. Optim. 9(4), 1999),
// without its incomplete-Cholesky preconditioner: every Hessian is reached
// through Hessian-vector products only.
//
// Each outer iteration at x, with the model q(s) = ∇fᵀs + ½sᵀ∇²f·s and
// radius Δ, finds a Cauchy step s(α) = P(x − α∇f) − x by a projected search
// on α (extrapolating or interpolating by factors of 10 from the previous α
// until q(s(α)) ≤ μ₀·∇fᵀs(α) and ‖s(α)‖₂ ≤ Δ, μ₀ = 0.01), then improves it
// by minor iterations: conjugate gradients on the variables strictly inside
// their bounds, with the trust-region boundary applied to the whole step as
// in Steihaug–Toint CG, followed by a projected search along the CG step
// (the projected point if it decreases q sufficiently, else the feasible part
// of the step). The minor iterations stop when the CG step stays inside the
// box, reaches the trust-region boundary, or the CG budget MaxCG is spent;
// a step that put new variables on bounds starts another minor iteration on
// the smaller face. The step is judged and the radius updated as in
// NewtonCG, the radius doubling after a very successful step of length at
// least 0.99·Δ, except that a step which raises f is never accepted.
type tron struct {
	n                    int
	xc, s, gq, w, res, d []float64 // trial point, step, ∇q, CG vectors
	hd, hw, tmp          []float64
	free                 []bool
	alpha                float64 // Cauchy step parameter, kept between iterations
}

// tronMu0 is the sufficient-decrease constant of the projected searches.
const tronMu0 = 0.01

func (m NewtonCG) minimizeBounded(r *runner, loc *location) Status {
	n, box := r.n, r.box
	delta, maxRadius, eta, forcing, maxCG := m.defaults(n)
	t := &tron{n: n, alpha: 1}
	for _, v := range []*[]float64{&t.xc, &t.s, &t.gq, &t.w, &t.res, &t.d, &t.hd, &t.hw, &t.tmp} {
		*v = make([]float64, n)
	}
	t.free = make([]bool, n)
	trial := newLocation(n)
	var hess func(v, hv []float64)
	for {
		if st := r.check(loc); st != NotTerminated {
			return st
		}
		if hess == nil {
			hess = r.hessOp(loc.x)
		}
		pred, st := t.step(r, box, hess, loc, delta, forcing, maxCG)
		if st != NotTerminated {
			return st
		}
		moved := false
		for i := range trial.x {
			trial.x[i] = t.xc[i]
			moved = moved || t.xc[i] != loc.x[i]
		}
		if !moved {
			if r.nonFinite > 0 {
				return r.nonFiniteStop()
			}
			r.err = fmt.Errorf("%w: trust-region step below the rounding level of x (Δ = %.3g, projected ‖∇f‖∞ = %.3g)",
				ErrNoProgress, delta, loc.gnorm)
			return NoProgress
		}
		finite, st := r.evalTrial(trial)
		if st != NotTerminated {
			return st
		}
		snorm := math.Sqrt(dot(t.s, t.s))
		// The radius limited the step if CG or the Cauchy search stopped
		// at it (a projection can only shorten a step).
		boundary := snorm >= 0.99*delta
		if !finite {
			delta = 0.25 * snorm
			continue
		}
		slack := 10 * epsilon * math.Max(1, math.Abs(loc.f))
		rho := (loc.f - trial.f + slack) / (pred + slack)
		if trial.f > loc.f {
			// A step that raises f is rejected, even one at rounding
			// level that the shifted ratio would pass: the method stays
			// monotone.
			rho = math.Min(rho, 0)
		}
		switch {
		case rho < 0.25:
			delta = 0.25 * snorm
		case rho > 0.75 && boundary:
			delta = math.Min(2*delta, maxRadius)
		}
		if rho > eta {
			*loc, *trial = *trial, *loc
			hess = nil
			if st := r.accept(loc, false); st != NotTerminated {
				return st
			}
		}
	}
}

// defaults returns the NewtonCG settings with their defaults applied.
func (m NewtonCG) defaults(n int) (delta, maxRadius, eta, forcing float64, maxCG int) {
	delta, maxRadius, eta, forcing, maxCG = m.InitialRadius, m.MaxRadius, m.Eta, m.ForcingMax, m.MaxCG
	if delta == 0 {
		delta = 1
	}
	if maxRadius == 0 {
		maxRadius = math.Inf(1)
	}
	delta = math.Min(delta, maxRadius)
	if eta == 0 {
		eta = 1e-4
	}
	if forcing == 0 {
		forcing = 0.1
	}
	if maxCG == 0 {
		maxCG = 2 * n
	}
	return
}

// step computes the trial point t.xc = x + t.s inside the box with ‖t.s‖₂ ≤
// delta, and returns the predicted reduction −q(s).
func (t *tron) step(r *runner, box *Bounds, hess func(v, hv []float64), loc *location, delta, forcing float64, maxCG int) (pred float64, st Status) {
	x, g := loc.x, loc.g
	xc, s, gq := t.xc, t.s, t.gq

	// q(s(α)) for s(α) = P(x − αg) − x, leaving s(α) in s, the point in
	// xc and H·s(α) in t.hw.
	cauchy := func(a float64) (q, gs float64, ok bool) {
		for i, gi := range g {
			xc[i] = min(max(x[i]-a*gi, box.lower(i)), box.upper(i))
			s[i] = xc[i] - x[i]
		}
		hess(s, t.hw)
		q, gs = dot(g, s)+0.5*dot(s, t.hw), dot(g, s)
		if !isFinite(q) {
			r.err = fmt.Errorf("%w: Hessian-vector product", ErrNonFinite)
			return 0, 0, false
		}
		return q, gs, true
	}
	good := func(q, gs float64) bool {
		return q <= tronMu0*gs && dot(s, s) <= delta*delta
	}
	a := t.alpha
	q, gs, ok := cauchy(a)
	if !ok {
		return 0, NonFinite
	}
	if good(q, gs) {
		// Extrapolate while the conditions hold and the step still
		// changes; t.tmp and t.hd keep the last good step and its H·s.
		for k := 0; k < 20; k++ {
			copy(t.tmp, s)
			copy(t.hd, t.hw)
			q2, gs2, ok := cauchy(10 * a)
			if !ok {
				return 0, NonFinite
			}
			same := true
			for i := range s {
				if s[i] != t.tmp[i] {
					same = false
					break
				}
			}
			if same || !good(q2, gs2) {
				copy(s, t.tmp)
				copy(t.hw, t.hd)
				for i, gi := range g {
					xc[i] = min(max(x[i]-a*gi, box.lower(i)), box.upper(i))
				}
				break
			}
			a, q = 10*a, q2
		}
	} else {
		for k := 0; k < 100 && !good(q, gs); k++ {
			a /= 10
			if q, gs, ok = cauchy(a); !ok {
				return 0, NonFinite
			}
		}
	}
	t.alpha = a
	// ∇q at the Cauchy step, and the CG tolerance η·‖P(x − ∇f) − x‖₂
	// with η = min(forcing, ‖P(x − ∇f) − x‖₂), as NewtonCG's on ‖∇f‖₂.
	// (Measured against ∇q at the Cauchy point instead, it would let CG
	// stop early whenever the Cauchy step overshoots along a stiff
	// direction and leaves a large ∇q there.)
	for i := range gq {
		gq[i] = g[i] + t.hw[i]
	}
	var pg2 float64
	for i, gi := range g {
		c := min(max(x[i]-gi, box.lower(i)), box.upper(i)) - x[i]
		pg2 += c * c
	}
	t.markFree(box)
	tol := math.Min(forcing, math.Sqrt(pg2)) * math.Sqrt(pg2)

	budget := maxCG
	for minor := 0; minor <= t.n && budget > 0; minor++ {
		if t.freeNorm(gq) <= tol {
			break
		}
		used, hitBoundary, st := t.cg(r, hess, delta, tol, budget)
		if st != NotTerminated {
			return 0, st
		}
		budget -= used
		// Projected search along w from xc: the new point goes to xn
		// (exactly on the bounds it reaches) and its change to t.d.
		xn := t.res
		clipped := false
		for i := range t.d {
			v := xc[i] + t.w[i]
			xn[i] = min(max(v, box.lower(i)), box.upper(i))
			clipped = clipped || xn[i] != v
			t.d[i] = xn[i] - xc[i]
		}
		if clipped {
			hess(t.d, t.tmp)
			t.mask(t.tmp)
			dq := dot(gq, t.d) + 0.5*dot(t.d, t.tmp)
			if !isFinite(dq) {
				r.err = fmt.Errorf("%w: Hessian-vector product", ErrNonFinite)
				return 0, NonFinite
			}
			if dq <= tronMu0*math.Min(dot(gq, t.d), 0) {
				copy(t.hw, t.tmp)
			} else {
				// The feasible part of the CG step: q falls along it.
				b := box.maxStep(xc, t.w, 1)
				for i := range t.d {
					xn[i] = min(max(xc[i]+b*t.w[i], box.lower(i)), box.upper(i))
					t.d[i] = xn[i] - xc[i]
					t.hw[i] *= b
				}
			}
		}
		q += dot(gq, t.d) + 0.5*dot(t.d, t.hw)
		for i := range xc {
			xc[i] = xn[i]
			gq[i] += t.hw[i]
			s[i] = xc[i] - x[i]
		}
		if !clipped || hitBoundary {
			break
		}
		t.markFree(box)
	}
	return -q, NotTerminated
}

// markFree marks the variables strictly inside their bounds at t.xc.
func (t *tron) markFree(box *Bounds) {
	for i, xi := range t.xc {
		t.free[i] = xi > box.lower(i) && xi < box.upper(i)
	}
}

// mask zeroes the components of v outside the free set.
func (t *tron) mask(v []float64) {
	for i, f := range t.free {
		if !f {
			v[i] = 0
		}
	}
}

// freeNorm returns the 2-norm of the free components of v.
func (t *tron) freeNorm(v []float64) float64 {
	var ss float64
	for i, f := range t.free {
		if f {
			ss += v[i] * v[i]
		}
	}
	return math.Sqrt(ss)
}

// cg approximately minimises ∇q_Fᵀw + ½wᵀH_FF·w over the free variables F
// with ‖s + w‖₂ ≤ delta (s the step so far) by Steihaug–Toint CG, leaving w
// in t.w and H_FF·w in t.hw. It returns the HVPs used and whether it stopped
// on the boundary.
func (t *tron) cg(r *runner, hess func(v, hv []float64), delta, tol float64, budget int) (used int, boundary bool, st Status) {
	w, res, d, hd, hw, s := t.w, t.res, t.d, t.hd, t.hw, t.s
	for i := range w {
		w[i], hw[i] = 0, 0
		res[i] = t.gq[i]
	}
	t.mask(res)
	for i := range d {
		d[i] = -res[i]
	}
	rr := dot(res, res)
	for used < budget && math.Sqrt(rr) > tol {
		hess(d, hd)
		used++
		t.mask(hd)
		dhd, dd := dot(d, hd), dot(d, d)
		if !isFinite(dhd) {
			r.err = fmt.Errorf("%w: Hessian-vector product", ErrNonFinite)
			return used, false, NonFinite
		}
		r.noteCurvature(dhd / dd)
		alpha := math.Inf(1)
		if dhd > 0 {
			alpha = rr / dhd
		}
		// The step to the boundary along d from s + w: the positive root τ
		// of ‖s + w + τd‖ = delta.
		var sd, ss float64
		for i := range d {
			e := s[i] + w[i]
			sd += e * d[i]
			ss += e * e
		}
		room := math.Max(0, delta*delta-ss)
		disc := math.Sqrt(sd*sd + dd*room)
		var tau float64
		if sd > 0 {
			tau = room / (sd + disc)
		} else {
			tau = (disc - sd) / dd
		}
		if alpha >= tau {
			axpy(tau, d, w)
			axpy(tau, hd, hw)
			return used, true, NotTerminated
		}
		axpy(alpha, d, w)
		axpy(alpha, hd, hw)
		axpy(alpha, hd, res)
		rrNew := dot(res, res)
		beta := rrNew / rr
		rr = rrNew
		for i := range d {
			d[i] = -res[i] + beta*d[i]
		}
	}
	return used, false, NotTerminated
}
