package hvp

import (
	"errors"
	"fmt"
	"math"

	"github.com/curvature-go/curvature/internal/krylov"
)

// ErrNonFinite is returned (or, for Classify, reported as the Kind
// NotFinite) when f, its gradient or a Hessian-vector product is NaN or
// ±Inf.
var ErrNonFinite = errors.New("hvp: NaN or Inf in f, its gradient or a Hessian-vector product")

// Which selects the end or ends of the spectrum that Lanczos computes. It
// is the type package optim's saddle escape uses too.
type Which = krylov.Which

const (
	// Smallest asks for the K algebraically smallest eigenvalues (the most
	// negative curvature first).
	Smallest = krylov.Smallest
	// Largest asks for the K algebraically largest eigenvalues.
	Largest = krylov.Largest
	// BothEnds asks for the K smallest and the K largest eigenvalues.
	BothEnds = krylov.BothEnds
)

// LanczosSettings configures Lanczos. A nil *LanczosSettings, like the
// zero value, asks for the single smallest eigenpair with the default
// tolerance and budgets.
type LanczosSettings struct {
	// K is the number of eigenpairs wanted at each requested end of the
	// spectrum. If K is 0, it is defaulted to 1. The total wanted (K, or
	// 2K for BothEnds) is capped at the dimension n.
	K int

	// Which selects the end(s) of the spectrum; the zero value is Smallest.
	Which Which

	// Tol is the stopping rule: a Ritz pair (θ, u) is converged when its
	// residual ‖H·u − θ·u‖₂ ≤ Tol·‖H‖₂, with ‖H‖₂ estimated by the largest
	// |θ| seen. Because H is symmetric an eigenvalue then lies within
	// Tol·‖H‖₂ of θ (and typically within (Tol·‖H‖₂)²/gap, where gap is
	// the distance to the rest of the spectrum). The run stops when every
	// wanted pair is converged, or when the Krylov space is invariant (the
	// Ritz values are then exact), or when MaxHVPs is reached. If Tol is 0,
	// it is defaulted to 1e-8.
	Tol float64

	// MaxBasis caps the number of Krylov vectors held at once; when the
	// basis is full the method restarts, keeping the wanted Ritz vectors
	// and about half of the basis. Memory is about (MaxBasis+K_total+1)·n
	// float64s, where K_total is the number of wanted pairs. If MaxBasis
	// is 0, it is defaulted to min(n, max(20, 2·K_total+10)); an explicit
	// value below min(n, K_total+2) panics. Lower it (to K_total+2 at
	// least) to save memory at very large n, at the price of more HVPs.
	MaxBasis int

	// MaxHVPs caps the number of Hessian-vector products. When it is
	// reached, the current estimates are returned with Converged false. If
	// MaxHVPs is 0, it is defaulted to max(1000, 20·MaxBasis).
	MaxHVPs int

	// Seed seeds the pseudo-random start vector, so runs are reproducible.
	Seed uint64

	// Start, if not nil, is the start vector instead of a random one. It
	// must have length n and be finite and nonzero; it is neither modified
	// nor retained.
	Start []float64
}

// LanczosResult holds the eigenpairs computed by Lanczos.
type LanczosResult struct {
	// Values are the computed eigenvalues (Ritz values), ascending. For
	// BothEnds the K smallest come first, then the K largest.
	Values []float64
	// Vectors[i] is the unit-norm eigenvector estimate for Values[i].
	Vectors [][]float64
	// Residuals[i] is the residual norm ‖H·u − θ·u‖₂ of the pair i, as
	// estimated by the Lanczos recurrence; Values[i] lies within
	// Residuals[i] of an eigenvalue of H.
	Residuals []float64
	// HVPs is the number of Hessian-vector products used.
	HVPs int
	// Restarts is the number of thick restarts.
	Restarts int
	// Converged reports whether every wanted pair met the stopping rule.
	// When it is false the values are still Ritz values: the smallest is an
	// upper bound on λ_min and the largest a lower bound on λ_max.
	Converged bool
}

// Lanczos computes the K smallest and/or largest eigenvalues of the
// symmetric operator op, with unit eigenvectors, from products alone: the
// thick-restart Lanczos method with full reorthogonalisation (Lanczos 1950;
// Wu & Simon, SIAM J. Matrix Anal. Appl. 22, 2000; Golub & Van Loan §10.1).
// The stopping rule is LanczosSettings.Tol.
//
// Cost: one op.HessVec per step plus O(MaxBasis·n) flops to
// reorthogonalise; memory O(MaxBasis·n), that is O(K·n) at the default
// basis size, and never an n×n matrix. Extreme eigenvalues that are well
// separated from the rest converge in tens of products; one inside a tight
// cluster needs many more. A single start vector sees one copy of a
// repeated eigenvalue.
//
// To find the top k eigenpairs of a model's Hessian (as PyHessian's
// eigenvalues does), ask for K: k and Which: Largest; for the sharpness
// λ_max alone during training, Sharpness reuses its last eigenvector.
//
// Lanczos panics if op.Dim() < 1 or the settings are invalid (negative
// fields, an unknown Which, MaxBasis too small, a bad Start). It returns
// ErrNonFinite if a product is NaN or Inf, or if op is a SecondOrder (such
// as a *Point) whose value or gradient is: the curvature of f where f is
// not finite means nothing, and Classify reports NotFinite there.
func Lanczos(op Operator, settings *LanczosSettings) (LanczosResult, error) {
	if op == nil {
		panic("hvp: Lanczos: nil Operator")
	}
	n := op.Dim()
	ks := krylovSettings("Lanczos", n, settings)
	if !finitePoint(op) {
		return LanczosResult{}, ErrNonFinite
	}
	r, err := krylov.Lanczos(op.Apply, n, &ks)
	if err != nil {
		if errors.Is(err, krylov.ErrNonFinite) {
			return LanczosResult{HVPs: r.Ops}, ErrNonFinite
		}
		return LanczosResult{HVPs: r.Ops}, fmt.Errorf("hvp: Lanczos: %w", err)
	}
	return LanczosResult{
		Values:    r.Values,
		Vectors:   r.Vectors,
		Residuals: r.Residuals,
		HVPs:      r.Ops,
		Restarts:  r.Restarts,
		Converged: r.Converged,
	}, nil
}

