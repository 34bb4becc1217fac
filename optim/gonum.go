package optim

import (
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// GonumProblem returns a gonum optimize.Problem for obj, so that gonum's
// methods (optimize.BFGS, optimize.Newton, ...) can minimise it with exact
// derivatives.
//
// Func and Grad each call obj.Eval (Grad discards the value). Hess builds the
// dense Hessian from n Hessian-vector products against the unit vectors
// (through Linearize when obj implements Linearizer), symmetrised as
// (H + Hᵀ)/2: it costs n HVPs and O(n²) memory, so it is meant for small n.
// The functions do not modify x and do not retain any slice.
func GonumProblem(obj Objective) optimize.Problem {
	n := obj.Dim()
	return optimize.Problem{
		Func: func(x []float64) float64 { return obj.Eval(x, nil) },
		Grad: func(grad, x []float64) { obj.Eval(x, grad) },
		Hess: func(hess *mat.SymDense, x []float64) {
			apply := func(v, hv []float64) { obj.HessVec(x, v, hv) }
			if lin, ok := obj.(Linearizer); ok {
				apply = lin.Linearize(x)
			}
			e := make([]float64, n)
			cols := make([]float64, n*n) // column j at cols[j*n:]
			for j := 0; j < n; j++ {
				e[j] = 1
				apply(e, cols[j*n:(j+1)*n])
				e[j] = 0
			}
			for i := 0; i < n; i++ {
				for j := i; j < n; j++ {
					hess.SetSym(i, j, (cols[j*n+i]+cols[i*n+j])/2)
				}
			}
		},
	}
}
