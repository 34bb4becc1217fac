package optim

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// GaussNewton is the Gauss–Newton method with a backtracking line search:
// at each iterate it solves the linear least-squares problem
// min ‖J·p + r‖ by Householder QR with column pivoting (over the leading
// numerically nonsingular columns when J is rank deficient, so p is a
// basic solution) and searches along p for a point satisfying the Armijo
// condition ½‖r(x+αp)‖² ≤ ½‖r(x)‖² + 10⁻⁴·α·(Jᵀr)ᵀp, halving α (or
// taking the minimiser of the quadratic interpolant when that is
// smaller, but not below α/10). With bounds the trial points are the
// projections P(x + αp) and held variables are those of
// LevenbergMarquardt.
//
// One iteration costs one Jacobian, one QR and one residual evaluation
// per trial step. Gauss–Newton converges quadratically on zero-residual
// problems and fast on small-residual ones, but has no safeguard against
// an ill-conditioned or rank-deficient J far from the solution: prefer
// LevenbergMarquardt unless a good start is known. The run stops with
// LineSearchFailure when MaxBacktracks halvings find no decrease.
//
// Reference: J. Nocedal and S. J. Wright, Numerical Optimization, 2nd ed.,
// Springer, 2006, §10.3.
type GaussNewton struct {
	// MaxBacktracks caps the trial steps of one line search. If it is 0,
	// it is defaulted to 30.
	MaxBacktracks int
}

var _ LeastSquaresMethod = GaussNewton{}

func (gn GaussNewton) leastSquares(p *lsProblem) Status {
	if gn.MaxBacktracks < 0 {
		panic("optim: GaussNewton.MaxBacktracks < 0")
	}
	maxBack := gn.MaxBacktracks
	if maxBack == 0 {
		maxBack = 30
	}
	m, n := p.m, p.n
	var (
		g    = make([]float64, n)
		free = make([]bool, n)
		dir  = make([]float64, n)
		step = make([]float64, n)
		xt   = make([]float64, n)
		rt   = make([]float64, m)
		wa   = make([]float64, n)
		diag = make([]float64, n)
		qr   = newFreeQR(m, n)
	)
	for first := true; ; first = false {
		if p.cost == 0 {
			return ZeroResidual
		}
		if !p.jacobian() {
			return NonFinite
		}
		jacVecT(p.jac, p.r, g)
		p.freeSet(g, free)
		k := qr.factorFree(p.jac, p.r, free)
		idx := qr.idx
		fnorm := math.Sqrt(2 * p.cost)
		gnorm := 0.0
		for c, j := range idx {
			cn := qr.acnorm[c]
			if first || cn > diag[j] {
				diag[j] = cn
			}
			if cn != 0 {
				gnorm = max(gnorm, math.Abs(g[j])/(cn*fnorm))
			}
		}
		for j := range diag {
			if diag[j] == 0 {
				diag[j] = 1
			}
		}
		if gnorm <= p.gtol || k == 0 {
			return SmallGradient
		}

		// The Gauss–Newton direction: R·z = −Qᵀr over the nonsingular block.
		nsing := qr.solveRank(float64(max(m, n)) * machEps)
		for j := 0; j < k; j++ {
			wa[j] = 0
			if j < nsing {
				wa[j] = -qr.qtb[j]
			}
		}
		for j := nsing - 1; j >= 0; j-- {
			wa[j] /= qr.r[j][j]
			for i := 0; i < j; i++ {
				wa[i] -= qr.r[i][j] * wa[j]
			}
		}
		clear(dir)
		for c := 0; c < k; c++ {
			dir[idx[qr.perm[c]]] = wa[c]
		}

		// Backtracking on ½‖r‖² along the projected path.
		alpha := 1.0
		accepted := false
		var costT float64
		for back := 0; back < maxBack; back++ {
			for j := range xt {
				xt[j] = p.x[j] + alpha*dir[j]
			}
			p.bounds.Project(xt)
			for j := range step {
				step[j] = xt[j] - p.x[j]
			}
			slope := floats.Dot(g, step) // directional derivative along the step
			costT = math.Inf(1)
			if p.evalAt(xt, rt) {
				costT = 0.5 * sumSquares(rt)
			}
			if costT <= p.cost+1e-4*slope && slope <= 0 {
				accepted = true
				break
			}
			if st := p.limit(); st != NotTerminated {
				return st
			}
			next := 0.5 * alpha
			if !math.IsInf(costT, 1) && slope < 0 {
				// Minimiser of the quadratic through cost, slope and costT.
				q := -slope * alpha / (2 * (costT - p.cost - slope))
				next = max(min(q, next), 0.1*alpha)
			}
			alpha = next
		}
		if !accepted {
			if math.IsInf(costT, 1) {
				p.err = nonFiniteTrialErr(p)
				return NonFinite
			}
			return LineSearchFailure
		}
		prevCost := p.cost
		snorm, xnorm := scaledNorm(diag, step), 0.0
		p.accept(xt, rt)
		xnorm = scaledNorm(diag, p.x)
		if st := p.iterated(); st != NotTerminated {
			return st
		}
		switch {
		case p.cost == 0:
			return ZeroResidual
		case (prevCost - p.cost) <= max(p.ftol, machEps)*prevCost:
			return SmallRelativeReduction
		case snorm <= max(p.xtol, machEps)*xnorm && scaledNorm(diag, dir) <= math.Sqrt(p.xtol)*xnorm:
			// A step that backtracking shortened while the Gauss–Newton
			// step itself (the estimate of the distance to the solution)
			// is long is not convergence.
			return SmallStep
		}
		if st := p.limit(); st != NotTerminated {
			return st
		}
	}
}
