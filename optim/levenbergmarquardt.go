package optim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// LevenbergMarquardt is the trust-region Levenberg–Marquardt method of
// Moré (1978), the algorithm of MINPACK's lmder: at each iterate it forms
// the Jacobian J, factors it by Householder QR with column pivoting, and
// takes the step p that minimises ‖J·p + r‖ subject to ‖D·p‖ ≤ Δ, where D
// scales each variable by the largest norm its Jacobian column has had (so
// the method is invariant to rescaling the parameters) and Δ is the trust
// radius. The Levenberg–Marquardt parameter λ of that subproblem is found
// by the Moré–Hebden iteration on the factorisation (a few O(n²) Givens
// solves, no new QR); the ratio of actual to predicted reduction accepts
// or rejects the step and grows or shrinks Δ.
//
// The Gauss–Newton step inside the Moré–Hebden iteration (and GaussNewton's
// step) drops a column of J as numerically dependent only when its pivot
// is below max(m, n)·ε times the column's own norm, a test that, unlike
// one relative to the largest pivot, does not depend on how the variables
// are scaled.
//
// By default the method also keeps an augmented model for problems whose
// residual is large at the solution (see GaussNewtonOnly). The step tests
// (SmallStep) count only where the full Gauss–Newton step is itself below
// √StepTolerance·‖D·x‖, so that a trust region collapsed by failed trials
// far from a solution is not reported as convergence.
//
// By default (neither with GaussNewtonOnly nor with bounds, which keep
// MINPACK's loop) an accepted Gauss–Newton step whose ratio of actual to
// predicted reduction is at least ¼ (one that did not shrink the trust
// region) is followed by a secant step, as MINPACK's hybrj does between
// Jacobians: J is not evaluated but updated
// by Broyden's rank-one formula J₊ = J + (r₊ − r − J·s)·sᵀ/(sᵀs) from that
// step s, and the next step is computed from the updated J. Secant steps
// go on only while the iteration contracts, each at most half as long (in
// the scaled norm) as the step before it (Deuflhard's monitor Θ ≤ ½ for
// quasi-Newton iterations, the region where they converge superlinearly);
// they never shrink the trust region; and one that fails the contraction
// test or the ratio test hands over to J evaluated at the same point (a
// contraction failure is found before r is evaluated). No convergence test
// is passed on an updated J: a stop is proven only with J itself, and the
// augmented model takes its secant data only between two evaluated
// Jacobians.
//
// Also by default, where two full Gauss–Newton steps taken with
// evaluated Jacobians point the same way (scaled cosine ≥ 0.99) and the
// later is at least a fifth as long as the earlier, the iteration is
// converging linearly or leaving a saddle, not converging quadratically;
// the next full Gauss–Newton step is then first tried doubled, and kept
// only if it reduces ½‖r‖² at least as much as the model predicts for the
// step itself (otherwise the step itself is the next trial, at the cost of
// one residual). At a simple singular root, where J loses rank at the
// solution, Newton's and Gauss–Newton's steps halve the error in the null
// space and converge only linearly; the doubled step removes that error to
// first order (the doubled Newton step of Kelley and Suresh, and
// Griewank's survey).
//
// The run stops with NoProgress, not a success, when the trust radius falls
// below the rounding level ε·‖D·x‖ while the Gauss–Newton step is not
// small (MINPACK's info = 7): no trial step can then be judged.
//
// On the Moré–Garbow–Hillstrom problems in residual form (see
// TestMGHLeastSquaresTable) the default takes 373 Jacobians and 646
// residuals, against 564 and 728 with Δ₀ = ‖D·x0‖ and neither secant nor
// doubled steps, and 479 and 630 for MINPACK's lmder loop (Δ₀ =
// 100‖D·x0‖, neither); on the 54 NIST StRD runs 2,646 Jacobians and 3,361
// residuals, against 2,672 and 2,915, and 2,963 and 3,255. Against
// MINPACK's loop the secant and doubled steps save 106 Jacobians for 16
// more residuals on the first set and 317 for 106 on the second.
//
// References: P. Deuflhard, Newton Methods for Nonlinear Problems,
// Springer, 2004, chapter 2 (algorithm QNERR and its contraction
// monitor); J. J. Moré, B. S. Garbow and K. E. Hillstrom, User Guide for
// MINPACK-1, Argonne report ANL-80-74, 1980 (hybrj, lmder); C. T. Kelley
// and R. Suresh, "A new acceleration method for Newton's method at
// singular points", SIAM J. Numer. Anal. 20 (1983) 1001–1009; A.
// Griewank, "On solving nonlinear equations with simple singularities or
// nearly singular solutions", SIAM Review 27 (1985) 537–563.
//
// One iteration costs one Jacobian (none for a secant step: an O(mn)
// update), one QR (about 2mn² flops) and one residual evaluation per
// trial; rejected trials (including those where r is NaN or Inf, which
// count as a failed ratio test) cost a residual and a few O(n²) solves
// each. With bounds, variables at a bound whose gradient points outward
// are held for the iteration, the step is computed in the others, and the
// trial point is its projection onto the box; the ratio test then uses
// the reduction the linear model predicts for the projected step.
//
// Reference: J. J. Moré, "The Levenberg–Marquardt algorithm:
// implementation and theory", Numerical Analysis, Lecture Notes in
// Mathematics 630, Springer, 1978, pp. 105–116.
type LevenbergMarquardt struct {
	// InitialStepBound sets the first trust radius Δ₀ = InitialStepBound·
	// ‖D·x0‖ (InitialStepBound itself when that is zero). If it is 0, it is
	// defaulted to 100, MINPACK's value. (Without the secant steps 1 was
	// the better default, 2,672 Jacobians on the NIST StRD runs against
	// 2,963; with them and the doubled steps 100 takes 2,646 there and 373
	// on the Moré–Garbow–Hillstrom problems.)
	InitialStepBound float64

	// GaussNewtonOnly, if true, keeps the method to the Gauss–Newton model
	// JᵀJ throughout: MINPACK's lmder. By default (and when n ≤ 100 and
	// there are no bounds) the method also keeps an augmented model,
	// JᵀJ + S, S a secant approximation of the second-order term
	// Σ rᵢ∇²rᵢ that Gauss–Newton drops (the structured update of Dennis,
	// Gay and Welsch, as in NL2SOL), and switches to it where Gauss–Newton
	// fails:
	//
	//   - after an accepted Gauss–Newton step whose actual reduction of
	//     ½‖r‖² lay outside [0.2, 1.8] times the predicted one (the model
	//     was off by more than 80%) and which the augmented model predicted
	//     better, the next step is taken in the augmented model, in the
	//     same scaled trust region, and so on while it keeps predicting
	//     better;
	//   - a rejected augmented step falls back to Gauss–Newton (in the trust
	//     region as it was) and rests the augmented model for 2, 4, … up to
	//     64 iterations;
	//   - a convergence test met in an augmented step is confirmed by a
	//     full Gauss–Newton step, except in polishing: once the augmented
	//     model predicts a relative reduction of ½‖r‖² below 10ε, where
	//     rounding has made the ratio test meaningless, a step that does
	//     not raise ½‖r‖² by more than that is taken and judged by the
	//     point it reaches: it stays if the stationarity measure (the
	//     largest cosine between r and a column of J) fell by half, and
	//     otherwise is undone and the run stops with
	//     SmallRelativeReduction (at most 10 such steps).
	//
	// It costs O(mn²) to form and an O(n³) eigendecomposition per
	// augmented trial.
	//
	// On problems whose residual is large at the solution, Gauss–Newton
	// converges only linearly and the augmented model superlinearly: on
	// the Brown–Dennis problem (f* ≈ 85822) the default takes 32 Jacobians
	// to ‖∇f‖∞ = 3e-11, where GaussNewtonOnly takes 355 and stops at
	// 0.0093. The entry threshold is strict because on long narrow valleys
	// with small residuals (NIST's Bennett5, MGH10, MGH17 from their first
	// starts) the augmented model predicts better yet reduces ½‖r‖² less
	// per iteration than Gauss–Newton: with the earlier threshold of 25%
	// misprediction Bennett5 from its first start exhausted the default
	// evaluation budget.
	//
	// Reference: J. E. Dennis, D. M. Gay and R. E. Welsch, "An adaptive
	// nonlinear least-squares algorithm", ACM TOMS 7 (1981) 348–368.
	GaussNewtonOnly bool
}

