package ad_test

import (
	"fmt"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
)

// The derivative of a minimiser with respect to a parameter: x*(θ) =
// argmin (x − 3)² + θx² = 3/(1 + θ), whose derivative is −3/(1 + θ)², here
// −0.75 at θ = 1. The solver may be any method (here the closed form); only
// f is differentiated, at the solution.
func ExampleArgMin() {
	f := func(x, theta *graph.Node) *graph.Node {
		return graph.Add(graph.Square(graph.AddScalar(x, -3)), graph.Mul(theta, graph.Square(x)))
	}
	solve := func(theta []float64) ([]float64, error) { return []float64{3 / (1 + theta[0])}, nil }

	tp := graph.NewTape()
	theta := tp.VarVec([]float64{1})
	m, err := ad.ArgMin(f, theta, solve, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	g := ad.Grad(graph.Sum(m.X), theta)[0]
	fmt.Printf("x* = %.4g, dx*/dθ = %.4g, err = %v\n", m.X.Value().Data()[0], g.Value().Data()[0], m.Err())
	// Output:
	// x* = 1.5, dx*/dθ = -0.75, err = <nil>
}
