package curvature_test

import (
	"fmt"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// Example is README.md's quick start: the loss L(w) = (1 − w1·w2)², its
// gradient, an exact Hessian-vector product, the classification of the
// critical point (0,0), and a second-order optimizer that escapes it.
func Example() {
	loss := func(w *graph.Node) *graph.Node { // L(w) = (1 − w1·w2)²
		return graph.Square(graph.ScalarSub(1, graph.Mul(graph.Index(w, 0), graph.Index(w, 1))))
	}
	w0 := []float64{0, 0}
	val, grad := ad.ValueAndGrad(loss, w0)   // 1, [0 0]
	hv := hvp.HVP(loss, w0, []float64{1, 1}) // H·v = [−2 −2], no Hessian formed
	c := hvp.Classify(hvp.At(loss, w0), nil) // saddle: eigenvalues −2 and 2
	obj := hvp.NewObjective(loss, 2)         // value, gradient and H·v for optim
	res, err := optim.Minimize(obj, w0, &optim.SaddleEscape{}, nil)
	fmt.Println(val, grad[0]+0, grad[1]+0, hv)
	fmt.Println(c.Kind, c.MinEigenvalue, c.MaxEigenvalue)
	fmt.Printf("%v %v w1·w2 = %.6f, loss below 1e-12: %v\n", err, res.Status, res.X[0]*res.X[1], res.F < 1e-12)
	// Output:
	// 1 0 0 [-2 -2]
	// saddle -2 2
	// <nil> SecondOrderStationary w1·w2 = 1.000000, loss below 1e-12: true
}

// Example_tape is README.md's second snippet: the seed loss recorded op by
// op on a tape, and its gradient at the saddle.
func Example_tape() {
	tp := graph.NewTape()
	w1, w2 := tp.Var(tensor.Scalar(0)), tp.Var(tensor.Scalar(0))
	yhat := graph.Mul(graph.Mul(w1, w2), tp.Const(tensor.Scalar(1)))
	l := graph.Square(graph.Sub(tp.Const(tensor.Scalar(1)), yhat))
	g := ad.Grad(l, w1, w2)
	fmt.Println(l.Item(), g[0].Item() == 0, g[1].Item() == 0)
	// Output:
	// 1 true true
}
