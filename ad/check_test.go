package ad_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// frozenProduct returns Σ w ⊙ c with c a constant copy of w's value: the
// mistake of using a value where a node was meant. Its recorded gradient
// is c = x, but the true gradient of the function it computes, Σ x², is 2x.
func frozenProduct(w *graph.Node) *graph.Node {
	return graph.Sum(graph.Mul(w, w.Tape().Const(w.Value())))
}

// frozenSquare returns 2Σ w ⊙ c − Σ c², c a constant copy of w's value. It
// computes Σ x² and its recorded gradient 2c = 2x is right, but that
// gradient is a constant, so its recorded Hessian is 0 instead of 2I.
func frozenSquare(w *graph.Node) *graph.Node {
	c := w.Tape().Const(w.Value())
	return graph.Sub(graph.Scale(graph.Sum(graph.Mul(w, c)), 2), graph.Sum(graph.Mul(c, c)))
}

// TestCheckCorrect runs Check on correctly differentiated functions: the
// errors must be small with the default settings.
func TestCheckCorrect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, c := range []struct {
		name string
		f    ad.Func
		x    []float64
	}{
		{"rosenbrock", graphtest.ExtRosenbrock, testutil.RandVec(rng, 10)},
		{"softmaxCE", softmaxCE, testutil.RandVec(rng, 16)},
		{"seed", func(w *graph.Node) *graph.Node {
			r := graph.AddScalar(graph.Neg(graph.Mul(graph.Index(w, 0), graph.Index(w, 1))), 1)
			return graph.Square(r)
		}, []float64{0.5, 1.5}},
		{"affine", func(w *graph.Node) *graph.Node { return graph.Sum(graph.Scale(w, 3)) }, testutil.RandVec(rng, 4)},
	} {
		r := ad.Check(c.f, c.x, nil)
		t.Logf("%s: %+v", c.name, r)
		if !(r.GradErr <= 1e-6) || !(r.HVPErr <= 1e-5) {
			t.Errorf("%s: correct derivatives reported as wrong: %+v", c.name, r)
		}
		tp := graph.NewTape()
		if want := c.f(tp.Var(tensor.FromSlice(c.x))).Item(); r.Value != want {
			t.Errorf("%s: Value %v, want %v", c.name, r.Value, want)
		}
	}
}

// TestCheckDetects checks that Check catches a wrong gradient, a wrong
// Hessian with a right gradient, and non-finite derivatives, and points at
// the right component.
func TestCheckDetects(t *testing.T) {
	x := []float64{0.2, -0.4, 3}

	r := ad.Check(frozenProduct, x, nil)
	// Component i: ad says x_i, the truth is 2x_i: the errors are
	// 0.2/1, 0.4/1 and 3/6, the worst 0.5 at 2.
	if math.Abs(r.GradErr-0.5) > 1e-6 || r.WorstGradIndex != 2 {
		t.Errorf("frozen product: GradErr %v at %d, want 0.5 at 2", r.GradErr, r.WorstGradIndex)
	}

	r = ad.Check(frozenSquare, x, nil)
	if r.GradErr > 1e-6 {
		t.Errorf("frozen square: gradient is right, but GradErr = %v", r.GradErr)
	}
	// ad says H·v = 0, the truth is 2v for a unit v: the worst component of
	// 2v is at least 2/√3 in magnitude (and below 1 unless it exceeds 1).
	if r.HVPErr < 0.5 {
		t.Errorf("frozen square: Hessian is 0 instead of 2I, but HVPErr = %v", r.HVPErr)
	}

	// f is NaN, so every difference is NaN: the first component reports it.
	r = ad.Check(func(w *graph.Node) *graph.Node { return graph.Sum(graph.Sqrt(w)) }, []float64{1, -1, 4}, nil)
	if !math.IsNaN(r.GradErr) || r.WorstGradIndex != 0 {
		t.Errorf("sqrt of a negative: GradErr %v at %d, want NaN at 0", r.GradErr, r.WorstGradIndex)
	}
	if !math.IsNaN(r.HVPErr) {
		t.Errorf("sqrt of a negative: HVPErr %v, want NaN", r.HVPErr)
	}
}

