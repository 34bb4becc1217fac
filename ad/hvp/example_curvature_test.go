package hvp_test

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// The seeds' example: L(w₁, w₂) = (1 − w₁·w₂·x)² with x = 1 has a critical
// point at (0, 0) with Hessian [[0, −2], [−2, 0]]: a saddle, escaped along
// the eigenvector [1, 1]/√2 of the eigenvalue −2. On the valley w₁w₂ = 1
// of minima the Hessian is singular and the test is inconclusive.
func ExampleClassify() {
	loss := func(w *graph.Node) *graph.Node {
		tp := w.Tape()
		w1, w2 := graph.Index(w, 0), graph.Index(w, 1)
		yhat := graph.Mul(graph.Mul(w1, w2), tp.Scalar(1)) // x = 1
		return graph.Square(graph.Sub(tp.Scalar(1), yhat))
	}
	for _, w := range [][]float64{{0, 0}, {1, 1}} {
		c := hvp.Classify(hvp.At(loss, w), nil)
		fmt.Printf("at %v: %v (critical %v, ‖g‖ = %g), eigenvalues %.4g\n",
			w, c.Kind, c.Critical, c.GradNorm2, c.Eigenvalues)
		if c.Escape != nil {
			fmt.Printf("  escape along %.4f\n", c.Escape)
			step := []float64{w[0] + 0.5*c.Escape[0], w[1] + 0.5*c.Escape[1]}
			fmt.Printf("  L(w + 0.5·escape) = %.4f < L(w) = %.4f\n", hvp.Taylor(hvp.At(loss, step)).Value(), c.Value)
		}
	}
	// Output:
	// at [0 0]: saddle (critical true, ‖g‖ = 0), eigenvalues [-2 2]
	//   escape along [0.7071 0.7071]
	//   L(w + 0.5·escape) = 0.7656 < L(w) = 1.0000
	// at [1 1]: inconclusive (critical true, ‖g‖ = 0), eigenvalues [0 4]
}

// Lanczos finds extreme eigenpairs from Hessian-vector products alone,
// never forming the n×n Hessian. The extended Rosenbrock function of
// n = 10⁴ variables, at its minimum (1, …, 1) except that x₂ is moved up
// off the valley floor: the Hessian is block diagonal, every 2×2 block
// [[802, −400], [−400, 200]] (eigenvalues 0.3994 and 1001.6) except the
// first, [[782, −400], [−400, 200]], whose determinant is negative: one
// direction of negative curvature among 10⁴.
func ExampleLanczos() {
	rosenbrock := func(x *graph.Node) *graph.Node {
		n := x.Shape()[0]
		odd, even := graph.Slice(x, 0, 0, n, 2), graph.Slice(x, 0, 1, n, 2)
		t := graph.Sub(even, graph.Square(odd))
		u := graph.AddScalar(graph.Neg(odd), 1)
		return graph.Add(graph.Scale(graph.Sum(graph.Square(t)), 100), graph.Sum(graph.Square(u)))
	}
	x := make([]float64, 10000)
	for i := range x {
		x[i] = 1
	}
	x[1] = 1.05

	res, err := hvp.Lanczos(hvp.At(rosenbrock, x), &hvp.LanczosSettings{K: 2, Which: hvp.Smallest})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("two smallest eigenvalues %.4f, converged %v\n", res.Values, res.Converged)
	u := res.Vectors[0]
	rest := 0.0
	for _, ui := range u[2:] {
		rest = math.Max(rest, math.Abs(ui))
	}
	fmt.Printf("eigenvector of λ_min: ±%.4f in the first block, below 1e-10 elsewhere: %v\n",
		[]float64{math.Abs(u[0]), math.Abs(u[1])}, rest < 1e-10)

	e, err := hvp.ExtremeEigenvalues(hvp.At(rosenbrock, x), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("λ_min %.4f, λ_max %.4f, condition number %v (H is indefinite)\n", e.Min, e.Max, e.Cond())
	// Output:
	// two smallest eigenvalues [-3.6524 0.3994], converged true
	// eigenvector of λ_min: ±[0.4537 0.8911] in the first block, below 1e-10 elsewhere: true
	// λ_min -3.6524, λ_max 1001.6006, condition number +Inf (H is indefinite)
}

// The second-order Taylor model of the seeds: predicted loss change of a
// step, the optimal gradient step ε* = gᵀg/gᵀHg, and the largest stable
// learning rate 2/λ_max, on the condition-number-5 quadratic
// f(x) = ½xᵀAx, A = [[3, 2], [2, 3]] (eigenvalues 5 along [1, 1] and 1
// along [1, −1]).
func ExampleTaylor() {
	a := tensor.New([]float64{3, 2, 2, 3}, 2, 2)
	f := func(x *graph.Node) *graph.Node {
		xc := graph.Reshape(x, 2, 1)
		return graph.Scale(graph.Sum(graph.Mul(xc, graph.MatMul(x.Tape().Const(a), xc))), 0.5)
	}
	x := []float64{1, 0.2}
	m := hvp.Taylor(hvp.At(f, x))
	g := m.Grad(nil)
	fmt.Printf("f = %.4f, g = %.4f, gᵀHg = %.4f\n", m.Value(), g, m.GradCurvature())

	eps, change := m.OptimalStep()
	fmt.Printf("ε* = %.4f, predicted f(x − ε*g) = %.4f\n", eps, m.Value()+change)
	fmt.Printf("predicted f(x + [0.1, 0.1]) = %.4f\n", m.Predict([]float64{0.1, 0.1}))

	rate, _, err := m.MaxStableRate(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	ext, err := m.Extremes(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("largest stable learning rate 2/λ_max = %.4f, condition number %.4f\n", rate, ext.Cond())

	// The model is exact for a quadratic: compare with the dense Hessian.
	h := hvp.Hessian(f, x)
	fmt.Printf("H = %v\n", mat.Formatted(h, mat.Prefix("    "), mat.Squeeze()))
	// Output:
	// f = 1.9600, g = [3.4000 2.6000], gᵀHg = 90.3200
	// ε* = 0.2028, predicted f(x − ε*g) = 0.1020
	// predicted f(x + [0.1, 0.1]) = 2.6100
	// largest stable learning rate 2/λ_max = 0.4000, condition number 5.0000
	// H = ⎡3  2⎤
	//     ⎣2  3⎦
}
