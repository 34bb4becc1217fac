package hvp_test

import (
	"math"
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

// TestClassifySeed is the seeds' worked example, L = (1 − w₁w₂)², on both
// paths (dense, and Lanczos forced by DenseMax < 0).
func TestClassifySeed(t *testing.T) {
	inv := 1 / math.Sqrt2
	for _, tc := range []struct {
		name       string
		x          []float64
		kind       hvp.Kind
		critical   bool
		eig        []float64 // exact, ascending
		escape     []float64 // exact (sign included), nil for none
		gradInf    float64
		gradTwoSq  float64 // ‖g‖₂²
		value      float64
		eigAbsTol  float64
		escapeNote string
	}{
		// The critical point of the seeds: g = 0, H = [[0, −2], [−2, 0]].
		// gᵀu = 0, so the sign convention picks +[1, 1]/√2.
		{name: "saddle(0,0)", x: []float64{0, 0}, kind: hvp.Saddle, critical: true,
			eig: []float64{-2, 2}, escape: []float64{inv, inv}, value: 1},
		// On the valley of minima w₁w₂ = 1: H = [[2, 2], [2, 2]], singular
		// along the valley direction [1, −1].
		{name: "valley(1,1)", x: []float64{1, 1}, kind: hvp.Inconclusive, critical: true,
			eig: []float64{0, 4}, value: 0},
		{name: "valley(2,0.5)", x: []float64{2, 0.5}, kind: hvp.Inconclusive, critical: true,
			eig: []float64{0, 8.5}, value: 0},
		// Not critical: g = [−0.75, −0.75], H = [[0.5, −1], [−1, 0.5]] with
		// eigenvalues −0.5 (along [1, 1]) and 1.5; gᵀu < 0 for +[1, 1].
		{name: "slope(0.5,0.5)", x: []float64{0.5, 0.5}, kind: hvp.Saddle, critical: false,
			eig: []float64{-0.5, 1.5}, escape: []float64{inv, inv}, gradInf: 0.75, gradTwoSq: 2 * 0.75 * 0.75, value: 0.5625},
		// Not critical: at (−0.5, −0.5), g = [0.75, 0.75] and H is the same,
		// so gᵀu ≤ 0 now needs −[1, 1]/√2.
		{name: "slope(-0.5,-0.5)", x: []float64{-0.5, -0.5}, kind: hvp.Saddle, critical: false,
			eig: []float64{-0.5, 1.5}, escape: []float64{-inv, -inv}, gradInf: 0.75, gradTwoSq: 2 * 0.75 * 0.75, value: 0.5625},
	} {
		for _, path := range []struct {
			name     string
			denseMax int
			tol      float64 // eigenvalue and escape accuracy
		}{{"dense", 0, 1e-15}, {"lanczos", -1, 1e-12}} {
			t.Run(tc.name+"/"+path.name, func(t *testing.T) {
				x := append([]float64(nil), tc.x...)
				c := hvp.Classify(hvp.At(graphtest.SeedLoss, x), &hvp.ClassifySettings{DenseMax: path.denseMax})
				if !floats.Equal(x, tc.x) {
					t.Fatal("x was modified")
				}
				if c.Kind != tc.kind || c.Critical != tc.critical {
					t.Errorf("Kind, Critical = %v, %v; want %v, %v", c.Kind, c.Critical, tc.kind, tc.critical)
				}
				if c.Dense != (path.denseMax == 0) || !c.Converged {
					t.Errorf("Dense = %v, Converged = %v", c.Dense, c.Converged)
				}
				if math.Abs(c.Value-tc.value) > 1e-15 || math.Abs(c.GradNormInf-tc.gradInf) > 1e-15 ||
					math.Abs(c.GradNorm2*c.GradNorm2-tc.gradTwoSq) > 1e-15 {
					t.Errorf("f = %v, ‖g‖∞ = %v, ‖g‖₂ = %v; want %v, %v, %v", c.Value, c.GradNormInf, c.GradNorm2, tc.value, tc.gradInf, math.Sqrt(tc.gradTwoSq))
				}
				// The eigenvalues against the analytic Hessian's.
				want := cvDenseEigen(t, cvSeedHessian(tc.x[0], tc.x[1]))
				if math.Abs(want[0]-tc.eig[0]) > 1e-15 || math.Abs(want[1]-tc.eig[1]) > 1e-14 {
					t.Fatalf("test table: analytic eigenvalues %v, table %v", want, tc.eig)
				}
				if math.Abs(c.MinEigenvalue-tc.eig[0]) > path.tol*4 || math.Abs(c.MaxEigenvalue-tc.eig[1]) > path.tol*4 {
					t.Errorf("λ_min, λ_max = %.17g, %.17g; want %v", c.MinEigenvalue, c.MaxEigenvalue, tc.eig)
				}
				if c.Dense && !floats.EqualApprox(c.Eigenvalues, tc.eig, 4*path.tol) {
					t.Errorf("Eigenvalues = %v, want %v", c.Eigenvalues, tc.eig)
				}
				if !c.Dense && c.Eigenvalues != nil {
					t.Errorf("Lanczos path returned all eigenvalues %v", c.Eigenvalues)
				}
				if tc.escape == nil {
					if c.Escape != nil {
						t.Errorf("Escape = %v, want nil", c.Escape)
					}
					return
				}
				if !floats.EqualApprox(c.Escape, tc.escape, 10*path.tol) {
					t.Errorf("Escape = %.17g, want %v", c.Escape, tc.escape)
				}
				// The escape direction lowers f: a step of 0.1 along it.
				f0, _ := ad.ValueAndGrad(graphtest.SeedLoss, tc.x)
				step := append([]float64(nil), tc.x...)
				floats.AddScaled(step, 0.1, c.Escape)
				if f1, _ := ad.ValueAndGrad(graphtest.SeedLoss, step); !(f1 < f0) {
					t.Errorf("f(x + 0.1·escape) = %v ≥ f(x) = %v", f1, f0)
				}
			})
		}
	}
}

func TestClassifySeedExact(t *testing.T) {
	// "Eigenvalues exactly −2 and 2": the AD Hessian is exact in floating
	// point and mat.EigenSym returns ±2 to the last bit.
	h := hvp.Hessian(graphtest.SeedLoss, []float64{0, 0})
	if !mat.Equal(h, cvSeedHessian(0, 0)) {
		t.Errorf("Hessian at (0,0) = %v, want [[0 −2] [−2 0]]", mat.Formatted(h))
	}
	c := hvp.Classify(hvp.At(graphtest.SeedLoss, []float64{0, 0}), nil)
	if c.Eigenvalues[0] != -2 || c.Eigenvalues[1] != 2 {
		t.Errorf("eigenvalues %.17g, want exactly −2 and 2", c.Eigenvalues)
	}
	if c.HVPs != 2+2 || c.GradNormInf != 0 || c.GradNorm2 != 0 { // the Hessian and the ρ estimate
		t.Errorf("HVPs = %d, ‖g‖ = %v, %v", c.HVPs, c.GradNormInf, c.GradNorm2)
	}
}

// cvDiagQuartic returns f(x) = Σ cᵢxᵢ² + Σ dᵢxᵢ⁴ + e·x₀³, whose Hessian at 0
// is diag(2c).
func cvDiagQuartic(c, d []float64, e float64) ad.Func {
	return func(x *graph.Node) *graph.Node {
		tp := x.Tape()
		sq := graph.Square(x)
		f := graph.Add(graph.Sum(graph.Mul(tp.Const(tensor.FromSlice(c)), sq)),
			graph.Sum(graph.Mul(tp.Const(tensor.FromSlice(d)), graph.Square(sq))))
		return graph.Add(f, graph.Scale(graph.Pow(graph.Index(x, 0), 3), e))
	}
}

func TestClassifyKinds(t *testing.T) {
	negSq := func(x *graph.Node) *graph.Node { return graph.Neg(graph.Sum(graph.Square(x))) }
	shifted := func(x *graph.Node) *graph.Node { return graph.Sum(graph.Square(graph.AddScalar(x, -1))) }
	affine := func(x *graph.Node) *graph.Node { return graph.Scale(graph.Sum(x), 3) }
	mixed := func(n int) []float64 { // coefficients 1..n with every third negated
		c := make([]float64, n)
		for i := range c {
			c[i] = float64(i%7 + 1)
			if i%3 == 0 {
				c[i] = -c[i]
			}
		}
		return c
	}
	rosenMin, rosenMax := cvRosenExtremes([]float64{1, 1})
	for _, tc := range []struct {
		name             string
		f                ad.Func
		x                []float64
		settings         *hvp.ClassifySettings
		kind             hvp.Kind
		critical         bool
		lmin, lmax       float64
		dense, hasEscape bool
	}{
		{name: "max -|x|² n3", f: negSq, x: make([]float64, 3), kind: hvp.Maximum, critical: true, lmin: -2, lmax: -2, dense: true, hasEscape: true},
		{name: "max -|x|² n300", f: negSq, x: make([]float64, 300), kind: hvp.Maximum, critical: true, lmin: -2, lmax: -2, hasEscape: true},
		{name: "min rosenbrock (1,1)", f: graphtest.ExtRosenbrock, x: []float64{1, 1}, kind: hvp.Minimum, critical: true, lmin: rosenMin, lmax: rosenMax, dense: true},
		{name: "min rosenbrock n400 lanczos", f: graphtest.ExtRosenbrock, x: cvOnes(400), kind: hvp.Minimum, critical: true, lmin: rosenMin, lmax: rosenMax},
		{name: "min cond5", f: cvQuadratic(cvCond5), x: []float64{0, 0}, kind: hvp.Minimum, critical: true, lmin: 1, lmax: 5, dense: true},
		{name: "min cond5 lanczos", f: cvQuadratic(cvCond5), x: []float64{0, 0}, settings: &hvp.ClassifySettings{DenseMax: -1}, kind: hvp.Minimum, critical: true, lmin: 1, lmax: 5},
		{name: "saddle n500 lanczos", f: cvDiagQuartic(mixed(500), make([]float64, 500), 0), x: make([]float64, 500), kind: hvp.Saddle, critical: true, lmin: -14, lmax: 14, hasEscape: true},
		{name: "saddle n50 dense", f: cvDiagQuartic(mixed(50), make([]float64, 50), 0), x: make([]float64, 50), kind: hvp.Saddle, critical: true, lmin: -14, lmax: 14, dense: true, hasEscape: true},
		// x₀⁴ + x₁²: a true minimum that second derivatives cannot see.
		{name: "inconclusive x0^4+x1^2", f: cvDiagQuartic([]float64{0, 1}, []float64{1, 0}, 0), x: []float64{0, 0}, kind: hvp.Inconclusive, critical: true, lmin: 0, lmax: 2, dense: true},
		// x₀³ + x₁²: not a minimum, same Hessian.
		{name: "inconclusive x0^3+x1^2", f: cvDiagQuartic([]float64{0, 1}, []float64{0, 0}, 1), x: []float64{0, 0}, kind: hvp.Inconclusive, critical: true, lmin: 0, lmax: 2, dense: true},
		// −x₀⁴ − x₁²: semidefinite from the other side.
		{name: "inconclusive -x0^4-x1^2 lanczos", f: cvDiagQuartic([]float64{0, -1}, []float64{-1, 0}, 0), x: []float64{0, 0}, settings: &hvp.ClassifySettings{DenseMax: -1}, kind: hvp.Inconclusive, critical: true, lmin: -2, lmax: 0, hasEscape: true},
		// An eigenvalue 1e-10 of a Hessian of norm 2: inside the default
		// relative band 1e-8·2, so zero; with RelTol 1e-12 it counts.
		{name: "tiny eigenvalue is zero", f: cvDiagQuartic([]float64{5e-11, 1}, []float64{0, 0}, 0), x: []float64{0, 0}, kind: hvp.Inconclusive, critical: true, lmin: 1e-10, lmax: 2, dense: true},
		{name: "tiny eigenvalue RelTol 1e-12", f: cvDiagQuartic([]float64{5e-11, 1}, []float64{0, 0}, 0), x: []float64{0, 0}, settings: &hvp.ClassifySettings{RelTol: 1e-12}, kind: hvp.Minimum, critical: true, lmin: 1e-10, lmax: 2, dense: true},
		// Not critical points: the curvature is still classified.
		{name: "not critical convex", f: shifted, x: make([]float64, 4), kind: hvp.Minimum, critical: false, lmin: 2, lmax: 2, dense: true},
		{name: "affine H=0", f: affine, x: []float64{1, 2, 3}, kind: hvp.Inconclusive, critical: false, lmin: 0, lmax: 0, dense: true},
		{name: "affine H=0 lanczos", f: affine, x: []float64{1, 2, 3}, settings: &hvp.ClassifySettings{DenseMax: -1}, kind: hvp.Inconclusive, critical: false, lmin: 0, lmax: 0},
		// ‖g‖∞ = 1e-7 passes the default GradTol 1e-6, fails 1e-8.
		{name: "nearly critical", f: shifted, x: []float64{1 + 5e-8, 1}, kind: hvp.Minimum, critical: true, lmin: 2, lmax: 2, dense: true},
		{name: "nearly critical strict", f: shifted, x: []float64{1 + 5e-8, 1}, settings: &hvp.ClassifySettings{GradTol: 1e-8}, kind: hvp.Minimum, critical: false, lmin: 2, lmax: 2, dense: true},
		// ‖g‖∞ = 5e-7 ≤ GradTol but ‖g‖₂ = 5e-6: the test is on ‖g‖∞.
		{name: "critical by inf-norm", f: shifted, x: cvFill(100, 1+2.5e-7), kind: hvp.Minimum, critical: true, lmin: 2, lmax: 2, dense: true},
		{name: "max n1", f: negSq, x: []float64{0}, kind: hvp.Maximum, critical: true, lmin: -2, lmax: -2, dense: true, hasEscape: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := hvp.Classify(hvp.At(tc.f, tc.x), tc.settings)
			if c.Kind != tc.kind || c.Critical != tc.critical || c.Dense != tc.dense {
				t.Errorf("Kind, Critical, Dense = %v, %v, %v; want %v, %v, %v", c.Kind, c.Critical, c.Dense, tc.kind, tc.critical, tc.dense)
			}
			scale := math.Max(1, math.Max(math.Abs(tc.lmin), math.Abs(tc.lmax)))
			if math.Abs(c.MinEigenvalue-tc.lmin) > 1e-9*scale || math.Abs(c.MaxEigenvalue-tc.lmax) > 1e-9*scale {
				t.Errorf("λ_min, λ_max = %.15g, %.15g; want %.15g, %.15g", c.MinEigenvalue, c.MaxEigenvalue, tc.lmin, tc.lmax)
			}
			if (c.Escape != nil) != tc.hasEscape {
				t.Errorf("Escape = %v, want one: %v", c.Escape, tc.hasEscape)
			}
			if c.Escape != nil {
				// A unit eigenvector of λ_min, and a direction of descent
				// to first order.
				if nu := floats.Norm(c.Escape, 2); math.Abs(nu-1) > 1e-12 {
					t.Errorf("‖Escape‖ = %v", nu)
				}
				if r := cvResidual(hvp.At(tc.f, tc.x), c.MinEigenvalue, c.Escape); r > 1e-7*scale {
					t.Errorf("Escape is not an eigenvector of λ_min: residual %v", r)
				}
				if floats.Dot(c.Grad, c.Escape) > 0 {
					t.Error("gᵀEscape > 0")
				}
			}
			if c.Dense && len(c.Eigenvalues) != len(tc.x) {
				t.Errorf("%d eigenvalues for n = %d", len(c.Eigenvalues), len(tc.x))
			}
			wantHVPs := len(tc.x) + 2 // the Hessian, and the two of the ρ estimate
			if tc.settings != nil && tc.settings.RelTol > 0 {
				wantHVPs = len(tc.x)
			}
			if !c.Dense {
				wantHVPs = c.HVPs // Lanczos: positive and not more than the default budget
				if c.HVPs < 1 || c.HVPs > 1000 {
					t.Errorf("HVPs = %d", c.HVPs)
				}
			}
			if c.HVPs != wantHVPs {
				t.Errorf("HVPs = %d, want %d", c.HVPs, wantHVPs)
			}
			// The default tolerance is the ε-SOSP threshold with ε = GradTol
			// = 1e-6: max(√(ρ·1e-6), 1e-8·‖H‖, 1e-12).
			norm := math.Max(math.Abs(c.MinEigenvalue), math.Abs(c.MaxEigenvalue))
			if want := math.Max(math.Max(math.Sqrt(c.Rho*1e-6), 1e-8*norm), 1e-12); tc.settings == nil && c.Tol != want {
				t.Errorf("Tol = %v, want %v (ρ = %v)", c.Tol, want, c.Rho)
			}
		})
	}
}

