package main

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
)

// quick is a shorter run than the default: 2,500 steps at η = 0.2 and 0.4,
// whose bounds 2/η = 10 and 5 the sharpness reaches within it (at the
// default η = 0.1 it takes about 4,600 steps).
func quick(t *testing.T) options {
	o := defaults()
	o.steps, o.rates = 2500, []float64{0.2, 0.4}
	o.plot = filepath.Join(t.TempDir(), "spectrum")
	return o
}

// quickRuns trains at the quick options' rates once for the tests below,
// and analyses the η = 0.2 run.
var quickRuns = sync.OnceValues(func() ([]trainRun, analysis) {
	o := defaults()
	o.steps, o.rates = 2500, []float64{0.2, 0.4}
	d := spirals(200)
	var runs []trainRun
	for _, lr := range o.rates {
		r, err := train(d, lr, o)
		if err != nil {
			panic(err)
		}
		runs = append(runs, r)
	}
	a, err := analyse(d, runs[0], o)
	if err != nil {
		panic(err)
	}
	return runs, a
})

// TestRun runs the example quickly and checks what it claims: the edge of
// stability, the spectrum against the dense eigendecomposition, and the
// plots.
func TestRun(t *testing.T) {
	o := quick(t)
	var out bytes.Buffer
	if err := run(&out, o); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"edge of stability", "η = 0.2: λ_max reached 0.9·2/η", "top eigenvalues", "Hutch++",
		"spectral density", "filter-normalised", "plane of u₁", "wrote " + o.plot + "-density.png"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	for _, f := range []string{"-sharpness.png", "-density.png", "-landscape.png"} {
		b, err := os.ReadFile(o.plot + f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if c := testutil.Colours(img, 4); c < 8 {
			t.Errorf("%s: only %d colours: blank?", f, c)
		}
	}
}

// TestEdgeOfStability checks the sharpness curves: λ_max starts below 2/η
// at η = 0.2 and rises to it, and at both rates, once there, hovers
// around 2/η, neither diverging nor settling far below.
func TestEdgeOfStability(t *testing.T) {
	o := quick(t)
	runs, _ := quickRuns()
	for _, r := range runs {
		lr := r.LR
		bound := 2 / lr
		if r.Reached < 0 || r.Hover < 0.85 || r.Hover > 1.2 || r.HoverMax > 1.5 {
			t.Errorf("η = %v: reached at %d, hovering at %.3f (%.3f–%.3f) of 2/η", lr, r.Reached, r.Hover, r.HoverMin, r.HoverMax)
		}
		if lr == 0.2 && !(r.Curve[0].LambdaMax < 0.6*bound && r.Reached > 0) {
			t.Errorf("η = 0.2: λ_max starts at %v (2/η = %v), reached at step %d: no progressive sharpening", r.Curve[0].LambdaMax, bound, r.Reached)
		}
		if len(r.Curve) != o.steps/o.every+1 {
			t.Errorf("η = %v: %d estimates, want %d", lr, len(r.Curve), o.steps/o.every+1)
		}
	}
}

// TestAnalysis checks the spectral tools of the example against the exact
// spectrum at the trained point.
func TestAnalysis(t *testing.T) {
	_, a := quickRuns()
	n := a.Dim
	for i, v := range a.Top.Values {
		if want := a.Exact[n-5+i]; math.Abs(v-want) > 1e-6*a.Exact[n-1] {
			t.Errorf("λ_%d: Lanczos %v, exact %v", 5-i, v, want)
		}
	}
	if math.Abs(a.Min.Values[0]-a.Exact[0]) > 1e-6*a.Exact[n-1] {
		t.Errorf("λ_min: Lanczos %v, exact %v", a.Min.Values[0], a.Exact[0])
	}
	if math.Abs(a.Mass-1) > 1e-4 || a.L1 > 0.05 {
		t.Errorf("density: mass %v, L1 distance to the exact %v", a.Mass, a.L1)
	}
	if e := math.Abs(a.HutchPP.Trace - a.TraceExact); e > 5*a.HutchPP.StdErr {
		t.Errorf("Hutch++ %v ± %v, exact trace %v", a.HutchPP.Trace, a.HutchPP.StdErr, a.TraceExact)
	}
	if e := math.Abs(a.Hutch.Trace - a.TraceExact); e > 5*a.Hutch.StdErr {
		t.Errorf("Hutchinson %v ± %v, exact trace %v", a.Hutch.Trace, a.Hutch.StdErr, a.TraceExact)
	}
	// The loss along u₁ agrees with its quadratic model near the point.
	mid := len(a.LineT) / 2
	for _, k := range []int{mid - 3, mid + 3} {
		if e := math.Abs(a.LineTop[k] - a.LineModel[k]); e > 0.02*(a.LineTop[k]-a.LineTop[mid]) {
			t.Errorf("t = %v: loss %v, quadratic model %v", a.LineT[k], a.LineTop[k], a.LineModel[k])
		}
	}
}

// TestFitPath trains at η = 0.2 through nn.Fit with FitSettings.Sharpness:
// the same gradient descent as through optim.Minimize, so the curves agree
// while the run is not yet at the edge of stability (where it is chaotic,
// and rounding differences grow), and it shows the same edge of
// stability.
func TestFitPath(t *testing.T) {
	o := quick(t)
	runs, _ := quickRuns()
	viaMinimize := runs[0]
	r, err := trainFit(spirals(200), viaMinimize.LR, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Curve) != len(viaMinimize.Curve) {
		t.Fatalf("%d estimates through Fit, %d through Minimize", len(r.Curve), len(viaMinimize.Curve))
	}
	for i, p := range r.Curve {
		q := viaMinimize.Curve[i]
		if p.Step != q.Step || (q.Step < viaMinimize.Reached/2 && (math.Abs(p.LambdaMax-q.LambdaMax) > 1e-3*q.LambdaMax || math.Abs(p.Loss-q.Loss) > 1e-9)) {
			t.Errorf("step %d: λ_max %v, loss %v through Fit; %v, %v through Minimize", p.Step, p.LambdaMax, p.Loss, q.LambdaMax, q.Loss)
		}
	}
	if r.Reached < 0 || r.Hover < 0.85 || r.Hover > 1.2 || r.HoverMax > 1.5 {
		t.Errorf("reached at %d, hovering at %.3f (%.3f–%.3f) of 2/η", r.Reached, r.Hover, r.HoverMin, r.HoverMax)
	}
	t.Logf("through Fit: reached at step %d (Minimize: %d), hovering at %.3f (%.3f)", r.Reached, viaMinimize.Reached, r.Hover, viaMinimize.Hover)
}
