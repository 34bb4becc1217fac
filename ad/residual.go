package ad

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor"
	"gonum.org/v1/gonum/mat"
)

// Residual is a vector function r: ℝⁿ → ℝᵐ written with graph operations,
// with exact Jacobians from the tape: it satisfies the Residual and
// JacobianLinearizer interfaces of package optim (which this package does
// not import), so optim.LeastSquares can minimise ½‖r(x)‖².
//
// Residuals costs one evaluation of r; Jacobian costs about min(m, n)
// (see Linear.Jacobian); LinearizeJacobian records r once, after which
// each J·v or Jᵀu is one tangent sweep. A Residual reuses its tapes, so it
// allocates little in a solver's loop, and is not safe for concurrent use.
type Residual struct {
	f    Func
	m, n int
	lin  *Linear // the recording behind LinearizeJacobian and Jacobian
}

// NewResidual returns the Residual of f, a function of a flat vector of n
// parameters whose output elements, in order, are the residuals. It
// records f once at the zero vector to learn m (the value there does not
// matter, and may be NaN). f must not keep the nodes it is given.
func NewResidual(f Func, n int) *Residual {
	if n <= 0 {
		panic(fmt.Sprintf("ad: NewResidual: %d parameters", n))
	}
	r := &Residual{f: f, n: n}
	tp := getTape()
	r.m = f(tp.VarVec(make([]float64, n))).Value().Size()
	putTape(tp)
	return r
}

// Dims returns the number of residuals m and of parameters n.
func (r *Residual) Dims() (m, n int) { return r.m, r.n }

// Residuals stores r(x) in dst (len m).
func (r *Residual) Residuals(x, dst []float64) {
	r.checkX("Residuals", x)
	if len(dst) != r.m {
		panic(fmt.Sprintf("ad: Residual.Residuals: len(dst) = %d, want %d", len(dst), r.m))
	}
	tp := getTape()
	defer putTape(tp)
	y := r.f(tp.VarVec(x)) // a copy of x: dst may be x itself
	r.checkM(tensor.SizeOf(y.Shape()))
	y.ValueInto(dst) // deferred residuals are computed straight into dst
}

// Jacobian stores J(x) in jac (m×n): forward mode when n ≤ m, reverse mode
// otherwise.
func (r *Residual) Jacobian(x []float64, jac *mat.Dense) {
	r.checkX("Jacobian", x)
	r.linearize(x).Jacobian(jac)
}

// LinearizeJacobian records r at x, stores r(x) in dst and returns J(x)·v
// and J(x)ᵀu as functions (see Linear). They stay valid until the next call
// of LinearizeJacobian or Jacobian.
func (r *Residual) LinearizeJacobian(x, dst []float64) (jacVec, jacTVec func(v, dst []float64)) {
	r.checkX("LinearizeJacobian", x)
	l := r.linearize(x)
	l.Value(dst)
	return func(v, dst []float64) { l.JVP(v, dst) }, func(u, dst []float64) { l.VJP(u, dst) }
}

func (r *Residual) linearize(x []float64) *Linear {
	if r.lin == nil {
		r.lin = Linearize(r.f, x)
	} else {
		r.lin.record(r.f, x)
	}
	r.checkM(r.lin.m)
	return r.lin
}

func (r *Residual) checkX(op string, x []float64) {
	if len(x) != r.n {
		panic(fmt.Sprintf("ad: Residual.%s: len(x) = %d, want %d", op, len(x), r.n))
	}
}

func (r *Residual) checkM(m int) {
	if m != r.m {
		panic(fmt.Sprintf("ad: Residual: the function returned %d residuals, %d at the first call", m, r.m))
	}
}
