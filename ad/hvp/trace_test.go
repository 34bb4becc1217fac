package hvp_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
)

// cvHutchinsonSE returns the exact standard error of an m-probe Rademacher
// Hutchinson estimate of tr(H): √(2(‖H‖_F² − Σᵢ Hᵢᵢ²)/m).
func cvHutchinsonSE(h mat.Symmetric, m int) float64 {
	n := h.SymmetricDim()
	off := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				off += h.At(i, j) * h.At(i, j)
			}
		}
	}
	return math.Sqrt(2 * off / float64(m))
}

func TestTraceMatchesExact(t *testing.T) {
	for _, tc := range []struct {
		name    string
		f       ad.Func
		x       []float64
		samples int
		seed    uint64
	}{
		{"cond5", cvQuadratic(cvCond5), []float64{1, 2}, 400, 1},
		{"seed saddle", graphtest.SeedLoss, []float64{0, 0}, 300, 2},
		{"random quadratic n50", cvQuadratic(cvRandomSym(50, 9)), make([]float64, 50), 500, 3},
		{"nonlinear n20", cvNonlinear(20, 15, 4), cvRosenPoint(20, 5), 1000, 4},
		{"rosenbrock n30", graphtest.ExtRosenbrock, cvRosenPoint(30, 6), 200, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := hvp.Hessian(tc.f, tc.x)
			exact := mat.Trace(h)
			est, err := hvp.Trace(hvp.At(tc.f, tc.x), &hvp.TraceSettings{Samples: tc.samples, Seed: tc.seed})
			if err != nil {
				t.Fatal(err)
			}
			se := cvHutchinsonSE(h, tc.samples)
			t.Logf("estimate %.6g ± %.3g (exact trace %.6g, exact SE %.3g)", est.Trace, est.StdErr, exact, se)
			if est.Samples != tc.samples {
				t.Errorf("Samples = %d, want %d", est.Samples, tc.samples)
			}
			if d := math.Abs(est.Trace - exact); d > 4*est.StdErr {
				t.Errorf("estimate %v is %.2f standard errors from the exact trace %v", est.Trace, d/est.StdErr, exact)
			}
			// The reported standard error estimates the exact one.
			if math.Abs(est.StdErr-se) > 0.25*se {
				t.Errorf("StdErr = %v, exact %v", est.StdErr, se)
			}
		})
	}
}

// TestTraceUnbiased repeats a short estimate over many seeds: the mean
// of the estimates must be within 4 standard errors of the exact trace
// and about 95% of the ±2·StdErr intervals must cover it.
func TestTraceUnbiased(t *testing.T) {
	f := cvNonlinear(12, 10, 8)
	x := cvRosenPoint(12, 9)
	h := hvp.Hessian(f, x)
	exact := mat.Trace(h)
	p := hvp.At(f, x)
	const runs, m = 400, 40
	sum, covered := 0.0, 0
	for seed := uint64(0); seed < runs; seed++ {
		est, err := hvp.Trace(p, &hvp.TraceSettings{Samples: m, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		sum += est.Trace
		if math.Abs(est.Trace-exact) <= 2*est.StdErr {
			covered++
		}
	}
	mean := sum / runs
	seMean := cvHutchinsonSE(h, m*runs)
	if math.Abs(mean-exact) > 4*seMean {
		t.Errorf("mean of %d estimates %v, exact %v: %.2f standard errors", runs, mean, exact, math.Abs(mean-exact)/seMean)
	}
	if frac := float64(covered) / runs; frac < 0.88 || frac > 0.99 {
		t.Errorf("±2 SE intervals covered the trace %.1f%% of the time, want ≈ 95%%", 100*frac)
	}
}

func TestTraceDiagonalIsExact(t *testing.T) {
	// zᵀDz = Σ dᵢzᵢ² = tr(D) for every Rademacher z: every probe agrees.
	c := []float64{3, -1, 0.5, 2, 7, -4}
	f := cvDiagQuartic(c, []float64{1, 0, 2, 0, 0, 1}, 0)
	x := []float64{0.3, 1, -0.2, 5, 0, 0.7}
	h := hvp.Hessian(f, x)
	est, err := hvp.Trace(hvp.At(f, x), &hvp.TraceSettings{Samples: 17, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if exact := mat.Trace(h); math.Abs(est.Trace-exact) > 1e-13*math.Abs(exact) || est.StdErr != 0 {
		t.Errorf("diagonal H: estimate %v ± %v, exact %v ± 0", est.Trace, est.StdErr, exact)
	}
}

func TestTraceSettings(t *testing.T) {
	f := cvNonlinear(8, 6, 2)
	x := cvRosenPoint(8, 3)
	p := hvp.At(f, x)
	a, _ := hvp.Trace(p, &hvp.TraceSettings{Seed: 42})
	b, _ := hvp.Trace(p, &hvp.TraceSettings{Seed: 42})
	c, _ := hvp.Trace(p, &hvp.TraceSettings{Seed: 43})
	d, _ := hvp.Trace(p, nil)
	if a != b {
		t.Errorf("same seed, different results: %v, %v", a, b)
	}
	if a == c {
		t.Errorf("seeds 42 and 43 gave the same result %v", a)
	}
	if a.Samples != 100 || d.Samples != 100 {
		t.Errorf("default Samples = %d, %d; want 100", a.Samples, d.Samples)
	}
	one, err := hvp.Trace(p, &hvp.TraceSettings{Samples: 1})
	if err != nil || !math.IsInf(one.StdErr, 1) || one.Samples != 1 {
		t.Errorf("one sample: %+v, %v; want StdErr +Inf", one, err)
	}
	// zᵀIz = n only if every entry of every probe is ±1: n = 130 takes
	// three 64-bit draws per probe, the last one partly.
	id := func(x *graph.Node) *graph.Node { return graph.Scale(graph.Sum(graph.Square(x)), 0.5) }
	if e, _ := hvp.Trace(hvp.At(id, make([]float64, 130)), nil); e.Trace != 130 || e.StdErr != 0 {
		t.Errorf("tr(I₁₃₀) estimated %v ± %v", e.Trace, e.StdErr)
	}

	if _, err := hvp.Trace(&cvNaNOp{n: 5, from: 4}, nil); !errors.Is(err, hvp.ErrNonFinite) {
		t.Errorf("NaN product: err = %v, want ErrNonFinite", err)
	}
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"negative Samples", func() { hvp.Trace(p, &hvp.TraceSettings{Samples: -1}) }, "hvp: Trace: Samples = -1"},
		{"empty x", func() { hvp.Trace(hvp.At(graphtest.SeedLoss, nil), nil) }, "hvp: At: empty x"},
		{"nil operator", func() { hvp.Trace(nil, nil) }, "hvp: Trace: nil Operator"},
	} {
		if msg := testutil.PanicMessage(tc.f); !strings.HasPrefix(msg, tc.want) {
			t.Errorf("%s: panic %q, want prefix %q", tc.name, msg, tc.want)
		}
	}
}
