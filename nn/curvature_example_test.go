package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// The curvature of a network's loss: its Hessian and its Gauss–Newton
// matrix are Operators, and every tool of package hvp takes either.
func ExampleCurvature() {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewMLP(rng, nn.Tanh, 3, 8, 2)
	d := nn.NewDataset(tensor.RandNormal(rng, 50, 3), tensor.RandNormal(rng, 50, 2))

	h := nn.Curvature(m, nn.MSE, d)   // the Hessian ∇²L(θ), with L and ∇L
	g := nn.GaussNewton(m, nn.MSE, d) // G = Jᵀ H_L J, positive semi-definite
	for _, op := range []struct {
		name string
		op   hvp.Operator
	}{{"Hessian", h}, {"Gauss–Newton", g}} {
		e, _ := hvp.ExtremeEigenvalues(op.op, nil)
		tr, _ := hvp.TraceHutchPP(op.op, &hvp.TraceSettings{Samples: 60})
		fmt.Printf("%-12s λ_max %.4f  trace ≈ %.3f  positive semi-definite: %v\n",
			op.name, e.Max, tr.Trace, e.Min >= -1e-8*e.Max)
	}
	c := hvp.Classify(h, nil)
	fmt.Printf("%d parameters; classification of the initial point: %v\n", h.Dim(), c.Kind)
	// Output:
	// Hessian      λ_max 3.2161  trace ≈ 11.531  positive semi-definite: false
	// Gauss–Newton λ_max 3.3436  trace ≈ 13.785  positive semi-definite: true
	// 50 parameters; classification of the initial point: saddle
}
