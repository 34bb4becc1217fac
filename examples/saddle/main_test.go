package main

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/optim"
)

// sqrtHalf is 1/√2.
var sqrtHalf = 1 / math.Sqrt2

// exactL, exactGrad and exactHess are L(w) = (1 − w1·w2·x)² and its
// derivatives by hand, the reference for the example's numbers.
func exactL(x float64, w []float64) float64 {
	e := 1 - w[0]*w[1]*x
	return e * e
}

func exactGrad(x float64, w []float64) []float64 {
	e := 1 - w[0]*w[1]*x
	return []float64{-2 * e * w[1] * x, -2 * e * w[0] * x}
}

func exactHess(x float64, w []float64) [2][2]float64 {
	off := x * (4*w[0]*w[1]*x - 2)
	return [2][2]float64{{2 * x * x * w[1] * w[1], off}, {off, 2 * x * x * w[0] * w[0]}}
}

func TestSaddleAtOrigin(t *testing.T) {
	p := analyse(1, []float64{0, 0})
	if p.Value != 1 || p.Grad[0] != 0 || p.Grad[1] != 0 {
		t.Fatalf("L = %v, ∇L = %v at (0,0), want 1 and [0 0] exactly", p.Value, p.Grad)
	}
	want := [2][2]float64{{0, -2}, {-2, 0}}
	for i := range 2 {
		for j := range 2 {
			if got := p.Hessian.At(i, j); got != want[i][j] {
				t.Errorf("H[%d][%d] = %v, want %v exactly", i, j, got, want[i][j])
			}
		}
	}
	if ev := p.Class.Eigenvalues; len(ev) != 2 || ev[0] != -2 || ev[1] != 2 {
		t.Errorf("eigenvalues %v, want [-2 2] exactly", ev)
	}
	if p.Class.Kind != hvp.Saddle || !p.Class.Critical {
		t.Errorf("Classify: kind %v, critical %v; want saddle, critical", p.Class.Kind, p.Class.Critical)
	}
	if got := verdict(p.Class); got != "saddle point" {
		t.Errorf("verdict %q, want %q", got, "saddle point")
	}
	u := p.Class.Escape
	if u == nil || math.Abs(math.Abs(u[0])-sqrtHalf) > 1e-12 || math.Abs(u[1]-u[0]) > 1e-12 {
		t.Errorf("escape direction %v, want ±[1 1]/√2", u)
	}
}

// TestAnalyseAgainstExact checks value, gradient, Hessian and eigenvalues
// at several points and inputs x against the hand-derived formulas.
func TestAnalyseAgainstExact(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		w    []float64
		kind hvp.Kind
	}{
		{x: 1, w: []float64{0, 0}, kind: hvp.Saddle},
		{x: 2, w: []float64{0, 0}, kind: hvp.Saddle},
		{x: -0.5, w: []float64{0, 0}, kind: hvp.Saddle},
		{x: 1, w: []float64{1, 1}, kind: hvp.Inconclusive}, // a valley of minima: eigenvalues 0 and 4
		{x: 1, w: []float64{0.5, -0.3}, kind: hvp.Saddle},  // not critical; H indefinite
		{x: 2, w: []float64{0.5, 0.5}, kind: hvp.Minimum},  // not critical; H positive definite (1/3 < w1·w2·x < 1)
	} {
		p := analyse(tc.x, tc.w)
		g, h := exactGrad(tc.x, tc.w), exactHess(tc.x, tc.w)
		close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
		if !close(p.Value, exactL(tc.x, tc.w)) || !close(p.Grad[0], g[0]) || !close(p.Grad[1], g[1]) {
			t.Errorf("x=%v w=%v: L = %v, ∇L = %v; want %v, %v", tc.x, tc.w, p.Value, p.Grad, exactL(tc.x, tc.w), g)
		}
		for i := range 2 {
			for j := range 2 {
				if !close(p.Hessian.At(i, j), h[i][j]) {
					t.Errorf("x=%v w=%v: H[%d][%d] = %v, want %v", tc.x, tc.w, i, j, p.Hessian.At(i, j), h[i][j])
				}
			}
		}
		// Eigenvalues of the symmetric 2×2 [[a b] [b c]] in closed form.
		a, b, c := h[0][0], h[0][1], h[1][1]
		r := math.Hypot((a-c)/2, b)
		lo, hi := (a+c)/2-r, (a+c)/2+r
		if ev := p.Class.Eigenvalues; !close(ev[0], lo) || !close(ev[1], hi) {
			t.Errorf("x=%v w=%v: eigenvalues %v, want [%v %v]", tc.x, tc.w, ev, lo, hi)
		}
		if p.Class.Kind != tc.kind {
			t.Errorf("x=%v w=%v: kind %v, want %v", tc.x, tc.w, p.Class.Kind, tc.kind)
		}
	}
}

