package mgh

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/functions"
)

// TestAgainstGonum compares values, gradients and (where gonum has a
// Hessian) Hessian-vector products with the independent implementations in
// gonum's optimize/functions, at X0 and at random points.
//
// Not compared: the extended Rosenbrock for n > 2 (gonum's ExtendedRosenbrock
// is the chained variant Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², not MGH 21), and
// Beale's Hessian (gonum v0.17.0's Beale.Hess disagrees with finite
// differences of its own Beale.Grad off the diagonal, for example at
// (2.427, 0.5457): H₁₂ = 0.8957 against −6.5125).
func TestAgainstGonum(t *testing.T) {
	type fg interface {
		Func(x []float64) float64
		Grad(grad, x []float64)
	}
	type hess interface {
		Hess(dst *mat.SymDense, x []float64)
	}
	ref := map[string]fg{
		"rosenbrock":              functions.ExtendedRosenbrock{},
		"beale":                   functions.Beale{},
		"powell_badly_scaled":     functions.PowellBadlyScaled{},
		"brown_badly_scaled":      functions.BrownBadlyScaled{},
		"wood":                    functions.Wood{},
		"helical_valley":          functions.HelicalValley{},
		"watson_9":                functions.Watson{},
		"trigonometric_10":        functions.Trigonometric{},
		"variably_dimensioned_10": functions.VariablyDimensioned{},
		"penalty_I_10":            functions.PenaltyI{},
		"penalty_II_10":           functions.PenaltyII{},
		"ext_powell_singular_12":  functions.ExtendedPowellSingular{},
		"box_3d":                  functions.Box3D{},
		"gaussian":                functions.Gaussian{},
		"gulf_rd":                 functions.GulfResearchAndDevelopment{},
		"biggs_exp6":              functions.BiggsEXP6{},
		"brown_dennis":            functions.BrownAndDennis{},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var nf, nh int // problems compared, Hessians compared
	for _, p := range Problems() {
		r, ok := ref[p.Name]
		if !ok {
			continue
		}
		nf++
		n := p.Dim()
		g, gr, v, hv := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for _, x := range testPoints(t, p, rng) {
			f := p.Eval(x, g)
			fr := r.Func(x)
			r.Grad(gr, x)
			if math.Abs(f-fr) > 1e-12*math.Abs(fr) {
				t.Errorf("%s: f(%s) = %.17g, gonum %.17g", p.Name, pt(x), f, fr)
			}
			if e := relErr(g, gr); e > 1e-12 {
				t.Errorf("%s: ∇f(%s) differs from gonum's by %.3g relative", p.Name, pt(x), e)
			}
			h, ok := r.(hess)
			if !ok || p.Name == "beale" {
				continue
			}
			H := mat.NewSymDense(n, nil)
			h.Hess(H, x)
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			p.HessVec(x, v, hv)
			var want mat.VecDense
			want.MulVec(H, mat.NewVecDense(n, v))
			if e := relErr(hv, want.RawVector().Data); e > 1e-12 {
				t.Errorf("%s: H·v at %s differs from gonum's Hessian by %.3g relative", p.Name, pt(x), e)
			}
			nh++
		}
	}
	// 17 problems; Hessians for Brown BS, Wood, Watson and Brown–Dennis at
	// 7 points each and Powell BS (no tabulated minimizer) at 4.
	if nf != 17 || nh != 4*7+4 {
		t.Errorf("compared %d problems and %d Hessians, want 17 and 32", nf, nh)
	}
}
