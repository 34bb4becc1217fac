package optim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// LeastSquaresMethod is a nonlinear least-squares algorithm for
// LeastSquares: LevenbergMarquardt, GaussNewton or
// MatrixFreeLevenbergMarquardt. The interface is sealed: the methods share
// the driver's evaluation counting, budgets, bounds and NaN handling.
type LeastSquaresMethod interface {
	leastSquares(p *lsProblem) Status
}

// LeastSquaresSettings controls LeastSquares. A nil *LeastSquaresSettings,
// and every zero field, means the documented default. Negative values
// panic.
type LeastSquaresSettings struct {
	// FunctionTolerance stops the run with SmallRelativeReduction when the
	// actual and predicted relative reductions of ‖r‖² in a step are both
	// at most it. If it is 0, it is defaulted to 1e-15: the defaults are
	// tight, so that a run stops where the rounding level of the problem
	// stops it, which costs a few iterations at quadratic convergence.
	FunctionTolerance float64

	// StepTolerance stops the run with SmallStep: LevenbergMarquardt's
	// when the trust-region radius (a bound on the scaled step) falls to
	// StepTolerance·‖D·x‖, D the variable scaling, while the full
	// Gauss–Newton step (the estimate of the distance to the solution) is
	// at most √StepTolerance·‖D·x‖; GaussNewton's when the accepted step is
	// at most StepTolerance·‖D·x‖ under the same condition;
	// MatrixFreeLevenbergMarquardt's when the accepted step is. If it is 0,
	// it is defaulted to 1e-8: x has then converged to about 8 digits in
	// the scaled norm.
	//
	// The defaults are tighter than MINPACK's (FunctionTolerance =
	// StepTolerance = √ε ≈ 1.5e-8) on purpose. A relative-reduction test
	// bounds ‖J·δ‖²/‖r‖², not the error δ in x: where J is ill-conditioned
	// or the residual large, a reduction of 1e-8 leaves errors of 1e-4 and
	// more. On the 54 NIST StRD runs MINPACK's tolerances leave 24 short of
	// 6 correct digits, FunctionTolerance 1e-10 leaves 6 and 1e-12 two;
	// with 1e-15 and StepTolerance 1e-8 all 54 reach 6 digits (the step
	// test, unlike the reduction test, tracks δ).
	StepTolerance float64

	// GradientTolerance stops the run with SmallGradient when
	// maxⱼ |Jⱼᵀr| / (‖Jⱼ‖·‖r‖) ≤ GradientTolerance over the free columns
	// Jⱼ of J: the cosine between r and each column, a scale-free
	// stationarity test. If it is 0, it is defaulted to 1e-15.
	GradientTolerance float64

	// MaxIterations caps the number of accepted steps. If it is 0, it is
	// defaulted to 1000.
	MaxIterations int

	// MaxEvaluations caps the number of residual evaluations (including
	// the one at x0 and every rejected trial). If it is 0, it is defaulted
	// to 200·(n+1).
	MaxEvaluations int

	// Bounds, if not nil, are box constraints on x (see Bounds). x0 is
	// projected onto the box, every trial point is the projection of the
	// method's step, and the stationarity test uses the projected
	// gradient: a variable at a bound whose gradient points out of the box
	// is held there for the iteration.
	Bounds *Bounds

	// Callback, if not nil, is called after every accepted step. If it
	// returns true, LeastSquares stops with status Stopped.
	Callback func(LeastSquaresIteration) (stop bool)
}

// LeastSquaresIteration describes the state after one accepted step, for
// LeastSquaresSettings.Callback. X is valid only during the callback.
type LeastSquaresIteration struct {
	Iter int
	X    []float64
	// Cost is ½‖r(X)‖².
	Cost float64
	// ResidualEvals and JacobianEvals are the counts so far.
	ResidualEvals, JacobianEvals int
}

