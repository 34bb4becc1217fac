package hvp

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/internal/krylov"
)

// Kind is the result of the second-derivative test: the sign pattern of
// the Hessian's eigenvalues at a point.
type Kind int

const (
	// Inconclusive means that an eigenvalue lies within the tolerance of 0
	// and all the others have one sign (H is semidefinite and numerically
	// singular), so second derivatives cannot decide; higher-order terms
	// do. It is also the answer when Lanczos did not converge and the
	// Ritz values do not already prove a saddle.
	Inconclusive Kind = iota
	// Minimum means that every eigenvalue is above the tolerance (H
	// positive definite): at a critical point, a strict local minimum.
	Minimum
	// Maximum means that every eigenvalue is below minus the tolerance (H
	// negative definite): at a critical point, a strict local maximum.
	Maximum
	// Saddle means that some eigenvalue is above the tolerance and some
	// below minus the tolerance (H indefinite): at a critical point, a
	// saddle point, where f decreases along the eigenvectors of negative
	// eigenvalues.
	Saddle
	// NotFinite means that f, the gradient or the Hessian is NaN or Inf at
	// the point: nothing could be classified.
	NotFinite
)

// String returns the name of k in lower case ("saddle").
func (k Kind) String() string {
	switch k {
	case Inconclusive:
		return "inconclusive"
	case Minimum:
		return "minimum"
	case Maximum:
		return "maximum"
	case Saddle:
		return "saddle"
	case NotFinite:
		return "not finite"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ClassifySettings configures Classify. A nil *ClassifySettings, like the
// zero value, uses every default.
type ClassifySettings struct {
	// GradTol is the critical-point test: x is critical when
	// ‖∇f(x)‖∞ ≤ GradTol (an absolute tolerance, in units of f per unit of
	// x, the same test as a minimiser's gradient tolerance). If GradTol is
	// 0, it is defaulted to 1e-6.
	GradTol float64

	// RelTol and AbsTol set the eigenvalue tolerance tol; an eigenvalue
	// with |λ| ≤ tol counts as zero. By default (RelTol = 0) it is the
	// threshold of ε-second-order stationarity with ε = GradTol,
	//	tol = max(√(ρ·GradTol), 1e-8·‖H‖₂, AbsTol),
	// with ρ the Lipschitz constant of the Hessian estimated at x by the
	// difference of two HVPs at x ± h·v along a random unit v (the third
	// derivative along v). At a point that is critical to GradTol, negative
	// curvature shallower than √(ρ·GradTol) cannot be told from the cubic
	// terms of f and is not a descent direction a second-order method can
	// exploit at that accuracy (Nesterov & Polyak 2006); the rule is
	// invariant under rescaling f or x, and on a quadratic (ρ = 0) it
	// reduces to the resolution floor 1e-8·‖H‖₂, which absorbs the
	// rounding of an exact AD Hessian (about 1e-16·‖H‖) and the Lanczos
	// error with room to spare. Package optim decides negative curvature
	// by the same rule. A positive RelTol replaces the rule by the purely
	// relative tol = max(RelTol·‖H‖₂, AbsTol). The absolute floor decides
	// when H itself is negligible (H = 0 for an affine f gives
	// Inconclusive); if AbsTol is 0, it is defaulted to 1e-12 (set a tiny
	// positive AbsTol to disable the floor in practice).
	RelTol, AbsTol float64

	// DenseMax is the largest n for which the Hessian is formed (n HVPs,
	// n² memory) and fully diagonalised with mat.EigenSym, giving every
	// eigenvalue. Above it only the two extreme eigenpairs are computed by
	// Lanczos, which is enough for the classification. If DenseMax is 0,
	// it is defaulted to 200; a negative DenseMax means Lanczos for every
	// n.
	DenseMax int

	// Lanczos configures the Lanczos path; nil means defaults. K and Which
	// are ignored (the run is over both ends, one pair each). If its Tol is
	// 0, it is defaulted to RelTol/10 here (1e-9 when RelTol is 0), so that
	// the eigenvalue error bound Tol·‖H‖ is well inside the zero band.
	Lanczos *LanczosSettings
}

// Classification is the result of Classify at a point x.
type Classification struct {
	// Kind is the sign pattern of the Hessian's eigenvalues. It names the
	// kind of critical point only when Critical is true; at a
	// non-critical point it describes the curvature alone (the shape of
	// the quadratic model).
	Kind Kind

	// Critical reports whether x is a critical point: ‖∇f(x)‖∞ ≤ GradTol.
	Critical bool

	// Value is f(x) and Grad is ∇f(x).
	Value float64
	Grad  []float64

	// GradNormInf and GradNorm2 are ‖∇f(x)‖∞ and ‖∇f(x)‖₂.
	GradNormInf, GradNorm2 float64

	// MinEigenvalue and MaxEigenvalue are λ_min and λ_max of ∇²f(x).
	MinEigenvalue, MaxEigenvalue float64

	// Eigenvalues holds every eigenvalue, ascending, when the dense path
	// was taken; it is nil on the Lanczos path.
	Eigenvalues []float64

	// Escape is set when λ_min < −Tol (for a Saddle or a Maximum): the unit
	// eigenvector u of λ_min, signed so that ∇f(x)ᵀu ≤ 0. Then
	// f(x + t·u) = f(x) + t·∇fᵀu + ½t²·λ_min + O(t³) decreases, to second
	// order, for every small t > 0. When ∇fᵀu = 0 (as at an exact critical
	// point) both signs lower f equally and the sign is fixed by making
	// the largest-magnitude component (the first, on ties) positive. Nil
	// otherwise.
	Escape []float64

	// Tol is the eigenvalue tolerance that was used (see ClassifySettings).
	Tol float64

	// Rho is the estimate of the Hessian's Lipschitz constant behind the
	// default Tol (0 when a positive RelTol was given).
	Rho float64

	// Dense reports whether the dense path (mat.EigenSym) was taken.
	Dense bool

	// HVPs is the number of Hessian-vector products used.
	HVPs int

	// Converged is false only when Lanczos stopped at its budget before
	// converging, or, on the Lanczos path, when the budget ran out before a
	// Minimum or Maximum could be confirmed for the whole spectrum (see
	// Classify); the Kind is then Saddle if the Ritz values already prove
	// it (they bound λ_min from above and λ_max from below), else
	// Inconclusive.
	Converged bool
}

// Classify applies the second-derivative test at the point p (At(f, x) for
// an ad.Func, AtN, Objective.At, Linearize for an optimizer's objective,
// or a network's loss from package nn): it reads f(x), the gradient and its
// norms, computes the extreme eigenvalues of the Hessian, and reports the
// Kind (see the constants), whether x is a critical point, and for
// negative curvature the escape direction.
//
// For n ≤ DenseMax (default 200) it forms the Hessian (Hessian: n HVPs)
// and diagonalises it with mat.EigenSym, O(n³); above, it runs Lanczos over
// both ends of the spectrum (ExtremeEigenvalues: typically tens to hundreds
// of HVPs, memory O(n)). The test (Goodfellow, Bengio & Courville, Deep
// Learning §4.3; Nocedal & Wright Thm 2.3–2.4), with tol as documented in
// ClassifySettings:
//
//	Minimum       λ_min > tol
//	Maximum       λ_max < −tol
//	Saddle        λ_min < −tol and λ_max > tol
//	Inconclusive  otherwise: an extreme eigenvalue within tol of 0, the
//	              rest of one sign
//
// At the minimum of the seed loss (1 − w₁w₂)² at (1, 1) the Hessian is
// [[2, 2], [2, 2]] with eigenvalues 0 and 4: the zero eigenvalue is the
// direction along the valley w₁w₂ = 1 of equal minima, and Classify reports
// Inconclusive (not Minimum), because second derivatives alone cannot tell
// a valley of minima from a degenerate saddle.
//
// On the Lanczos path a Minimum or Maximum verdict needs more than a
// converged Ritz value, which lies within its residual of some eigenvalue
// but not necessarily of the extreme one: it is confirmed by the
// probabilistic certificate of Kuczyński & Woźniakowski (1992) on the
// shifted Hessian (at most about √(‖H‖/(|θ| − tol))·log(√n·10⁴) more
// HVPs, failure probability 10⁻⁴), and is Inconclusive, with Converged
// false, when the budget (Lanczos.MaxHVPs, default 5000) does not suffice.
//
// The default eigenvalue tolerance is the ε-second-order-stationarity
// threshold max(√(ρ·GradTol), 1e-8·‖H‖₂) (see ClassifySettings.RelTol),
// which costs two more HVPs for the estimate of ρ. On a trained network, a
// λ_min of −2e-7 beside λ_max = 1.7e-3 at a point critical to 1e-6 is
// curvature at the level of the third-order terms, and Classify reports
// Inconclusive there rather than Saddle; the saddle (0, 0) of the seed
// loss, with λ = ±2, stays a Saddle. The estimate needs products at
// points near x, which a *Point provides (HessVecAt); for another
// SecondOrder, ρ is taken as 0 and the tolerance is the resolution floor
// 1e-8·‖H‖₂.
//
// Classify panics if p.Dim() < 1 or a setting is negative or NaN. NaN or
// Inf in f, the gradient or the Hessian gives the Kind NotFinite, with
// MinEigenvalue and MaxEigenvalue NaN.
func Classify(p SecondOrder, settings *ClassifySettings) Classification {
	if p == nil {
		panic("hvp: Classify: nil SecondOrder")
	}
	n := p.Dim()
	if n < 1 {
		panic(fmt.Sprintf("hvp: Classify: dimension %d < 1", n))
	}
	var s ClassifySettings
	if settings != nil {
		s = *settings
	}
	for _, t := range []struct {
		name string
		v    float64
	}{{"GradTol", s.GradTol}, {"RelTol", s.RelTol}, {"AbsTol", s.AbsTol}} {
		if t.v < 0 || math.IsNaN(t.v) || math.IsInf(t.v, 0) {
			panic(fmt.Sprintf("hvp: Classify: %s = %v, want a finite value ≥ 0", t.name, t.v))
		}
	}
	relTol := s.RelTol // 0: the ε-SOSP rule
	if s.GradTol == 0 {
		s.GradTol = 1e-6
	}
	if s.RelTol == 0 {
		s.RelTol = krylov.CurvatureFloor
	}
	if s.AbsTol == 0 {
		s.AbsTol = 1e-12
	}
	if s.DenseMax == 0 {
		s.DenseMax = 200
	}

	c := Classification{Value: p.Value(), Grad: p.Grad(nil), Converged: true,
		MinEigenvalue: math.NaN(), MaxEigenvalue: math.NaN()}
	for _, g := range c.Grad {
		c.GradNormInf = math.Max(c.GradNormInf, math.Abs(g))
	}
	c.GradNorm2 = mat.Norm(mat.NewVecDense(n, c.Grad), 2)
	if !finite(c.Value) || !finite(c.GradNorm2) || !finite(c.GradNormInf) {
		c.Kind = NotFinite
		return c
	}
	c.Critical = c.GradNormInf <= s.GradTol

	var minVec []float64
	if n <= s.DenseMax {
		c.Dense = true
		h := Dense(p)
		c.HVPs = n
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				if !finite(h.At(i, j)) {
					c.Kind = NotFinite
					return c
				}
			}
		}
		var eig mat.EigenSym
		if !eig.Factorize(h, true) {
			// EigenSym fails only on non-convergence of the QR iteration,
			// which does not happen for a finite symmetric matrix.
			panic("hvp: Classify: mat.EigenSym did not converge")
		}
		c.Eigenvalues = eig.Values(nil)
		var vecs mat.Dense
		eig.VectorsTo(&vecs)
		minVec = mat.Col(nil, 0, &vecs)
		c.MinEigenvalue, c.MaxEigenvalue = c.Eigenvalues[0], c.Eigenvalues[n-1]
	} else {
		var ls LanczosSettings
		if s.Lanczos != nil {
			ls = *s.Lanczos
		}
		if ls.Tol == 0 {
			ls.Tol = s.RelTol / 10
		}
		e, err := ExtremeEigenvalues(p, &ls)
		c.HVPs = e.HVPs
		if err != nil {
			c.Kind = NotFinite
			return c
		}
		c.Converged = e.Converged
		c.MinEigenvalue, c.MaxEigenvalue = e.Min, e.Max
		minVec = e.MinVector
	}

	scale := math.Max(math.Abs(c.MinEigenvalue), math.Abs(c.MaxEigenvalue))
	if relTol > 0 {
		c.Tol = math.Max(relTol*scale, s.AbsTol)
	} else {
		rho := 0.0
		if q, ok := p.(*Point); ok && q.canMove() {
			rho = krylov.EstimateLipschitz(func(y, v, hv []float64) { q.HessVecAt(y, v, hv) }, q.X(), seedOf(s.Lanczos))
			c.HVPs += 2
		}
		if !finite(rho) {
			c.Kind = NotFinite
			return c
		}
		c.Rho = rho
		c.Tol = math.Max(krylov.NegligibleCurvature(s.GradTol, rho, scale), s.AbsTol)
	}
	switch lo, hi := c.MinEigenvalue, c.MaxEigenvalue; {
	case lo < -c.Tol && hi > c.Tol:
		c.Kind = Saddle // proven even by unconverged Ritz values
	case !c.Converged:
		c.Kind = Inconclusive
	case lo > c.Tol:
		c.Kind = Minimum
	case hi < -c.Tol:
		c.Kind = Maximum
	default:
		c.Kind = Inconclusive
	}
	if !c.Dense && (c.Kind == Minimum || c.Kind == Maximum) {
		// A converged Ritz value is within its residual of some
		// eigenvalue, not necessarily of the extreme one: a definite
		// verdict needs a bound on the whole spectrum.
		minVec = certifyDefinite(p, &c, minVec, s.Lanczos)
	}
	if c.MinEigenvalue < -c.Tol {
		c.Escape = orientDescent(minVec, c.Grad)
	}
	return c
}

