package krylov

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
)

// Scale-aware curvature verdicts.
//
// A point x with ‖∇f(x)‖ ≤ ε is an ε-second-order stationary point (Nesterov
// & Polyak, "Cubic regularization of Newton method and its global
// performance", Math. Program. 108, 2006) when
//
//	λ_min(∇²f(x)) ≥ −√(ρ·ε),
//
// where ρ is the Lipschitz constant of the Hessian near x. The threshold is
// where first- and second-order progress balance: with a ρ-Lipschitz
// Hessian, a step of length t along a unit eigenvector u of λ < 0 lowers f
// by at least ½|λ|t² − ρt³/6, at best 2|λ|³/(3ρ²) at t = 2|λ|/ρ, while the
// gradient ε alone only promises progress of order ε²/‖H‖. Curvature
// shallower than √(ρε) is a feature of the cubic and higher terms of f, not
// a descent direction a second-order method can use at the accuracy ε that
// was asked for. The rule scales correctly: multiplying f by c multiplies
// ε, ρ and λ by c, and √(ρε) too; rescaling x by s multiplies ε by 1/s, ρ by
// 1/s³ and λ by 1/s², and √(ρε) also by 1/s².
//
// On an exact quadratic ρ = 0 and every negative eigenvalue matters; then
// only the resolution of the computed Hessian limits the test, and the
// threshold never falls below CurvatureFloor·‖H‖.

// CurvatureFloor is the relative resolution of curvature: eigenvalues within
// CurvatureFloor·‖H‖ of zero are treated as zero whatever ρ is. It absorbs
// the rounding of an exact Hessian-vector product (about 1e-16·‖H‖ per
// product, growing with the number of operations in f) with a wide margin.
const CurvatureFloor = 1e-8

// NegligibleCurvature returns τ = max(√(ρ·ε), CurvatureFloor·normH), the
// magnitude of negative curvature that does not matter at a point where the
// gradient is below the tolerance ε = gradTol, with ρ an estimate of the
// Hessian's Lipschitz constant (HessianLipschitz) and normH an estimate of
// ‖H‖₂: a Hessian with λ_min ≥ −τ makes the point ε-second-order
// stationary (see the package documentation). Both optim and ad/hvp decide
// "negative curvature", "zero eigenvalue" and "minimum" by this one rule.
func NegligibleCurvature(gradTol, rho, normH float64) float64 {
	return math.Max(math.Sqrt(math.Max(0, rho)*math.Max(0, gradTol)), CurvatureFloor*math.Abs(normH))
}

// LipschitzStep returns the step h for HessianLipschitz at x:
// ε_mach^(1/3)·max(1, ‖x‖∞), which balances the O(h²) truncation error of a
// central difference against its O(ε_mach/h) rounding error.
func LipschitzStep(x []float64) float64 {
	m := 1.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return 6.0554544523933395e-06 * m // cbrt(2⁻⁵²)
}

// HessianLipschitz returns the estimate ρ = ‖H(x+h·v)·v − H(x−h·v)·v‖₂ /
// (2h·‖v‖₂²) of the Lipschitz constant of the Hessian near x, from the two
// products plus = H(x+h·v)·v and minus = H(x−h·v)·v. It is the norm of the
// third derivative D³f(x)[v, v, ·] along v: a lower bound on ρ, so that a
// threshold built on it errs toward treating curvature as significant.
func HessianLipschitz(plus, minus, v []float64, h float64) float64 {
	if len(plus) != len(v) || len(minus) != len(v) {
		panic(fmt.Sprintf("krylov: HessianLipschitz: lengths %d, %d, %d differ", len(plus), len(minus), len(v)))
	}
	var d2, v2 float64
	for i := range v {
		d := plus[i] - minus[i]
		d2 += d * d
		v2 += v[i] * v[i]
	}
	if v2 == 0 || h <= 0 {
		return 0
	}
	return math.Sqrt(d2) / (2 * h * v2)
}