// LeastSquaresResult is the outcome of LeastSquares.
type LeastSquaresResult struct {
	// X is the final point: the point with the smallest finite ½‖r‖²
	// seen (the methods are monotone, so it is the last accepted iterate),
	// except that LevenbergMarquardt's polishing steps, taken where ½‖r‖²
	// is known only to its rounding error, may raise it by at most 10ε
	// relative in exchange for a smaller gradient.
	// It is nil only when r(x0) was not finite.
	X []float64
	// Residuals is r(X) and Cost is ½‖r(X)‖².
	Residuals []float64
	Cost      float64
	// GradNorm is ‖P(Jᵀr)‖∞ at X, the infinity norm of the gradient of
	// Cost projected on the box (the gradient itself when there are no
	// bounds); NaN when the Jacobian at X is unknown (a run that stopped
	// at x0 on a non-finite residual).
	GradNorm float64
	// Iterations is the number of accepted steps.
	Iterations int
	// ResidualEvals counts calls to Residual.Residuals (and
	// LinearizeJacobian, which also returns r); JacobianEvals counts calls
	// to Residual.Jacobian (or LinearizeJacobian for
	// MatrixFreeLevenbergMarquardt); JacVecEvals counts the J·v and Jᵀu
	// products of MatrixFreeLevenbergMarquardt.
	ResidualEvals, JacobianEvals, JacVecEvals int
	// Rank is the numerical rank of J at X found by the dense methods'
	// pivoted QR: the number of pivots above √ε times the largest,
	// on J with its columns scaled to unit norm. It is −1 when unknown
	// (MatrixFreeLevenbergMarquardt).
	Rank int
	// AtLower and AtUpper list, in increasing order, the variables that are
	// at their lower and upper bound at X (nil without bounds).
	AtLower, AtUpper []int
	// Status says why the run stopped.
	Status Status
}

// LeastSquares minimises ½‖r(x)‖² from x0 with method and returns the final
// point and why it stopped. A nil method means LevenbergMarquardt{}; nil
// settings mean the defaults of LeastSquaresSettings.
//
// LeastSquares copies x0 and never modifies or retains it. It evaluates
// r(x0) first, then runs the method until a convergence test
// (SmallRelativeReduction, SmallStep, SmallGradient, ZeroResidual) holds
// or a budget, a failure or the callback stops it. A convergence test met
// where the Jacobian is numerically rank deficient is reported as
// RankDeficient instead, since the minimiser is then not unique. The
// returned error is nil when Result.Status.Err() is nil and otherwise wraps
// that sentinel with details.
//
// Programming errors panic with an "optim: " message: a nil residual,
// len(x0) ≠ n, negative settings, invalid bounds (lᵢ > uᵢ, wrong lengths,
// NaN) or invalid method fields. Conditions of the data are reported
// through the Result and the error: fewer residuals than parameters
// (RankDeficient at once), x0 holding NaN or Inf or r(x0) non-finite
// (NonFinite, X nil), a non-finite Jacobian (NonFinite, X the best point),
// and exhausted budgets. A trial point where r is NaN or Inf is a rejected
// step: the trust region shrinks (or the line search backs off), and the
// run ends with NonFinite only after 50 such trials in a row.
func LeastSquares(res Residual, x0 []float64, method LeastSquaresMethod, settings *LeastSquaresSettings) (LeastSquaresResult, error) {
	if res == nil {
		panic("optim: LeastSquares: nil residual")
	}
	m, n := res.Dims()
	if n < 1 || m < 1 {
		panic(fmt.Sprintf("optim: LeastSquares: residual dimensions m = %d, n = %d", m, n))
	}
	if len(x0) != n {
		panic(fmt.Sprintf("optim: LeastSquares: len(x0) = %d, residual has n = %d parameters", len(x0), n))
	}
	if method == nil {
		method = LevenbergMarquardt{}
	}
	p := newLSProblem(res, m, n, settings)
	for i, v := range x0 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			p.err = fmt.Errorf("%w: x0[%d] = %v", ErrNonFinite, i, v)
			return p.result(NonFinite)
		}
	}
	copy(p.x, x0)
	p.bounds.Project(p.x)
	if !p.evalAt(p.x, p.r) {
		p.err = fmt.Errorf("%w: r(x0) is not finite", ErrNonFinite)
		return p.result(NonFinite)
	}
	p.accept(p.x, p.r)
	if m < n {
		p.err = fmt.Errorf("%w: %d residuals for %d parameters", ErrRankDeficient, m, n)
		return p.result(RankDeficient)
	}
	st := method.leastSquares(p)
	return p.result(st)
}

// lsProblem is the state a least-squares method shares with the driver.
type lsProblem struct {
	res    Residual
	m, n   int
	bounds *Bounds

	ftol, xtol, gtol float64
	maxIter, maxEval int
	callback         func(LeastSquaresIteration) bool

	// The current (best) point, its residuals and cost; jac is J(x) when
	// jacAtX, and rank its numerical rank when known (−1 otherwise).
	x, r   []float64
	cost   float64
	jac    *mat.Dense
	jacAtX bool
	rank   int

	iter, nres, njac, njv int
	nonFinite             int // consecutive non-finite trials
	seenFinite            bool
	err                   error
}

