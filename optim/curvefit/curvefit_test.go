package curvefit_test

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/optim/curvefit"
)

// Misra1a, NIST StRD (lower difficulty): y = b1·(1 − exp(−b2·x)).
var (
	misraX = []float64{77.6, 114.9, 141.1, 190.8, 239.9, 289.0, 332.8, 378.4, 434.8, 477.3, 536.8, 593.1, 689.1, 760.0}
	misraY = []float64{10.07, 14.73, 17.94, 23.93, 29.61, 35.18, 40.02, 44.82, 50.76, 55.05, 61.01, 66.40, 75.47, 81.78}
	// The certified values and standard deviations.
	misraB  = []float64{2.3894212918e+02, 5.5015643181e-04}
	misraSD = []float64{2.7070075241e+00, 7.2668688436e-06}
)

func misra(x, th *graph.Node) *graph.Node {
	b1, b2 := graph.Index(th, 0), graph.Index(th, 1)
	return graph.Mul(b1, graph.Sub(x.Tape().Scalar(1), graph.Exp(graph.Neg(graph.Mul(b2, x)))))
}

func lre(b, c float64) float64 {
	d := math.Abs(b-c) / math.Abs(c)
	if d == 0 {
		return 11
	}
	return min(11, -math.Log10(d))
}

