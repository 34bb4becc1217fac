package ad_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// The AD residual is what optim's least-squares methods consume.
var (
	_ optim.Residual           = (*ad.Residual)(nil)
	_ optim.JacobianLinearizer = (*ad.Residual)(nil)
)

// smallVec is f: ℝ² → ℝ⁵, f(x) = [x₀²x₁, 5x₀ + sin x₁, e^{x₀}/x₁, √(x₀²+x₁²), x₁],
// whose Jacobian is known in closed form.
func smallVec(x *graph.Node) *graph.Node {
	x0, x1 := graph.Index(x, 0), graph.Index(x, 1)
	parts := []*graph.Node{
		graph.Mul(graph.Square(x0), x1),
		graph.Add(graph.Scale(x0, 5), graph.Sin(x1)),
		graph.Div(graph.Exp(x0), x1),
		graph.Sqrt(graph.Add(graph.Square(x0), graph.Square(x1))),
		x1,
	}
	return graph.Stack(0, parts...)
}

func smallVecJac(x []float64) *mat.Dense {
	a, b := x[0], x[1]
	r := math.Hypot(a, b)
	return mat.NewDense(5, 2, []float64{
		2 * a * b, a * a,
		5, math.Cos(b),
		math.Exp(a) / b, -math.Exp(a) / (b * b),
		a / r, b / r,
		0, 1,
	})
}

// wide is f: ℝ⁴ → ℝ², more inputs than outputs (reverse mode by default),
// with a matrix shape for its output.
func wide(x *graph.Node) *graph.Node {
	a := graph.Mul(graph.Slice(x, 0, 0, 2, 1), graph.Slice(x, 0, 2, 4, 1))
	return graph.Reshape(graph.Tanh(graph.Add(a, graph.Sum(graph.Square(x)))), 1, 2)
}

// mlpOut is the output of a fixed 3-8-8-4 tanh MLP on a batch of 5 inputs,
// as a function of the flattened inputs (n = 15, m = 20).
func mlpOut() ad.Func {
	m := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), nn.Tanh, 3, 8, 8, 4)
	return func(x *graph.Node) *graph.Node {
		tp := x.Tape()
		params := make([]*graph.Node, 0, 6)
		for _, p := range m.Params() {
			params = append(params, tp.Const(p.Value))
		}
		return m.Forward(params, graph.Reshape(x, 5, 3))
	}
}

// fdJacobian returns the Jacobian of f by central differences, column by
// column.
func fdJacobian(f ad.Func, x []float64) *mat.Dense {
	val := func(x []float64) []float64 {
		v, _ := ad.JVP(f, x, make([]float64, len(x)))
		return v.Data()
	}
	m := len(val(x))
	J := mat.NewDense(m, len(x), nil)
	e := make([]float64, len(x))
	for j := range x {
		e[j] = 1
		J.SetCol(j, testutil.DirectionalDeriv(val, x, e))
		e[j] = 0
	}
	return J
}

func maxRelDiff(a, b *mat.Dense) float64 {
	e, _ := testutil.RelErr(a.RawMatrix().Data, b.RawMatrix().Data)
	return e
}