func TestGradientDescent(t *testing.T) {
	// At the saddle every step is exactly zero.
	path := gradientDescent(1, []float64{0, 0}, gdRate, 10)
	if len(path) != 11 {
		t.Fatalf("%d iterates, want 11", len(path))
	}
	for k, it := range path {
		if it.W[0] != 0 || it.W[1] != 0 || it.Loss != 1 || it.GradNorm != 0 {
			t.Fatalf("step %d: w = %v, L = %v, ‖∇L‖ = %v; want (0,0), 1, 0", k, it.W, it.Loss, it.GradNorm)
		}
	}
	if moved(path) {
		t.Error("moved reports movement at the saddle")
	}
	// Just off it, the same iteration escapes along u and reaches the
	// valley: the component along [1,1] grows by 1 + 2·lr per step.
	path = gradientDescent(1, []float64{0.01, -0.005}, gdRate, 200)
	last := path[len(path)-1]
	if !moved(path) || last.Loss > 1e-12 || math.Abs(last.W[0]*last.W[1]-1) > 1e-6 {
		t.Errorf("from (0.01,-0.005): last iterate %v, L = %v; want w1·w2 = 1", last.W, last.Loss)
	}
	// The first step is w − lr·∇L, by hand.
	g := exactGrad(1, []float64{0.01, -0.005})
	if w := path[1].W; math.Abs(w[0]-(0.01-gdRate*g[0])) > 1e-15 || math.Abs(w[1]-(-0.005-gdRate*g[1])) > 1e-15 {
		t.Errorf("first step to %v, want %v", w, []float64{0.01 - gdRate*g[0], -0.005 - gdRate*g[1]})
	}
}

func TestFirstOrderVerdict(t *testing.T) {
	plain, checked := firstOrderVerdict(1, []float64{0, 0})
	if plain.Status != optim.GradientThreshold || plain.Iterations != 0 {
		t.Errorf("plain gradient descent: %v after %d iterations, want GradientThreshold after 0", plain.Status, plain.Iterations)
	}
	if checked.Status != optim.Saddle || math.Abs(checked.LambdaMin+2) > 1e-6 {
		t.Errorf("with CheckCurvature: %v, λ_min %v; want Saddle, -2", checked.Status, checked.LambdaMin)
	}
}

func TestLossAlong(t *testing.T) {
	ts := []float64{0, 0.5, 1, math.Sqrt2, 2}
	u := []float64{sqrtHalf, sqrtHalf}
	v := []float64{-sqrtHalf, sqrtHalf}
	lu, lv := lossAlong(1, []float64{0, 0}, u, ts), lossAlong(1, []float64{0, 0}, v, ts)
	for i, tt := range ts {
		// Along u, w1·w2 = t²/2: L = (1 − t²/2)², down to 0 at t = √2.
		// Along v, w1·w2 = −t²/2: L = (1 + t²/2)², up.
		if want := math.Pow(1-tt*tt/2, 2); math.Abs(lu[i]-want) > 1e-15 {
			t.Errorf("L(t·u), t=%v: %v, want %v", tt, lu[i], want)
		}
		if want := math.Pow(1+tt*tt/2, 2); math.Abs(lv[i]-want) > 1e-14 {
			t.Errorf("L(t·v), t=%v: %v, want %v", tt, lv[i], want)
		}
	}
}

func TestSaddleEscape(t *testing.T) {
	for _, name := range []string{"newton-cg", "lbfgs", "gd"} {
		for _, x := range []float64{1, 2, -0.5} {
			base, err := baseMethod(name)
			if err != nil {
				t.Fatal(err)
			}
			res, path, err := escapeSaddle(x, []float64{0, 0}, base)
			if err != nil {
				t.Errorf("%s, x=%v: %v", name, x, err)
				continue
			}
			if res.F >= 1e-12 || math.Abs(res.X[0]*res.X[1]*x-1) > 1e-6 {
				t.Errorf("%s, x=%v: L = %v at %v, want < 1e-12 with w1·w2·x = 1", name, x, res.F, res.X)
			}
			if res.Status != optim.SecondOrderStationary || res.Escapes < 1 || !path[1].Escape {
				t.Errorf("%s, x=%v: status %v, %d escapes; want SecondOrderStationary after an escape first", name, x, res.Status, res.Escapes)
			}
			if len(path) != res.Iterations+1 || path[len(path)-1].Loss != res.F {
				t.Errorf("%s, x=%v: path of %d points for %d iterations", name, x, len(path), res.Iterations)
			}
		}
	}
	if _, err := baseMethod("newton"); err == nil {
		t.Error("baseMethod accepted an unknown name")
	}
}

