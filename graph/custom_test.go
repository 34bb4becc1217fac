package graph_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/tensor"
)

// Tests of user-defined operations (graph.Op and graph.Record): functions
// the package does not provide in this form, defined with their own rules
// and checked through ad.Check, against a second implementation written
// with built-in ops, and with deliberately wrong rules that ad.Check must
// catch. log1pExp is defined in example_test.go.

// checkTol bounds ad.Check's errors for correct rules (its default step
// gives errors near 1e-8 or below).
const checkTol = 1e-6

func TestCustomLog1pExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	fs := []struct {
		name       string
		custom, bi ad.Func // with the user op, and with graph.Softplus
	}{
		{"Σ f(x)",
			func(w *graph.Node) *graph.Node { return graph.Sum(log1pExp(w)) },
			func(w *graph.Node) *graph.Node { return graph.Sum(graph.Softplus(w)) }},
		{"Σ f(x⊙x)²",
			func(w *graph.Node) *graph.Node { return graph.Sum(graph.Square(log1pExp(graph.Mul(w, w)))) },
			func(w *graph.Node) *graph.Node { return graph.Sum(graph.Square(graph.Softplus(graph.Mul(w, w)))) }},
		{"f(Σ sin x)·x₀",
			func(w *graph.Node) *graph.Node {
				return graph.Mul(log1pExp(graph.Sum(graph.Sin(w))), graph.Index(w, 0))
			},
			func(w *graph.Node) *graph.Node {
				return graph.Mul(graph.Softplus(graph.Sum(graph.Sin(w))), graph.Index(w, 0))
			}},
	}
	for _, f := range fs {
		t.Run(f.name, func(t *testing.T) {
			x := testutil.RandVec(rng, 5)
			res := ad.Check(f.custom, x, &ad.CheckSettings{Directions: 4})
			if !(res.GradErr <= checkTol && res.HVPErr <= checkTol && res.JVPErr <= checkTol) {
				t.Errorf("ad.Check: %+v", res)
			}
			// The same function with the built-in Softplus, to rounding.
			v := testutil.RandVec(rng, len(x))
			for _, c := range []struct {
				what      string
				got, want []float64
			}{
				{"gradient", gradient(f.custom, x), gradient(f.bi, x)},
				{"HVP", eagerHVP(f.custom, x, v), eagerHVP(f.bi, x, v)},
				{"HVP reverse-over-reverse", gradient(gradDot(f.custom, v), x), eagerHVP(f.bi, x, v)},
				{"third derivative", eagerHVP(gradDot(f.custom, v), x, v), eagerHVP(gradDot(f.bi, v), x, v)},
			} {
				if e, i := testutil.RelErr(c.got, c.want); !(e <= 1e-13) {
					t.Errorf("%s: error %.3g at %d: got %v, want %v", c.what, e, i, c.got, c.want)
				}
			}
		})
	}
	// Where log(1 + eˣ) written naively overflows, the op does not.
	tp := graph.NewTape()
	y := log1pExp(tp.VarVec([]float64{800, -800, 1e-20}))
	if d := y.Value().Data(); d[0] != 800 || d[1] != 0 || d[2] != math.Log(2) {
		t.Errorf("log1pExp(800, −800, 1e-20) = %v", d)
	}
}

// ---- One step of an ODE integrator as a user op ----
//
// The classical Runge–Kutta step of size h from time t0 for the
// elementwise equation dy/dt = F(y, t) = −y³ + sin t: an op whose
// parameters (t0, h) are captured by the closures of an Op made for them.
// Its Jacobian is diagonal, D(y) = ∂y₁/∂y₀, so the VJP is g⊙D(y) with D
// written in graph ops (the stages recomputed), and the JVP is D(y)⊙ẏ on
// tensors.

func odeF(y, t float64) float64 { return -y*y*y + math.Sin(t) }

// rk4Scalar returns the step's result and its derivative for one element.
func rk4Scalar(y, t0, h float64) (y1, d float64) {
	k1 := odeF(y, t0)
	j1 := -3 * y * y
	s2 := y + h/2*k1
	k2 := odeF(s2, t0+h/2)
	j2 := -3 * s2 * s2 * (1 + h/2*j1)
	s3 := y + h/2*k2
	k3 := odeF(s3, t0+h/2)
	j3 := -3 * s3 * s3 * (1 + h/2*j2)
	s4 := y + h*k3
	k4 := odeF(s4, t0+h)
	j4 := -3 * s4 * s4 * (1 + h*j3)
	return y + h/6*(k1+2*k2+2*k3+k4), 1 + h/6*(j1+2*j2+2*j3+j4)
}