// EstimateLipschitz returns the estimate HessianLipschitz of the Hessian's
// Lipschitz constant near x along a pseudo-random unit vector v drawn from
// seed, at the step LipschitzStep(x); hessAt(y, v, hv) must store
// ∇²f(y)·v in hv, and is called twice (at x ± h·v). It returns NaN if a
// product is not finite. Both optim and ad/hvp estimate ρ by this function.
func EstimateLipschitz(hessAt func(y, v, hv []float64), x []float64, seed uint64) float64 {
	n := len(x)
	rng := rand.New(rand.NewPCG(seed, 0x5851f42d4c957f2d))
	v := make([]float64, n)
	for !normalizeGaussian(v, rng) {
	}
	h := LipschitzStep(x)
	y := make([]float64, n)
	plus, minus := make([]float64, n), make([]float64, n)
	for i := range y {
		y[i] = x[i] + h*v[i]
	}
	hessAt(y, v, plus)
	for i := range y {
		y[i] = x[i] - h*v[i]
	}
	hessAt(y, v, minus)
	rho := HessianLipschitz(plus, minus, v, h)
	if !isFinite(rho) {
		return math.NaN()
	}
	return rho
}

// Verdict is the outcome of Probe.
type Verdict int

const (
	// Undecided: the budget ran out before negative curvature below −τ was
	// found or λ_min ≥ −τ was established.
	Undecided Verdict = iota
	// NonNegative: λ_min ≥ −τ, with probability at least 1 − FailureProb
	// over the random start (exactly, when the Krylov space became
	// invariant).
	NonNegative
	// Negative: an explicit unit vector u with uᵀHu < −τ was found, which
	// proves λ_min ≤ uᵀHu < −τ.
	Negative
)