func TestTaylor(t *testing.T) {
	// At the saddle along u: g = 0 and uᵀHu = −2, so the model predicts
	// −t² exactly; the truth is −t² + t⁴/4, an error of fourth order.
	u := []float64{sqrtHalf, sqrtHalf}
	rows := taylorAlong(1, []float64{0, 0}, u, taylorSteps)
	for _, r := range rows {
		if math.Abs(r.Predicted+r.T*r.T) > 1e-15 || math.Abs(r.Actual-(-r.T*r.T+math.Pow(r.T, 4)/4)) > 1e-15 {
			t.Errorf("t=%v: predicted %v, actual %v; want %v, %v", r.T, r.Predicted, r.Actual, -r.T*r.T, -r.T*r.T+math.Pow(r.T, 4)/4)
		}
	}
	for _, o := range errorOrders(rows) {
		if math.Abs(o-4) > 1e-9 {
			t.Errorf("error order %v at the saddle along u, want 4", o)
		}
	}
	// At a generic point the model is exact to second order: its error
	// shrinks like t³, and its value is gᵀd·t + ½t²·dᵀHd by hand.
	w, d := []float64{0.5, -0.3}, []float64{0.6, 0.8}
	ts := []float64{0.02, 0.01, 0.005, 0.0025}
	rows = taylorAlong(1, w, d, ts)
	g, h := exactGrad(1, w), exactHess(1, w)
	gd := g[0]*d[0] + g[1]*d[1]
	dHd := d[0]*(h[0][0]*d[0]+h[0][1]*d[1]) + d[1]*(h[1][0]*d[0]+h[1][1]*d[1])
	for _, r := range rows {
		if want := r.T*gd + r.T*r.T*dHd/2; math.Abs(r.Predicted-want) > 1e-15 {
			t.Errorf("t=%v: predicted %v, want %v", r.T, r.Predicted, want)
		}
		if e := math.Abs(r.Actual - r.Predicted); e > 2*math.Pow(r.T, 3) {
			t.Errorf("t=%v: |actual − predicted| = %v, want O(t³) ≤ %v", r.T, e, 2*math.Pow(r.T, 3))
		}
	}
	for _, o := range errorOrders(rows) {
		if math.Abs(o-3) > 0.1 {
			t.Errorf("error order %v at a generic point, want 3", o)
		}
	}
}

func TestReport(t *testing.T) {
	var buf bytes.Buffer
	if err := run(&buf, options{x: 1, w: []float64{0, 0}, method: "newton-cg"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"∇L          [0 0]",
		"H = ∇²L     [[0 -2] [-2 0]]",
		"eigenvalues -2, 2",
		"hvp.Classify: saddle point",
		"it does not move",
		"optim.GradientDescent: GradientThreshold after 0 iterations; with CheckCurvature: Saddle (λ_min ≈ -2)",
		"u = [0.707107 0.707107] = [1,1]/√2",
		"1.41421  0 ", // L(√2·u) = 0
		"status SecondOrderStationary",
		"final w1·w2·x = 1.0000000000",
		"observed order of the difference, log2 of successive ratios: 4.00, 4.00, 4.00",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if err := run(&buf, options{x: 1, w: []float64{0, 0}, method: "sgd"}); err == nil {
		t.Error("run accepted an unknown method")
	}
}

func TestPlot(t *testing.T) {
	file := filepath.Join(t.TempDir(), "saddle.png")
	var buf bytes.Buffer
	if err := run(&buf, options{x: 1, w: []float64{0, 0}, method: "newton-cg", plot: file}); err != nil {
		t.Fatal(err)
	}
	img := testutil.ReadPNG(t, file)
	if b := img.Bounds(); b.Dx() != 12*plotDPI || b.Dy() != 6.5*plotDPI {
		t.Errorf("image %dx%d, want %dx%d", b.Dx(), b.Dy(), 12*plotDPI, int(6.5*plotDPI))
	}
	// A real picture has many colours: the shading alone has hundreds.
	if n := testutil.Colours(img, 3); n < 200 {
		t.Errorf("only %d distinct colours: is the plot empty?", n)
	}
	// The paths drawn end where the report says.
	ps, err := computePaths(1, []float64{0, 0}, optim.NewtonCG{})
	if err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string][]iterate{"gradient descent": ps.gd, "Newton-CG": ps.newtonCG, "saddle escape": ps.escape} {
		if last := path[len(path)-1]; last.Loss > 1e-8 {
			t.Errorf("%s path ends at L = %v", name, last.Loss)
		}
	}
	if last := ps.newton[len(ps.newton)-1]; math.Hypot(last.W[0], last.W[1]) > 1e-6 {
		t.Errorf("pure Newton from just off the saddle ends at %v, want the saddle", last.W)
	}
	if err := run(&buf, options{x: 1, w: []float64{0, 0}, method: "gd", plot: filepath.Join(t.TempDir(), "no", "such", "dir.png")}); err == nil {
		t.Error("writing the plot into a missing directory did not fail")
	}
}
