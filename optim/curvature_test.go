package optim

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// diagQuad is f(x) = ½·Σ dᵢ·xᵢ², exact, with Hessian diag(d).
type diagQuad struct{ d []float64 }

func (q diagQuad) Dim() int { return len(q.d) }

func (q diagQuad) Eval(x, grad []float64) float64 {
	var f float64
	for i, d := range q.d {
		f += 0.5 * d * x[i] * x[i]
		if grad != nil {
			grad[i] = d * x[i]
		}
	}
	return f
}

func (q diagQuad) HessVec(x, v, hv []float64) {
	for i, d := range q.d {
		hv[i] = d * v[i]
	}
}

// wideSpectrum returns d₀ = neg and dᵢ = 10^(6·i/(n−1)) for i ≥ 1: one
// negative eigenvalue below a cluster at 1 of a spectrum reaching 1e6.
func wideSpectrum(n int, neg float64) diagQuad {
	d := make([]float64, n)
	d[0] = neg
	for i := 1; i < n; i++ {
		d[i] = math.Pow(10, 6*float64(i)/float64(n-1))
	}
	return diagQuad{d}
}

// TestProbeWideSpectrum: at the saddle x = 0 of ½Σdᵢxᵢ² with d₀ = −2 and the
// rest of the spectrum in [1, 1e6], the curvature check of every method must
// find the −2 (Saddle, LambdaMin ≈ −2) and never report success; with the
// negative eigenvalue at −1e-4·‖H‖ too. With a budget too small to decide, it
// must say so (CurvatureInconclusive, LambdaMin only an upper bound).
func TestProbeWideSpectrum(t *testing.T) {
	sizes := []int{2000, 5000, 20000}
	if testing.Short() || raceEnabled {
		sizes = []int{2000}
	}
	for _, n := range sizes {
		for _, neg := range []float64{-2, -100} {
			obj := wideSpectrum(n, neg)
			x0 := make([]float64, n)
			for _, m := range []struct {
				name   string
				method Method
			}{{"LBFGS", LBFGS{}}, {"NewtonCG", NewtonCG{}}} {
				if n > 2000 && m.name == "NewtonCG" {
					continue // the same probe as LBFGS's: once is enough at the large sizes
				}
				t.Run(fmt.Sprintf("n=%d/neg=%g/%s", n, neg, m.name), func(t *testing.T) {
					res, err := Minimize(obj, x0, m.method, &Settings{CheckCurvature: true})
					if res.Status != Saddle || !errors.Is(err, ErrSaddle) {
						t.Fatalf("status %v, err %v; want Saddle", res.Status, err)
					}
					if math.Abs(res.LambdaMin-neg) > 1e-2*math.Abs(neg) {
						t.Errorf("LambdaMin = %v, want %v", res.LambdaMin, neg)
					}
					t.Logf("LambdaMin %.6g (converged %v), τ = %.3g, %d HVPs", res.LambdaMin, res.LambdaMinConverged, res.CurvatureTol, res.HessVecEvals)
				})
			}
			t.Run(fmt.Sprintf("n=%d/neg=%g/budget", n, neg), func(t *testing.T) {
				res, err := Minimize(obj, x0, LBFGS{}, &Settings{CheckCurvature: true, CurvatureMaxHVPs: 100})
				if res.Status != CurvatureInconclusive || !errors.Is(err, ErrCurvatureInconclusive) || res.Status.Success() {
					t.Fatalf("status %v, err %v; want CurvatureInconclusive", res.Status, err)
				}
				if res.LambdaMinConverged || !(res.LambdaMin >= neg) {
					t.Errorf("LambdaMin = %v (converged %v): want an unconverged upper bound on %v", res.LambdaMin, res.LambdaMinConverged, neg)
				}
				if res.X == nil || res.GradNorm != 0 {
					t.Errorf("X = nil or ‖g‖ = %v, want the point tested", res.GradNorm)
				}
			})
		}
	}
}

// TestSaddleEscapeWideSpectrum: SaddleEscape at the saddle of the wide
// spectrum finds the −2, escapes along e₀, and f = −x₀² + … then falls
// without bound: the run must end Unbounded, never SecondOrderStationary.
func TestSaddleEscapeWideSpectrum(t *testing.T) {
	obj := wideSpectrum(2000, -2)
	for _, base := range []Method{nil, LBFGS{}} {
		res, err := Minimize(obj, make([]float64, 2000), SaddleEscape{Base: base}, nil)
		if res.Status != Unbounded || !errors.Is(err, ErrUnbounded) {
			t.Fatalf("base %T: status %v, err %v; want Unbounded after an escape", base, res.Status, err)
		}
		// The first escape's doubling search crosses the bound.
		if !(res.F < -1e15) || !(res.MinCurvature < -1.99) {
			t.Errorf("base %T: f = %v, min curvature %v", base, res.F, res.MinCurvature)
		}
	}
}

// TestProbeCertifiesMinimum: at the minimum of a wide positive spectrum the
// probe must certify (GradientThreshold with CheckCurvature) when its
// threshold allows, and report CurvatureInconclusive, not success, when the
// budget cannot reach the certificate.
func TestProbeCertifiesMinimum(t *testing.T) {
	obj := wideSpectrum(500, 3)
	x0 := make([]float64, 500)
	// A relative tolerance of 1e-3 is certifiable in a few hundred HVPs.
	res, err := Minimize(obj, x0, LBFGS{}, &Settings{CheckCurvature: true, CurvatureTolerance: 1e-3})
	if err != nil || res.Status != GradientThreshold {
		t.Fatalf("status %v, err %v; want GradientThreshold", res.Status, err)
	}
	if !(res.LambdaMin >= 1-1e-9) || math.Abs(res.CurvatureTol-1e-3*1e6) > 1e-3*1e6*0.1 {
		t.Errorf("LambdaMin %v, τ %v", res.LambdaMin, res.CurvatureTol)
	}
	// On an exact quadratic ρ = 0: τ = 1e-8·‖H‖ cannot be certified in 300
	// HVPs, and the probe must not pretend.
	res, err = Minimize(obj, x0, LBFGS{}, &Settings{CheckCurvature: true, CurvatureMaxHVPs: 300})
	if res.Status != CurvatureInconclusive || !errors.Is(err, ErrCurvatureInconclusive) {
		t.Fatalf("status %v, err %v; want CurvatureInconclusive", res.Status, err)
	}
}
