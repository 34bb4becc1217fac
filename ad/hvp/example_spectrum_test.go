package hvp_test

import (
	"fmt"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// The spectral questions of a function at a point: its spectral density,
// its trace by Hutch++ and its sharpness, all on the one Point.
func ExampleDensity() {
	// f(x) = ½ Σ cᵢxᵢ², whose Hessian is diag(c): 90 eigenvalues 1 and 10
	// eigenvalues 50.
	c := make([]float64, 100)
	for i := range c {
		c[i] = 1
		if i%10 == 0 {
			c[i] = 50
		}
	}
	f := func(x *graph.Node) *graph.Node {
		return graph.Scale(graph.Sum(graph.Mul(x.Tape().Const(tensor.FromSlice(c)), graph.Square(x))), 0.5)
	}
	p := hvp.At(f, make([]float64, 100))
	d, _ := hvp.Density(p, nil)
	fmt.Printf("density: %d nodes, weights %.2f at %.0f and %.2f at %.0f, %d HVPs\n",
		len(d.Nodes), d.Weights[0], d.Nodes[0], d.Weights[1], d.Nodes[1], d.HVPs)
	tr, _ := hvp.TraceHutchPP(p, &hvp.TraceSettings{Samples: 30})
	fmt.Printf("trace: %.1f ± %.1f (exact: 590)\n", tr.Trace, tr.StdErr)
	var sh hvp.Sharpness
	e, _ := sh.Estimate(p)
	fmt.Printf("λ_max: %.3f\n", e.Value)
	// Output:
	// density: 2 nodes, weights 0.90 at 1 and 0.10 at 50, 2 HVPs
	// trace: 588.1 ± 15.3 (exact: 590)
	// λ_max: 50.000
}
