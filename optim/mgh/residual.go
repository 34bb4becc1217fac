package mgh

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Residual is a problem in residual form: r: ℝⁿ → ℝᵐ with f(x) = Σᵢ rᵢ(x)²
// (so ½‖r‖², what least-squares methods minimise, is f/2), with its exact
// hand-written Jacobian. It satisfies the optim Residual interface
// structurally. Residuals and Jacobian cost O(m) and O(m·n) for the dense
// Jacobian.
type Residual struct {
	name string
	m, n int
	fn   residualForm
	jac  *mat.Dense // LinearizeJacobian's dense Jacobian, when used
}

// residualForm is the contract of a problem's residual form.
type residualForm interface {
	residuals(x, r []float64)
	// jacobian stores J(x) in jac, which is zero on entry.
	jacobian(x []float64, jac *mat.Dense)
}

// Residual returns the residual form of p, and false when p is not a sum
// of squares (Quadratic5). Every problem of Problems has one.
func (p Problem) Residual() (*Residual, bool) {
	switch fn := p.fn.(type) {
	case sumSquares:
		return &Residual{name: p.Name, m: fn.rows(), n: fn.dim(), fn: rowsForm{rows: fn.residuals}}, true
	case extRosenbrock:
		return &Residual{name: p.Name, m: fn.n, n: fn.n, fn: fn}, true
	case trig:
		return &Residual{name: p.Name, m: fn.n, n: fn.n, fn: fn}, true
	case varDim:
		return &Residual{name: p.Name, m: fn.n + 2, n: fn.n, fn: fn}, true
	case penaltyI:
		return &Residual{name: p.Name, m: fn.n + 1, n: fn.n, fn: fn}, true
	}
	return nil, false
}

// Dims returns the number of residuals m and of variables n.
func (r *Residual) Dims() (m, n int) { return r.m, r.n }

// Residuals stores r(x) in dst.
func (r *Residual) Residuals(x, dst []float64) {
	if len(x) != r.n || len(dst) != r.m {
		panic(fmt.Sprintf("mgh: %s: Residuals: len(x) = %d, len(dst) = %d, want %d, %d", r.name, len(x), len(dst), r.n, r.m))
	}
	r.fn.residuals(x, dst)
}

// Jacobian stores J(x) in jac (m×n).
func (r *Residual) Jacobian(x []float64, jac *mat.Dense) {
	if rows, cols := jac.Dims(); len(x) != r.n || rows != r.m || cols != r.n {
		panic(fmt.Sprintf("mgh: %s: Jacobian: len(x) = %d, jac %d×%d, want %d, %d×%d", r.name, len(x), rows, cols, r.n, r.m, r.n))
	}
	jac.Zero()
	r.fn.jacobian(x, jac)
}

// LinearizeJacobian stores r(x) in res and returns J(x)·v and J(x)ᵀu as
// functions (the optim JacobianLinearizer interface, for matrix-free
// methods): for the extended Rosenbrock function from the two non-zeros of
// each row, in O(n) per product; for the other problems from the dense
// Jacobian, formed once per call in O(m·n). The functions are valid until
// the next call.
func (r *Residual) LinearizeJacobian(x, res []float64) (jacVec, jacTVec func(v, dst []float64)) {
	r.Residuals(x, res)
	if e, ok := r.fn.(extRosenbrock); ok {
		d := make([]float64, e.n) // ∂r₂ₖ/∂x₂ₖ = −20x₂ₖ
		for i := 0; i < e.n; i += 2 {
			d[i] = -20 * x[i]
		}
		jacVec = func(v, dst []float64) {
			for i := 0; i < e.n; i += 2 {
				dst[i] = d[i]*v[i] + 10*v[i+1]
				dst[i+1] = -v[i]
			}
		}
		jacTVec = func(u, dst []float64) {
			for i := 0; i < e.n; i += 2 {
				dst[i] = d[i]*u[i] - u[i+1]
				dst[i+1] = 10 * u[i]
			}
		}
		return jacVec, jacTVec
	}
	if r.jac == nil {
		r.jac = mat.NewDense(r.m, r.n, nil)
	}
	J := r.jac
	r.Jacobian(x, J)
	jacVec = func(v, dst []float64) {
		mat.NewVecDense(r.m, dst).MulVec(J, mat.NewVecDense(r.n, v))
	}
	jacTVec = func(u, dst []float64) {
		mat.NewVecDense(r.n, dst).MulVec(J.T(), mat.NewVecDense(r.m, u))
	}
	return jacVec, jacTVec
}

// rowsForm is the residual form of a sumSquares problem, row by row.
type rowsForm struct{ rows residuals }

func (f rowsForm) residuals(x, r []float64) {
	for i := range r {
		r[i], _ = f.rows.res(x, nil, i)
	}
}

func (f rowsForm) jacobian(x []float64, jac *mat.Dense) {
	for i := range f.rows.rows() {
		f.rows.add(x, nil, i, 1, 0, jac.RawRowView(i))
	}
}

// extRosenbrock: r₂ₖ = 10(x₂ₖ₊₁ − x₂ₖ²), r₂ₖ₊₁ = 1 − x₂ₖ.
func (e extRosenbrock) residuals(x, r []float64) {
	for i := 0; i < e.n; i += 2 {
		r[i] = 10 * (x[i+1] - x[i]*x[i])
		r[i+1] = 1 - x[i]
	}
}

func (e extRosenbrock) jacobian(x []float64, jac *mat.Dense) {
	for i := 0; i < e.n; i += 2 {
		jac.Set(i, i, -20*x[i])
		jac.Set(i, i+1, 10)
		jac.Set(i+1, i, -1)
	}
}

// trig: rᵢ = s + kᵢ(1 − cos xᵢ) − sin xᵢ, ∇rᵢ = sin x + (kᵢ sin xᵢ − cos xᵢ)·eᵢ.
func (t trig) residuals(x, r []float64) {
	s := t.s(x)
	for i, xi := range x {
		sn, cs := math.Sincos(xi)
		r[i] = s + float64(i+1)*(1-cs) - sn
	}
}

func (t trig) jacobian(x []float64, jac *mat.Dense) {
	for i := range x {
		row := jac.RawRowView(i)
		for j, xj := range x {
			row[j] = math.Sin(xj)
		}
		sn, cs := math.Sincos(x[i])
		row[i] += float64(i+1)*sn - cs
	}
}

// varDim: rᵢ = xᵢ − 1, rₙ = s, rₙ₊₁ = s², s = Σⱼ j(xⱼ − 1).
func (d varDim) residuals(x, r []float64) {
	for j, xj := range x {
		r[j] = xj - 1
	}
	s := d.s(x)
	r[d.n], r[d.n+1] = s, s*s
}

func (d varDim) jacobian(x []float64, jac *mat.Dense) {
	s := d.s(x)
	for j := range x {
		jac.Set(j, j, 1)
		w := float64(j + 1)
		jac.Set(d.n, j, w)
		jac.Set(d.n+1, j, 2*s*w)
	}
}

// penaltyI: rᵢ = √a(xᵢ − 1), rₙ = Σⱼ xⱼ² − 1/4.
func (p penaltyI) residuals(x, r []float64) {
	ra := math.Sqrt(penaltyA)
	for j, xj := range x {
		r[j] = ra * (xj - 1)
	}
	r[p.n] = p.q(x)
}

func (p penaltyI) jacobian(x []float64, jac *mat.Dense) {
	ra := math.Sqrt(penaltyA)
	for j, xj := range x {
		jac.Set(j, j, ra)
		jac.Set(p.n, j, 2*xj)
	}
}