func TestFitMisra1a(t *testing.T) {
	for _, start := range [][]float64{{500, 1e-4}, {250, 5e-4}} {
		fit, err := curvefit.Fit(misra, curvefit.Data{X: misraX, Y: misraY}, start, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range misraB {
			if l := lre(fit.Theta[i], misraB[i]); l < 6 {
				t.Errorf("start %v: θ[%d] = %v, LRE %.1f < 6", start, i, fit.Theta[i], l)
			}
			if l := lre(fit.StdErr[i], misraSD[i]); l < 4 {
				t.Errorf("start %v: σ[%d] = %v, LRE %.1f < 4", start, i, fit.StdErr[i], l)
			}
		}
		if l := lre(fit.ChiSq, 1.2455138894e-01); l < 6 {
			t.Errorf("χ² = %v, LRE %.1f", fit.ChiSq, l)
		}
		if fit.DoF != 12 || math.Abs(fit.RedChiSq-fit.ChiSq/12) > 1e-15 {
			t.Errorf("DoF = %d, RedChiSq = %v", fit.DoF, fit.RedChiSq)
		}
		c := fit.Correlation
		if c.At(0, 0) != 1 && math.Abs(c.At(0, 0)-1) > 1e-12 || math.Abs(c.At(0, 1)) >= 1 || c.At(0, 1) > -0.9 {
			t.Errorf("correlation %v: b1 and b2 are strongly anti-correlated in Misra1a", mat.Formatted(c))
		}
		// The exact-Hessian covariance differs from the Gauss–Newton one
		// by the residual-curvature term only: a few per cent here.
		for i := 0; i < 2; i++ {
			r := fit.HessianCovariance.At(i, i) / fit.Covariance.At(i, i)
			if math.Abs(r-1) > 0.05 {
				t.Errorf("Hessian/GN variance ratio %v for θ[%d]", r, i)
			}
		}
	}
}

// For a model linear in θ the residuals have no curvature, so the exact-
// Hessian covariance equals s²(JᵀJ)⁻¹, which is known in closed form for a
// straight line.
func TestFitLinear(t *testing.T) {
	x := []float64{0, 1, 2, 3, 4, 5}
	y := []float64{1.1, 2.9, 5.2, 7.1, 8.8, 11.2}
	line := func(x, th *graph.Node) *graph.Node {
		return graph.Add(graph.Index(th, 0), graph.Mul(graph.Index(th, 1), x))
	}
	fit, err := curvefit.Fit(line, curvefit.Data{X: x, Y: y}, []float64{0, 0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Closed form: slope = Sxy/Sxx, Var(slope) = s²/Sxx, Var(icpt) = s²(1/m + x̄²/Sxx).
	m := float64(len(x))
	var xm, ym float64
	for i := range x {
		xm += x[i] / m
		ym += y[i] / m
	}
	var sxx, sxy float64
	for i := range x {
		sxx += (x[i] - xm) * (x[i] - xm)
		sxy += (x[i] - xm) * (y[i] - ym)
	}
	slope := sxy / sxx
	icpt := ym - slope*xm
	if e, _ := testutil.RelErr(fit.Theta, []float64{icpt, slope}); e > 1e-12 {
		t.Errorf("θ = %v, want %v", fit.Theta, []float64{icpt, slope})
	}
	s2 := fit.RedChiSq
	want := []float64{math.Sqrt(s2 * (1/m + xm*xm/sxx)), math.Sqrt(s2 / sxx)}
	if e, _ := testutil.RelErr(fit.StdErr, want); e > 1e-12 {
		t.Errorf("StdErr = %v, want %v", fit.StdErr, want)
	}
	if e, _ := testutil.RelErr(fit.HessianCovariance.RawSymmetric().Data, fit.Covariance.RawSymmetric().Data); e > 1e-12 {
		t.Errorf("Hessian covariance %v ≠ GN covariance %v", mat.Formatted(fit.HessianCovariance), mat.Formatted(fit.Covariance))
	}
}

// Sigma σᵢ and Weights 1/σᵢ² are the same fit; AbsoluteSigma drops s².
func TestFitWeights(t *testing.T) {
	sigma := make([]float64, len(misraY))
	w := make([]float64, len(misraY))
	for i := range sigma {
		sigma[i] = 0.05 + 0.01*float64(i)
		w[i] = 1 / (sigma[i] * sigma[i])
	}
	start := []float64{250, 5e-4}
	a, err1 := curvefit.Fit(misra, curvefit.Data{X: misraX, Y: misraY, Sigma: sigma}, start, nil)
	b, err2 := curvefit.Fit(misra, curvefit.Data{X: misraX, Y: misraY, Weights: w}, start, nil)
	c, err3 := curvefit.Fit(misra, curvefit.Data{X: misraX, Y: misraY, Sigma: sigma}, start, &curvefit.Options{AbsoluteSigma: true})
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}
	if e, _ := testutil.RelErr(a.Theta, b.Theta); e > 1e-10 {
		t.Errorf("Sigma fit %v, Weights fit %v", a.Theta, b.Theta)
	}
	if math.Abs(a.ChiSq-b.ChiSq) > 1e-10*a.ChiSq {
		t.Errorf("χ² %v vs %v", a.ChiSq, b.ChiSq)
	}
	for i := range a.StdErr {
		if r := c.StdErr[i] * c.StdErr[i] * a.RedChiSq / (a.StdErr[i] * a.StdErr[i]); math.Abs(r-1) > 1e-10 {
			t.Errorf("AbsoluteSigma variance ratio %v", r)
		}
	}
	// The weighted fit differs from the unweighted one.
	u, _ := curvefit.Fit(misra, curvefit.Data{X: misraX, Y: misraY}, start, nil)
	if e, _ := testutil.RelErr(a.Theta, u.Theta); e < 1e-8 {
		t.Errorf("weights had no effect: %v", a.Theta)
	}
}

// A model in which a and c enter only as a + c cannot identify them: Fit
// names them and returns no covariance.
func TestFitNotIdentifiable(t *testing.T) {
	model := func(x, th *graph.Node) *graph.Node {
		a, b, c := graph.Index(th, 0), graph.Index(th, 1), graph.Index(th, 2)
		e := graph.Exp(graph.Neg(graph.Mul(b, x)))
		return graph.Add(graph.Mul(a, e), graph.Mul(c, e))
	}
	x := []float64{0, 0.5, 1, 1.5, 2, 3, 4}
	y := make([]float64, len(x))
	for i, xi := range x {
		y[i] = 3 * math.Exp(-0.7*xi)
	}
	fit, err := curvefit.Fit(model, curvefit.Data{X: x, Y: y}, []float64{1, 1, 1}, nil)
	if !errors.Is(err, curvefit.ErrNotIdentifiable) {
		t.Fatalf("err = %v, want ErrNotIdentifiable", err)
	}
	if len(fit.NotIdentifiable) != 2 || fit.NotIdentifiable[0] != 0 || fit.NotIdentifiable[1] != 2 || fit.Rank != 2 {
		t.Errorf("NotIdentifiable = %v, Rank = %d; want [0 2], 2", fit.NotIdentifiable, fit.Rank)
	}
	if fit.Covariance != nil || fit.StdErr != nil {
		t.Errorf("covariance returned for a rank-deficient fit")
	}
	if math.Abs(fit.Theta[0]+fit.Theta[2]-3) > 1e-8 || math.Abs(fit.Theta[1]-0.7) > 1e-8 {
		t.Errorf("θ = %v: a + c should be 3 and b 0.7", fit.Theta)
	}
}

func TestFitPanics(t *testing.T) {
	d := curvefit.Data{X: misraX, Y: misraY}
	for _, tc := range []struct {
		name string
		data curvefit.Data
		want string
	}{
		{"short X", curvefit.Data{X: misraX[:3], Y: misraY}, "len(X) = 3"},
		{"both", curvefit.Data{X: misraX, Y: misraY, Sigma: misraY, Weights: misraY}, "both Sigma and Weights"},
		{"zero sigma", curvefit.Data{X: misraX, Y: misraY, Sigma: make([]float64, len(misraY))}, "Sigma[0] = 0"},
	} {
		testutil.MustPanic(t, tc.name, func() { curvefit.Fit(misra, tc.data, []float64{250, 5e-4}, nil) }, tc.want)
	}
	testutil.MustPanic(t, "model size", func() {
		curvefit.Fit(func(x, th *graph.Node) *graph.Node { return graph.Sum(x) }, d, []float64{1}, nil)
	}, "the model returned")
}

// badStartData is y = 5·e^(−0.8x) + 1 at x = 0, 0.5, …, 10 with a fixed,
// deterministic perturbation of ±0.05.
func badStartData() (x, y []float64) {
	for i := 0; i <= 20; i++ {
		xi := 0.5 * float64(i)
		x = append(x, xi)
		y = append(y, 5*math.Exp(-0.8*xi)+1+0.05*math.Sin(2.7*float64(i)+0.3))
	}
	return x, y
}

func expDecay(x, th *graph.Node) *graph.Node {
	a, b, c := graph.Index(th, 0), graph.Index(th, 1), graph.Index(th, 2)
	return graph.Add(graph.Mul(a, graph.Exp(graph.Neg(graph.Mul(b, x)))), c)
}

// TestBadStart fits y = a·e^(−bx) + c from a = 1, b = −3, c = 0, a start
// where the model grows like e^(3x). Unbounded, Levenberg–Marquardt (like
// NewtonCG) follows the valley b → 0⁻, a → −∞, a + c finite, toward the
// straight-line fit at infinity; it must not call that a success, and it
// does not (it runs into its evaluation limit). With the bound b ≥ 0
// (the start is projected to b = 0) Levenberg–Marquardt and Gauss–Newton
// both reach the true minimum, the one found from the true parameters.
func TestBadStart(t *testing.T) {
	x, y := badStartData()
	data := curvefit.Data{X: x, Y: y}
	ref, err := curvefit.Fit(expDecay, data, []float64{5, 0.8, 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := []float64{1, -3, 0}
	valley, err := curvefit.Fit(expDecay, data, start, nil)
	t.Logf("LM: θ = %.6g, SSE/2 = %.6g (minimum %.6g): %v, %v", valley.Theta, valley.ChiSq/2, ref.ChiSq/2, valley.LeastSquares.Status, err)
	if valley.LeastSquares.Status.Success() || err == nil {
		t.Errorf("LM from the bad start reports %v (err %v) at SSE/2 = %v", valley.LeastSquares.Status, err, valley.ChiSq/2)
	}
	inf := math.Inf(1)
	for _, m := range []optim.LeastSquaresMethod{optim.LevenbergMarquardt{}, optim.GaussNewton{}} {
		opts := &curvefit.Options{Method: m, Settings: &optim.LeastSquaresSettings{Bounds: &optim.Bounds{Lower: []float64{-inf, 0, -inf}}}}
		fit, err := curvefit.Fit(expDecay, data, start, opts)
		if err != nil {
			t.Fatalf("%T b ≥ 0: %v", m, err)
		}
		t.Logf("%T b ≥ 0: θ = %.6g, SSE/2 = %.6g (minimum %.6g), %d residual and %d Jacobian evaluations",
			m, fit.Theta, fit.ChiSq/2, ref.ChiSq/2, fit.LeastSquares.ResidualEvals, fit.LeastSquares.JacobianEvals)
		if e, _ := testutil.RelErr(fit.Theta, ref.Theta); e > 1e-7 {
			t.Errorf("%T b ≥ 0: θ = %v, the minimum is at %v", m, fit.Theta, ref.Theta)
		}
		if math.Abs(fit.ChiSq-ref.ChiSq) > 1e-10*ref.ChiSq {
			t.Errorf("%T b ≥ 0: χ² = %v, minimum %v", m, fit.ChiSq, ref.ChiSq)
		}
	}
}