// String returns the name of v.
func (v Verdict) String() string {
	switch v {
	case Undecided:
		return "Undecided"
	case NonNegative:
		return "NonNegative"
	case Negative:
		return "Negative"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// ProbeSettings configures Probe. The zero value tests with τ =
// CurvatureFloor·‖H‖ and the default budget.
type ProbeSettings struct {
	// GradTol and Rho set the threshold τ = NegligibleCurvature(GradTol,
	// Rho, ‖H‖), with ‖H‖ estimated by the run.
	GradTol, Rho float64
	// RelTol, if positive, replaces that rule by τ = RelTol·‖H‖.
	RelTol float64
	// AbsTol, if positive, replaces both by τ = AbsTol.
	AbsTol float64
	// FailureProb is the probability δ allowed for a wrong NonNegative
	// verdict. If it is 0, it is defaulted to 1e-4.
	FailureProb float64
	// MaxOps caps the operator applications of the search. Building the
	// eigenvector of a Negative verdict may take as many again when the
	// Lanczos vectors could not be kept (see MaxStored). If it is 0, it is
	// defaulted to 5000.
	MaxOps int
	// MaxStored caps the float64s held for Lanczos vectors above n = 256
	// (at n ≤ 256 they are always kept, for full reorthogonalisation). If
	// it is 0, it is defaulted to 1<<22 (32 MiB).
	MaxStored int
	// Seed determines the random start vector.
	Seed uint64
}

// ProbeResult is the outcome of Probe.
type ProbeResult struct {
	// Verdict says what was established.
	Verdict Verdict
	// Value is an upper bound on λ_min: for Negative the Rayleigh quotient
	// uᵀHu of Vector, otherwise the smallest Ritz value.
	Value float64
	// Vector is the unit vector u of a Negative verdict, nil otherwise.
	Vector []float64
	// Residual is ‖H·u − Value·u‖₂ (measured for Negative, estimated by the
	// recurrence otherwise): some eigenvalue lies within Residual of Value.
	Residual float64
	// Converged reports that Residual ≤ Tol, or that the Krylov space
	// became invariant, so that Value is an eigenvalue to the accuracy of
	// the verdict rather than only an upper bound on λ_min.
	Converged bool
	// Tol is the threshold τ that was used.
	Tol float64
	// NormEst estimates ‖H‖₂ from the largest Ritz value and its residual.
	NormEst float64
	// Steps is the number of Lanczos steps and Ops the number of operator
	// applications in all.
	Steps, Ops int
}

// Probe decides whether the symmetric operator op of dimension n has an
// eigenvalue below −τ, for the threshold τ of settings: it finds a vector u
// with uᵀHu < −τ (Negative), or establishes λ_min ≥ −τ (NonNegative), or
// reports Undecided when the budget runs out first. A NonNegative verdict
// never rests on an unconverged Ritz value: it rests on the bound of
// Kuczyński & Woźniakowski ("Estimating the largest eigenvalue by the power
// and Lanczos algorithms with a random start", SIAM J. Matrix Anal. Appl.
// 13, 1992), by which k Lanczos steps from a uniformly random start give a
// smallest Ritz value θ with θ − λ_min < η·(M − λ_min), M ≥ λ_max, except
// with probability at most 1.648·√n·exp(−√η·(2k−1)). Probe stops as soon as
// θ ≥ η·M − (1−η)·τ, which then proves λ_min ≥ −τ with probability at least
// 1 − FailureProb; or when the Krylov space becomes invariant, which gives
// the spectrum seen exactly.
//
// The search is plain Lanczos (the three-term recurrence without
// reorthogonalisation; for n ≤ 256, with full reorthogonalisation, so that
// the Krylov space is exhausted and the answer exact after at most n
// steps), which keeps the optimal convergence of the extreme Ritz values in
// floating point (Paige 1980; Druskin & Knizhnerman 1991) at O(n) memory: on a spectrum of width 1e6 with one eigenvalue −2 below a
// cluster at 1 it finds the −2 in about 2,000 steps, where a thick-restart
// method with 20 basis vectors needs about ten times as many. The Ritz
// values are those of the tridiagonal matrix, by Sturm-sequence bisection,
// O(k) per step. Once an eigenvalue below −τ shows, the search runs on until
// its Ritz pair converges (at most 20 steps more than as many again), then its vector is
// assembled from the Lanczos vectors, kept if they fit in MaxStored floats,
// else regenerated by a second pass, and checked by one more product.
//
// Probe panics if op is nil, n < 1 or a setting is negative or NaN. It
// returns ErrNonFinite if op returns NaN or Inf.
func Probe(op Operator, n int, settings *ProbeSettings) (ProbeResult, error) {
	if op == nil {
		panic("krylov: Probe: nil operator")
	}
	if n < 1 {
		panic(fmt.Sprintf("krylov: Probe: dimension n = %d < 1", n))
	}
	var s ProbeSettings
	if settings != nil {
		s = *settings
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"GradTol", s.GradTol}, {"Rho", s.Rho}, {"RelTol", s.RelTol}, {"AbsTol", s.AbsTol}, {"FailureProb", s.FailureProb}} {
		if !(f.v >= 0) || math.IsInf(f.v, 1) {
			panic(fmt.Sprintf("krylov: Probe: %s = %v, want finite ≥ 0", f.name, f.v))
		}
	}
	if s.MaxOps < 0 || s.MaxStored < 0 {
		panic(fmt.Sprintf("krylov: Probe: MaxOps = %d, MaxStored = %d, want ≥ 0", s.MaxOps, s.MaxStored))
	}
	delta := s.FailureProb
	if delta == 0 {
		delta = 1e-4
	}
	maxOps := s.MaxOps
	if maxOps == 0 {
		maxOps = 5000
	}
	maxStored := s.MaxStored
	if maxStored == 0 {
		maxStored = 1 << 22
	}
	tolOf := func(normH float64) float64 {
		if s.AbsTol > 0 {
			return s.AbsTol
		}
		if s.RelTol > 0 {
			return s.RelTol * normH
		}
		return NegligibleCurvature(s.GradTol, s.Rho, normH)
	}
	logTerm := math.Log(1.648 * math.Sqrt(float64(n)) / math.Min(delta, 1))

	rng := rand.New(rand.NewPCG(s.Seed, 0x9e3779b97f4a7c15))
	v0 := make([]float64, n)
	for !normalizeGaussian(v0, rng) {
	}
	v, vp, w := append([]float64(nil), v0...), make([]float64, n), make([]float64, n)
	store := true
	var basis []float64
	full := n <= fullReorthMax // the Lanczos vectors are kept and reorthogonalised
	var t tridiag
	res := ProbeResult{Value: math.NaN()}
	var (
		normH     float64 // estimate of ‖H‖ (max |θ| and the top residual)
		tau       float64
		beta      float64
		found     = -1 // step at which an eigenvalue below −τ showed
		exact     bool
		nextCheck = 1
	)
	for {
		if res.Ops >= maxOps && found < 0 {
			break
		}
		if full || store && (t.k()+1)*n <= maxStored {
			if len(basis)+n > cap(basis) {
				// Double (append grows large slices by only 1.25×, which
				// would allocate five times the final basis).
				c := max(2*cap(basis), 16*n)
				if !full {
					c = min(c, maxStored/n*n)
				}
				grown := make([]float64, len(basis), c)
				copy(grown, basis)
				basis = grown
			}
			basis = append(basis, v...)
		} else {
			store = false
			basis = nil
		}
		op(v, w)
		res.Ops++
		alpha := dot(v, w)
		for i := range w {
			w[i] -= alpha*v[i] + beta*vp[i]
		}
		// One local correction keeps v_{k+1} orthogonal to v_k to working
		// precision; it changes α by a rounding-level amount.
		c := dot(v, w)
		floats.AddScaled(w, -c, v)
		t.corr = append(t.corr, c)
		alpha += c
		if full {
			// Small n: keep the basis orthogonal (Gram–Schmidt twice), so
			// that the Krylov space is exhausted, and the spectrum found
			// exactly, after at most n steps. The coefficients are
			// rounding-level; T_k keeps the three-term form.
			for range 2 {
				for j := 0; j < len(basis)/n; j++ {
					bj := basis[j*n : (j+1)*n]
					floats.AddScaled(w, -dot(bj, w), bj)
				}
			}
		}
		if !isFinite(alpha) {
			return ProbeResult{Ops: res.Ops, Steps: t.k()}, ErrNonFinite
		}
		beta = math.Sqrt(dot(w, w))
		if !isFinite(beta) {
			return ProbeResult{Ops: res.Ops, Steps: t.k()}, ErrNonFinite
		}
		t.alpha = append(t.alpha, alpha)
		t.alpha0 = append(t.alpha0, alpha-c)
		t.beta = append(t.beta, beta)
		k := t.k()
		normH = math.Max(normH, math.Abs(alpha))
		exact = beta <= breakdownTol*math.Max(normH, 1e-300) || beta == 0

		if found < 0 && t.count(-tolOf(normH)) > 0 {
			found = k
			nextCheck = k
		}
		if k >= nextCheck || exact || res.Ops >= maxOps {
			nextCheck = k + max(1, k/40)
			lo := t.eigenvalue(0)
			hi := t.eigenvalue(k - 1)
			_, rhi := t.ritz(hi, beta, false)
			normH = math.Max(normH, math.Max(math.Abs(lo), math.Abs(hi)+rhi))
			tau = tolOf(normH)
			res.Value, res.NormEst, res.Tol = lo, normH, tau
			if found < 0 && lo < -tau {
				found = k
			}
			if found < 0 {
				if exact {
					res.Verdict = NonNegative
					res.Converged = true
					res.Residual = 0
					break
				}
				if eta := math.Pow(logTerm/float64(2*k-1), 2); eta < 1 && lo >= eta*normH-(1-eta)*tau {
					res.Verdict = NonNegative
					_, res.Residual = t.ritz(lo, beta, true)
					res.Converged = res.Residual <= tau
					break
				}
			} else {
				_, r := t.ritz(lo, beta, true)
				if exact || r <= tau || k >= 2*found+20 || res.Ops >= maxOps {
					break
				}
			}
		}
		if exact {
			break
		}
		scale(1/beta, w)
		vp, v, w = v, w, vp
	}
	res.Steps = t.k()
	if found < 0 {
		if res.Verdict == Undecided {
			_, res.Residual = t.ritz(res.Value, beta, true)
		}
		return res, nil
	}

	// Assemble the Ritz vector of the smallest Ritz value and check it.
	y, _ := t.ritz(res.Value, beta, true)
	u := make([]float64, n)
	if store {
		for j, yj := range y {
			floats.AddScaled(u, yj, basis[j*n:(j+1)*n])
		}
	} else {
		copy(v, v0)
		clear(vp)
		for j, yj := range y {
			floats.AddScaled(u, yj, v)
			if j == len(y)-1 {
				break
			}
			op(v, w)
			res.Ops++
			bp := 0.0
			if j > 0 {
				bp = t.beta[j-1]
			}
			// Replay the arithmetic of the first pass exactly: the
			// recurrence amplifies any difference in the directions of
			// converged eigenvectors.
			a := dot(v, w)
			for i := range w {
				w[i] -= a*v[i] + bp*vp[i]
			}
			floats.AddScaled(w, -dot(v, w), v)
			scale(1/t.beta[j], w)
			vp, v, w = v, w, vp
		}
	}
	if !normalize(u) {
		res.Verdict = Undecided
		return res, nil
	}
	op(u, w)
	res.Ops++
	q := dot(u, w)
	if !isFinite(q) {
		return ProbeResult{Ops: res.Ops, Steps: t.k()}, ErrNonFinite
	}
	floats.AddScaled(w, -q, u)
	res.Residual = math.Sqrt(dot(w, w))
	res.Value = q
	res.Converged = exact || res.Residual <= tau
	if q < -tau {
		res.Verdict = Negative
		res.Vector = u
	}
	return res, nil
}

// fullReorthMax is the largest dimension at which Probe keeps its Lanczos
// basis orthogonal: O(k·n) more work per step, which at n ≤ 256 is less
// than the product itself for any operator worth probing.
const fullReorthMax = 256

// tridiag is the symmetric tridiagonal matrix T_k of a Lanczos run:
// diagonal alpha[0..k−1], off-diagonal beta[0..k−2]; beta[k−1] couples to
// the next, not yet computed, vector.
type tridiag struct {
	alpha, beta []float64
	// alpha0 and corr record the two parts of each alpha, for the replay.
	alpha0, corr []float64
}

func (t *tridiag) k() int { return len(t.alpha) }

// count returns the number of eigenvalues of T_k below s, by the Sturm
// sequence of the LDLᵀ factorisation of T_k − s·I.
func (t *tridiag) count(s float64) int {
	k := t.k()
	if k == 0 {
		return 0
	}
	const pivmin = 1e-300
	n := 0
	q := t.alpha[0] - s
	for j := 0; ; j++ {
		if math.Abs(q) < pivmin {
			q = -pivmin
		}
		if q < 0 {
			n++
		}
		if j == k-1 {
			return n
		}
		b := t.beta[j]
		q = t.alpha[j+1] - s - b*b/q
	}
}

// eigenvalue returns the i-th smallest eigenvalue of T_k by bisection on
// the Gershgorin interval.
func (t *tridiag) eigenvalue(i int) float64 {
	k := t.k()
	lo, hi := math.Inf(1), math.Inf(-1)
	for j := 0; j < k; j++ {
		r := 0.0
		if j > 0 {
			r += math.Abs(t.beta[j-1])
		}
		if j < k-1 {
			r += math.Abs(t.beta[j])
		}
		lo = math.Min(lo, t.alpha[j]-r)
		hi = math.Max(hi, t.alpha[j]+r)
	}
	// Bisect to a few units of rounding of the spectrum's span: the
	// accuracy of the Ritz values themselves.
	stop := 4 * 0x1p-52 * math.Max(math.Abs(lo), math.Abs(hi))
	for it := 0; it < 200 && hi-lo > stop; it++ {
		mid := lo + 0.5*(hi-lo)
		if mid <= lo || mid >= hi {
			break
		}
		if t.count(mid) > i {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo + 0.5*(hi-lo)
}

// ritz returns the unit eigenvector y of T_k for its extreme eigenvalue
// theta (the smallest when low, else the largest) by inverse iteration, and
// the residual estimate |beta·y_k| of the Ritz pair. The shift is moved just
// outside the spectrum so that T_k − σI is definite and the elimination
// without pivoting is stable.
func (t *tridiag) ritz(theta, beta float64, low bool) ([]float64, float64) {
	k := t.k()
	span := math.Abs(theta)
	for _, a := range t.alpha {
		span = math.Max(span, math.Abs(a))
	}
	shift := 1e-10*span + 1e-300
	sigma := theta - shift
	if !low {
		sigma = theta + shift
	}
	y := make([]float64, k)
	for i := range y {
		y[i] = 1
	}
	d := make([]float64, k)
	for it := 0; it < 3; it++ {
		// Solve (T − σI)·z = y in place (Thomas algorithm).
		d[0] = t.alpha[0] - sigma
		for j := 1; j < k; j++ {
			m := t.beta[j-1] / d[j-1]
			d[j] = t.alpha[j] - sigma - m*t.beta[j-1]
			y[j] -= m * y[j-1]
		}
		y[k-1] /= d[k-1]
		for j := k - 2; j >= 0; j-- {
			y[j] = (y[j] - t.beta[j]*y[j+1]) / d[j]
		}
		if !normalize(y) {
			for i := range y {
				y[i] = 0
			}
			y[0] = 1
			break
		}
	}
	return y, math.Abs(beta * y[k-1])
}

func normalizeGaussian(v []float64, rng *rand.Rand) bool {
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return normalize(v)
}

func dot(a, b []float64) float64 {
	return blas64.Dot(blas64.Vector{N: len(a), Inc: 1, Data: a}, blas64.Vector{N: len(b), Inc: 1, Data: b})
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