func newLSProblem(res Residual, m, n int, s *LeastSquaresSettings) *lsProblem {
	if s == nil {
		s = &LeastSquaresSettings{}
	}
	checkRanges("LeastSquaresSettings",
		setting{"FunctionTolerance", s.FunctionTolerance, 1},
		setting{"StepTolerance", s.StepTolerance, 1},
		setting{"GradientTolerance", s.GradientTolerance, 1})
	if s.MaxIterations < 0 || s.MaxEvaluations < 0 {
		panic(fmt.Sprintf("optim: LeastSquaresSettings: MaxIterations = %d, MaxEvaluations = %d", s.MaxIterations, s.MaxEvaluations))
	}
	s.Bounds.check("LeastSquares", n)
	p := &lsProblem{
		res: res, m: m, n: n, bounds: s.Bounds,
		ftol: orDefault(s.FunctionTolerance, 1e-15), xtol: orDefault(s.StepTolerance, 1e-8),
		gtol: orDefault(s.GradientTolerance, 1e-15), maxIter: s.MaxIterations, maxEval: s.MaxEvaluations,
		callback: s.Callback,
		x:        make([]float64, n), r: make([]float64, m), rank: -1,
	}
	if p.maxIter == 0 {
		p.maxIter = 1000
	}
	if p.maxEval == 0 {
		p.maxEval = 200 * (n + 1)
	}
	return p
}

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// maxNonFiniteTrials caps the consecutive trial points with a non-finite
// residual before a method gives up with NonFinite.
const maxNonFiniteTrials = maxNonFinite

// evalAt evaluates r(x) into r, counts it, and reports whether it is
// finite (counting consecutive non-finite ones).
func (p *lsProblem) evalAt(x, r []float64) bool {
	p.nres++
	p.res.Residuals(x, r)
	for _, v := range r {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			p.nonFinite++
			return false
		}
	}
	p.nonFinite = 0
	return true
}

// accept makes x (with residuals r, both finite) the current point.
func (p *lsProblem) accept(x, r []float64) {
	if &x[0] != &p.x[0] {
		copy(p.x, x)
	}
	if &r[0] != &p.r[0] {
		copy(p.r, r)
	}
	p.cost = 0.5 * sumSquares(r)
	p.jacAtX = false
	p.seenFinite = true
}

// jacobian evaluates J at the current point into p.jac and reports whether
// it is finite.
func (p *lsProblem) jacobian() bool {
	if p.jac == nil {
		p.jac = mat.NewDense(p.m, p.n, nil)
	}
	p.njac++
	p.res.Jacobian(p.x, p.jac)
	p.jacAtX = true
	for _, v := range p.jac.RawMatrix().Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			p.jacAtX = false
			p.err = fmt.Errorf("%w: the Jacobian at x is not finite", ErrNonFinite)
			return false
		}
	}
	return true
}

// limit returns IterationLimit, EvaluationLimit or NonFinite when a budget
// is spent, and NotTerminated otherwise.
func (p *lsProblem) limit() Status {
	switch {
	case p.nonFinite >= maxNonFiniteTrials:
		p.err = fmt.Errorf("%w: %d trial points in a row with non-finite residuals", ErrNonFinite, p.nonFinite)
		return NonFinite
	case p.iter >= p.maxIter:
		return IterationLimit
	case p.nres >= p.maxEval:
		return EvaluationLimit
	}
	return NotTerminated
}

func nonFiniteTrialErr(p *lsProblem) error {
	return fmt.Errorf("%w: every trial step from the best point gave a non-finite residual (%d in a row)", ErrNonFinite, p.nonFinite)
}

// iterated counts an accepted step and runs the callback.
func (p *lsProblem) iterated() Status {
	p.iter++
	if p.callback != nil && p.callback(LeastSquaresIteration{
		Iter: p.iter, X: p.x, Cost: p.cost, ResidualEvals: p.nres, JacobianEvals: p.njac,
	}) {
		return Stopped
	}
	return NotTerminated
}

// freeSet marks in free the variables a step may move at x with gradient
// g = Jᵀr: all but those at a bound whose gradient points out of the box.
func (p *lsProblem) freeSet(g []float64, free []bool) {
	for i := range free {
		free[i] = true
		if p.bounds == nil {
			continue
		}
		if p.x[i] <= p.bounds.lower(i) && g[i] > 0 || p.x[i] >= p.bounds.upper(i) && g[i] < 0 {
			free[i] = false
		}
	}
}