// augEnter is the ratio of actual to predicted reduction of an accepted
// Gauss–Newton step below which (or above 2 − augEnter) LevenbergMarquardt
// considers switching to its augmented model.
const augEnter = 0.2

var _ LeastSquaresMethod = LevenbergMarquardt{}

func (lm LevenbergMarquardt) leastSquares(p *lsProblem) Status {
	checkRanges("LevenbergMarquardt", setting{"InitialStepBound", lm.InitialStepBound, math.Inf(1)})
	factor := orDefault(lm.InitialStepBound, 100)
	m, n := p.m, p.n
	var (
		g     = make([]float64, n)
		free  = make([]bool, n)
		diag  = make([]float64, n)
		step  = make([]float64, n)
		xt    = make([]float64, n)
		rt    = make([]float64, m)
		js    = make([]float64, m)
		dl    = make([]float64, n)
		pl    = make([]float64, n)
		sdiag = make([]float64, n)
		wa1   = make([]float64, n)
		wa2   = make([]float64, n)
		qr    = newFreeQR(m, n)
		// The augmented model for large residuals (nil when off).
		hyb                           *secantModel
		xPrev, gPrev, wOld, sx, y, ys []float64
		qnStep                        []float64
		havePrev, useAug, forceGN     bool
		wasAug                        bool
		augRest, augWait              int
		confirm                       bool
	)
	var (
		polX, polR  []float64
		polJ        *mat.Dense
		polCos      float64
		polPending  bool
		polishCount int
	)
	if !lm.GaussNewtonOnly && n <= augmentedMaxN && p.bounds == nil {
		polX, polR, polJ = make([]float64, n), make([]float64, m), mat.NewDense(m, n, nil)
		hyb = newSecantModel(n)
		xPrev, gPrev, wOld = make([]float64, n), make([]float64, n), make([]float64, n)
		sx, y, ys, qnStep = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	}
	// The secant steps (see LevenbergMarquardt): bS and bR are the last
	// accepted step and the residuals before it, bPrev its scaled length.
	var (
		secant     = !lm.GaussNewtonOnly && p.bounds == nil
		useBroyden bool
		bS, bR, bW []float64
		bPrev      float64
	)
	if secant {
		bS, bR, bW = make([]float64, n), make([]float64, m), make([]float64, m)
	}
	// The doubled steps: prevGN is the last accepted full Gauss–Newton step
	// taken with an evaluated J, when havePrevGN.
	var (
		prevGN     []float64
		havePrevGN bool
	)
	if secant {
		prevGN = make([]float64, n)
	}
	var delta, xnorm, par float64
	fnorm := math.Sqrt(2 * p.cost)
outer:
	for first := true; ; first = false {
		if fnorm == 0 {
			return ZeroResidual
		}
		broyden := useBroyden
		useBroyden = false
		if broyden {
			broydenUpdate(p.jac, bS, bR, p.r, bW)
		} else if !p.jacobian() {
			return NonFinite
		}
		jacVecT(p.jac, p.r, g)
		p.freeSet(g, free)

		// The secant update of S from the last accepted step, and the model
		// for this step: the one that predicted that step's reduction
		// better.
		useQN := false
		if hyb != nil {
			if havePrev && !broyden {
				for j := range sx {
					sx[j] = p.x[j] - xPrev[j]
					y[j] = g[j] - gPrev[j]
					ys[j] = g[j] - wOld[j]
				}
				hyb.update(sx, y, ys)
			}
			if augWait > 0 {
				augWait--
			} else if useAug && !forceGN {
				hyb.form(p.jac)
				useQN = true
			}
			confirm = forceGN
			forceGN = false
		}

		// QR of the free columns of J, and Qᵀr.
		k := qr.factorFree(p.jac, p.r, free)
		idx := qr.idx

		// Scaling: the largest column norm seen (1 for a zero column).
		for c, j := range idx {
			cn := qr.acnorm[c]
			if first {
				diag[j] = cn
				if cn == 0 {
					diag[j] = 1
				}
			} else if !broyden {
				diag[j] = max(diag[j], cn)
			}
		}
		if first {
			for j := range diag {
				if diag[j] == 0 { // a held variable not yet scaled
					diag[j] = 1
				}
			}
			xnorm = scaledNorm(diag, p.x)
			delta = factor * xnorm
			if delta == 0 {
				delta = factor
			}
		}

		// Stationarity: the cosine between r and each free column.
		gnorm := 0.0
		for c, j := range idx {
			if qr.acnorm[c] != 0 {
				gnorm = max(gnorm, math.Abs(g[j])/(qr.acnorm[c]*fnorm))
			}
		}
		if gnorm <= p.gtol || k == 0 {
			if broyden {
				continue outer // to be proven with J itself
			}
			return SmallGradient
		}
		if polPending {
			polPending = false
			if !(gnorm <= 0.5*polCos) {
				// The polishing step did not halve the stationarity
				// measure: return to the point before it.
				p.accept(polX, polR)
				p.jac.Copy(polJ)
				p.jacAtX = true
				return SmallRelativeReduction
			}
		}
		for c, j := range idx {
			dl[c] = diag[j]
		}
		if hyb != nil && confirm && wasAug {
			// A Gauss–Newton step confirming the augmented model's
			// convergence: let its first trial be the full Gauss–Newton
			// step, so that its tests are not passed on a trust region the
			// other model shrank.
			qr.lmpar(dl[:k], math.Inf(1), 0, pl[:k], sdiag[:k], wa1[:k], wa2[:k], max(m, n))
			delta = max(delta, scaledNorm(dl[:k], pl[:k]))
		}
		wasAug = useQN

		// Inner loop: trial steps until one is accepted.
		for trial := 0; ; trial++ {
			doubled := false
			lam := 0.0
			deltaAug, parAug := delta, par
			if useQN {
				var ok bool
				if lam, ok = hyb.step(g, diag, delta, qnStep); ok {
					copy(step, qnStep)
				} else {
					useQN = false
				}
			}
			if !useQN {
				par = qr.lmpar(dl[:k], delta, par, pl[:k], sdiag[:k], wa1[:k], wa2[:k], max(m, n))
				lam = par
				clear(step)
				for c, j := range idx {
					step[j] = -pl[c]
				}
				if trial == 0 && havePrevGN && lam == 0 && !broyden && parallelSteps(diag, step, prevGN) {
					// Full Gauss–Newton steps that keep their direction and
					// do not shrink quadratically: try twice the step (see
					// LevenbergMarquardt). Its prediction stays that of
					// the step itself.
					doubled = true
					floats.Scale(2, step)
				}
			}
			projected := false
			for j := range xt {
				xt[j] = p.x[j] + step[j]
			}
			if p.bounds != nil {
				p.bounds.Project(xt)
				for j := range xt {
					if d := xt[j] - p.x[j]; d != step[j] {
						step[j] = d
						projected = true
					}
				}
			}
			pnorm := scaledNorm(diag, step)
			if broyden && !(pnorm <= secantContraction*bPrev) {
				// The contraction monitor: a secant step that is not at
				// most half the last one is not trusted, and J is
				// evaluated, before any residual is spent on it.
				delta, par = deltaAug, parAug
				continue outer
			}
			if first {
				delta = min(delta, pnorm)
			}
			fnorm1 := math.Inf(1)
			if p.evalAt(xt, rt) {
				fnorm1 = floats.Norm(rt, 2)
			}

			actred := -1.0
			if 0.1*fnorm1 < fnorm {
				actred = 1 - (fnorm1/fnorm)*(fnorm1/fnorm)
			}
			var prered, dirder float64
			jsSq := -1.0 // ‖J·s‖², when the prediction below computes it
			switch {
			case useQN:
				// The augmented model's reduction −(gᵀp + ½pᵀ(JᵀJ + S)p),
				// relative to ‖r‖² as the linear model's below.
				prered = -2 * hyb.quadratic(g, step) / (fnorm * fnorm)
				dirder = floats.Dot(g, step) / (fnorm * fnorm)
			case !projected:
				// ‖J·p‖ = ‖R·Pᵀp‖ from the factorisation; the model
				// reduction is ‖Jp‖² + 2λ‖Dp‖² (relative to ‖r‖²).
				for c := 0; c < k; c++ {
					wa1[c] = 0
				}
				for c := 0; c < k; c++ {
					t := pl[qr.perm[c]]
					for i := 0; i <= c; i++ {
						wa1[i] += qr.r[i][c] * t
					}
				}
				jpn := floats.Norm(wa1[:k], 2)
				jsSq = jpn * jpn
				t1 := jpn / fnorm
				t2 := math.Sqrt(par) * pnorm / fnorm
				prered = t1*t1 + 2*t2*t2
				dirder = -(t1*t1 + t2*t2)
			default:
				jacVec(p.jac, step, js)
				jsSq = floats.Dot(js, js)
				rjs := floats.Dot(p.r, js) / (fnorm * fnorm)
				jsn := floats.Norm(js, 2) / fnorm
				prered = -2*rjs - jsn*jsn
				dirder = rjs
			}
			ratio := 0.0
			if prered != 0 {
				ratio = actred / prered
			}

			// Update the trust radius and λ.
			deltaOld, parOld := delta, par
			if ratio <= 0.25 {
				temp := 0.5
				if actred < 0 {
					temp = 0.5 * dirder / (dirder + 0.5*actred)
				}
				if 0.1*fnorm1 >= fnorm || temp < 0.1 || math.IsNaN(temp) {
					temp = 0.1
				}
				delta = temp * min(delta, pnorm/0.1)
				par /= temp
			} else if lam == 0 || ratio >= 0.75 {
				delta = pnorm / 0.5
				par *= 0.5
			}

			accepted := ratio >= 1e-4
			if doubled {
				// The doubled step is kept only if it reduced ½‖r‖² at least
				// as much as the model promised for the step itself;
				// otherwise the next trial is that step, in the trust region
				// as it was.
				havePrevGN = false
				if !(ratio >= 1) {
					delta, par = deltaOld, parOld
					continue
				}
			}
			if broyden {
				// A secant step never shrinks the trust region (its failure
				// says more about the update than about the radius); a
				// rejected one hands over to J at the same point.
				if delta < deltaOld {
					delta, par = deltaOld, parOld
				}
				if !accepted {
					continue outer
				}
			}
			// Polishing (see polishLevel): a step of the augmented model
			// whose predicted reduction is below the rounding level of
			// ‖r‖², and that raises ‖r‖² by no more than that, is taken
			// whatever its ratio, leaving the trust region as it was; the
			// next iterate's stationarity decides whether it stays.
			polish := false
			if hyb != nil && useQN && prered <= polishLevel && actred >= -polishLevel && polishCount < maxPolish {
				polish, accepted = true, true
				delta, par = deltaOld, parOld
				polishCount++
				copy(polX, p.x)
				copy(polR, p.r)
				polJ.Copy(p.jac)
				polCos, polPending = gnorm, true
			}
			if accepted && hyb != nil {
				// Which model predicted this step's reduction better, and
				// the secant data: Jᵀr₊ with the old J.
				if jsSq < 0 { // an augmented step: ‖J·s‖² is not known yet
					jacVec(p.jac, step, js)
					jsSq = floats.Dot(js, js)
				}
				lin := floats.Dot(g, step) + 0.5*jsSq
				predGN, predAug := -lin, -lin-0.5*hyb.sTimes(step)
				actual := p.cost - 0.5*fnorm1*fnorm1
				// Enter the augmented model only where Gauss–Newton's
				// prediction was poor (off by more than 80%, see augEnter),
				// stay while it predicts better.
				better := math.Abs(predAug-actual) < math.Abs(predGN-actual)
				useAug = better && (useQN || actual < augEnter*predGN || actual > (2-augEnter)*predGN)
				if useQN {
					augRest = 0
				}
				jacVecT(p.jac, rt, wOld)
				copy(xPrev, p.x)
				copy(gPrev, g)
				havePrev = !broyden // S is updated only between exact Jacobians
			}
			if polish {
				// Polishing goes on in the augmented model: at this level
				// its predictions cannot be compared with Gauss–Newton's.
				useAug, augWait = true, 0
			}
			if !accepted && useQN {
				// A failed step of the augmented model: the next trial uses
				// Gauss–Newton's (as NL2SOL does) in the trust region as it
				// was, and the augmented model rests for twice as many
				// iterations as after its last failure.
				useQN, useAug = false, false
				delta, par = deltaAug, parAug
				augRest = min(2*max(augRest, 1), 64)
				augWait = augRest
			}
			if accepted && secant && !broyden && !doubled && !useQN {
				havePrevGN = lam == 0
				copy(prevGN, step)
			}
			if accepted {
				if secant {
					bPrev = pnorm
					copy(bS, step)
					copy(bR, p.r)
				}
				p.accept(xt, rt)
				fnorm = fnorm1
				xnorm = scaledNorm(diag, p.x)
				if st := p.iterated(); st != NotTerminated {
					return st
				}
			}

			// A trust region that collapsed on non-finite trials is not
			// convergence.
			if !accepted && math.IsInf(fnorm1, 1) && delta <= max(p.xtol, machEps)*xnorm {
				p.err = nonFiniteTrialErr(p)
				return NonFinite
			}
			// Convergence tests, then the rounding-level versions of each.
			// A step of the augmented model that meets one only hands over
			// to a Gauss–Newton step, which must meet it too. The step
			// tests count only where the Gauss–Newton step, the estimate
			// of the distance to the solution, is itself below
			// √StepTolerance·‖D·x‖: a trust region that collapsed on
			// failed trials far from a solution is not convergence.
			st := NotTerminated
			near := qr.gnNorm <= math.Sqrt(p.xtol)*xnorm
			switch {
			case math.Abs(actred) <= p.ftol && prered <= p.ftol && 0.5*ratio <= 1:
				st = SmallRelativeReduction
			case delta <= p.xtol*xnorm && near:
				st = SmallStep
			case math.Abs(actred) <= machEps && prered <= machEps && 0.5*ratio <= 1:
				st = SmallRelativeReduction
			case delta <= machEps*xnorm && near:
				st = SmallStep
			case delta <= machEps*xnorm:
				// The trust region is below the rounding level of x while
				// the Gauss–Newton step says x is not converged: no step
				// can be judged (MINPACK's info = 7), and none is success.
				st = NoProgress
			}
			if polish || broyden {
				// Nothing computed from an updated Jacobian proves
				// convergence: the next iteration evaluates J.
				st = NotTerminated
			}
			if st != NotTerminated {
				if !useQN {
					if st == NoProgress {
						p.err = fmt.Errorf("%w: trust radius %.3g below the rounding level of ‖D·x‖ = %.3g, Gauss–Newton step %.3g",
							ErrNoProgress, delta, xnorm, qr.gnNorm)
					}
					return st
				}
				forceGN = true // for the next iteration
				useQN = false  // for the next trial of this one
			}
			if fnorm == 0 {
				return ZeroResidual
			}
			if st := p.limit(); st != NotTerminated {
				return st
			}
			if accepted {
				useBroyden = secant && st == NotTerminated && ratio >= secantRatio &&
					!useAug && !useQN && !forceGN && !polish
				break
			}
		}
	}
}