func TestJacobian(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x2 := []float64{0.7, -1.3}
	cases := []struct {
		name  string
		f     ad.Func
		x     []float64
		exact *mat.Dense
	}{
		{"smallVec", smallVec, x2, smallVecJac(x2)},
		{"wide", wide, []float64{0.3, -0.2, 0.5, 0.1}, nil},
		{"mlp", mlpOut(), testutil.RandVec(rng, 15), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fwd := ad.JacobianForward(c.f, c.x)
			rev := ad.JacobianReverse(c.f, c.x)
			auto := ad.Jacobian(c.f, c.x)
			if d := maxRelDiff(fwd, rev); d > 1e-13 {
				t.Errorf("forward and reverse differ by %g", d)
			}
			if d := maxRelDiff(fwd, auto); d > 1e-13 {
				t.Errorf("Jacobian and JacobianForward differ by %g", d)
			}
			if d := maxRelDiff(fwd, fdJacobian(c.f, c.x)); d > 1e-6 {
				t.Errorf("forward Jacobian and central differences differ by %g", d)
			}
			if c.exact != nil {
				if d := maxRelDiff(fwd, c.exact); d > 1e-14 {
					t.Errorf("forward Jacobian and the analytic one differ by %g", d)
				}
			}
			// Products at a Linear, and the functional VJP, match J·v and Jᵀu.
			m, n := fwd.Dims()
			l := ad.Linearize(c.f, c.x)
			if lm, ln := l.Dims(); lm != m || ln != n {
				t.Fatalf("Linear.Dims = %d, %d; want %d, %d", lm, ln, m, n)
			}
			for trial := 0; trial < 3; trial++ {
				v, u := testutil.RandVec(rng, n), testutil.RandVec(rng, m)
				var jv, jtu mat.VecDense
				jv.MulVec(fwd, mat.NewVecDense(n, v))
				jtu.MulVec(fwd.T(), mat.NewVecDense(m, u))
				// Alternate the order so that stale tangents of one kind of
				// product cannot leak into the other.
				var gotJV, gotJTu []float64
				if trial%2 == 0 {
					gotJV, gotJTu = l.JVP(v, nil), l.VJP(u, nil)
				} else {
					gotJTu, gotJV = l.VJP(u, nil), l.JVP(v, nil)
				}
				if e, i := testutil.RelErr(gotJV, jv.RawVector().Data); e > 1e-13 {
					t.Errorf("Linear.JVP[%d] off by %g", i, e)
				}
				if e, i := testutil.RelErr(gotJTu, jtu.RawVector().Data); e > 1e-13 {
					t.Errorf("Linear.VJP[%d] off by %g", i, e)
				}
				val, vjp := ad.VJP(c.f, c.x, u)
				if e, i := testutil.RelErr(vjp, jtu.RawVector().Data); e > 1e-13 {
					t.Errorf("VJP[%d] off by %g", i, e)
				}
				if e, _ := testutil.RelErr(val.Data(), l.Value(nil)); e != 0 {
					t.Errorf("VJP value differs from Linear.Value by %g", e)
				}
			}
		})
	}
}

// An output that does not depend on the input has a zero Jacobian, by both
// modes.
func TestJacobianConstant(t *testing.T) {
	f := func(x *graph.Node) *graph.Node {
		return graph.Concat(0, graph.Reshape(graph.Index(x, 0), 1), x.Tape().Full(2, 2))
	}
	x := []float64{1.5, 2}
	want := mat.NewDense(3, 2, []float64{1, 0, 0, 0, 0, 0})
	for name, J := range map[string]*mat.Dense{
		"forward": ad.JacobianForward(f, x), "reverse": ad.JacobianReverse(f, x),
	} {
		if !mat.Equal(J, want) {
			t.Errorf("%s: J = %v, want %v", name, mat.Formatted(J), mat.Formatted(want))
		}
	}
}

func TestResidual(t *testing.T) {
	r := ad.NewResidual(smallVec, 2)
	if m, n := r.Dims(); m != 5 || n != 2 {
		t.Fatalf("Dims = %d, %d; want 5, 2", m, n)
	}
	x := []float64{0.4, 1.1}
	got := make([]float64, 5)
	r.Residuals(x, got)
	want, _ := ad.JVP(smallVec, x, []float64{0, 0})
	if e, _ := testutil.RelErr(got, want.Data()); e != 0 {
		t.Errorf("Residuals = %v, want %v", got, want.Data())
	}
	J := mat.NewDense(5, 2, nil)
	r.Jacobian(x, J)
	if d := maxRelDiff(J, smallVecJac(x)); d > 1e-14 {
		t.Errorf("Jacobian off by %g", d)
	}
	rv := make([]float64, 5)
	jv, jtv := r.LinearizeJacobian(x, rv)
	if e, _ := testutil.RelErr(rv, want.Data()); e != 0 {
		t.Errorf("LinearizeJacobian residuals = %v, want %v", rv, want.Data())
	}
	// Residuals at another point leaves the linearisation valid.
	r.Residuals([]float64{3, 4}, got)
	out5, out2 := make([]float64, 5), make([]float64, 2)
	jv([]float64{1, 0}, out5)
	if e, _ := testutil.RelErr(out5, mat.Col(nil, 0, J)); e > 1e-14 {
		t.Errorf("J·e₀ = %v, want %v", out5, mat.Col(nil, 0, J))
	}
	jtv([]float64{0, 0, 1, 0, 0}, out2)
	if e, _ := testutil.RelErr(out2, mat.Row(nil, 2, J)); e > 1e-14 {
		t.Errorf("Jᵀe₂ = %v, want %v", out2, mat.Row(nil, 2, J))
	}
	testutil.MustPanic(t, "wrong x", func() { r.Residuals([]float64{1}, got) }, "ad: Residual.Residuals", "len(x) = 1")
	testutil.MustPanic(t, "wrong dst", func() { r.Residuals(x, out2) }, "len(dst) = 2")
}

