package optim

import (
	"errors"
	"math"
	"testing"
)

var seedStarts = []struct {
	name string
	x0   []float64
}{
	{"origin", []float64{0, 0}},
	{"offset", []float64{0.01, -0.01}},
}

// TestSeedSaddlePlainMethods: started at the saddle (0,0) of (1 − w1·w2)², or
// at (0.01, −0.01) whose gradient points along [1, −1] (the direction of
// positive curvature), plain methods converge to the saddle. Without the
// curvature check they report GradientThreshold there, like other
// optimization libraries; with it they must report Saddle, λ_min ≈ −2, and not success.
func TestSeedSaddlePlainMethods(t *testing.T) {
	for _, m := range []struct {
		name   string
		method Method
	}{
		{"GradientDescent", GradientDescent{}},
		{"GradientDescentFixed", GradientDescent{StepSize: 0.1}},
		{"LBFGS", LBFGS{}},
		{"NewtonCG", NewtonCG{}},
	} {
		for _, s := range seedStarts {
			t.Run(m.name+"/"+s.name, func(t *testing.T) {
				plain, err := Minimize(seedLoss{}, s.x0, m.method, nil)
				if err != nil || plain.Status != GradientThreshold {
					t.Fatalf("without check: status %v, err %v; want GradientThreshold at the saddle", plain.Status, err)
				}
				if math.Abs(plain.F-1) > 1e-9 {
					t.Fatalf("without check: f = %v, want 1 (the saddle)", plain.F)
				}
				res, err := Minimize(seedLoss{}, s.x0, m.method, &Settings{CheckCurvature: true})
				if res.Status != Saddle || res.Status.Success() {
					t.Errorf("status %v, want Saddle", res.Status)
				}
				if !errors.Is(err, ErrSaddle) {
					t.Errorf("err = %v, want ErrSaddle", err)
				}
				if math.Abs(res.LambdaMin+2) > 1e-6 {
					t.Errorf("LambdaMin = %v, want −2", res.LambdaMin)
				}
				if math.Abs(res.X[0]) > 1e-6 || math.Abs(res.X[1]) > 1e-6 || res.GradNorm > 1e-6 {
					t.Errorf("X = %v, ‖g‖ = %v: not at the saddle", res.X, res.GradNorm)
				}
				if res.HessVecEvals <= plain.HessVecEvals {
					t.Errorf("HessVecEvals %d with the check, %d without: the Lanczos probe must be counted",
						res.HessVecEvals, plain.HessVecEvals)
				}
			})
		}
	}
}

// TestSaddleEscapeSeed: SaddleEscape leaves the saddle along ±[1,1]/√2 and
// reaches f < 1e-12, from both starts and with several base methods.
func TestSaddleEscapeSeed(t *testing.T) {
	for _, m := range []struct {
		name string
		base Method
	}{
		{"NewtonCG", nil},
		{"LBFGS", LBFGS{}},
		{"GradientDescent", GradientDescent{}},
	} {
		for _, s := range seedStarts {
			t.Run(m.name+"/"+s.name, func(t *testing.T) {
				prev := append([]float64(nil), s.x0...)
				var dirs [][2]float64
				settings := &Settings{Callback: func(it Iteration) bool {
					if it.Escape {
						d := [2]float64{it.X[0] - prev[0], it.X[1] - prev[1]}
						dirs = append(dirs, d)
					}
					copy(prev, it.X)
					return false
				}}
				res, err := Minimize(seedLoss{}, s.x0, SaddleEscape{Base: m.base}, settings)
				if err != nil || res.Status != SecondOrderStationary {
					t.Fatalf("status %v, err %v", res.Status, err)
				}
				if !(res.F < 1e-12) {
					t.Errorf("f = %v, want < 1e-12", res.F)
				}
				if res.Escapes != 1 || len(dirs) != 1 {
					t.Fatalf("escapes = %d (%d seen by the callback), want 1", res.Escapes, len(dirs))
				}
				d := dirs[0]
				cos := math.Abs(d[0]+d[1]) / math.Sqrt2 / math.Hypot(d[0], d[1])
				if math.Abs(1-cos) > 1e-9 {
					t.Errorf("escape step %v not along ±[1,1]/√2 (|cos| = %v)", d, cos)
				}
				// At the minimum the Hessian is singular along the valley
				// w1·w2 = 1: λ_min ≈ 0, not negative.
				if math.IsNaN(res.LambdaMin) || res.LambdaMin < -1e-6 || res.LambdaMin > 1e-6 {
					t.Errorf("LambdaMin at the minimum = %v, want ≈ 0", res.LambdaMin)
				}
				if p := res.X[0] * res.X[1]; math.Abs(p-1) > 1e-6 {
					t.Errorf("X = %v, w1·w2 = %v, want 1", res.X, p)
				}
			})
		}
	}
}

// cosines is f(x) = Σ a_i·cos(x_i): stationary wherever every x_i is a
// multiple of π, with Hessian diag(−a_i·cos x_i). Started at 0, a maximum
// with λ_min = −max a_i, an escape along the axis of the largest a_i leads
// to a saddle, and a second escape to the minimum −Σ a_i.
type cosines struct{ a []float64 }

func (c cosines) Dim() int { return len(c.a) }

func (c cosines) Eval(x, grad []float64) float64 {
	var f float64
	for i, a := range c.a {
		f += a * math.Cos(x[i])
		if grad != nil {
			grad[i] = -a * math.Sin(x[i])
		}
	}
	return f
}

func (c cosines) HessVec(x, v, hv []float64) {
	for i, a := range c.a {
		hv[i] = -a * math.Cos(x[i]) * v[i]
	}
}

// TestSaddleEscapeChain: two escapes are needed from the maximum of
// cos(x) + 2·cos(y); with MaxEscapes 1 SaddleEscape must stop at the
// intermediate saddle and say so.
func TestSaddleEscapeChain(t *testing.T) {
	obj := cosines{a: []float64{1, 2}}
	res, err := Minimize(obj, []float64{0, 0}, SaddleEscape{}, nil)
	if err != nil || res.Status != SecondOrderStationary || res.Escapes != 2 {
		t.Fatalf("status %v, escapes %d, err %v; want SecondOrderStationary after 2", res.Status, res.Escapes, err)
	}
	if math.Abs(res.F+3) > 1e-12 || math.Abs(res.LambdaMin-1) > 1e-6 {
		t.Errorf("f = %v, λ_min = %v; want −3 and 1", res.F, res.LambdaMin)
	}
	res, err = Minimize(obj, []float64{0, 0}, SaddleEscape{MaxEscapes: 1}, nil)
	if res.Status != Saddle || !errors.Is(err, ErrSaddle) || res.Escapes != 1 {
		t.Fatalf("MaxEscapes 1: status %v, escapes %d, err %v; want Saddle", res.Status, res.Escapes, err)
	}
	if math.Abs(res.F-(1-2)) > 1e-9 || math.Abs(res.LambdaMin+1) > 1e-6 {
		t.Errorf("MaxEscapes 1: f = %v, λ_min = %v; want the saddle f = −1, λ_min = −1", res.F, res.LambdaMin)
	}
}
