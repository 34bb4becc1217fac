package graph_test

import (
	"fmt"

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
