package optim_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/curvature-go/curvature/optim"
	"gonum.org/v1/gonum/optimize"
)

// rosen is the Rosenbrock function 100(y − x²)² + (1 − x)² with its
// derivatives written by hand.
type rosen struct{}

func (rosen) Dim() int { return 2 }

func (rosen) Eval(x, grad []float64) float64 {
	a, b := x[1]-x[0]*x[0], 1-x[0]
	if grad != nil {
		grad[0] = -400*a*x[0] - 2*b
		grad[1] = 200 * a
	}
	return 100*a*a + b*b
}

func (rosen) HessVec(x, v, hv []float64) {
	h11, h12 := 1200*x[0]*x[0]-400*x[1]+2, -400*x[0]
	hv[0] = h11*v[0] + h12*v[1]
	hv[1] = h12*v[0] + 200*v[1]
}

// saddleLoss is the loss (1 − w1·w2)², whose origin is a saddle
// point with Hessian eigenvalues ±2.
type saddleLoss struct{}

func (saddleLoss) Dim() int { return 2 }

func (saddleLoss) Eval(w, grad []float64) float64 {
	r := 1 - w[0]*w[1]
	if grad != nil {
		grad[0], grad[1] = -2*r*w[1], -2*r*w[0]
	}
	return r * r
}

func (saddleLoss) HessVec(w, v, hv []float64) {
	off := 4*w[0]*w[1] - 2
	hv[0] = 2*w[1]*w[1]*v[0] + off*v[1]
	hv[1] = off*v[0] + 2*w[0]*w[0]*v[1]
}

func ExampleMinimize() {
	for _, m := range []optim.Method{optim.LBFGS{}, optim.NewtonCG{}} {
		res, err := optim.Minimize(rosen{}, []float64{-1.2, 1}, m, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%T: %v at (%.6f, %.6f), f < 1e-10: %v, HVPs used: %v\n",
			m, res.Status, res.X[0], res.X[1], res.F < 1e-10, res.HessVecEvals > 0)
	}
	// Output:
	// optim.LBFGS: GradientThreshold at (1.000000, 1.000000), f < 1e-10: true, HVPs used: false
	// optim.NewtonCG: GradientThreshold at (1.000000, 1.000000), f < 1e-10: true, HVPs used: true
}