// secantContraction and secantRatio govern LevenbergMarquardt's secant
// steps: one is taken after an accepted Gauss–Newton step whose ratio of
// actual to predicted reduction was at least secantRatio, and it is kept
// only when its scaled length is at most secantContraction times that of
// the step before it (Deuflhard's contraction monitor for quasi-Newton
// iterations, whose Θ ≤ ½ marks the region of superlinear convergence).
const (
	secantContraction = 0.5
	secantRatio       = 0.25
)

// parallelSteps reports whether the scaled steps D·s and D·t (t the
// earlier one) have a cosine of at least 0.99 and ‖D·s‖ ≥ ‖D·t‖/5: the
// iteration keeps its direction and converges linearly (at a simple
// singular root full steps halve the error) or moves away from a saddle,
// and does not converge quadratically.
func parallelSteps(d, s, t []float64) bool {
	var st float64
	for j := range s {
		st += d[j] * d[j] * s[j] * t[j]
	}
	ns, nt := scaledNorm(d, s), scaledNorm(d, t)
	return st >= 0.99*ns*nt && ns >= 0.2*nt
}

// broydenUpdate applies Broyden's rank-one update to J for the step s that
// took the residuals from r0 to r1: J += (r1 − r0 − J·s)·sᵀ/(sᵀs), the
// least change to J (in the Frobenius norm) that satisfies the secant
// equation J₊·s = r1 − r0. w is work space of length m. Cost O(mn).
func broydenUpdate(J *mat.Dense, s, r0, r1, w []float64) {
	ss := floats.Dot(s, s)
	if ss == 0 {
		return
	}
	jacVec(J, s, w)
	raw := J.RawMatrix()
	for i := range w {
		if c := (r1[i] - r0[i] - w[i]) / ss; c != 0 {
			floats.AddScaled(raw.Data[i*raw.Stride:i*raw.Stride+raw.Cols], c, s)
		}
	}
}

