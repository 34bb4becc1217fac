package hvp_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// cvEval returns f(x).
func cvEval(f ad.Func, x []float64) float64 {
	v, _ := ad.ValueAndGrad(f, x)
	return v
}

// TestTaylorThirdOrder checks that the quadratic model's error on a step
// d is O(‖d‖³): halving d divides |f(x+d) − f(x) − Change(d)| by ≈ 8,
// while the first-order model's error falls by only ≈ 4.
func TestTaylorThirdOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    ad.Func
		x, d []float64
		// ratio is the expected error ratio per halving: 8, or 16 where
		// the cubic term vanishes along d.
		ratio float64
		// h0 is the first step length, small enough for the quartic term
		// to be negligible against the cubic one (for a random d through
		// tanh layers their ratio is large) and large enough for the error
		// after 5 halvings to stay far above rounding.
		h0 float64
	}{
		{"seed (0.3,-0.7)", graphtest.SeedLoss, []float64{0.3, -0.7}, []float64{0.6, 0.8}, 8, 0.02},
		// f(t, t) = 1 − 2t² + t⁴ and f(1+t, 1−t) = t⁴: the model is exact
		// to third order, the error is t⁴.
		{"seed (0,0) along escape", graphtest.SeedLoss, []float64{0, 0}, []float64{1, 1}, 16, 0.02},
		{"seed (1,1) along valley", graphtest.SeedLoss, []float64{1, 1}, []float64{1, -1}, 16, 0.02},
		{"seed (1,1) across valley", graphtest.SeedLoss, []float64{1, 1}, []float64{1, 1}, 8, 0.02},
		{"nonlinear n9", cvNonlinear(9, 7, 3), cvRosenPoint(10, 4)[:9], nil, 8, 2e-3},
		{"rosenbrock n6", graphtest.ExtRosenbrock, []float64{-1.2, 1, 0.5, 0.3, 2, 1}, nil, 8, 2e-3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			if d == nil {
				rng := rand.New(rand.NewPCG(7, 7))
				d = make([]float64, len(tc.x))
				for i := range d {
					d[i] = rng.NormFloat64()
				}
			}
			m := hvp.Taylor(hvp.At(tc.f, tc.x))
			f0 := cvEval(tc.f, tc.x)
			if m.Value() != f0 {
				t.Fatalf("Value = %v, f(x) = %v", m.Value(), f0)
			}
			g := m.Grad(nil)
			var prev2, prev1 float64
			for k := 0; k < 6; k++ {
				h := tc.h0 / math.Exp2(float64(k))
				step := make([]float64, len(d))
				floats.AddScaled(step, h, d)
				xs := append([]float64(nil), tc.x...)
				floats.Add(xs, step)
				actual := cvEval(tc.f, xs) - f0
				e2 := math.Abs(actual - m.Change(step))
				e1 := math.Abs(actual - floats.Dot(g, step))
				if p := m.Predict(step); math.Abs(p-(f0+m.Change(step))) > 1e-15*math.Max(1, math.Abs(p)) {
					t.Errorf("Predict = %v, f + Change = %v", p, f0+m.Change(step))
				}
				if k > 0 {
					r2, r1 := prev2/e2, prev1/e1
					if math.Abs(r2-tc.ratio) > tc.ratio/8 {
						t.Errorf("h = %.4g: second-order error ratio %.3f, want ≈ %v (errors %.3g → %.3g)", h, r2, tc.ratio, prev2, e2)
					}
					// First order: ratio 4 when the curvature along d is not
					// zero, 8 when it is.
					if c := m.Curvature(d); math.Abs(c) > 1e-3 && (r1 < 3.5 || r1 > 4.5) {
						t.Errorf("h = %.4g: first-order error ratio %.3f, want ≈ 4", h, r1)
					}
				}
				prev2, prev1 = e2, e1
			}
		})
	}
}

// cvShiftedQuadratic returns f(x) = ½(x−c)ᵀA(x−c) + 7.
func cvShiftedQuadratic(a *mat.SymDense, c []float64) ad.Func {
	q := cvQuadratic(a)
	return func(x *graph.Node) *graph.Node {
		shift := x.Tape().Const(tensor.FromSlice(c))
		return graph.AddScalar(q(graph.Sub(x, shift)), 7)
	}
}