// ExampleSaddleEscape starts exactly at the saddle (0, 0) of (1 − w1·w2)²,
// where ∇f = 0. A plain method stops there at once; the curvature check
// reports it, and SaddleEscape leaves along the eigenvector of λ_min = −2.
func ExampleSaddleEscape() {
	w0 := []float64{0, 0}
	res, err := optim.Minimize(saddleLoss{}, w0, optim.NewtonCG{}, &optim.Settings{CheckCurvature: true})
	fmt.Printf("NewtonCG: %v, f = %g, λ_min = %.4f, saddle error: %v\n",
		res.Status, res.F, res.LambdaMin, errors.Is(err, optim.ErrSaddle))

	res, err = optim.Minimize(saddleLoss{}, w0, optim.SaddleEscape{}, &optim.Settings{
		Callback: func(it optim.Iteration) bool {
			if it.Escape {
				fmt.Printf("escape to (%.4f, %.4f), f = %.4f\n", it.X[0], it.X[1], it.F)
			}
			return false
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("SaddleEscape: %v after %d escape, f < 1e-12: %v, w1·w2 = %.6f\n",
		res.Status, res.Escapes, res.F < 1e-12, res.X[0]*res.X[1])
	// Output:
	// NewtonCG: Saddle, f = 1, λ_min = -2.0000, saddle error: true
	// escape to (0.7071, 0.7071), f = 0.2500
	// SaddleEscape: SecondOrderStationary after 1 escape, f < 1e-12: true, w1·w2 = 1.000000
}

// wide is ½·Σ dᵢ·xᵢ² with d₀ = −2 and the other dᵢ log-spaced in [1, 1e6]:
// a saddle at 0 whose negative curvature sits below a wide spectrum.
type wide struct{ d []float64 }

func newWide(n int) wide {
	d := make([]float64, n)
	d[0] = -2
	for i := 1; i < n; i++ {
		d[i] = math.Pow(10, 6*float64(i)/float64(n-1))
	}
	return wide{d}
}

func (w wide) Dim() int { return len(w.d) }

func (w wide) Eval(x, grad []float64) float64 {
	var f float64
	for i, d := range w.d {
		f += 0.5 * d * x[i] * x[i]
		if grad != nil {
			grad[i] = d * x[i]
		}
	}
	return f
}

func (w wide) HessVec(x, v, hv []float64) {
	for i, d := range w.d {
		hv[i] = d * v[i]
	}
}

// ExampleSettings_checkCurvature tests the saddle x = 0 of a quadratic
// whose eigenvalue −2 lies below 1,999 others spread over [1, 1e6]. The
// curvature probe finds the −2; with a budget too small to find it or to
// exclude it, it says the test was inconclusive instead of claiming a
// minimum.
func ExampleSettings_checkCurvature() {
	obj := newWide(2000)
	x0 := make([]float64, 2000)
	res, err := optim.Minimize(obj, x0, optim.LBFGS{}, &optim.Settings{CheckCurvature: true})
	fmt.Printf("%v, λ_min ≤ %.3f, saddle error: %v\n", res.Status, res.LambdaMin, errors.Is(err, optim.ErrSaddle))

	res, err = optim.Minimize(obj, x0, optim.LBFGS{}, &optim.Settings{CheckCurvature: true, CurvatureMaxHVPs: 100})
	fmt.Printf("%v, success: %v, LambdaMin only an upper bound: %v, error: %v\n",
		res.Status, res.Status.Success(), !res.LambdaMinConverged, errors.Is(err, optim.ErrCurvatureInconclusive))
	// Output:
	// Saddle, λ_min ≤ -1.999, saddle error: true
	// CurvatureInconclusive, success: false, LambdaMin only an upper bound: true, error: true
}

// ExampleAdamStepper fits y = 2x − 1 by mini-batch AdamW on two parameter
// tensors (a weight and a bias), one Step per batch.
func ExampleAdamStepper() {
	w, b := []float64{0}, []float64{0}
	params := [][]float64{w, b}
	gw, gb := []float64{0}, []float64{0}
	grads := [][]float64{gw, gb}
	st := &optim.AdamStepper{Adam: optim.Adam{LearningRate: 0.05}}
	xs := []float64{-1, -0.5, 0, 0.5, 1, 1.5}
	for epoch := 0; epoch < 300; epoch++ {
		for batch := 0; batch < len(xs); batch += 2 {
			gw[0], gb[0] = 0, 0
			for _, x := range xs[batch : batch+2] {
				r := w[0]*x + b[0] - (2*x - 1) // residual of the squared error
				gw[0] += r * x
				gb[0] += r
			}
			st.Step(params, grads)
		}
	}
	fmt.Printf("w = %.3f, b = %.3f\n", w[0], b[0])
	// Output:
	// w = 2.000, b = -1.000
}

// ExampleGonumProblem hands an objective with exact derivatives to gonum's
// Newton method, whose Hessian the adapter builds from n HVPs.
func ExampleGonumProblem() {
	res, err := optimize.Minimize(optim.GonumProblem(rosen{}), []float64{-1.2, 1}, nil, &optimize.Newton{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v at (%.6f, %.6f)\n", res.Status, res.X[0], res.X[1])
	// Output:
	// GradientThreshold at (1.000000, 1.000000)
}

// ExampleBounds minimises the Rosenbrock function on the box x₁ ≤ 0.5,
// x₂ ≥ 0 from a start outside it: the minimiser (0.5, 0.25) lies on the
// upper bound of x₁, which the result reports as active; both methods that
// support bounds find it.
func ExampleBounds() {
	box := &optim.Bounds{
		Lower: []float64{math.Inf(-1), 0},
		Upper: []float64{0.5, math.Inf(1)},
	}
	for _, m := range []optim.Method{optim.LBFGS{}, optim.NewtonCG{}} {
		res, err := optim.Minimize(rosen{}, []float64{2, -1}, m, &optim.Settings{Bounds: box})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%T: %v at (%.6f, %.6f), f = %.6f, x₁ on its upper bound: %v, projected gradient ≤ 1e-6: %v\n",
			m, res.Status, res.X[0], res.X[1], res.F, res.ActiveUpper[0], res.GradNorm <= 1e-6)
	}
	// Output:
	// optim.LBFGS: GradientThreshold at (0.500000, 0.250000), f = 0.250000, x₁ on its upper bound: true, projected gradient ≤ 1e-6: true
	// optim.NewtonCG: GradientThreshold at (0.500000, 0.250000), f = 0.250000, x₁ on its upper bound: true, projected gradient ≤ 1e-6: true
}