// polishLevel is the predicted relative reduction of ‖r‖² below which
// LevenbergMarquardt's augmented model polishes: ½‖r‖² is then known only
// to its rounding error, so the ratio test cannot judge a step, while the
// gradient Jᵀr, computed from r and J directly, still can. A polishing
// step is kept while each one halves the stationarity measure (the largest
// cosine between r and a column of J); the first that does not is undone
// and the run stops with SmallRelativeReduction. maxPolish caps them.
const (
	polishLevel = 10 * machEps
	maxPolish   = 10
)

// scaledNorm returns ‖D·v‖₂ for the diagonal D = diag(d).
func scaledNorm(d, v []float64) float64 {
	var scale, ssq float64 = 0, 1
	for i, vi := range v {
		x := math.Abs(d[i] * vi)
		if x == 0 {
			continue
		}
		if scale < x {
			ssq = 1 + ssq*(scale/x)*(scale/x)
			scale = x
		} else {
			ssq += (x / scale) * (x / scale)
		}
	}
	return scale * math.Sqrt(ssq)
}

// freeQR is the pivoted QR factorisation, with Qᵀr, of the columns of a
// Jacobian that belong to the free variables: the factorisation that
// GaussNewton and LevenbergMarquardt take at each iterate.
type freeQR struct {
	pivotedQR
	// idx lists the free variables in order: column c of the factored
	// matrix is column idx[c] of J.
	idx []int
	// cols is the m×n column storage the free columns are copied into.
	cols [][]float64
	// qtr holds r and then, in place, Qᵀr.
	qtr []float64
}

