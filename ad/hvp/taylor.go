package hvp

import (
	"fmt"
	"math"
)

// Model is the second-order Taylor model of f at a point x,
//
//	m(d) = f(x) + gᵀd + ½·dᵀHd,  g = ∇f(x), H = ∇²f(x),
//
// evaluated without forming H: every dᵀHd costs one Hessian-vector product
// at the point
// (Goodfellow, Bengio & Courville, Deep Learning §4.3; Nocedal & Wright
// §2.2). The error f(x+d) − m(d) is O(‖d‖³) for f three times
// differentiable.
//
// A Model is not safe for concurrent use.
type Model struct {
	p   SecondOrder
	g   []float64
	gg  float64   // gᵀg
	gHg float64   // gᵀHg, valid when ok
	hg  []float64 // scratch for H·d
	ok  bool      // gHg computed
}

var _ Operator = (*Model)(nil)

// Taylor returns the quadratic model of the function fixed at p (a *Point
// from At, AtN, Objective.At or Linearize; a model's loss from package nn):
// Taylor(hvp.At(f, x)) is the model of f at x. It copies the gradient; the
// model's methods add products of p as documented. With a Gauss–Newton
// operator for p it is the Gauss–Newton model, the one Hessian-free
// training minimises.
func Taylor(p SecondOrder) *Model {
	if p == nil {
		panic("hvp: Taylor: nil SecondOrder")
	}
	if p.Dim() < 1 {
		panic(fmt.Sprintf("hvp: Taylor: dimension %d < 1", p.Dim()))
	}
	m := &Model{p: p, g: p.Grad(nil), hg: make([]float64, p.Dim())}
	m.gg = dot(m.g, m.g)
	return m
}

// Dim returns the number of parameters.
func (m *Model) Dim() int { return m.p.Dim() }

// Value returns f(x).
func (m *Model) Value() float64 { return m.p.Value() }

// Grad copies g = ∇f(x) into dst (allocated when nil) and returns it.
func (m *Model) Grad(dst []float64) []float64 {
	dst = prepare("Model.Grad", dst, len(m.g))
	copy(dst, m.g)
	return dst
}

// Apply sets dst = H·v (one HVP), so a Model is an Operator and can be
// passed to Lanczos, ExtremeEigenvalues or Trace.
func (m *Model) Apply(v, dst []float64) {
	m.checkLen("Apply", v)
	m.checkLen("Apply", dst)
	m.p.Apply(v, dst)
}

// Curvature returns dᵀHd, the second directional derivative of f along d
// scaled by ‖d‖² (one HVP).
func (m *Model) Curvature(d []float64) float64 {
	m.checkLen("Curvature", d)
	m.p.Apply(d, m.hg)
	return dot(d, m.hg)
}

// Change returns the model's predicted change m(d) − f(x) = gᵀd + ½dᵀHd
// (one HVP). Comparing it with f(x+d) − f(x) avoids the cancellation of
// subtracting two nearby values of f.
func (m *Model) Change(d []float64) float64 {
	m.checkLen("Change", d)
	return dot(m.g, d) + 0.5*m.Curvature(d)
}

// Predict returns the predicted value m(d) = f(x) + gᵀd + ½dᵀHd of
// f(x+d) (one HVP).
func (m *Model) Predict(d []float64) float64 { return m.Value() + m.Change(d) }

// GradCurvature returns gᵀHg, the curvature along the gradient (one HVP on
// the first call, cached).
func (m *Model) GradCurvature() float64 {
	if !m.ok {
		m.gHg = m.Curvature(m.g)
		m.ok = true
	}
	return m.gHg
}

// GradientStep returns the predicted change of a gradient step of
// learning rate ε, m(−εg) − f(x) = −ε·gᵀg + ½ε²·gᵀHg (one HVP on the
// first call of GradientStep, OptimalStep or GradCurvature, then free).
func (m *Model) GradientStep(eps float64) float64 {
	return -eps*m.gg + 0.5*eps*eps*m.GradCurvature()
}

// OptimalStep returns the learning rate ε* = gᵀg / gᵀHg that minimises the
// model along −g, and the predicted change −½(gᵀg)²/gᵀHg it gives (one HVP
// on first use). When gᵀHg ≤ 0 and g ≠ 0 the model decreases without
// bound along −g: OptimalStep returns ε* = +Inf and change −Inf, meaning
// "no finite optimum; the quadratic model is not to be trusted that far"
// (choose the step another way, e.g. a line search). When g = 0 there is
// no gradient step to take: it returns 0, 0.
func (m *Model) OptimalStep() (eps, change float64) {
	if m.gg == 0 {
		return 0, 0
	}
	c := m.GradCurvature()
	if c <= 0 {
		return math.Inf(1), math.Inf(-1)
	}
	return m.gg / c, -0.5 * m.gg * m.gg / c
}

// Extremes returns λ_min and λ_max of H with eigenvectors, by
// ExtremeEigenvalues on the model's recording (settings as there; nil for
// defaults). Extremes.Cond gives the condition number when H is positive
// definite.
func (m *Model) Extremes(settings *LanczosSettings) (Extremes, error) {
	return ExtremeEigenvalues(m, settings)
}

// MaxStableRate returns 2/λ_max, the largest learning rate for which
// gradient descent on the quadratic model does not diverge along the
// eigenvector of λ_max (each step multiplies that component by 1 − ελ_max,
// whose modulus is below 1 exactly when 0 < ε < 2/λ_max), and the Lanczos
// run over the largest end that found λ_max (settings as in Lanczos, K and
// Which ignored; nil for defaults). When λ_max ≤ 0 there is no positive
// curvature to limit the step and it returns +Inf. On error (ErrNonFinite)
// the rate is NaN.
func (m *Model) MaxStableRate(settings *LanczosSettings) (float64, LanczosResult, error) {
	var s LanczosSettings
	if settings != nil {
		s = *settings
	}
	s.K, s.Which = 1, Largest
	r, err := Lanczos(m, &s)
	if err != nil {
		return math.NaN(), r, err
	}
	if lmax := r.Values[len(r.Values)-1]; lmax > 0 {
		return 2 / lmax, r, nil
	}
	return math.Inf(1), r, nil
}

func (m *Model) checkLen(op string, d []float64) {
	if len(d) != len(m.g) {
		panic(fmt.Sprintf("hvp: Model.%s: len(d) = %d for dimension %d", op, len(d), len(m.g)))
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
