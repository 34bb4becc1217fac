package krylov

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/internal/testutil"
)

// TestTridiag: the Sturm count, bisection and inverse iteration agree with
// mat.EigenSym on random tridiagonal matrices.
func TestTridiag(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, 2, 7, 40} {
		var tr tridiag
		a := mat.NewSymDense(k, nil)
		for j := 0; j < k; j++ {
			tr.alpha = append(tr.alpha, rng.NormFloat64())
			tr.beta = append(tr.beta, math.Abs(rng.NormFloat64()))
			a.SetSym(j, j, tr.alpha[j])
			if j > 0 {
				a.SetSym(j-1, j, tr.beta[j-1])
			}
		}
		var eig mat.EigenSym
		if !eig.Factorize(a, true) {
			t.Fatal("EigenSym failed")
		}
		want := eig.Values(nil)
		for i, w := range want {
			if got := tr.eigenvalue(i); math.Abs(got-w) > 1e-12*(1+math.Abs(w)) {
				t.Errorf("k=%d: eigenvalue %d = %v, want %v", k, i, got, w)
			}
			mid := w - 1e-6
			if c := tr.count(mid); c != i && (i == 0 || want[i-1] < mid) {
				t.Errorf("k=%d: count(%v) = %d, want %d", k, mid, c, i)
			}
		}
		for _, low := range []bool{true, false} {
			i := 0
			if !low {
				i = k - 1
			}
			y, res := tr.ritz(want[i], 2.5, low)
			ty := mat.NewVecDense(k, nil)
			ty.MulVec(a, mat.NewVecDense(k, y))
			ty.AddScaledVec(ty, -want[i], mat.NewVecDense(k, y))
			if r := mat.Norm(ty, 2); r > 1e-9 {
				t.Errorf("k=%d low=%v: ‖Ty − θy‖ = %v", k, low, r)
			}
			if math.Abs(res-2.5*math.Abs(y[k-1])) > 1e-15 {
				t.Errorf("residual estimate %v, want |β·y_k| = %v", res, 2.5*math.Abs(y[k-1]))
			}
		}
	}
}

// TestProbeVerdicts checks each verdict against a known spectrum.
func TestProbeVerdicts(t *testing.T) {
	logSpaced := func(n int, lo, hi float64) []float64 {
		d := make([]float64, n)
		for i := range d {
			d[i] = lo * math.Pow(hi/lo, float64(i)/float64(n-1))
		}
		return d
	}
	for _, tc := range []struct {
		name    string
		d       []float64
		s       ProbeSettings
		verdict Verdict
	}{
		// Invariant subspace: exact answers at small n.
		{"n2-negative", []float64{-2, 2}, ProbeSettings{}, Negative},
		{"n3-psd", []float64{0, 1, 4}, ProbeSettings{}, NonNegative},
		// A shallow negative eigenvalue under a large threshold is negligible.
		{"shallow", append([]float64{-1e-6}, logSpaced(400, 1, 10)...), ProbeSettings{GradTol: 1e-6, Rho: 1}, NonNegative},
		// ... and found with ρ = 0.
		{"shallow-rho0", append([]float64{-1e-3}, logSpaced(400, 1, 10)...), ProbeSettings{MaxOps: 2000}, Negative},
		// Wide spectrum, negative eigenvalue at −1e-4·‖H‖.
		{"wide", append([]float64{-100}, logSpaced(3000, 1, 1e6)...), ProbeSettings{}, Negative},
		// Not enough budget to decide.
		{"wide-budget", append([]float64{-2}, logSpaced(3000, 1, 1e6)...), ProbeSettings{MaxOps: 50}, Undecided},
		{"psd-budget", logSpaced(3000, 1, 1e6), ProbeSettings{MaxOps: 50}, Undecided},
		// A relative tolerance is certified quickly.
		{"psd-rel", logSpaced(3000, 1, 1e6), ProbeSettings{RelTol: 1e-3}, NonNegative},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(tc.d)
			for _, stored := range []int{0, 1} {
				s := tc.s
				s.MaxStored = stored
				r, err := Probe(diagOp(tc.d), n, &s)
				if err != nil {
					t.Fatal(err)
				}
				if r.Verdict != tc.verdict {
					t.Fatalf("verdict %v, want %v (value %v, τ %v, %d ops)", r.Verdict, tc.verdict, r.Value, r.Tol, r.Ops)
				}
				lmin := tc.d[0]
				for _, d := range tc.d {
					lmin = math.Min(lmin, d)
				}
				if !(r.Value >= lmin-1e-9*r.NormEst) {
					t.Errorf("Value %v below λ_min %v: not an upper bound", r.Value, lmin)
				}
				switch r.Verdict {
				case Negative:
					if len(r.Vector) != n || math.Abs(trueResidual(diagOp(tc.d), r.Value, r.Vector)-r.Residual) > 1e-9*r.NormEst {
						t.Errorf("vector or residual wrong")
					}
					if !(r.Value < -r.Tol) {
						t.Errorf("Negative with Value %v ≥ −τ = %v", r.Value, -r.Tol)
					}
				case NonNegative:
					if lmin < -r.Tol {
						t.Errorf("NonNegative but λ_min = %v < −τ = %v", lmin, -r.Tol)
					}
				}
			}
		})
	}
}