func TestCheckSettings(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	x := testutil.RandVec(rng, 16)
	keep := append([]float64(nil), x...)

	def := ad.Check(softmaxCE, x, nil)
	if e, _ := testutil.RelErr(x, keep); e != 0 {
		t.Errorf("Check modified x")
	}
	if zero := ad.Check(softmaxCE, x, &ad.CheckSettings{}); zero != def {
		t.Errorf("zero settings %+v differ from nil settings %+v", zero, def)
	}
	if explicit := ad.Check(softmaxCE, x, &ad.CheckSettings{Step: 1e-6, Directions: 3}); explicit != def {
		t.Errorf("explicit defaults %+v differ from nil settings %+v", explicit, def)
	}
	if again := ad.Check(softmaxCE, x, nil); again != def {
		t.Errorf("Check is not deterministic: %+v then %+v", def, again)
	}
	if other := ad.Check(softmaxCE, x, &ad.CheckSettings{Seed: 99}); other.HVPErr == def.HVPErr || other.GradErr != def.GradErr {
		t.Errorf("another seed should change only the HVP directions: %+v vs %+v", other, def)
	}
	noHVP := ad.Check(softmaxCE, x, &ad.CheckSettings{Directions: -1})
	if noHVP.HVPErr != 0 || noHVP.WorstHVPDirection != 0 || noHVP.GradErr != def.GradErr {
		t.Errorf("Directions < 0: %+v", noHVP)
	}
	many := ad.Check(softmaxCE, x, &ad.CheckSettings{Directions: 10})
	if many.HVPErr < def.HVPErr || many.WorstHVPDirection >= 10 {
		t.Errorf("10 directions include the first 3 but found a smaller worst error: %+v vs %+v", many, def)
	}
	// A coarse step makes the finite differences, not ad, inaccurate.
	coarse := ad.Check(softmaxCE, x, &ad.CheckSettings{Step: 0.1})
	if !(coarse.GradErr > def.GradErr) {
		t.Errorf("step 0.1 should be less accurate than 1e-6: %v vs %v", coarse.GradErr, def.GradErr)
	}

	// An empty input has nothing to check.
	empty := ad.Check(func(w *graph.Node) *graph.Node { return graph.Sum(w) }, nil, nil)
	if empty != (ad.CheckResult{}) {
		t.Errorf("empty x: %+v", empty)
	}
}

// TestCheckBadlyScaled shows the documented remedy when |f| is much larger
// than a derivative times its coordinate: the rounding error of the
// differences, about 1e-16·|f| / (Step·|x_i|), dominates with the default
// step, and a larger step brings it down.
func TestCheckBadlyScaled(t *testing.T) {
	x := []float64{-120, 100, 30, -4} // f ≈ 2e10, ∂f/∂x_3 ≈ −2e5
	def := ad.Check(graphtest.ExtRosenbrock, x, nil)
	larger := ad.Check(graphtest.ExtRosenbrock, x, &ad.CheckSettings{Step: 1e-5})
	t.Logf("Step 1e-6: %+v\nStep 1e-5: %+v", def, larger)
	if !(larger.GradErr <= 1e-6) || !(larger.HVPErr <= 1e-5) || !(larger.GradErr < def.GradErr) {
		t.Errorf("Step 1e-5 should check this correct gradient to 1e-6: %+v (default step: %+v)", larger, def)
	}
}

func TestCheckPanics(t *testing.T) {
	for _, c := range []struct {
		name  string
		f     func()
		wants []string
	}{
		{"non-scalar", func() { ad.Check(graph.Square, []float64{1, 2}, nil) }, []string{"ad: Check", "not a scalar"}},
		{"step", func() { ad.Check(graphtest.ExtRosenbrock, []float64{1, 2}, &ad.CheckSettings{Step: -1}) }, []string{"ad: Check", "step"}},
	} {
		testutil.MustPanic(t, c.name, c.f, c.wants...)
	}
}