// projGradNorm returns ‖P(g)‖∞ at the current point.
func (p *lsProblem) projGradNorm(g []float64) float64 {
	var norm float64
	for i, gi := range g {
		if p.bounds != nil && (p.x[i] <= p.bounds.lower(i) && gi > 0 || p.x[i] >= p.bounds.upper(i) && gi < 0) {
			continue
		}
		norm = max(norm, math.Abs(gi))
	}
	return norm
}

func (p *lsProblem) result(st Status) (LeastSquaresResult, error) {
	out := LeastSquaresResult{
		Iterations: p.iter, ResidualEvals: p.nres, JacobianEvals: p.njac, JacVecEvals: p.njv,
		Status: st, GradNorm: math.NaN(), Rank: -1, Cost: math.NaN(),
	}
	if !p.seenFinite {
		return out, p.finishErr(st)
	}
	// Report the gradient and rank at X itself: one more Jacobian when the
	// method stopped after moving (a dense one only where it is affordable).
	if !p.jacAtX && p.jac != nil && st != NonFinite {
		if p.jacobian() {
			p.rank = -1
		}
	}
	out.X = append([]float64(nil), p.x...)
	out.Residuals = append([]float64(nil), p.r...)
	out.Cost = p.cost
	if p.jacAtX {
		g := make([]float64, p.n)
		mat.NewVecDense(p.n, g).MulVec(p.jac.T(), mat.NewVecDense(p.m, p.r))
		out.GradNorm = p.projGradNorm(g)
		if p.rank < 0 {
			p.rank = numericalRank(p.jac)
		}
	}
	out.Rank = p.rank
	if lsSuccess(st) && st != ZeroResidual && out.Rank >= 0 && out.Rank < p.n {
		out.Status = RankDeficient
		p.err = fmt.Errorf("%w: rank %d of %d at X (converged by %v)", ErrRankDeficient, out.Rank, p.n, st)
	}
	if p.bounds != nil {
		for i, v := range p.x {
			if v <= p.bounds.lower(i) {
				out.AtLower = append(out.AtLower, i)
			}
			if v >= p.bounds.upper(i) {
				out.AtUpper = append(out.AtUpper, i)
			}
		}
	}
	return out, p.finishErr(out.Status)
}

func (p *lsProblem) finishErr(st Status) error {
	if p.err != nil {
		return p.err
	}
	if e := st.Err(); e != nil {
		return fmt.Errorf("optim: LeastSquares: %w after %d iterations", e, p.iter)
	}
	return nil
}

// numericalRank returns the numerical rank of J with its columns scaled to
// unit norm (zero columns count as rank deficiency): the number of pivots
// of its column-pivoted QR above rankTolerance (√ε) times the largest.
func numericalRank(J *mat.Dense) int {
	_, n := J.Dims()
	cols := make([][]float64, n)
	for j := range cols {
		c := mat.Col(nil, j, J)
		if s := floats.Norm(c, 2); s > 0 {
			floats.Scale(1/s, c)
		}
		cols[j] = c
	}
	var qr pivotedQR
	qr.factor(cols, nil)
	return qr.rank(rankTolerance)
}

func sumSquares(v []float64) float64 {
	s := floats.Norm(v, 2)
	return s * s
}

// machEps is the float64 machine epsilon, 2⁻⁵².
const machEps = 0x1p-52

// jacVec stores J·v in dst.
func jacVec(J *mat.Dense, v, dst []float64) {
	raw := J.RawMatrix()
	for i := 0; i < raw.Rows; i++ {
		dst[i] = floats.Dot(raw.Data[i*raw.Stride:i*raw.Stride+raw.Cols], v)
	}
}

// jacVecT stores Jᵀu in dst.
func jacVecT(J *mat.Dense, u, dst []float64) {
	raw := J.RawMatrix()
	clear(dst[:raw.Cols])
	for i := 0; i < raw.Rows; i++ {
		if u[i] != 0 {
			floats.AddScaled(dst[:raw.Cols], u[i], raw.Data[i*raw.Stride:i*raw.Stride+raw.Cols])
		}
	}
}

// rankTolerance is the relative size of a pivot of the column-scaled J
// below which LeastSquares counts a direction as not identified: √ε, since
// below it the covariance (JᵀJ)⁻¹ has no correct digit.
const rankTolerance = 0x1p-26