func cvOnes(n int) []float64 { return cvFill(n, 1) }

func cvFill(n int, v float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = v
	}
	return x
}

// TestClassifyDenseVsLanczos classifies random nonlinear functions at
// random points both ways; the two paths must agree.
func TestClassifyDenseVsLanczos(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		n := int(5 + 7*seed)
		f := cvNonlinear(n, n+3, seed)
		x := cvRosenPoint(n+n%2, seed)[:n] // any fixed point will do
		d := hvp.Classify(hvp.At(f, x), nil)
		l := hvp.Classify(hvp.At(f, x), &hvp.ClassifySettings{DenseMax: -1})
		if !d.Dense || l.Dense {
			t.Fatalf("seed %d: paths Dense = %v, %v", seed, d.Dense, l.Dense)
		}
		scale := math.Max(math.Abs(d.MinEigenvalue), math.Abs(d.MaxEigenvalue))
		if d.Kind != l.Kind || math.Abs(d.MinEigenvalue-l.MinEigenvalue) > 1e-8*scale || math.Abs(d.MaxEigenvalue-l.MaxEigenvalue) > 1e-8*scale {
			t.Errorf("seed %d: dense %v [%v, %v], Lanczos %v [%v, %v]", seed, d.Kind, d.MinEigenvalue, d.MaxEigenvalue, l.Kind, l.MinEigenvalue, l.MaxEigenvalue)
		}
		// The Lanczos path's default residual tolerance RelTol/10 = 1e-9
		// relative: its escape direction is an eigenvector to that accuracy.
		if l.Escape != nil {
			if r := cvResidual(hvp.At(f, x), l.MinEigenvalue, l.Escape); r > 2e-9*scale {
				t.Errorf("seed %d: Lanczos escape residual %.3g > 2e-9·‖H‖", seed, r)
			}
		}
		if (d.Escape == nil) != (l.Escape == nil) {
			t.Errorf("seed %d: escape %v vs %v", seed, d.Escape, l.Escape)
		} else if d.Escape != nil && math.Abs(math.Abs(floats.Dot(d.Escape, l.Escape))-1) > 1e-6 {
			t.Errorf("seed %d: escape directions differ: |cos| = %v", seed, math.Abs(floats.Dot(d.Escape, l.Escape)))
		}
	}
}