// newFreeQR returns the storage for an m×n Jacobian.
func newFreeQR(m, n int) *freeQR {
	q := &freeQR{idx: make([]int, 0, n), cols: make([][]float64, n), qtr: make([]float64, m)}
	buf := make([]float64, m*n)
	for j := range q.cols {
		q.cols[j] = buf[j*m : (j+1)*m]
	}
	return q
}

// factorFree copies the columns of jac at the variables free marks and
// factors them, applying Qᵀ to r, and returns their number k. It costs
// about 2mk² flops.
func (q *freeQR) factorFree(jac *mat.Dense, r []float64, free []bool) int {
	q.idx = q.idx[:0]
	for j, f := range free {
		if f {
			q.idx = append(q.idx, j)
		}
	}
	k := len(q.idx)
	jd := jac.RawMatrix()
	m := len(r)
	for c, j := range q.idx {
		col := q.cols[c]
		for i := 0; i < m; i++ {
			col[i] = jd.Data[i*jd.Stride+j]
		}
	}
	copy(q.qtr, r)
	q.factor(q.cols[:k], q.qtr)
	return k
}

// pivotedQR is a Householder QR factorisation with column pivoting, A·P =
// Q·R, of an m×k matrix given by its columns (m ≥ k), in the form MINPACK's
// qrfac produces and its lmpar and qrsolv consume.
type pivotedQR struct {
	k int
	// r holds R in its upper triangle (r[i][j], i ≤ j); qrsolv uses the
	// strict lower triangle as working storage for the factor S of the
	// damped problem.
	r [][]float64
	// perm: column j of R is column perm[j] of A.
	perm []int
	// acnorm holds the norms of A's columns, in A's order.
	acnorm []float64
	// qtb holds the first k entries of Qᵀb.
	qtb []float64
	// gnNorm is ‖D·p‖ for the Gauss–Newton step p of the last lmpar call.
	gnNorm float64

	norms, wa []float64
}

