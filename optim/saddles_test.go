package optim

import (
	"errors"
	"math"
	"testing"

	"github.com/curvature-go/curvature/optim/mgh"
)

// deepLinear is f(W1, W2) = ½‖W2·W1 − A‖²_F for k×k matrices, x = (W1, W2)
// row-major, A = diag(a). At W = 0 the gradient vanishes and the Hessian,
// (V1, V2) ↦ (−V2ᵀA, −A·V1ᵀ), has eigenvalues ±aᵢ: a strict saddle of a
// two-layer linear network (Baldi & Hornik 1989; Kawaguchi 2016).
type deepLinear struct{ a []float64 }

func (d deepLinear) k() int   { return len(d.a) }
func (d deepLinear) Dim() int { return 2 * d.k() * d.k() }
func (d deepLinear) split(x []float64) (w1, w2 []float64) {
	kk := d.k() * d.k()
	return x[:kk], x[kk:]
}

// mul stores a·b (k×k, row-major) in c; ta and tb transpose a and b.
func mul(k int, a, b []float64, ta, tb bool, c []float64) {
	at := func(m []float64, i, j int, t bool) float64 {
		if t {
			return m[j*k+i]
		}
		return m[i*k+j]
	}
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			var s float64
			for l := 0; l < k; l++ {
				s += at(a, i, l, ta) * at(b, l, j, tb)
			}
			c[i*k+j] = s
		}
	}
}

// residual returns E = W2·W1 − A.
func (d deepLinear) residual(x []float64) []float64 {
	k := d.k()
	w1, w2 := d.split(x)
	e := make([]float64, k*k)
	mul(k, w2, w1, false, false, e)
	for i, a := range d.a {
		e[i*k+i] -= a
	}
	return e
}

func (d deepLinear) Eval(x, grad []float64) float64 {
	k := d.k()
	e := d.residual(x)
	var f float64
	for _, v := range e {
		f += 0.5 * v * v
	}
	if grad != nil {
		w1, w2 := d.split(x)
		g1, g2 := d.split(grad)
		mul(k, w2, e, true, false, g1) // W2ᵀE
		mul(k, e, w1, false, true, g2) // E·W1ᵀ
	}
	return f
}

func (d deepLinear) HessVec(x, v, hv []float64) {
	k := d.k()
	e := d.residual(x)
	w1, w2 := d.split(x)
	v1, v2 := d.split(v)
	h1, h2 := d.split(hv)
	de, t := make([]float64, k*k), make([]float64, k*k)
	mul(k, v2, w1, false, false, de)
	mul(k, w2, v1, false, false, t)
	for i := range de {
		de[i] += t[i]
	}
	mul(k, v2, e, true, false, h1) // V2ᵀE + W2ᵀdE
	mul(k, w2, de, true, false, t)
	for i := range t {
		h1[i] += t[i]
	}
	mul(k, de, w1, false, true, h2) // dE·W1ᵀ + E·V1ᵀ
	mul(k, e, v1, false, true, t)
	for i := range t {
		h2[i] += t[i]
	}
}

// TestSaddlesFoundAtDefaults: the default threshold of negligible curvature
// still finds, at their saddles, the seed loss (λ = −2), the deep-linear
// strict saddle (λ = −3) and the Biggs EXP6 stationary point that local
// methods reach from x0, and SaddleEscape leaves each for a lower f.
func TestSaddlesFoundAtDefaults(t *testing.T) {
	biggs := mgh.BiggsEXP6()
	// The stationary point LBFGS reaches from the standard start.
	bres, err := Minimize(biggs, biggs.X0(), LBFGS{}, &Settings{GradientThreshold: 1e-9})
	if err != nil {
		t.Fatalf("Biggs EXP6 from x0: %v", err)
	}
	dl := deepLinear{a: []float64{3, 2, 1}}
	for _, tc := range []struct {
		name   string
		obj    Objective
		x0     []float64
		lambda float64 // λ_min at x0, NaN if not known in closed form
		fAfter float64 // SaddleEscape must reach f below this
	}{
		{"seed", seedLoss{}, []float64{0, 0}, -2, 1e-12},
		{"deep-linear", dl, make([]float64, dl.Dim()), -3, 1e-12},
		{"biggs-exp6", biggs, bres.X, math.NaN(), bres.F / 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Minimize(tc.obj, tc.x0, LBFGS{}, &Settings{CheckCurvature: true})
			if res.Status != Saddle || !errors.Is(err, ErrSaddle) {
				t.Fatalf("CheckCurvature: status %v, err %v; want Saddle", res.Status, err)
			}
			if !math.IsNaN(tc.lambda) && math.Abs(res.LambdaMin-tc.lambda) > 1e-6 {
				t.Errorf("LambdaMin = %v, want %v", res.LambdaMin, tc.lambda)
			}
			if !(res.LambdaMin < -res.CurvatureTol) {
				t.Errorf("LambdaMin %v not below −τ = %v", res.LambdaMin, -res.CurvatureTol)
			}
			t.Logf("at the saddle: f = %.6g, λ_min ≤ %.4g, τ = %.3g, %d HVPs", res.F, res.LambdaMin, res.CurvatureTol, res.HessVecEvals)
			for _, base := range []Method{nil, LBFGS{}} {
				esc, err := Minimize(tc.obj, tc.x0, SaddleEscape{Base: base}, nil)
				if err != nil || esc.Status != SecondOrderStationary || esc.Escapes < 1 {
					t.Fatalf("SaddleEscape{%T}: status %v, %d escapes, err %v", base, esc.Status, esc.Escapes, err)
				}
				if !(esc.F < tc.fAfter) {
					t.Errorf("SaddleEscape{%T}: f = %v, want < %v", base, esc.F, tc.fAfter)
				}
				t.Logf("SaddleEscape{%T}: f = %.3g after %d escapes, %d HVPs, λ_min ≤ %.3g, τ = %.3g",
					base, esc.F, esc.Escapes, esc.HessVecEvals, esc.LambdaMin, esc.CurvatureTol)
			}
		})
	}
}
