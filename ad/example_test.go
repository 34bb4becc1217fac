package ad_test

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// The gradient of the loss L(w1, w2) = (1 − w1·w2·x)², x = 1, with respect
// to both weights, recorded at w = (0.5, 1.5). By hand:
// ∂L/∂w1 = −2(1 − w1·w2)·w2 = −0.75 and ∂L/∂w2 = −2(1 − w1·w2)·w1 = −0.25.
func ExampleGrad() {
	tp := graph.NewTape()
	w1 := tp.Var(tensor.Scalar(0.5))
	w2 := tp.Var(tensor.Scalar(1.5))
	x := tp.Const(tensor.Scalar(1))
	yhat := graph.Mul(graph.Mul(w1, w2), x)
	loss := graph.Square(graph.Sub(tp.Scalar(1), yhat))

	g := ad.Grad(loss, w1, w2)
	fmt.Printf("L = %.4g\n", loss.Item())
	fmt.Printf("dL/dw1 = %.4g\n", g[0].Item())
	fmt.Printf("dL/dw2 = %.4g\n", g[1].Item())
	// Output:
	// L = 0.0625
	// dL/dw1 = -0.75
	// dL/dw2 = -0.25
}

// The Rosenbrock function f(x, y) = 100(y − x²)² + (1 − x)², written over a
// flat parameter vector, and its value and gradient at the classical
// starting point (−1.2, 1).
func ExampleValueAndGrad() {
	rosen := func(w *graph.Node) *graph.Node {
		x, y := graph.Index(w, 0), graph.Index(w, 1)
		a := graph.Sub(y, graph.Square(x))
		b := graph.AddScalar(graph.Neg(x), 1)
		return graph.Add(graph.Scale(graph.Square(a), 100), graph.Square(b))
	}
	f, g := ad.ValueAndGrad(rosen, []float64{-1.2, 1})
	fmt.Printf("f = %.4g\n", f)
	fmt.Printf("grad = [%.4g %.4g]\n", g[0], g[1])
	// Output:
	// f = 24.2
	// grad = [-215.6 -88]
}

// Forward mode: the directional derivative of the softmax of x along v,
// without forming the Jacobian. The softmax sums to one, so its tangent
// sums to zero.
func ExampleJVP() {
	softmax := func(w *graph.Node) *graph.Node { return graph.Softmax(w, 0) }
	x := []float64{1, 2, 3}
	v := []float64{1, 0, 0} // move the first logit
	y, dy := ad.JVP(softmax, x, v)
	fmt.Printf("softmax = %.4f\n", y.Data())
	fmt.Printf("tangent = %.4f\n", dy.Data())
	fmt.Println("tangent sums to 0:", math.Abs(tensor.SumAll(dy)) < 1e-15)
	// Output:
	// softmax = [0.0900 0.2447 0.6652]
	// tangent = [0.0819 -0.0220 -0.0599]
	// tangent sums to 0: true
}

// Check compares a function's gradient and Hessian-vector products with
// finite differences. Here it catches a common mistake: a value used as a
// constant (w.Value()) where the node itself was meant, so the recorded
// derivative misses a term.
func ExampleCheck() {
	good := func(w *graph.Node) *graph.Node {
		return graph.Sum(graph.Mul(w, w)) // Σ x², gradient 2x
	}
	bad := func(w *graph.Node) *graph.Node {
		c := w.Tape().Const(w.Value()) // a copy of x's value: no derivative flows through it
		return graph.Sum(graph.Mul(w, c))
	}
	x := []float64{0.5, -2, 3}
	for _, f := range []ad.Func{good, bad} {
		r := ad.Check(f, x, nil)
		fmt.Printf("gradient ok: %v, HVP ok: %v\n", r.GradErr < 1e-6, r.HVPErr < 1e-5)
	}
	// Output:
	// gradient ok: true, HVP ok: true
	// gradient ok: false, HVP ok: false
}
