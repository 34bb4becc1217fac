package graph_test

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// The loss L(w1, w2) = (1 − w1·w2·x)² with x = 1, recorded as it runs at
// the saddle point (0, 0). Each operation is one node on the tape; package
// ad then differentiates the recording. At the saddle the gradient is
// zero, although (0, 0) is not a minimum.
func ExampleTape() {
	tp := graph.NewTape()
	w1 := tp.Var(tensor.Scalar(0))
	w2 := tp.Var(tensor.Scalar(0))
	x := tensor.Scalar(1)
	yhat := graph.Mul(graph.Mul(w1, w2), tp.Const(x))
	loss := graph.Square(graph.Sub(tp.Const(tensor.Scalar(1)), yhat))

	for i := 0; i <= loss.Index(); i++ {
		fmt.Println(tp.Node(i))
	}
	g := ad.Grad(loss, w1, w2)
	fmt.Printf("L = %.4g, dL/dw1 = %.4g, dL/dw2 = %.4g\n", loss.Item(), g[0].Item()+0, g[1].Item()+0)
	// Output:
	// var#0[]
	// var#1[]
	// Mul#2[]
	// const#3[]
	// Mul#4[]
	// const#5[]
	// Sub#6[]
	// Square#7[]
	// L = 1, dL/dw1 = 0, dL/dw2 = 0
}

// A function that makes a tape per call releases it when done, so that
// the next call's NewTape records on the same storage instead of new
// memory (a loop that records once per step would Reset one tape instead).
// Values read out must be copied before Release: the nodes go with it.
func ExampleTape_Release() {
	lossAndGrad := func(w []float64) (float64, []float64) {
		tp := graph.NewTape()
		defer tp.Release()
		x := tp.VarVec(w)
		loss := graph.Sum(graph.Square(graph.ScalarSub(1, x)))
		g := ad.Grad(loss, x)[0].Value().Data()
		return loss.Item(), append([]float64(nil), g...)
	}
	for _, w := range [][]float64{{0, 0}, {2, 3}} {
		l, g := lossAndGrad(w)
		fmt.Println(l, g)
	}
	// Output:
	// 2 [-2 -2]
	// 5 [2 4]
}

// Mul broadcasts: a (2,3) matrix times a (3) vector scales each column.
// The gradient with respect to the vector sums over the broadcast rows.
func ExampleMul() {
	tp := graph.NewTape()
	a := tp.Const(tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	s := tp.Var(tensor.New([]float64{10, 1, 0.5}, 3))
	y := graph.Mul(a, s)
	fmt.Println(y.Value())

	g := ad.Grad(graph.Sum(y), s)[0]
	fmt.Println(g.Value())
	// Output:
	// [[10 2 1.5]
	//  [40 5 3]]
	// [5 7 9]
}

// log1pExpOp is log(1 + eˣ) as a user-defined operation: the forward value
// is computed on tensors (by log1pExp below), the JVP rule on tensors, and
// the VJP rule with graph operations, so that second derivatives pass
// through it too.
var log1pExpOp = &graph.Op{
	Name: "Log1pExp",
	JVP: func(n *graph.Node, dst *tensor.Tensor) { // σ(x)⊙ẋ
		tensor.ApplyTo(tensor.OpSigmoid, dst, n.Input(0).Value())
		tensor.MulTo(dst, dst, n.Input(0).Tangent())
	},
	VJP: func(n, g *graph.Node, adj *graph.Adjoints) { // g⊙σ(x)
		adj.Add(0, graph.Mul(g, graph.Sigmoid(n.Input(0))))
	},
}

// log1pExp records log(1 + eˣ) elementwise, as max(x, 0) + log1p(e^−|x|),
// which neither overflows for large x nor loses digits for negative x.
func log1pExp(x *graph.Node) *graph.Node {
	v := x.Value().Clone()
	d := v.Data()
	for i, t := range d {
		d[i] = max(t, 0) + math.Log1p(math.Exp(-math.Abs(t)))
	}
	return graph.Record(log1pExpOp, v, x)
}

// A user-defined operation, a numerically stable log(1 + eˣ), recorded
// with Record and then differentiated like a built-in op: its gradient,
// and its JVP and HVP checked against finite differences by ad.Check.
func ExampleRecord() {
	tp := graph.NewTape()
	x := tp.VarVec([]float64{-800, 0, 800})
	y := log1pExp(x)
	g := ad.Grad(graph.Sum(y), x)[0]
	fmt.Printf("log(1+eˣ) = %.4g\n", y.Value().Data())
	fmt.Printf("gradient  = %.4g\n", g.Value().Data())

	f := func(w *graph.Node) *graph.Node { return graph.Sum(graph.Square(log1pExp(w))) }
	res := ad.Check(f, []float64{-1, 0.5, 2}, nil)
	fmt.Println("gradient, HVP and JVP agree with finite differences:",
		res.GradErr < 1e-6 && res.HVPErr < 1e-6 && res.JVPErr < 1e-6)
	// Output:
	// log(1+eˣ) = [0 0.6931 800]
	// gradient  = [0 0.5 1]
	// gradient, HVP and JVP agree with finite differences: true
}

// A large element-wise value is computed when it is read; ValueInto
// computes it straight into a slice of the caller's, without storing it
// on the tape.
func ExampleNode_ValueInto() {
	tp := graph.NewTape()
	x := tp.Var(tensor.Full(0.5, 10000))
	y := graph.Mul(graph.Square(x), graph.ScalarSub(1, x)) // x²(1 − x), deferred
	out := make([]float64, 10000)
	y.ValueInto(out)
	fmt.Println(out[0], graph.Sum(y).Item())
	// Output: 0.125 1250
}
