package hvp

import "fmt"

// Evaluator is a function of a flat vector that can be evaluated: the part
// of Function (and of package optim's Objective) that a landscape needs.
// *Objective, and so package nn's NewObjective, satisfy it.
type Evaluator interface {
	// Dim returns the number of parameters n.
	Dim() int
	// Eval returns f(x); it fills grad with ∇f(x) when grad != nil.
	Eval(x, grad []float64) float64
}

// Line returns f(x + αᵢ·d) for each αᵢ of alphas: the loss along one
// direction through x, such as the top Hessian eigenvector (Lanczos) or a
// filter-normalised random direction (package nn's FilterNormalized). It
// costs one evaluation of f per α, without gradients; x and d are neither
// modified nor retained. It panics unless x and d have length fn.Dim().
func Line(fn Evaluator, x, d, alphas []float64) []float64 {
	n := checkLandscape("Line", fn, x, d)
	y := make([]float64, n)
	out := make([]float64, len(alphas))
	for i, a := range alphas {
		for k := range y {
			y[k] = x[k] + a*d[k]
		}
		out[i] = fn.Eval(y, nil)
	}
	return out
}

// Plane returns f(x + αᵢ·d1 + βⱼ·d2) on the grid of alphas × betas, as
// rows: Plane(...)[j][i] is the value at (alphas[i], betas[j]). With d1, d2
// the top two Hessian eigenvectors it shows the sharpest section of the
// loss; with two filter-normalised random directions, the picture of Li,
// Xu, Taylor, Studer & Goldstein, "Visualizing the loss landscape of
// neural nets" (NeurIPS 2018). It costs len(alphas)·len(betas) evaluations
// without gradients; x, d1 and d2 are neither modified nor retained. It
// panics unless they have length fn.Dim().
func Plane(fn Evaluator, x, d1, d2, alphas, betas []float64) [][]float64 {
	n := checkLandscape("Plane", fn, x, d1)
	checkLandscape("Plane", fn, x, d2)
	y := make([]float64, n)
	out := make([][]float64, len(betas))
	for j, b := range betas {
		out[j] = make([]float64, len(alphas))
		for i, a := range alphas {
			for k := range y {
				y[k] = x[k] + a*d1[k] + b*d2[k]
			}
			out[j][i] = fn.Eval(y, nil)
		}
	}
	return out
}

func checkLandscape(op string, fn Evaluator, x, d []float64) int {
	if fn == nil {
		panic(fmt.Sprintf("hvp: %s: nil Evaluator", op))
	}
	n := fn.Dim()
	if len(x) != n || len(d) != n {
		panic(fmt.Sprintf("hvp: %s: len(x) = %d, len(d) = %d for a function of dimension %d", op, len(x), len(d), n))
	}
	return n
}