// factor factors the matrix with the given columns (each overwritten) and
// applies Qᵀ to b in place when b is not nil (qtb then holds b[:k]).
func (q *pivotedQR) factor(cols [][]float64, b []float64) {
	k := len(cols)
	q.k = k
	if cap(q.perm) < k {
		q.perm = make([]int, k)
		q.acnorm = make([]float64, k)
		q.norms = make([]float64, k)
		q.wa = make([]float64, k)
		q.r = make([][]float64, k)
		buf := make([]float64, k*k)
		for i := range q.r {
			q.r[i] = buf[i*k : (i+1)*k]
		}
	}
	q.perm, q.acnorm, q.norms, q.wa = q.perm[:k], q.acnorm[:k], q.norms[:k], q.wa[:k]
	if len(q.r) != k || (k > 0 && len(q.r[0]) != k) {
		q.r = q.r[:0]
		buf := make([]float64, k*k)
		for i := 0; i < k; i++ {
			q.r = append(q.r, buf[i*k:(i+1)*k])
		}
	}
	for j, c := range cols {
		q.acnorm[j] = floats.Norm(c, 2)
		q.norms[j] = q.acnorm[j]
		q.wa[j] = q.acnorm[j]
		q.perm[j] = j
	}
	rdiag := make([]float64, k)
	for j := 0; j < k; j++ {
		// Bring the column of largest remaining norm to position j.
		kmax := j
		for l := j + 1; l < k; l++ {
			if q.norms[l] > q.norms[kmax] {
				kmax = l
			}
		}
		if kmax != j {
			cols[j], cols[kmax] = cols[kmax], cols[j]
			q.norms[kmax] = q.norms[j]
			q.wa[kmax] = q.wa[j]
			q.perm[j], q.perm[kmax] = q.perm[kmax], q.perm[j]
		}
		// The Householder reflection H = I − v·vᵀ/v₀ that zeroes column j
		// below the diagonal; v overwrites the column.
		v := cols[j][j:]
		ajnorm := floats.Norm(v, 2)
		if ajnorm != 0 {
			if v[0] < 0 {
				ajnorm = -ajnorm
			}
			floats.Scale(1/ajnorm, v)
			v[0]++
			for l := j + 1; l < k; l++ {
				c := cols[l][j:]
				floats.AddScaled(c, -floats.Dot(v, c)/v[0], v)
				if q.norms[l] != 0 {
					// Downdate the remaining norm; recompute it when
					// cancellation has eaten its accuracy.
					t := c[0] / q.norms[l]
					q.norms[l] *= math.Sqrt(max(0, 1-t*t))
					if r := q.norms[l] / q.wa[l]; 0.05*r*r <= machEps {
						q.norms[l] = floats.Norm(cols[l][j+1:], 2)
						q.wa[l] = q.norms[l]
					}
				}
			}
			if b != nil {
				bj := b[j:]
				floats.AddScaled(bj, -floats.Dot(v, bj)/v[0], v)
			}
		}
		rdiag[j] = -ajnorm
	}
	for j := 0; j < k; j++ {
		for i := 0; i < j; i++ {
			q.r[i][j] = cols[j][i]
		}
		q.r[j][j] = rdiag[j]
	}
	if b != nil {
		q.qtb = b[:k]
	}
}

