package nn

import (
	"fmt"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/tensor"
)

// Curvature records the loss of m on the whole of d at the model's current
// parameters, with its gradient, and returns the point: its value, its
// gradient and its Hessian ∇²L(θ) with respect to all the parameters θ (in
// the order of Flatten) as an hvp.Operator. Every curvature tool of package
// hvp takes it: hvp.Lanczos for the top eigenpairs, hvp.Classify,
// hvp.Taylor, hvp.Trace and hvp.TraceHutchPP, hvp.Diagonal, hvp.Density,
// hvp.Sharpness. For the Gauss–Newton matrix instead of the Hessian, use
// GaussNewton.
//
// Each parameter tensor is its own variable on the tape (hvp.AtN), so each
// product costs one tangent sweep over the recording, about two gradients,
// and O(len(θ)) memory. Recording costs one gradient. The point copies the
// parameters and the data: later changes to the model do not affect it.
// It panics on a nil model, loss or dataset.
func Curvature(m Model, loss Loss, d *Dataset) *hvp.Point {
	if m == nil || loss == nil {
		panic("nn: Curvature: nil model or loss")
	}
	d.check("Curvature")
	params := m.Params()
	values := make([]*tensor.Tensor, len(params))
	for i, p := range params {
		values[i] = p.Value
	}
	if NumParams(params) == 0 {
		panic("nn: Curvature: the model has no parameters")
	}
	return hvp.AtN(lossFuncN("Curvature", m, loss, d.X, d.Y), values)
}

// checkLen panics unless v has n elements.
func checkLen(op, what string, v []float64, n int) {
	if len(v) != n {
		panic(fmt.Sprintf("nn: %s: len(%s) = %d for %d parameters", op, what, len(v), n))
	}
}