// TestProbeDense: a dense random symmetric matrix has λ_min < 0: Probe
// finds it and its vector, whether the Lanczos vectors are kept or
// regenerated (bit-identical results).
func TestProbeDense(t *testing.T) {
	const n = 300 // above fullReorthMax, where the vectors may be dropped
	a := testutil.RandSym(rand.New(rand.NewPCG(5, 1)), n)
	var eig mat.EigenSym
	eig.Factorize(a, false)
	lmin := eig.Values(nil)[0]
	r1, err1 := Probe(denseOp(a), n, &ProbeSettings{})
	r2, err2 := Probe(denseOp(a), n, &ProbeSettings{MaxStored: 1})
	if err1 != nil || err2 != nil || r1.Verdict != Negative || r2.Verdict != Negative {
		t.Fatalf("%v %v %v %v", r1.Verdict, r2.Verdict, err1, err2)
	}
	if r1.Value != r2.Value || r1.Steps != r2.Steps {
		t.Errorf("stored %v (%d steps) and regenerated %v (%d steps) differ", r1.Value, r1.Steps, r2.Value, r2.Steps)
	}
	if r1.Converged && math.Abs(r1.Value-lmin) > r1.Residual {
		t.Errorf("Value %v, λ_min %v, residual %v", r1.Value, lmin, r1.Residual)
	}
	if r2.Ops <= r1.Ops {
		t.Errorf("regenerating took %d ops, keeping %d: the second pass must be counted", r2.Ops, r1.Ops)
	}
}

// TestProbeCertificateSteps: on a PSD spectrum the NonNegative verdict is
// reached after about the number of steps the Kuczyński–Woźniakowski bound
// asks for, not before.
func TestProbeCertificateSteps(t *testing.T) {
	n := 2000
	d := make([]float64, n)
	for i := range d {
		d[i] = 1 + float64(i)
	}
	r, err := Probe(diagOp(d), n, &ProbeSettings{RelTol: 1e-2})
	if err != nil || r.Verdict != NonNegative {
		t.Fatalf("%v %v", r.Verdict, err)
	}
	// θ ≥ 1 > 0: the certificate needs η·M ≤ (1−η)·τ, η ≈ 1e-2/1.01.
	eta := r.Tol / (r.NormEst + r.Tol)
	want := int(math.Ceil((math.Log(1.648*math.Sqrt(float64(n))/1e-4)/math.Sqrt(eta) + 1) / 2))
	if r.Steps < want*9/10 || r.Steps > want+want/20+2 {
		t.Errorf("%d steps, want about %d", r.Steps, want)
	}
}

func TestProbeNonFinite(t *testing.T) {
	op := func(v, av []float64) {
		for i := range av {
			av[i] = math.NaN()
		}
	}
	if _, err := Probe(op, 4, nil); !errors.Is(err, ErrNonFinite) {
		t.Errorf("err = %v, want ErrNonFinite", err)
	}
}

func TestProbePanics(t *testing.T) {
	op := diagOp([]float64{1, 2})
	for name, f := range map[string]func(){
		"nil":     func() { Probe(nil, 2, nil) },
		"n0":      func() { Probe(op, 0, nil) },
		"gradtol": func() { Probe(op, 2, &ProbeSettings{GradTol: -1}) },
		"rho":     func() { Probe(op, 2, &ProbeSettings{Rho: math.NaN()}) },
		"maxops":  func() { Probe(op, 2, &ProbeSettings{MaxOps: -1}) },
	} {
		testutil.MustPanic(t, name, f, "krylov: Probe")
	}
}

