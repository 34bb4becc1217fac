package graph_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/tensor"
)

// TestDetach checks that every derivative through Detach is the derivative
// of the same function with the detached value replaced by a constant
// holding it: the gradient, the JVP and the HVP (forward over reverse) all
// agree to rounding, and the first case against its closed form.
func TestDetach(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for _, c := range []struct {
		name string
		n    int
		// f is the function, with h(x) detached where d is nil, or with
		// the constant d in its place.
		f func(x, d *graph.Node) *graph.Node
		h func(x *graph.Node) *graph.Node
	}{
		{"x⊙detach(x)", 4,
			func(x, d *graph.Node) *graph.Node { return graph.Sum(graph.Mul(x, d)) },
			func(x *graph.Node) *graph.Node { return x }},
		{"(x−detach(tanh x))²", 5,
			func(x, d *graph.Node) *graph.Node { return graph.Sum(graph.Square(graph.Sub(x, d))) },
			graph.Tanh},
		{"exp(x⊙detach(Σx²))", 3,
			func(x, d *graph.Node) *graph.Node { return graph.Sum(graph.Exp(graph.Mul(graph.Sin(x), d))) },
			func(x *graph.Node) *graph.Node { return graph.Sum(graph.Square(x)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := testutil.RandVec(rng, c.n)
			v := testutil.RandVec(rng, c.n)
			detached := func(w *graph.Node) *graph.Node { return c.f(w, graph.Detach(c.h(w))) }
			hx := output(c.h, x)
			constant := func(w *graph.Node) *graph.Node {
				d := w.Tape().Const(tensor.New(hx, graph.Detach(c.h(w)).Shape()...))
				return c.f(w, d)
			}
			check := func(what string, got, want []float64) {
				t.Helper()
				if e, i := testutil.RelErr(got, want); !(e <= 1e-14) {
					t.Errorf("%s: error %.3g at %d: got %v, want %v", what, e, i, got, want)
				}
			}
			check("value", output(detached, x), output(constant, x))
			check("gradient", gradient(detached, x), gradient(constant, x))
			check("HVP", eagerHVP(detached, x, v), eagerHVP(constant, x, v))
			_, jd := ad.JVP(detached, x, v)
			_, jc := ad.JVP(constant, x, v)
			check("JVP", jd.Data(), jc.Data())
			if c.name == "x⊙detach(x)" {
				check("gradient vs x (not 2x)", gradient(detached, x), x)
			}
		})
	}

	// The detached node itself: zero tangent, no adjoint.
	tp := graph.NewTape()
	x := tp.VarVec([]float64{1, -2, 3})
	x.SetTangentData([]float64{1, 1, 1})
	d := graph.Detach(graph.Square(x))
	if got := d.Value().Data(); got[0] != 1 || got[1] != 4 || got[2] != 9 {
		t.Errorf("Detach value %v, want [1 4 9]", got)
	}
	if tn := d.Tangent(); tn != nil && tensor.SumAll(tensor.Abs(tn)) != 0 {
		t.Errorf("Detach tangent %v, want zero", tn)
	}
	if g := ad.Grad(graph.Sum(d), x)[0]; tensor.SumAll(tensor.Abs(g.Value())) != 0 {
		t.Errorf("gradient through Detach %v, want zero", g.Value())
	}
}

// TestTies checks the documented subgradient of Maximum, Minimum and Clamp
// at ties and at the bounds: ½ to each tied operand, equal to what central
// differences measure at the kink (the average of the one-sided
// derivatives), for the gradient and for the JVP; and a zero second
// derivative there.
func TestTies(t *testing.T) {
	for _, c := range []struct {
		name   string
		shapes [][]int
		x      []float64
		f      func(in []*graph.Node) *graph.Node
		// grad is ∂/∂x of Σ f(x) (every output element weighted 1).
		grad []float64
	}{
		{"Maximum", [][]int{sh(4), sh(4)}, []float64{1, 2, 3, -1, 1, 0, 3, 1},
			binary(graph.Maximum), []float64{0.5, 1, 0.5, 0, 0.5, 0, 0.5, 1}},
		{"Minimum", [][]int{sh(4), sh(4)}, []float64{1, 2, 3, -1, 1, 0, 3, 1},
			binary(graph.Minimum), []float64{0.5, 0, 0.5, 1, 0.5, 1, 0.5, 0}},
		// b broadcasts over a's rows: its adjoint sums the halves.
		{"Maximum/broadcast", [][]int{sh(2, 2), sh(2)}, []float64{1, 5, 1, -5, 1, 0},
			binary(graph.Maximum), []float64{0.5, 1, 0.5, 0, 1, 1}},
		{"Maximum/zeros", [][]int{sh(2), sh(2)}, []float64{0, 0, 0, math.Copysign(0, -1)},
			binary(graph.Maximum), []float64{0.5, 0.5, 0.5, 0.5}},
		{"Clamp", [][]int{sh(5)}, []float64{-0.5, 0.5, 0.1, 2, -3},
			func(in []*graph.Node) *graph.Node { return graph.Clamp(in[0], -0.5, 0.5) },
			[]float64{0.5, 0.5, 1, 0, 0}},
		{"Clamp/lo=hi", [][]int{sh(3)}, []float64{0.5, 0, 1},
			func(in []*graph.Node) *graph.Node { return graph.Clamp(in[0], 0.5, 0.5) },
			[]float64{0, 0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := func(w *graph.Node) *graph.Node { return c.f(split(w, c.shapes)) }
			loss := func(w *graph.Node) *graph.Node { return graph.Sum(out(w)) }
			check := func(what string, got, want []float64, tol float64) {
				t.Helper()
				if e, i := testutil.RelErr(got, want); !(e <= tol) {
					t.Errorf("%s: error %.3g at %d: got %v, want %v", what, e, i, got, want)
				}
			}
			g := gradient(loss, c.x)
			check("gradient vs documented subgradient", g, c.grad, 0)
			check("gradient vs central differences", g,
				testutil.FiniteGrad(func(x []float64) float64 { return value(loss, x) }, c.x), 1e-9)
			v := testutil.RandVec(rand.New(rand.NewPCG(5, uint64(len(c.name)))), len(c.x))
			_, jv := ad.JVP(out, c.x, v)
			check("JVP vs directional differences", jv.Data(),
				testutil.DirectionalDeriv(func(x []float64) []float64 { return output(out, x) }, c.x, v), 1e-9)
			check("HVP at the kink", eagerHVP(loss, c.x, v), make([]float64, len(c.x)), 0)
		})
	}
}

// TestWhereValues checks Where's selection and its broadcasting, and that
// the branch not taken cannot make a derivative NaN.
func TestWhereValues(t *testing.T) {
	tp := graph.NewTape()
	a := tp.Var(tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	b := tp.Var(tensor.New([]float64{-1, -2, -3}, 3))
	w := graph.Where(tensor.New([]float64{1, 0}, 2, 1), a, b)
	if got, want := w.Value(), tensor.New([]float64{1, 2, 3, -1, -2, -3}, 2, 3); !tensor.Equal(got, want) {
		t.Errorf("Where = %v, want %v", got, want)
	}
	g := ad.Grad(graph.Sum(w), a, b)
	if want := tensor.New([]float64{1, 1, 1, 0, 0, 0}, 2, 3); !tensor.Equal(g[0].Value(), want) {
		t.Errorf("∂/∂a = %v, want %v", g[0].Value(), want)
	}
	if want := tensor.New([]float64{1, 1, 1}, 3); !tensor.Equal(g[1].Value(), want) {
		t.Errorf("∂/∂b = %v, want %v", g[1].Value(), want)
	}

	// An infinite tangent in the branch not taken stays out of the result.
	tp2 := graph.NewTape()
	x := tp2.VarVec([]float64{2, 3})
	x.SetTangentData([]float64{1, math.Inf(1)})
	y := graph.Where(tensor.New([]float64{0, 1}, 2), tp2.Full(7, 2), x)
	if tn := y.Tangent().Data(); tn[0] != 1 || tn[1] != 0 {
		t.Errorf("Where tangent %v, want [1 0]", tn)
	}
	for _, p := range []struct {
		prefix string
		f      func()
	}{
		{"graph: Where", func() { graph.Where(tensor.Zeros(4), a, b) }},
		{"graph: Clamp", func() { graph.Clamp(a, 1, 0) }},
		{"graph: Clamp", func() { graph.Clamp(a, math.NaN(), 0) }},
		{"graph: Maximum", func() { graph.Maximum(a, tp.Var(tensor.Zeros(2))) }},
		{"graph: Atan2", func() { graph.Atan2(a, tp.Var(tensor.Zeros(2))) }},
	} {
		if msg := testutil.PanicMessage(p.f); !strings.HasPrefix(msg, p.prefix) {
			t.Errorf("panic %q, want one starting %q", msg, p.prefix)
		}
	}
}