func TestClassifyUnconverged(t *testing.T) {
	// A positive definite diagonal with a clustered spectrum: 6 products
	// cannot certify the minimum, so the answer is Inconclusive and says
	// it did not converge.
	const n = 400
	c := make([]float64, n)
	for i := range c {
		c[i] = 1 + float64(i)/n
	}
	f := cvDiagQuartic(c, make([]float64, n), 0)
	budget := &hvp.ClassifySettings{DenseMax: -1, Lanczos: &hvp.LanczosSettings{MaxHVPs: 6, MaxBasis: 4}}
	cl := hvp.Classify(hvp.At(f, make([]float64, n)), budget)
	if cl.Converged || cl.Kind != hvp.Inconclusive || cl.HVPs != 6+2 {
		t.Errorf("Converged %v, Kind %v, HVPs %d; want false, inconclusive, 6+2", cl.Converged, cl.Kind, cl.HVPs)
	}
	// The same budget still proves a saddle, because Ritz values bound
	// the extreme eigenvalues from inside.
	c[0], c[n-1] = -3, 3
	cl = hvp.Classify(hvp.At(cvDiagQuartic(c, make([]float64, n), 0), make([]float64, n)), budget)
	if cl.Kind != hvp.Saddle {
		t.Errorf("saddle with budget: Kind %v, Converged %v, λ = [%v, %v]", cl.Kind, cl.Converged, cl.MinEigenvalue, cl.MaxEigenvalue)
	}
	// With the default budget the minimum is found.
	c[0], c[n-1] = 1, 2-1.0/n
	cl = hvp.Classify(hvp.At(f, make([]float64, n)), &hvp.ClassifySettings{DenseMax: -1})
	if !cl.Converged || cl.Kind != hvp.Minimum {
		t.Errorf("default budget: Converged %v, Kind %v after %d HVPs", cl.Converged, cl.Kind, cl.HVPs)
	}
}