func TestTaylorQuadraticExact(t *testing.T) {
	a := cvRandomSym(7, 21)
	c := []float64{1, -2, 3, 0.5, 0, -1, 2}
	f := cvShiftedQuadratic(a, c)
	x := []float64{0.1, 0.2, -0.3, 0.4, 1, 0, -2}
	m := hvp.Taylor(hvp.At(f, x))
	rng := rand.New(rand.NewPCG(3, 3))
	for trial := 0; trial < 5; trial++ {
		d := make([]float64, len(x))
		for i := range d {
			d[i] = 3 * rng.NormFloat64()
		}
		xd := append([]float64(nil), x...)
		floats.Add(xd, d)
		want := cvEval(f, xd)
		if got := m.Predict(d); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("quadratic: Predict = %.15g, f(x+d) = %.15g", got, want)
		}
		// Curvature against dᵀAd computed with mat.
		dv := mat.NewVecDense(len(d), d)
		if got, want := m.Curvature(d), mat.Inner(dv, a, dv); math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Errorf("Curvature = %v, dᵀAd = %v", got, want)
		}
	}
}

func TestOptimalStep(t *testing.T) {
	negSq := func(x *graph.Node) *graph.Node { return graph.Neg(graph.Sum(graph.Square(x))) }
	affine := func(x *graph.Node) *graph.Node { return graph.Scale(graph.Sum(x), -2) }
	for _, tc := range []struct {
		name string
		f    ad.Func
		x    []float64
		// a, when not nil, is f's constant Hessian: ε* and the change are
		// checked against mat, and f(x − εg) is minimised at ε*.
		a          *mat.SymDense
		eps, delta float64 // expected when a == nil
	}{
		{name: "cond5", f: cvQuadratic(cvCond5), x: []float64{1, 0.2}, a: cvCond5},
		{name: "cond5 eigenvector", f: cvQuadratic(cvCond5), x: []float64{1, 1}, a: cvCond5}, // g along λ_max: ε* = 1/λ_max
		{name: "random PD n6", f: cvQuadratic(cvPD(6, 5)), x: []float64{1, 2, 3, -1, -2, -3}, a: cvPD(6, 5)},
		{name: "concave", f: negSq, x: []float64{1, 2}, eps: math.Inf(1), delta: math.Inf(-1)},
		{name: "affine", f: affine, x: []float64{1, 2}, eps: math.Inf(1), delta: math.Inf(-1)},
		{name: "seed saddle g=0", f: graphtest.SeedLoss, x: []float64{0, 0}, eps: 0, delta: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := hvp.Taylor(hvp.At(tc.f, tc.x))
			eps, delta := m.OptimalStep()
			if tc.a == nil {
				if eps != tc.eps || delta != tc.delta {
					t.Errorf("OptimalStep = %v, %v; want %v, %v", eps, delta, tc.eps, tc.delta)
				}
				return
			}
			g := m.Grad(nil)
			gv := mat.NewVecDense(len(g), g)
			gg, gAg := mat.Dot(gv, gv), mat.Inner(gv, tc.a, gv)
			if want := gg / gAg; math.Abs(eps-want) > 1e-13*want {
				t.Errorf("ε* = %.15g, gᵀg/gᵀAg = %.15g", eps, want)
			}
			if want := -0.5 * gg * gg / gAg; math.Abs(delta-want) > 1e-12*math.Abs(want) {
				t.Errorf("predicted change %.15g, want %.15g", delta, want)
			}
			if math.Abs(m.GradCurvature()-gAg) > 1e-12*gAg || math.Abs(m.GradientStep(eps)-delta) > 1e-12*math.Abs(delta) {
				t.Errorf("GradCurvature %v (want %v), GradientStep(ε*) %v (want %v)", m.GradCurvature(), gAg, m.GradientStep(eps), delta)
			}
			// On a quadratic the model is f: ε* minimises f(x − εg) and the
			// predicted change is the actual one.
			at := func(e float64) float64 {
				xe := append([]float64(nil), tc.x...)
				floats.AddScaled(xe, -e, g)
				return cvEval(tc.f, xe)
			}
			f0 := cvEval(tc.f, tc.x)
			if got := at(eps) - f0; math.Abs(got-delta) > 1e-12*math.Max(1, math.Abs(f0)) {
				t.Errorf("actual change at ε* %.15g, predicted %.15g", got, delta)
			}
			for _, s := range []float64{0.9, 1.1} {
				if !(at(s*eps) > at(eps)) {
					t.Errorf("f at %.1f·ε* = %v not above f at ε* = %v", s, at(s*eps), at(eps))
				}
			}
			if tc.name == "cond5 eigenvector" && math.Abs(eps-0.2) > 1e-15 {
				t.Errorf("g along the λ_max = 5 eigenvector: ε* = %v, want 1/5", eps)
			}
		})
	}
}

