package optim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// MatrixFreeLevenbergMarquardt is Levenberg–Marquardt for problems too
// large for a dense Jacobian (m·n beyond memory): the residual must
// implement JacobianLinearizer, and each step solves the damped
// subproblem min ‖J·p + r‖² + λ‖p‖² inexactly by CGLS on J·v and Jᵀu
// products alone. λ follows the gain ratio ρ of actual to predicted
// reduction (Nielsen's rule: λ ← λ·max(1/3, 1 − (2ρ − 1)³) on success,
// λ ← λ·ν with ν doubling on failure), starting from
// λ₀ = 10⁻³·‖J·g‖²/‖g‖² for g = Jᵀr. The variables are not scaled (D =
// I): scale them in the model when their magnitudes differ widely.
//
// One iteration costs one LinearizeJacobian (a residual evaluation and,
// for ad.Residual, one recording), 2 products per CGLS iteration plus 2,
// and one residual evaluation per trial. The convergence tests are those
// of LeastSquaresSettings, with the gradient test on ‖Jᵀr‖∞/(‖r‖·σ) for
// the largest ‖J·v‖/‖v‖ seen, σ, in place of the column norms. With bounds
// the held variables' components of every product are zeroed and the
// trial point is projected. Result.Rank is −1 (unknown).
//
// Reference: H. B. Nielsen, "Damping parameter in Marquardt's method",
// IMM-REP-1999-05, Technical University of Denmark, 1999; CGLS as in
// Björck (1996).
type MatrixFreeLevenbergMarquardt struct {
	// Tolerance is the relative residual at which CGLS stops. If it is 0,
	// it is defaulted to 1e-6.
	Tolerance float64
	// MaxCGLS caps the CGLS iterations per subproblem. If it is 0, it is
	// defaulted to min(n, 100).
	MaxCGLS int
}

var _ LeastSquaresMethod = MatrixFreeLevenbergMarquardt{}

func (mf MatrixFreeLevenbergMarquardt) leastSquares(p *lsProblem) Status {
	checkRanges("MatrixFreeLevenbergMarquardt", setting{"Tolerance", mf.Tolerance, 1})
	if mf.MaxCGLS < 0 {
		panic(fmt.Sprintf("optim: MatrixFreeLevenbergMarquardt.MaxCGLS = %d", mf.MaxCGLS))
	}
	lin, ok := p.res.(JacobianLinearizer)
	if !ok {
		panic(fmt.Sprintf("optim: MatrixFreeLevenbergMarquardt: residual %T does not implement JacobianLinearizer", p.res))
	}
	tol := orDefault(mf.Tolerance, 1e-6)
	maxCG := mf.MaxCGLS
	if maxCG == 0 {
		maxCG = min(p.n, 100)
	}
	m, n := p.m, p.n
	var (
		g, free       = make([]float64, n), make([]bool, n)
		step, xt, pcg = make([]float64, n), make([]float64, n), make([]float64, n)
		s, d, vm      = make([]float64, n), make([]float64, n), make([]float64, n)
		rt, js, q, w  = make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
		negr          = make([]float64, m)
		lambda, nu    = 0.0, 2.0
		sigma2        float64
		jacVec, jacTV func(v, dst []float64)
	)
	// Products restricted to the free variables.
	av := func(v, dst []float64) {
		for i := range v {
			vm[i] = v[i]
			if !free[i] {
				vm[i] = 0
			}
		}
		jacVec(vm, dst)
		p.njv++
		if nv := floats.Dot(vm, vm); nv > 0 {
			sigma2 = max(sigma2, floats.Dot(dst, dst)/nv)
		}
	}
	atu := func(u, dst []float64) {
		jacTV(u, dst)
		p.njv++
		for i := range dst {
			if !free[i] {
				dst[i] = 0
			}
		}
	}
	for {
		if p.cost == 0 {
			return ZeroResidual
		}
		p.njac++
		p.nres++
		jacVec, jacTV = lin.LinearizeJacobian(p.x, p.r)
		jacTV(p.r, g)
		p.njv++
		for _, v := range g {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				p.err = fmt.Errorf("%w: Jᵀr at x is not finite", ErrNonFinite)
				return NonFinite
			}
		}
		p.freeSet(g, free)
		for i := range g {
			if !free[i] {
				g[i] = 0
			}
		}
		gn := floats.Norm(g, 2)
		if lambda == 0 && gn > 0 {
			av(g, js)
			lambda = 1e-3 * floats.Dot(js, js) / (gn * gn)
		}
		fnorm := math.Sqrt(2 * p.cost)
		if gn == 0 || floats.Norm(g, math.Inf(1)) <= p.gtol*fnorm*math.Sqrt(sigma2) {
			return SmallGradient
		}
		for i := range negr {
			negr[i] = -p.r[i]
		}
		for {
			cgls(av, atu, negr, lambda, tol, maxCG, pcg, s, q, d, w)
			for i := range xt {
				xt[i] = p.x[i] + pcg[i]
			}
			p.bounds.Project(xt)
			for i := range step {
				step[i] = xt[i] - p.x[i]
			}
			av(step, js)
			// Predicted reduction of ‖r‖² by the linear model.
			pred := -2*floats.Dot(p.r, js) - floats.Dot(js, js)
			costT := math.Inf(1)
			if p.evalAt(xt, rt) {
				costT = 0.5 * sumSquares(rt)
			}
			actual := 2 * (p.cost - costT)
			rho := 0.0
			if pred > 0 {
				rho = actual / pred
			}
			accepted := rho > 1e-4
			if !accepted && pred <= 2*p.cost*max(p.ftol, machEps) && math.Abs(actual) <= 2*p.cost*max(p.ftol, machEps) {
				return SmallRelativeReduction // no reduction left to predict or find
			}
			if accepted {
				lambda *= max(1.0/3, 1-math.Pow(2*rho-1, 3))
				nu = 2
				relRed := actual / (2 * p.cost)
				relPred := pred / (2 * p.cost)
				snorm, xnorm := floats.Norm(step, 2), floats.Norm(p.x, 2)
				p.accept(xt, rt)
				if st := p.iterated(); st != NotTerminated {
					return st
				}
				switch {
				case p.cost == 0:
					return ZeroResidual
				case relRed <= max(p.ftol, machEps) && relPred <= max(p.ftol, machEps):
					return SmallRelativeReduction
				case snorm <= max(p.xtol, machEps)*xnorm:
					return SmallStep
				}
			} else {
				lambda *= nu
				nu *= 2
				if math.IsInf(lambda, 0) || lambda > 1e300 {
					if math.IsInf(costT, 1) {
						p.err = nonFiniteTrialErr(p)
						return NonFinite
					}
					return NoProgress
				}
			}
			if st := p.limit(); st != NotTerminated {
				return st
			}
			if accepted {
				break
			}
		}
	}
}
