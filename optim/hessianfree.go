package optim

import (
	"fmt"
	"math"
)

// GaussNewtoner is optionally implemented by objectives that can apply, at
// a fixed point, a positive semi-definite curvature matrix that stands in
// for the Hessian: the generalised Gauss–Newton matrix G = Jᵀ H_L J of a
// network's loss (package nn's NewGaussNewtonObjective). HessianFree uses
// it when the objective has it. Like Linearize, GaussNewton records the
// point once and returns a function that sets gv = G(x)·v; that function
// is valid until the next call of GaussNewton.
type GaussNewtoner interface {
	GaussNewton(x []float64) func(v, gv []float64)
}

// HessianFree is the truncated-Newton method of Martens ("Deep learning via
// Hessian-free optimization", ICML 2010) for minimising a loss whose
// curvature is available only through products: each iteration minimises
// the damped quadratic model
//
//	q(p) = f + ∇fᵀp + ½·pᵀ(G + λI)p
//
// by conjugate gradients, with G the Gauss–Newton matrix when the objective
// is a GaussNewtoner (positive semi-definite, so CG is well defined for any
// λ ≥ 0) and otherwise the Hessian, in which case CG stops at a direction
// of non-positive curvature. CG starts from the previous step scaled by
// 0.95 (the directions of slow curvature carry over between iterations),
// stops when the model's relative progress over the last max(10, i/10)
// steps falls below ProgressTol (Martens §4.4), when the residual
// ‖(G+λI)p + ∇f‖ falls below η·‖∇f‖ with the forcing term η =
// min(½, √‖∇f‖) of truncated Newton methods (Nocedal & Wright, Numerical
// Optimization, §7.1: few steps far from a minimum, where the model is
// poor, and more near one, for a superlinear rate), or after MaxCG steps,
// and keeps iterates at steps ⌈1.3ʲ⌉. Of those, the last and then earlier ones
// are tried while f keeps decreasing ("CG backtracking", §4.6), and an
// Armijo backtracking line search (factor 0.8, c = 0.01) follows on the
// best. The damping λ is Levenberg–Marquardt's, set by the reduction ratio
// ρ = (f(x+p) − f(x))/(q(p) − f) of the undamped model: ×3/2 when
// ρ < 1/4, ×2/3 when ρ > 3/4 (§4.1). A trial point where f or ∇f is NaN or
// ±Inf is rejected and raises λ; no accepted step raises f.
//
// Cost per iteration: one product per CG step (G·v costs about one
// gradient; an HVP about two), one evaluation of f and ∇f per iterate
// tried and per line-search step, and O(n·log MaxCG) memory for the kept
// iterates. It suits full-batch training and, with the objective fixed to
// one large mini-batch per call of Minimize, mini-batch training.
//
// It stops with GradientThreshold, or NoProgress when no step along the CG
// solution lowers f even at the largest damping tried.
type HessianFree struct {
	// InitialDamping is λ₀. If it is 0, it is defaulted to 1.
	InitialDamping float64
	// MaxCG caps the CG steps, and so the products, per iteration. If it
	// is 0, it is defaulted to min(250, 2n).
	MaxCG int
	// ProgressTol is the relative-progress stopping rule of CG. If it is
	// 0, it is defaulted to 5e-4.
	ProgressTol float64
}

var _ Method = HessianFree{}

func (m HessianFree) validate() {
	checkRanges("HessianFree",
		setting{"InitialDamping", m.InitialDamping, math.Inf(1)},
		setting{"ProgressTol", m.ProgressTol, 1},
	)
	if m.MaxCG < 0 {
		panic(fmt.Sprintf("optim: HessianFree.MaxCG = %d < 0", m.MaxCG))
	}
}

func (m HessianFree) minimize(r *runner, loc *location) Status {
	m.validate()
	n := r.n
	lambda := m.InitialDamping
	if lambda == 0 {
		lambda = 1
	}
	maxCG := m.MaxCG
	if maxCG == 0 {
		maxCG = min(250, 2*n)
	}
	tol := m.ProgressTol
	if tol == 0 {
		tol = 5e-4
	}
	gn, _ := r.obj.(GaussNewtoner)
	cg := newHFSolver(n)
	trial, best := newLocation(n), newLocation(n)
	const maxDamping = 1e16
	for {
		if st := r.check(loc); st != NotTerminated {
			return st
		}
		var curv func(v, gv []float64)
		if gn != nil {
			apply := gn.GaussNewton(loc.x)
			curv = func(v, gv []float64) { r.hvps++; apply(v, gv) }
		} else {
			curv = r.hessOp(loc.x)
		}
		st := cg.solve(r, curv, loc.g, lambda, maxCG, tol)
		if st != NotTerminated {
			return st
		}
		// CG backtracking: the last kept iterate, then earlier ones while f
		// keeps decreasing.
		best.f = math.Inf(1)
		bestK := -1
		for k := len(cg.kept) - 1; k >= 0; k-- {
			for i := range trial.x {
				trial.x[i] = loc.x[i] + cg.kept[k].p[i]
			}
			finite, st := r.evalTrial(trial)
			if st != NotTerminated {
				return st
			}
			if !finite || trial.f >= best.f {
				break
			}
			best, trial = trial, best
			bestK = k
		}
		accepted := false
		if bestK >= 0 {
			p := cg.kept[bestK]
			// The undamped model's change at p: gᵀp + ½pᵀGp.
			model := p.gp + 0.5*(p.pap-lambda*p.pp)
			switch rho := (best.f - loc.f) / model; {
			case !(model < 0) || rho < 0.25:
				lambda *= 1.5
			case rho > 0.75:
				lambda *= 2.0 / 3
			}
			// Armijo backtracking along p from the best iterate.
			alpha := 1.0
			for k := 0; k < 60 && best.f > loc.f+0.01*alpha*p.gp; k++ {
				alpha *= 0.8
				for i := range trial.x {
					trial.x[i] = loc.x[i] + alpha*p.p[i]
				}
				finite, st := r.evalTrial(trial)
				if st != NotTerminated {
					return st
				}
				if finite && trial.f < best.f {
					best, trial = trial, best
				}
			}
			accepted = best.f < loc.f
			cg.carry(p.p, alpha)
		} else {
			lambda *= 1.5 // f rose or was not finite at every iterate tried
			cg.carry(nil, 0)
		}
		if !accepted {
			if lambda > maxDamping {
				if r.nonFinite > 0 {
					return r.nonFiniteStop()
				}
				r.err = fmt.Errorf("%w: no step along the CG solution lowers f (λ = %.3g, ‖∇f‖∞ = %.3g)",
					ErrNoProgress, lambda, loc.gnorm)
				return NoProgress
			}
			continue
		}
		lambda = math.Max(lambda, 1e-12)
		*loc, *best = *best, *loc
		if st := r.accept(loc, false); st != NotTerminated {
			return st
		}
	}
}