// rank returns the number of leading diagonal entries of R larger than
// tol·|R₀₀| in magnitude (R's diagonal decreases in magnitude, up to
// rounding, under column pivoting).
func (q *pivotedQR) rank(tol float64) int {
	if q.k == 0 {
		return 0
	}
	limit := tol * math.Abs(q.r[0][0])
	for j := 0; j < q.k; j++ {
		if !(math.Abs(q.r[j][j]) > limit) {
			return j
		}
	}
	return q.k
}

// solveRank returns the number of leading columns of R that the
// Gauss–Newton solve uses: those whose diagonal entry exceeds tol times the
// norm of their column of A. |Rⱼⱼ|/‖aⱼ‖ is the sine of the angle between aⱼ
// and the span of the columns pivoted before it, so the test does not
// depend on the scaling of the columns (of the variables), unlike a test
// relative to |R₀₀|.
func (q *pivotedQR) solveRank(tol float64) int {
	for j := 0; j < q.k; j++ {
		if !(math.Abs(q.r[j][j]) > tol*q.acnorm[q.perm[j]]) {
			return j
		}
	}
	return q.k
}

// lmpar returns the Levenberg–Marquardt parameter λ ≥ 0 and stores in x
// (in A's column order) the solution of min ‖A·x − b‖² + λ‖D·x‖², D =
// diag(d), such that either λ = 0 and ‖D·x‖ ≤ 1.1Δ, or λ > 0 and
// |‖D·x‖ − Δ| ≤ 0.1Δ: the Moré–Hebden iteration, a safeguarded Newton
// iteration on 1/‖D·x(λ)‖ = 1/Δ from the bounds [parl, paru], starting at
// par. sdiag receives the diagonal of S for qrsolv's factor; wa1 and wa2
// are work space; mn = max(m, k) sets the rank tolerance of the
// Gauss–Newton step.
func (q *pivotedQR) lmpar(d []float64, delta, par float64, x, sdiag, wa1, wa2 []float64, mn int) float64 {
	const dwarf = 0x1p-1022
	n := q.k
	r := q.r
	// The Gauss–Newton step, least squares over the leading nonsingular
	// block of R when it is rank deficient.
	nsing := q.solveRank(float64(mn) * machEps)
	for j := 0; j < n; j++ {
		wa1[j] = 0
		if j < nsing {
			wa1[j] = q.qtb[j]
		}
	}
	for j := nsing - 1; j >= 0; j-- {
		wa1[j] /= r[j][j]
		t := wa1[j]
		for i := 0; i < j; i++ {
			wa1[i] -= r[i][j] * t
		}
	}
	for j := 0; j < n; j++ {
		x[q.perm[j]] = wa1[j]
	}
	for j := 0; j < n; j++ {
		wa2[j] = d[j] * x[j]
	}
	dxnorm := floats.Norm(wa2, 2)
	q.gnNorm = dxnorm
	fp := dxnorm - delta
	if fp <= 0.1*delta {
		return 0
	}

	// A lower bound parl for λ (zero when R is singular) ...
	parl := 0.0
	if nsing == n {
		for j := 0; j < n; j++ {
			l := q.perm[j]
			wa1[j] = d[l] * (wa2[l] / dxnorm)
		}
		for j := 0; j < n; j++ {
			var sum float64
			for i := 0; i < j; i++ {
				sum += r[i][j] * wa1[i]
			}
			wa1[j] = (wa1[j] - sum) / r[j][j]
		}
		t := floats.Norm(wa1, 2)
		parl = fp / delta / t / t
	}
	// ... and an upper bound paru: ‖D⁻¹Aᵀb‖/Δ.
	for j := 0; j < n; j++ {
		var sum float64
		for i := 0; i <= j; i++ {
			sum += r[i][j] * q.qtb[i]
		}
		wa1[j] = sum / d[q.perm[j]]
	}
	gnorm := floats.Norm(wa1, 2)
	paru := gnorm / delta
	if paru == 0 {
		paru = dwarf / min(delta, 0.1)
	}
	par = min(max(par, parl), paru)
	if par == 0 {
		par = gnorm / dxnorm
	}
	for iter := 1; ; iter++ {
		if par == 0 {
			par = max(dwarf, 0.001*paru)
		}
		s := math.Sqrt(par)
		for j := 0; j < n; j++ {
			wa1[j] = s * d[j]
		}
		q.qrsolv(wa1, x, sdiag, wa2)
		for j := 0; j < n; j++ {
			wa2[j] = d[j] * x[j]
		}
		dxnorm = floats.Norm(wa2, 2)
		prev := fp
		fp = dxnorm - delta
		if math.Abs(fp) <= 0.1*delta || parl == 0 && fp <= prev && prev < 0 || iter == 10 {
			return par
		}
		// Newton correction from the factor S of the damped problem.
		for j := 0; j < n; j++ {
			l := q.perm[j]
			wa1[j] = d[l] * (wa2[l] / dxnorm)
		}
		for j := 0; j < n; j++ {
			wa1[j] /= sdiag[j]
			t := wa1[j]
			for i := j + 1; i < n; i++ {
				wa1[i] -= r[i][j] * t
			}
		}
		t := floats.Norm(wa1, 2)
		parc := fp / delta / t / t
		if fp > 0 {
			parl = max(parl, par)
		} else if fp < 0 {
			paru = min(paru, par)
		}
		par = max(parl, par+parc)
	}
}