// rk4DerivGraph records D(y), the derivative of the step, with graph ops.
func rk4DerivGraph(y *graph.Node, t0, h float64) *graph.Node {
	f := func(s *graph.Node, t float64) *graph.Node {
		return graph.AddScalar(graph.Neg(graph.Pow(s, 3)), math.Sin(t))
	}
	df := func(s *graph.Node) *graph.Node { return graph.Scale(graph.Square(s), -3) }
	chain := func(s, j *graph.Node, c float64) *graph.Node {
		return graph.Mul(df(s), graph.AddScalar(graph.Scale(j, c), 1))
	}
	j1 := df(y)
	s2 := graph.Add(y, graph.Scale(f(y, t0), h/2))
	j2 := chain(s2, j1, h/2)
	s3 := graph.Add(y, graph.Scale(f(s2, t0+h/2), h/2))
	j3 := chain(s3, j2, h/2)
	s4 := graph.Add(y, graph.Scale(f(s3, t0+h/2), h))
	j4 := chain(s4, j3, h)
	sum := graph.Add(graph.Add(j1, graph.Scale(j2, 2)), graph.Add(graph.Scale(j3, 2), j4))
	return graph.AddScalar(graph.Scale(sum, h/6), 1)
}

// rk4Op returns the op of one step from t0 of size h.
func rk4Op(t0, h float64) *graph.Op {
	return &graph.Op{
		Name: "RK4Step",
		JVP: func(n *graph.Node, dst *tensor.Tensor) {
			y, dy, out := n.Input(0).Value().Data(), n.Input(0).Tangent().Data(), dst.Data()
			for i := range out {
				_, d := rk4Scalar(y[i], t0, h)
				out[i] = d * dy[i]
			}
		},
		VJP: func(n, g *graph.Node, adj *graph.Adjoints) {
			adj.Add(0, graph.Mul(g, rk4DerivGraph(n.Input(0), t0, h)))
		},
	}
}

// rk4Step records one step with the user op.
func rk4Step(y *graph.Node, t0, h float64) *graph.Node {
	v := y.Value().Clone()
	d := v.Data()
	for i, yi := range d {
		d[i], _ = rk4Scalar(yi, t0, h)
	}
	return graph.Record(rk4Op(t0, h), v, y)
}

// rk4StepGraph records the same step with built-in ops: the reference.
func rk4StepGraph(y *graph.Node, t0, h float64) *graph.Node {
	f := func(s *graph.Node, t float64) *graph.Node {
		return graph.AddScalar(graph.Neg(graph.Pow(s, 3)), math.Sin(t))
	}
	k1 := f(y, t0)
	k2 := f(graph.Add(y, graph.Scale(k1, h/2)), t0+h/2)
	k3 := f(graph.Add(y, graph.Scale(k2, h/2)), t0+h/2)
	k4 := f(graph.Add(y, graph.Scale(k3, h)), t0+h)
	sum := graph.Add(graph.Add(k1, graph.Scale(k2, 2)), graph.Add(graph.Scale(k3, 2), k4))
	return graph.Add(y, graph.Scale(sum, h/6))
}

// odeLoss integrates five steps of size 0.2 from y(0) = w with step and
// returns Σ (y(1) − target)².
func odeLoss(step func(y *graph.Node, t0, h float64) *graph.Node) ad.Func {
	return func(w *graph.Node) *graph.Node {
		y := w
		for k := range 5 {
			y = step(y, 0.2*float64(k), 0.2)
		}
		target := w.Tape().Const(tensor.New([]float64{0.3, -0.1, 0.5, 0}, 4))
		return graph.Sum(graph.Square(graph.Sub(y, target)))
	}
}

func TestCustomODEStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2))
	custom, reference := odeLoss(rk4Step), odeLoss(rk4StepGraph)
	x := testutil.RandVec(rng, 4)
	res := ad.Check(custom, x, &ad.CheckSettings{Directions: 4})
	if !(res.GradErr <= checkTol && res.HVPErr <= checkTol && res.JVPErr <= checkTol) {
		t.Errorf("ad.Check: %+v", res)
	}
	v := testutil.RandVec(rng, len(x))
	_, jc := ad.JVP(func(w *graph.Node) *graph.Node { return rk4Step(rk4Step(w, 0, 0.3), 0.3, 0.3) }, x, v)
	_, jr := ad.JVP(func(w *graph.Node) *graph.Node { return rk4StepGraph(rk4StepGraph(w, 0, 0.3), 0.3, 0.3) }, x, v)
	for _, c := range []struct {
		what      string
		got, want []float64
	}{
		{"value", []float64{value(custom, x)}, []float64{value(reference, x)}},
		{"gradient", gradient(custom, x), gradient(reference, x)},
		{"HVP", eagerHVP(custom, x, v), eagerHVP(reference, x, v)},
		{"HVP reverse-over-reverse", gradient(gradDot(custom, v), x), eagerHVP(reference, x, v)},
		{"JVP of two steps", jc.Data(), jr.Data()},
	} {
		if e, i := testutil.RelErr(c.got, c.want); !(e <= 1e-12) {
			t.Errorf("%s: error %.3g at %d: got %v, want %v", c.what, e, i, c.got, c.want)
		}
	}
}

// ---- Wrong rules are caught ----

// log1pExpWith returns Σ log(1 + eˣ) through a user op for log(1 + eˣ) with the given rules.
func log1pExpWith(jvp func(n *graph.Node, dst *tensor.Tensor), vjp func(n, g *graph.Node, adj *graph.Adjoints)) ad.Func {
	op := &graph.Op{Name: "Log1pExp", JVP: jvp, VJP: vjp}
	return func(w *graph.Node) *graph.Node {
		v := w.Value().Clone()
		tensor.ApplyTo(tensor.OpSoftplus, v, v)
		return graph.Sum(graph.Record(op, v, w))
	}
}

func TestCustomWrongRulesCaught(t *testing.T) {
	rightJVP, rightVJP := log1pExpOp.JVP, log1pExpOp.VJP
	x := []float64{-1.5, -0.2, 0.4, 1.1}
	for _, c := range []struct {
		name     string
		f        ad.Func
		grad     bool // the gradient should be flagged
		hvp, jvp bool // and the HVP, the JVP
	}{
		{"right rules", log1pExpWith(rightJVP, rightVJP), false, false, false},
		// The VJP is off by a factor: the gradient is wrong. (The HVP
		// check differentiates that same wrong gradient both ways, so it
		// agrees.)
		{"wrong VJP", log1pExpWith(rightJVP, func(n, g *graph.Node, adj *graph.Adjoints) {
			adj.Add(0, graph.Scale(graph.Mul(g, graph.Sigmoid(n.Input(0))), 1.1))
		}), true, false, false},
		// The JVP uses tanh for the sigmoid. Nothing after the op
		// differentiates its tangent (the sum is linear), so the HVP is
		// right; the forward-mode check catches it.
		{"wrong JVP", log1pExpWith(func(n *graph.Node, dst *tensor.Tensor) {
			tensor.ApplyTo(tensor.OpTanh, dst, n.Input(0).Value())
			tensor.MulTo(dst, dst, n.Input(0).Tangent())
		}, rightVJP), false, false, true},
		// A VJP computed on tensors and recorded as a constant gives the
		// right gradient but a zero second derivative: the HVP check
		// catches it.
		{"VJP on tensors", log1pExpWith(rightJVP, func(n, g *graph.Node, adj *graph.Adjoints) {
			s := n.Tape().Const(tensor.Sigmoid(n.Input(0).Value()))
			adj.Add(0, graph.Mul(g, s))
		}), false, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := ad.Check(c.f, x, nil)
			for _, e := range []struct {
				what  string
				err   float64
				wrong bool
			}{{"gradient", res.GradErr, c.grad}, {"HVP", res.HVPErr, c.hvp}, {"JVP", res.JVPErr, c.jvp}} {
				switch {
				case e.wrong && !(e.err > 1e-2):
					t.Errorf("%s error %.3g: the wrong rule was not caught", e.what, e.err)
				case !e.wrong && !(e.err <= checkTol):
					t.Errorf("%s error %.3g for a right rule", e.what, e.err)
				}
			}
		})
	}
}
