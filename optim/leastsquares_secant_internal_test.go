package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// TestSecantModelStep checks the trust-region step of the augmented model
// against the optimality conditions of min gᵀp + ½pᵀBp, ‖Dp‖ ≤ Δ:
// (B + λD²)p = −g with λ ≥ 0, B + λD² positive semidefinite, and
// ‖Dp‖ = Δ (to 10%) when λ > 0; for positive definite and indefinite B,
// regions that contain the Newton step and regions that do not.
func TestSecantModelStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 5
	for trial := 0; trial < 40; trial++ {
		a := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				a.Set(i, j, rng.NormFloat64())
			}
		}
		m := newSecantModel(n)
		m.b.SymOuterK(1, a)
		if trial%2 == 1 { // indefinite
			for i := 0; i < n; i++ {
				m.b.SetSym(i, i, m.b.At(i, i)-3)
			}
		}
		g, d := make([]float64, n), make([]float64, n)
		for i := range g {
			g[i] = rng.NormFloat64()
			d[i] = 0.5 + rng.Float64()
		}
		delta := math.Pow(10, rng.Float64()*3-2)
		p := make([]float64, n)
		lam, ok := m.step(g, d, delta, p)
		if !ok {
			t.Fatalf("trial %d: eigendecomposition failed", trial)
		}
		dp := make([]float64, n)
		for i := range dp {
			dp[i] = d[i] * p[i]
		}
		dn := floats.Norm(dp, 2)
		if lam < 0 || dn > 1.1*delta || lam > 0 && dn < 0.9*delta {
			t.Errorf("trial %d: λ = %g, ‖Dp‖ = %g, Δ = %g", trial, lam, dn, delta)
		}
		// (B + λD²)p + g = 0.
		res := make([]float64, n)
		mat.NewVecDense(n, res).MulVec(m.b, mat.NewVecDense(n, p))
		for i := range res {
			res[i] += lam*d[i]*d[i]*p[i] + g[i]
		}
		if e := floats.Norm(res, 2); e > 1e-8*(1+floats.Norm(g, 2)) {
			t.Errorf("trial %d: ‖(B + λD²)p + g‖ = %g", trial, e)
		}
		// B + λD² is positive semidefinite.
		shifted := mat.NewSymDense(n, nil)
		shifted.CopySym(m.b)
		for i := 0; i < n; i++ {
			shifted.SetSym(i, i, shifted.At(i, i)+lam*d[i]*d[i])
		}
		var eig mat.EigenSym
		eig.Factorize(shifted, false)
		if v := eig.Values(nil); v[0] < -1e-9*math.Abs(v[n-1]) {
			t.Errorf("trial %d: B + λD² has eigenvalue %g", trial, v[0])
		}
	}
}

// TestSecantModelUpdate checks the structured secant condition S₊s = y#
// and the symmetry of S after a sequence of updates.
func TestSecantModelUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 4
	m := newSecantModel(n)
	for k := 0; k < 10; k++ {
		s, y, ys := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range s {
			s[i] = rng.NormFloat64()
			y[i] = s[i] + 0.1*rng.NormFloat64() // yᵀs > 0
			ys[i] = rng.NormFloat64()
		}
		m.update(s, y, ys)
		got := make([]float64, n)
		mat.NewVecDense(n, got).MulVec(m.s, mat.NewVecDense(n, s))
		for i := range got {
			if math.Abs(got[i]-ys[i]) > 1e-10*(1+math.Abs(ys[i])) {
				t.Fatalf("update %d: (S·s)[%d] = %v, y# = %v", k, i, got[i], ys[i])
			}
		}
	}
}