// certifyDefinite confirms a Minimum (λ_min > Tol) or Maximum (λ_max <
// −Tol) verdict of the Lanczos path with krylov.Probe on the shifted
// operator s·(H − θI), s = ±1 and θ the extreme Ritz value, asking whether
// it has an eigenvalue below −(|θ| − Tol). If the probe establishes there is
// none, the verdict stands; if it finds one, the spectrum reaches past θ
// and the verdict is redrawn from the eigenvalue found (Saddle or
// Inconclusive); if its budget runs out, the Kind is Inconclusive and
// Converged false. It returns the eigenvector for λ_min.
func certifyDefinite(p SecondOrder, c *Classification, minVec []float64, ls *LanczosSettings) []float64 {
	sign, theta := 1.0, c.MinEigenvalue
	if c.Kind == Maximum {
		sign, theta = -1, c.MaxEigenvalue
	}
	n := len(c.Grad)
	op := func(v, hv []float64) {
		p.Apply(v, hv)
		for i := range hv {
			hv[i] = sign * (hv[i] - theta*v[i])
		}
	}
	var ps krylov.ProbeSettings
	ps.AbsTol = math.Abs(theta) - c.Tol
	if ls != nil {
		ps.MaxOps, ps.Seed = ls.MaxHVPs, ls.Seed
	}
	r, err := krylov.Probe(op, n, &ps)
	c.HVPs += r.Ops
	switch {
	case err != nil:
		c.Kind = NotFinite
	case r.Verdict == krylov.NonNegative:
	case r.Verdict == krylov.Negative:
		lam := theta + sign*r.Value
		if c.Kind == Minimum {
			c.MinEigenvalue, minVec = lam, r.Vector
			c.Kind = Inconclusive
			if lam < -c.Tol {
				c.Kind = Saddle
			}
		} else {
			c.MaxEigenvalue = lam
			c.Kind = Inconclusive
			if lam > c.Tol {
				c.Kind = Saddle
			}
		}
	default:
		c.Kind, c.Converged = Inconclusive, false
	}
	return minVec
}

func seedOf(s *LanczosSettings) uint64 {
	if s == nil {
		return 0
	}
	return s.Seed
}

// orientDescent returns u (owned by the caller) signed so that gᵀu ≤ 0,
// or, when gᵀu = 0, so that its largest-magnitude component is positive.
func orientDescent(u, g []float64) []float64 {
	gu := dot(g, u)
	flip := gu > 0
	if gu == 0 {
		big := 0
		for i := range u {
			if math.Abs(u[i]) > math.Abs(u[big]) {
				big = i
			}
		}
		flip = u[big] < 0
	}
	if flip {
		for i := range u {
			u[i] = -u[i]
		}
	}
	return u
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