// TestNegligibleCurvatureScaling: τ = √(ρε) scales like an eigenvalue
// under f → c·f and x → s·x.
func TestNegligibleCurvatureScaling(t *testing.T) {
	eps, rho, h := 1e-6, 0.3, 1e-2
	tau := NegligibleCurvature(eps, rho, h)
	if math.Abs(tau-math.Sqrt(rho*eps)) > 1e-18 {
		t.Fatalf("τ = %v", tau)
	}
	c, s := 7.0, 3.0
	// f → c·f: ε, ρ, H all scale by c.
	if got := NegligibleCurvature(c*eps, c*rho, c*h); math.Abs(got-c*tau) > 1e-15 {
		t.Errorf("f→cf: %v, want %v", got, c*tau)
	}
	// x → s·x: ε/s, ρ/s³, H/s².
	if got := NegligibleCurvature(eps/s, rho/(s*s*s), h/(s*s)); math.Abs(got-tau/(s*s)) > 1e-15 {
		t.Errorf("x→sx: %v, want %v", got, tau/(s*s))
	}
	if got := NegligibleCurvature(eps, 0, 1e6); got != CurvatureFloor*1e6 {
		t.Errorf("ρ = 0: %v, want the floor %v", got, CurvatureFloor*1e6)
	}
}

// TestHessianLipschitz: for f = Σ xᵢ⁴/12, H(x) = diag(xᵢ²) and
// D³f[v,v,·] = 2·diag(x)·v²: the central difference recovers it.
func TestHessianLipschitz(t *testing.T) {
	x := []float64{0.5, -1, 2}
	v := []float64{0.6, 0, 0.8}
	hvAt := func(y []float64) []float64 {
		out := make([]float64, len(y))
		for i := range y {
			out[i] = y[i] * y[i] * v[i]
		}
		return out
	}
	h := LipschitzStep(x)
	xp, xm := make([]float64, 3), make([]float64, 3)
	for i := range x {
		xp[i], xm[i] = x[i]+h*v[i], x[i]-h*v[i]
	}
	got := HessianLipschitz(hvAt(xp), hvAt(xm), v, h)
	var want float64
	for i := range x {
		d := 2 * x[i] * v[i] * v[i]
		want += d * d
	}
	want = math.Sqrt(want)
	if math.Abs(got-want) > 1e-8*want {
		t.Errorf("ρ = %v, want %v", got, want)
	}
}

// TestEstimateLipschitz: for f = Σ xᵢ⁴/12 (H(y) = diag(y²)) the estimate
// along the random v is ‖2·x∘v∘v‖₂, within (0, 2‖x‖∞]; for a quadratic
// it is exactly 0; a NaN product gives NaN.
func TestEstimateLipschitz(t *testing.T) {
	x := []float64{0.5, -1, 2, 0.25}
	quartic := func(y, v, hv []float64) {
		for i := range y {
			hv[i] = y[i] * y[i] * v[i]
		}
	}
	rho := EstimateLipschitz(quartic, x, 7)
	if !(rho > 0 && rho <= 2*2*(1+1e-9)) {
		t.Errorf("quartic: ρ = %v, want in (0, 4]", rho)
	}
	if again := EstimateLipschitz(quartic, x, 7); again != rho {
		t.Errorf("not reproducible: %v then %v", rho, again)
	}
	quad := func(y, v, hv []float64) {
		for i := range v {
			hv[i] = float64(i+1) * v[i]
		}
	}
	if rho := EstimateLipschitz(quad, x, 7); rho != 0 {
		t.Errorf("quadratic: ρ = %v, want 0", rho)
	}
	bad := func(y, v, hv []float64) {
		quad(y, v, hv)
		hv[1] = math.Inf(1)
	}
	if rho := EstimateLipschitz(bad, x, 7); !math.IsNaN(rho) {
		t.Errorf("Inf product: ρ = %v, want NaN", rho)
	}
}

// TestProbeSmallExact: at n ≤ 256 the basis is kept orthogonal, so the
// Krylov space is exhausted after at most n steps and the verdict exact,
// even for an ill-conditioned PSD spectrum whose zero-curvature threshold
// no probabilistic certificate could reach (λ from 1e-12 to 1e4, τ =
// 1e-8·‖H‖ on a quadratic).
func TestProbeSmallExact(t *testing.T) {
	for _, n := range []int{9, 100, 256} {
		d := make([]float64, n)
		for i := range d {
			d[i] = 1e-12 * math.Pow(1e16, float64(i)/float64(n-1))
		}
		r, err := Probe(diagOp(d), n, nil)
		if err != nil || r.Verdict != NonNegative || !r.Converged || r.Steps > n+1 {
			t.Errorf("n=%d PSD: %v, converged %v, %d steps, err %v", n, r.Verdict, r.Converged, r.Steps, err)
		}
		d[n/2] = -1e-3 // deep inside the spectrum's scale, still below −τ = −1e-4
		r, err = Probe(diagOp(d), n, nil)
		if err != nil || r.Verdict != Negative || !(r.Value >= -1e-3) || math.Abs(r.Value+1e-3) > r.Residual || r.Steps > n+1 {
			t.Errorf("n=%d with −1e-3: %v, value %v, %d steps, err %v", n, r.Verdict, r.Value, r.Steps, err)
		}
	}
}
