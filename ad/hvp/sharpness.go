package hvp

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Sharpness estimates the sharpness λ_max, the largest eigenvalue of the
// Hessian, again and again along a sequence of nearby points, as during
// training: each estimate is a short Lanczos run started from the previous
// estimate's eigenvector, which at a nearby point is already close, so a
// few products refine it. The run is the plain three-term recurrence,
// O(n) flops a step besides the product, stopped as soon as the top Ritz
// value's estimated error meets the tolerance (see SharpnessEstimate); over so few steps the loss of
// orthogonality of plain Lanczos does not disturb the top Ritz value. Gradient descent with learning rate η is stable
// on the local quadratic model only while λ_max < 2/η; full-batch gradient
// descent on a network typically drives λ_max up to about 2/η and keeps it
// there, the "edge of stability" (Cohen, Kaur, Li, Kolter & Talwalkar,
// ICLR 2021). Sharpness is how to watch that.
//
// The zero value is ready to use: 1e-3 relative accuracy, at most 20
// products per estimate. A Sharpness holds the last eigenvector, n
// float64s; it is not safe for concurrent use. To use it from
// optim.Minimize, call At from Settings.Callback every k iterations:
//
//	var sh hvp.Sharpness
//	settings.Callback = func(it optim.Iteration) bool {
//		if it.Iter%k == 0 {
//			est, err := sh.At(obj, it.X) // obj: the objective being minimised
//			...                          // record est.Value against 2/η
//		}
//		return false
//	}
//
// For a network trained by nn.Fit, nn.SharpnessMonitor wraps it.
type Sharpness struct {
	// Tol is the relative accuracy asked of each estimate: a run stops
	// when SharpnessEstimate.Error ≤ Tol·|Value|. If Tol is 0, it is
	// defaulted to 1e-3.
	Tol float64

	// MaxHVPs caps the products per estimate; the estimate is then a lower
	// bound on λ_max with Converged false. If MaxHVPs is 0, it is
	// defaulted to 20.
	MaxHVPs int

	// Seed seeds the random start vector of the first estimate.
	Seed uint64

	last []float64 // the last eigenvector, for the warm start
}

// SharpnessEstimate is one estimate of λ_max by Sharpness.
type SharpnessEstimate struct {
	// Value is the estimate of λ_max (a Ritz value: never above λ_max).
	Value float64
	// Residual is ‖H·u − Value·u‖₂ for the unit vector u found: an
	// eigenvalue lies within Residual of Value (a bound).
	Residual float64
	// Error is the estimate of |λ_max − Value| that the stopping rule
	// uses: min(Residual, Residual²/gap), with gap the distance from Value
	// to the next Ritz value (Parlett, The Symmetric Eigenvalue Problem,
	// §11.7). It is an estimate, not a bound: the next Ritz value lies
	// below the next eigenvalue, so the true gap can be smaller.
	Error float64
	// HVPs is the number of products used.
	HVPs int
	// Converged reports whether Error met the tolerance.
	Converged bool
}

// Estimate returns the estimate of λ_max of op, warm-started from the
// previous estimate's eigenvector when its dimension matches. Cost: at most
// MaxHVPs products (a handful when the point moved little) and O(MaxHVPs·n)
// flops. It returns ErrNonFinite as Lanczos does, and then forgets the warm
// start.
func (s *Sharpness) Estimate(op Operator) (SharpnessEstimate, error) {
	if op == nil {
		panic("hvp: Sharpness.Estimate: nil Operator")
	}
	switch {
	case s.Tol < 0 || math.IsNaN(s.Tol) || math.IsInf(s.Tol, 0):
		panic(fmt.Sprintf("hvp: Sharpness: Tol = %v, want a finite value ≥ 0", s.Tol))
	case s.MaxHVPs < 0:
		panic(fmt.Sprintf("hvp: Sharpness: MaxHVPs = %d < 0", s.MaxHVPs))
	}
	tol, budget := s.Tol, s.MaxHVPs
	if tol == 0 {
		tol = 1e-3
	}
	if budget == 0 {
		budget = 20
	}
	n := op.Dim()
	if n < 1 {
		panic(fmt.Sprintf("hvp: Sharpness.Estimate: operator dimension %d < 1", n))
	}
	if !finitePoint(op) {
		s.last = nil
		return SharpnessEstimate{}, ErrNonFinite
	}
	l := newTridiag(op, n, min(n, budget), false, true)
	if v0 := l.v(0); len(s.last) == n {
		copy(v0, s.last)
	} else {
		rng := rand.New(rand.NewPCG(s.Seed, 0x736861727000)) // stream: "sharp"
		for i := range v0 {
			v0[i] = rng.NormFloat64()
		}
	}
	converged := func(alpha, beta []float64, b float64) (theta float64, y []float64, resid, errEst float64, ok bool) {
		vals, vecs := tridiagEigen(alpha, beta)
		k := len(vals) - 1
		y = mat.Col(nil, k, vecs)
		resid = b * math.Abs(y[len(y)-1])
		errEst = resid
		if k > 0 {
			if gap := vals[k] - vals[k-1]; gap > 0 {
				errEst = math.Min(resid, resid*resid/gap)
			}
		}
		return vals[k], y, resid, errEst, errEst <= tol*math.Abs(vals[k])
	}
	l.stop = func(alpha, beta []float64, b float64) bool {
		_, _, _, _, ok := converged(alpha, beta, b)
		return ok
	}
	alpha, beta, ok := l.run()
	if !ok {
		s.last = nil
		return SharpnessEstimate{HVPs: len(alpha)}, ErrNonFinite
	}
	b := l.lastB
	if len(alpha) == n || b <= 1e-12*math.Abs(alpha[0]) {
		b = 0 // the Krylov space is invariant: the Ritz pairs are exact
	}
	theta, y, resid, errEst, conv := converged(alpha, beta, b)
	u := make([]float64, n)
	for i, yi := range y {
		axpy(yi, l.v(i), u)
	}
	scaleVec(1/math.Sqrt(dot(u, u)), u)
	s.last = u
	return SharpnessEstimate{Value: theta, Residual: resid, Error: errEst, HVPs: len(alpha), Converged: conv}, nil
}

// tridiagEigen returns the ascending eigenvalues and the eigenvectors (as
// columns) of the symmetric tridiagonal matrix with diagonal alpha and
// off-diagonal beta.
func tridiagEigen(alpha, beta []float64) ([]float64, *mat.Dense) {
	m := len(alpha)
	t := mat.NewSymDense(m, nil)
	for i := 0; i < m; i++ {
		t.SetSym(i, i, alpha[i])
		if i+1 < m {
			t.SetSym(i, i+1, beta[i])
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(t, true) {
		panic("hvp: mat.EigenSym did not converge on a tridiagonal matrix")
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	return eig.Values(nil), &vecs
}

// At is Estimate on the Hessian of the objective fn at x (Linearize(fn, x)):
// the form to call from an optimizer's callback.
func (s *Sharpness) At(fn Function, x []float64) (SharpnessEstimate, error) {
	return s.Estimate(Linearize(fn, x))
}