// hfIterate is a kept CG iterate p with gᵀp, pᵀ(G+λI)p and pᵀp.
type hfIterate struct {
	p           []float64
	gp, pap, pp float64
}

// hfSolver holds the work vectors of HessianFree's CG, the iterates it
// keeps and the warm start.
type hfSolver struct {
	x, res, d, ad, warm []float64
	kept                []hfIterate
	pool                [][]float64
}

func newHFSolver(n int) *hfSolver {
	return &hfSolver{x: make([]float64, n), res: make([]float64, n), d: make([]float64, n),
		ad: make([]float64, n), warm: make([]float64, n)}
}

// carry sets the next warm start to 0.95·alpha·p (nil: zero).
func (s *hfSolver) carry(p []float64, alpha float64) {
	if p == nil {
		clear(s.warm)
		return
	}
	for i := range s.warm {
		s.warm[i] = 0.95 * alpha * p[i]
	}
}

// solve runs CG on (G + λI)x = −g from the warm start and keeps iterates.
func (s *hfSolver) solve(r *runner, curv func(v, gv []float64), g []float64, lambda float64, maxCG int, tol float64) Status {
	x, res, d, ad := s.x, s.res, s.d, s.ad
	apply := func(v, dst []float64) bool {
		curv(v, dst)
		axpy(lambda, v, dst)
		vv := dot(v, v)
		vav := dot(v, dst)
		if !isFinite(vav) {
			r.err = fmt.Errorf("%w: curvature product", ErrNonFinite)
			return false
		}
		if vv > 0 {
			r.noteCurvature(vav/vv - lambda)
		}
		return true
	}
	for _, k := range s.kept {
		s.pool = append(s.pool, k.p)
	}
	s.kept = s.kept[:0]
	copy(x, s.warm)
	// res = A·x + g.
	if !apply(x, res) {
		return NonFinite
	}
	for i := range res {
		res[i] += g[i]
	}
	// q(x) − f = gᵀx + ½xᵀAx = ½(gᵀx + resᵀx) when res = Ax + g.
	q := func() float64 { return 0.5 * (dot(g, x) + dot(res, x)) }
	if q() >= 0 { // a warm start that does not help: start from zero
		clear(x)
		copy(res, g)
	}
	for i := range d {
		d[i] = -res[i]
	}
	rr := dot(res, res)
	gg := dot(g, g)
	forcing := math.Min(0.5, math.Sqrt(math.Sqrt(gg))) // η = min(½, √‖g‖)
	var history []float64
	next := 1 // the next step count at which to keep the iterate
	for i := 1; i <= maxCG && rr > 0; i++ {
		if !apply(d, ad) {
			return NonFinite
		}
		dad := dot(d, ad)
		if dad <= 0 {
			break // non-positive curvature of the Hessian: keep what we have
		}
		alpha := rr / dad
		axpy(alpha, d, x)
		axpy(alpha, ad, res)
		rrNew := dot(res, res)
		for j := range d {
			d[j] = -res[j] + rrNew/rr*d[j]
		}
		rr = rrNew
		qi := q()
		history = append(history, qi)
		last := i == maxCG
		k := max(10, i/10)
		if i > k && qi < 0 && (qi-history[i-1-k])/qi < float64(k)*tol {
			last = true
		}
		if rr <= forcing*forcing*gg {
			last = true // the truncated-Newton forcing rule
		}
		if i >= next || last {
			s.keep(g, x, res)
			for next <= i {
				next = int(math.Ceil(float64(next) * 1.3))
				if next == i {
					next++
				}
			}
		}
		if last {
			break
		}
	}
	if len(s.kept) == 0 {
		s.keep(g, x, res)
	}
	return NotTerminated
}

// keep stores a copy of the iterate x with its inner products; res = Ax+g.
func (s *hfSolver) keep(g, x, res []float64) {
	var p []float64
	if k := len(s.pool); k > 0 {
		p, s.pool = s.pool[k-1], s.pool[:k-1]
	} else {
		p = make([]float64, len(x))
	}
	copy(p, x)
	gp := dot(g, x)
	// xᵀAx = xᵀ(res − g).
	pap := dot(x, res) - gp
	s.kept = append(s.kept, hfIterate{p: p, gp: gp, pap: pap, pp: dot(x, x)})
}