// qrsolv solves min ‖A·x − b‖² + ‖D·x‖² for the diagonal D = diag(d) (in
// A's column order) from the factorisation, by Givens rotations that fold
// D·P into R: (R; PᵀDP) = Qₛ·(S; 0), S upper triangular. x receives the
// solution (in A's order), sdiag the diagonal of S, and the strict lower
// triangle of r the rest of S (transposed); R and its diagonal are kept.
// wa is work space. Cost O(k²) per call.
func (q *pivotedQR) qrsolv(d, x, sdiag, wa []float64) {
	n := q.k
	r := q.r
	for j := 0; j < n; j++ {
		for i := j + 1; i < n; i++ {
			r[i][j] = r[j][i]
		}
		x[j] = r[j][j]
		wa[j] = q.qtb[j]
	}
	for j := 0; j < n; j++ {
		if dj := d[q.perm[j]]; dj != 0 {
			for k := j; k < n; k++ {
				sdiag[k] = 0
			}
			sdiag[j] = dj
			// Eliminate row j of D·P with rotations in the planes (k, j+n);
			// qtbpj tracks the extra entry of the transformed right side.
			qtbpj := 0.0
			for k := j; k < n; k++ {
				if sdiag[k] == 0 {
					continue
				}
				var sin, cos float64
				if math.Abs(r[k][k]) < math.Abs(sdiag[k]) {
					cot := r[k][k] / sdiag[k]
					sin = 0.5 / math.Sqrt(0.25+0.25*cot*cot)
					cos = sin * cot
				} else {
					tan := sdiag[k] / r[k][k]
					cos = 0.5 / math.Sqrt(0.25+0.25*tan*tan)
					sin = cos * tan
				}
				r[k][k] = cos*r[k][k] + sin*sdiag[k]
				t := cos*wa[k] + sin*qtbpj
				qtbpj = -sin*wa[k] + cos*qtbpj
				wa[k] = t
				for i := k + 1; i < n; i++ {
					t := cos*r[i][k] + sin*sdiag[i]
					sdiag[i] = -sin*r[i][k] + cos*sdiag[i]
					r[i][k] = t
				}
			}
		}
		sdiag[j] = r[j][j]
		r[j][j] = x[j]
	}
	// Back-substitute S·z = wa, least squares when S is singular.
	nsing := n
	for j := 0; j < n; j++ {
		if sdiag[j] == 0 && nsing == n {
			nsing = j
		}
		if nsing < n {
			wa[j] = 0
		}
	}
	for j := nsing - 1; j >= 0; j-- {
		var sum float64
		for i := j + 1; i < nsing; i++ {
			sum += r[i][j] * wa[i]
		}
		wa[j] = (wa[j] - sum) / sdiag[j]
	}
	for j := 0; j < n; j++ {
		x[q.perm[j]] = wa[j]
	}
}