func TestClassifyNotFinite(t *testing.T) {
	logSum := func(x *graph.Node) *graph.Node { return graph.Sum(graph.Log(x)) }
	sqrtSum := func(x *graph.Node) *graph.Node { return graph.Sum(graph.Sqrt(x)) }
	for _, tc := range []struct {
		name     string
		f        ad.Func
		x        []float64
		denseMax int
	}{
		{"NaN value", logSum, []float64{-1, 1}, 0},
		{"Inf gradient", sqrtSum, []float64{0, 1}, 0},
		{"Inf gradient lanczos", sqrtSum, []float64{0, 1}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := hvp.Classify(hvp.At(tc.f, tc.x), &hvp.ClassifySettings{DenseMax: tc.denseMax})
			if c.Kind != hvp.NotFinite || c.Critical {
				t.Errorf("Kind %v, Critical %v; want not finite, false", c.Kind, c.Critical)
			}
		})
	}
	// A finite gradient but a Hessian with Inf: f = x₀·|x₀|^{1.5}... use
	// x^1.5, whose second derivative 0.75·x^−0.5 is Inf at 0 while its
	// gradient 1.5·x^0.5 is 0.
	pow := func(x *graph.Node) *graph.Node { return graph.Sum(graph.Pow(x, 1.5)) }
	for _, dm := range []int{0, -1} {
		c := hvp.Classify(hvp.At(pow, []float64{0, 1}), &hvp.ClassifySettings{DenseMax: dm})
		if c.Kind != hvp.NotFinite {
			t.Errorf("DenseMax %d: Inf in the Hessian gave %v (λ = [%v, %v])", dm, c.Kind, c.MinEigenvalue, c.MaxEigenvalue)
		}
	}
}

func TestClassifyPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float64
		s    *hvp.ClassifySettings
		want string
	}{
		{"empty x", nil, nil, "hvp: At: empty x"},
		{"negative GradTol", []float64{0, 0}, &hvp.ClassifySettings{GradTol: -1}, "hvp: Classify: GradTol = -1"},
		{"NaN RelTol", []float64{0, 0}, &hvp.ClassifySettings{RelTol: math.NaN()}, "hvp: Classify: RelTol = NaN"},
		{"Inf AbsTol", []float64{0, 0}, &hvp.ClassifySettings{AbsTol: math.Inf(1)}, "hvp: Classify: AbsTol = +Inf"},
		{"bad Lanczos settings", []float64{0, 0}, &hvp.ClassifySettings{DenseMax: -1, Lanczos: &hvp.LanczosSettings{MaxHVPs: -1}}, "hvp: Lanczos: MaxHVPs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if msg := testutil.PanicMessage(func() { hvp.Classify(hvp.At(graphtest.SeedLoss, tc.x), tc.s) }); !strings.HasPrefix(msg, tc.want) {
				t.Errorf("panic %q, want prefix %q", msg, tc.want)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[hvp.Kind]string{
		hvp.Inconclusive: "inconclusive", hvp.Minimum: "minimum", hvp.Maximum: "maximum",
		hvp.Saddle: "saddle", hvp.NotFinite: "not finite", hvp.Kind(42): "Kind(42)",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

// TestClassifyCertifiesDefinite: a converged Ritz value proves nothing about
// the part of the spectrum its Krylov space never reached. Started
// orthogonal to the eigenvector of λ_min = −1, Lanczos converges on the
// cluster [2, 4] and would call the point a minimum; the certificate run
// from a random start finds the −1 and the verdict is Saddle, with its
// escape direction. Without the hidden eigenvalue the Minimum stands.
func TestClassifyCertifiesDefinite(t *testing.T) {
	const n = 300
	c := make([]float64, n)
	for i := range c {
		c[i] = 1 + float64(i)/n
	}
	start := make([]float64, n)
	for i := 1; i < n; i++ {
		start[i] = 1
	}
	settings := &hvp.ClassifySettings{DenseMax: -1, Lanczos: &hvp.LanczosSettings{Start: start}}
	x := make([]float64, n)
	cl := hvp.Classify(hvp.At(cvDiagQuartic(c, make([]float64, n), 0), x), settings)
	if cl.Kind != hvp.Minimum || !cl.Converged || math.Abs(cl.MinEigenvalue-2) > 0.01 {
		t.Errorf("positive definite: Kind %v, Converged %v, λ_min %v; want a certified minimum at 2", cl.Kind, cl.Converged, cl.MinEigenvalue)
	}
	c[0] = -0.5
	cl = hvp.Classify(hvp.At(cvDiagQuartic(c, make([]float64, n), 0), x), settings)
	// The probe stops once the Rayleigh quotient of its vector proves the
	// saddle: MinEigenvalue is that quotient, an upper bound on −1.
	if cl.Kind != hvp.Saddle || !(cl.MinEigenvalue < -cl.Tol) || !(cl.MinEigenvalue >= -1) || cl.Escape == nil {
		t.Fatalf("hidden −1: Kind %v, λ_min %v, escape %v; want Saddle", cl.Kind, cl.MinEigenvalue, cl.Escape != nil)
	}
	var q float64 // the Rayleigh quotient of Escape
	for i, u := range cl.Escape {
		q += 2 * c[i] * u * u
	}
	if math.Abs(q-cl.MinEigenvalue) > 1e-12 {
		t.Errorf("Rayleigh quotient of Escape %v, MinEigenvalue %v", q, cl.MinEigenvalue)
	}
	// A budget too small for the certificate: Inconclusive, not Minimum.
	c[0] = 1
	small := &hvp.ClassifySettings{DenseMax: -1, Lanczos: &hvp.LanczosSettings{Start: start, MaxHVPs: 40}}
	cl = hvp.Classify(hvp.At(cvDiagQuartic(c, make([]float64, n), 0), x), small)
	if cl.Kind == hvp.Minimum && cl.Converged {
		t.Logf("budget 40 sufficed (%d HVPs)", cl.HVPs)
	} else if cl.Kind != hvp.Inconclusive || cl.Converged {
		t.Errorf("small budget: Kind %v, Converged %v", cl.Kind, cl.Converged)
	}
}