// cvPD returns a random symmetric positive definite matrix BᵀB + I.
func cvPD(n int, seed uint64) *mat.SymDense {
	b := cvRandomSym(n, seed)
	a := mat.NewSymDense(n, nil)
	a.SymOuterK(1, b)
	for i := 0; i < n; i++ {
		a.SetSym(i, i, a.At(i, i)+1)
	}
	return a
}

// TestMaxStableRate checks 2/λ_max against the dense spectrum and by its
// meaning: gradient descent on a quadratic converges just below it and
// diverges just above it.
func TestMaxStableRate(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    *mat.SymDense
	}{
		{"cond5", cvCond5},
		{"random PD n12", cvPD(12, 8)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := cvQuadratic(tc.a)
			n := tc.a.SymmetricDim()
			x0 := make([]float64, n)
			for i := range x0 {
				x0[i] = 1 + float64(i)
			}
			m := hvp.Taylor(hvp.At(f, x0))
			rate, r, err := m.MaxStableRate(nil)
			if err != nil || !r.Converged {
				t.Fatalf("err %v, converged %v", err, r.Converged)
			}
			eig := cvDenseEigen(t, tc.a)
			if want := 2 / eig[n-1]; math.Abs(rate-want) > 1e-9*want {
				t.Errorf("MaxStableRate = %.15g, 2/λ_max = %.15g", rate, want)
			}
			if tc.name == "cond5" && math.Abs(rate-0.4) > 1e-12 {
				t.Errorf("cond5: rate %v, want 2/5", rate)
			}
			run := func(lr float64) float64 {
				x := append([]float64(nil), x0...)
				for range 3000 {
					_, g := ad.ValueAndGrad(f, x)
					floats.AddScaled(x, -lr, g)
				}
				return floats.Norm(x, 2)
			}
			if below := run(0.98 * rate); !(below < 1e-6*floats.Norm(x0, 2)) {
				t.Errorf("GD at 0.98·rate ended at ‖x‖ = %v, not converged", below)
			}
			if above := run(1.02 * rate); !(above > floats.Norm(x0, 2)) {
				t.Errorf("GD at 1.02·rate ended at ‖x‖ = %v, not diverged", above)
			}
			e, err := m.Extremes(nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := eig[n-1] / eig[0]; math.Abs(e.Cond()-want) > 1e-8*want {
				t.Errorf("Cond = %v, dense λ_max/λ_min = %v", e.Cond(), want)
			}
		})
	}
	// No positive curvature: no limit. Indefinite or singular: Cond +Inf.
	negSq := func(x *graph.Node) *graph.Node { return graph.Neg(graph.Sum(graph.Square(x))) }
	if rate, _, err := hvp.Taylor(hvp.At(negSq, []float64{1, 2, 3})).MaxStableRate(nil); err != nil || !math.IsInf(rate, 1) {
		t.Errorf("concave: rate %v, err %v; want +Inf", rate, err)
	}
	for _, x := range [][]float64{{0, 0}, {1, 1}} { // saddle; singular minimum
		e, err := hvp.Taylor(hvp.At(graphtest.SeedLoss, x)).Extremes(nil)
		if err != nil || !(e.Cond() > 1e12) {
			t.Errorf("seed at %v: Cond %v (λ = [%v, %v]), err %v; want +Inf or huge", x, e.Cond(), e.Min, e.Max, err)
		}
	}
}

func TestModelPanics(t *testing.T) {
	m := hvp.Taylor(hvp.At(graphtest.SeedLoss, []float64{0.5, 0.5}))
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"Change length", func() { m.Change([]float64{1}) }, "hvp: Model.Change: len(d) = 1"},
		{"Curvature length", func() { m.Curvature([]float64{1, 2, 3}) }, "hvp: Model.Curvature: len(d) = 3"},
		{"Grad dst", func() { m.Grad(make([]float64, 5)) }, "hvp: Model.Grad"},
		{"empty x", func() { hvp.Taylor(hvp.At(graphtest.SeedLoss, nil)) }, "hvp: At: empty x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if msg := testutil.PanicMessage(tc.f); !strings.HasPrefix(msg, tc.want) {
				t.Errorf("panic %q, want prefix %q", msg, tc.want)
			}
		})
	}
	// The model does not retain x.
	x := []float64{0.5, 0.5}
	m = hvp.Taylor(hvp.At(graphtest.SeedLoss, x))
	x[0] = 100
	// At (0.5, 0.5): g = [−0.75, −0.75], H = [[0.5, −1], [−1, 0.5]].
	if g, c := m.Grad(nil), m.Curvature([]float64{1, 0}); g[0] != -0.75 || m.Value() != 0.5625 || c != 0.5 {
		t.Errorf("after modifying x: g = %v, f = %v, e₁ᵀHe₁ = %v", g, m.Value(), c)
	}
}