// krylovSettings validates s for an operator of dimension n and maps it
// onto krylov.Settings, panicking with an "hvp: op:" message on misuse.
func krylovSettings(op string, n int, s *LanczosSettings) krylov.Settings {
	if n < 1 {
		panic(fmt.Sprintf("hvp: %s: operator dimension %d < 1", op, n))
	}
	var ls LanczosSettings
	if s != nil {
		ls = *s
	}
	switch {
	case ls.K < 0:
		panic(fmt.Sprintf("hvp: %s: K = %d < 0", op, ls.K))
	case ls.Tol < 0 || math.IsNaN(ls.Tol) || math.IsInf(ls.Tol, 0):
		panic(fmt.Sprintf("hvp: %s: Tol = %v, want a finite value ≥ 0", op, ls.Tol))
	case ls.MaxBasis < 0:
		panic(fmt.Sprintf("hvp: %s: MaxBasis = %d < 0", op, ls.MaxBasis))
	case ls.MaxHVPs < 0:
		panic(fmt.Sprintf("hvp: %s: MaxHVPs = %d < 0", op, ls.MaxHVPs))
	case ls.Which < Smallest || ls.Which > BothEnds:
		panic(fmt.Sprintf("hvp: %s: unknown Which %d", op, int(ls.Which)))
	}
	k := max(ls.K, 1)
	total := k
	if ls.Which == BothEnds {
		total = 2 * k
	}
	total = min(total, n)
	if ls.MaxBasis != 0 && ls.MaxBasis < min(n, total+2) {
		panic(fmt.Sprintf("hvp: %s: MaxBasis = %d too small for %d wanted eigenpairs (need at least %d)",
			op, ls.MaxBasis, total, min(n, total+2)))
	}
	if ls.Start != nil {
		if len(ls.Start) != n {
			panic(fmt.Sprintf("hvp: %s: len(Start) = %d for dimension %d", op, len(ls.Start), n))
		}
		zero := true
		for _, v := range ls.Start {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				panic(fmt.Sprintf("hvp: %s: Start contains %v", op, v))
			}
			zero = zero && v == 0
		}
		if zero {
			panic(fmt.Sprintf("hvp: %s: Start is the zero vector", op))
		}
	}
	return krylov.Settings{
		K:        ls.K,
		Which:    ls.Which,
		Tol:      ls.Tol,
		MaxBasis: ls.MaxBasis,
		MaxOps:   ls.MaxHVPs,
		Seed:     ls.Seed,
		Start:    ls.Start,
	}
}

// Extremes holds the smallest and largest eigenvalues of a Hessian, with
// unit eigenvectors, as computed by ExtremeEigenvalues.
type Extremes struct {
	// Min and Max are λ_min and λ_max.
	Min, Max float64
	// MinVector and MaxVector are unit eigenvectors of Min and Max.
	MinVector, MaxVector []float64
	// HVPs is the number of Hessian-vector products used.
	HVPs int
	// Converged reports whether Lanczos met its stopping rule for both
	// ends. When it is false, Min is an upper bound on λ_min and Max a
	// lower bound on λ_max.
	Converged bool
}

// Cond returns the condition number λ_max/λ_min of a positive definite
// Hessian, which sets the linear rate of gradient descent on the local
// quadratic model. It is defined only when H is positive definite: Cond
// returns +Inf when Min ≤ 0 (H singular or indefinite, or negative
// definite), so a caller can test Cond() < some bound without a separate
// sign check. For an indefinite H the 2-norm condition number
// max|λ|/min|λ| is a different quantity, not computed here.
func (e Extremes) Cond() float64 {
	if !(e.Min > 0) {
		return math.Inf(1)
	}
	return e.Max / e.Min
}

// ExtremeEigenvalues returns λ_min and λ_max of op, with eigenvectors, by
// one Lanczos run over both ends of the spectrum (Which and K of settings
// are ignored; the other fields apply, nil meaning defaults). For n = 1 the
// single eigenvalue is both Min and Max. Cost as Lanczos with two wanted
// pairs.
func ExtremeEigenvalues(op Operator, settings *LanczosSettings) (Extremes, error) {
	var s LanczosSettings
	if settings != nil {
		s = *settings
	}
	s.K, s.Which = 1, BothEnds
	r, err := Lanczos(op, &s)
	if err != nil {
		return Extremes{HVPs: r.HVPs}, err
	}
	last := len(r.Values) - 1
	maxVec := r.Vectors[last]
	if last == 0 {
		maxVec = append([]float64(nil), maxVec...) // not shared with MinVector
	}
	return Extremes{
		Min:       r.Values[0],
		Max:       r.Values[last],
		MinVector: r.Vectors[0],
		MaxVector: maxVec,
		HVPs:      r.HVPs,
		Converged: r.Converged,
	}, nil
}
