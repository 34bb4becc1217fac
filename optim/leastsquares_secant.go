package optim

import (
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// augmentedMaxN is the largest number of variables for which
// LevenbergMarquardt keeps its augmented model for large residuals: a
// dense n×n matrix, formed in O(mn²) and solved in O(n³) per step.
const augmentedMaxN = 100

// secantModel is the augmented model of the Hessian of ½‖r‖² that
// LevenbergMarquardt uses on large-residual problems: JᵀJ + S, where S
// approximates the second-order term Σ rᵢ∇²rᵢ that Gauss–Newton drops.
// S starts at zero and is updated after each accepted step s by the
// structured secant update of Dennis, Gay and Welsch: with y = ∇f₊ − ∇f
// and y# = (J₊ − J)ᵀr₊, the new S satisfies S₊s = y# (the change of the
// second-order term along s) and is the symmetric matrix nearest the
// sized previous one in the norm weighted by y.
type secantModel struct {
	n int
	s *mat.SymDense // the secant approximation S
	b *mat.SymDense // JᵀJ + S for the current step

	eig    mat.EigenSym
	vecs   mat.Dense
	vals   []float64
	gs, wq []float64
	bs     *mat.SymDense
	ss     []float64
}

func newSecantModel(n int) *secantModel {
	return &secantModel{
		n: n, s: mat.NewSymDense(n, nil), b: mat.NewSymDense(n, nil), bs: mat.NewSymDense(n, nil),
		vals: make([]float64, n), gs: make([]float64, n), wq: make([]float64, n), ss: make([]float64, n),
	}
}

// form sets the model to JᵀJ + S.
func (m *secantModel) form(J *mat.Dense) {
	m.b.SymOuterK(1, J.T())
	m.b.AddSym(m.b, m.s)
}

// sTimes returns sᵀSs.
func (m *secantModel) sTimes(sx []float64) float64 {
	mat.NewVecDense(m.n, m.ss).MulVec(m.s, mat.NewVecDense(m.n, sx))
	return floats.Dot(sx, m.ss)
}

// update applies the sized DGW update for the step sx, the gradient
// change y and the secant target ysharp (all length n); it is skipped when
// yᵀs is not safely positive.
func (m *secantModel) update(sx, y, ysharp []float64) {
	ys := floats.Dot(y, sx)
	if !(ys > 1e-12*floats.Norm(sx, 2)*floats.Norm(y, 2)) {
		return
	}
	// Sizing (NL2SOL): shrink S when it overestimates the curvature along s.
	if sss := m.sTimes(sx); sss != 0 {
		if tau := math.Abs(floats.Dot(sx, ysharp)) / math.Abs(sss); tau < 1 {
			m.s.ScaleSym(tau, m.s)
		}
	}
	mat.NewVecDense(m.n, m.ss).MulVec(m.s, mat.NewVecDense(m.n, sx))
	w := m.wq // y# − S·s
	for i := range w {
		w[i] = ysharp[i] - m.ss[i]
	}
	ws := floats.Dot(w, sx)
	for i := 0; i < m.n; i++ {
		for j := i; j < m.n; j++ {
			d := (w[i]*y[j]+y[i]*w[j])/ys - ws*y[i]*y[j]/(ys*ys)
			m.s.SetSym(i, j, m.s.At(i, j)+d)
		}
	}
}

// step returns the Levenberg–Marquardt parameter λ ≥ 0 and stores in p
// the minimiser of gᵀp + ½pᵀBp subject to ‖D·p‖ ≤ Δ (D = diag(d)), from
// the eigendecomposition of D⁻¹BD⁻¹: λ = 0 when the model's minimiser lies
// inside the region, otherwise the root of the secular equation
// 1/‖D·p(λ)‖ = 1/Δ by a safeguarded Newton iteration (the hard case is
// treated as λ just above −λ_min, a step inside the region). It returns
// false if the decomposition fails.
func (m *secantModel) step(g, d []float64, delta float64, p []float64) (float64, bool) {
	n := m.n
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			m.bs.SetSym(i, j, m.b.At(i, j)/(d[i]*d[j]))
		}
		m.gs[i] = g[i] / d[i]
	}
	if !m.eig.Factorize(m.bs, true) {
		return 0, false
	}
	m.eig.Values(m.vals)
	m.eig.VectorsTo(&m.vecs)
	// c = Vᵀ·gs, the gradient in the eigenbasis (in wq).
	c := m.wq
	mat.NewVecDense(n, c).MulVec(m.vecs.T(), mat.NewVecDense(n, m.gs))
	lmin := m.vals[0] // ascending
	norm := func(lam float64) (float64, float64) {
		// ‖q(λ)‖ and d‖q‖/dλ for q = −(Λ+λ)⁻¹c.
		var q2, dq2 float64
		for i, ci := range c {
			den := m.vals[i] + lam
			q2 += ci * ci / (den * den)
			dq2 -= 2 * ci * ci / (den * den * den)
		}
		qn := math.Sqrt(q2)
		return qn, dq2 / (2 * qn)
	}
	lam := 0.0
	scale := math.Max(math.Abs(m.vals[n-1]), machEps)
	if lmin <= 1e-12*scale {
		lam = -lmin + 1e-12*scale
	}
	if qn, _ := norm(lam); qn > delta {
		// Newton on φ(λ) = 1/‖q(λ)‖ − 1/Δ, increasing in λ and nearly
		// linear; λ stays above the pole at −λ_min.
		for iter := 0; iter < 50; iter++ {
			qn, dq := norm(lam)
			if math.Abs(qn-delta) <= 1e-3*delta {
				break
			}
			// φ is concave and increasing, so Newton's iterates from the
			// left of the root stay there and increase.
			phi := 1/qn - 1/delta
			dphi := -dq / (qn * qn)
			next := lam - phi/dphi
			if !(next > lam) {
				break
			}
			lam = next
		}
	}
	for i, ci := range c {
		m.gs[i] = -ci / (m.vals[i] + lam)
	}
	// Where the iteration stopped short (rounding near the pole), scale the
	// step back onto the region: a step never leaves it.
	if qn := floats.Norm(m.gs, 2); qn > 1.1*delta {
		floats.Scale(delta/qn, m.gs)
	}
	q := mat.NewVecDense(n, p)
	q.MulVec(&m.vecs, mat.NewVecDense(n, m.gs))
	for i := range p {
		p[i] /= d[i]
	}
	return lam, true
}

// quadratic returns gᵀp + ½pᵀBp, the model's change of ½‖r‖² along p.
func (m *secantModel) quadratic(g, p []float64) float64 {
	bp := m.wq
	mat.NewVecDense(m.n, bp).MulVec(m.b, mat.NewVecDense(m.n, p))
	return floats.Dot(g, p) + 0.5*floats.Dot(p, bp)
}