// BenchmarkJacobian reports the cost of a dense Jacobian as a multiple of
// one functional JVP (forward mode, n ≤ m) or VJP (reverse mode), for
// f(x) = tanh(A·x) with a dense m×n matrix A. The ideal is min(m, n).
func BenchmarkJacobian(b *testing.B) {
	for _, d := range []struct{ m, n int }{{1000, 10}, {10, 1000}} {
		rng := rand.New(rand.NewPCG(5, 6))
		A := tensor.New(testutil.RandVec(rng, d.m*d.n), d.m, d.n)
		f := func(x *graph.Node) *graph.Node {
			return graph.Tanh(graph.MatMul(x.Tape().Const(A), graph.Reshape(x, d.n, 1)))
		}
		x := testutil.RandVec(rng, d.n)
		v, u := testutil.RandVec(rng, d.n), testutil.RandVec(rng, d.m)
		one := func() {
			if d.n <= d.m {
				ad.JVP(f, x, v)
			} else {
				ad.VJP(f, x, u)
			}
		}
		b.Run(fmt.Sprintf("m=%d,n=%d", d.m, d.n), func(b *testing.B) {
			b.ReportAllocs()
			// Time one product and the Jacobian side by side, interleaved,
			// so that the ratio is not skewed by drift of the machine.
			var tOne, tJac float64
			for i := 0; i < b.N; i++ {
				t0 := nowSeconds()
				for k := 0; k < 10; k++ {
					one()
				}
				t1 := nowSeconds()
				ad.Jacobian(f, x)
				t2 := nowSeconds()
				tOne += (t1 - t0) / 10
				tJac += t2 - t1
			}
			b.ReportMetric(tJac/tOne, "products/Jacobian")
			b.ReportMetric(tJac/tOne/float64(min(d.m, d.n)), "ratio/min(m,n)")
		})
	}
}

func nowSeconds() float64 { return float64(time.Now().UnixNano()) * 1e-9 }

// BenchmarkVJPPullBack reports ad.VJP's time (a pullback of the cotangent
// u) as a fraction of the same product written as the gradient of Σ uᵢ·fᵢ,
// timed side by side, for f(x) = tanh(A·x) with A m×n.
func BenchmarkVJPPullBack(b *testing.B) {
	for _, d := range []struct{ m, n int }{{1000, 10}, {10000, 10}} {
		rng := rand.New(rand.NewPCG(7, 8))
		A := tensor.New(testutil.RandVec(rng, d.m*d.n), d.m, d.n)
		f := func(x *graph.Node) *graph.Node {
			return graph.Tanh(graph.MatMul(x.Tape().Const(A), graph.Reshape(x, d.n, 1)))
		}
		x, u := testutil.RandVec(rng, d.n), testutil.RandVec(rng, d.m)
		tp := graph.NewTape() // reused, as ad.VJP reuses its pooled tapes
		viaGrad := func() {
			tp.Reset()
			w := tp.VarVec(x)
			y := f(w)
			c := tp.Const(tensor.New(append([]float64(nil), u...), y.Shape()...))
			ad.Grad(graph.Sum(graph.Mul(y, c)), w)
		}
		b.Run(fmt.Sprintf("m=%d,n=%d", d.m, d.n), func(b *testing.B) {
			b.ReportAllocs()
			var tNew, tOld float64
			for i := 0; i < b.N; i++ {
				t0 := nowSeconds()
				ad.VJP(f, x, u)
				t1 := nowSeconds()
				viaGrad()
				t2 := nowSeconds()
				tNew += t1 - t0
				tOld += t2 - t1
			}
			b.ReportMetric(tNew/tOld, "pullback/grad-of-sum")
		})
	}
}
