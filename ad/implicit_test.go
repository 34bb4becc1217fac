package ad_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/tensor"
)

// ---- Ridge regression: a closed form for dx*/dθ ----

// ridge is the problem x*(θ) = argmin ‖Ax − b‖² + Σⱼ θⱼxⱼ² (θ a scalar
// or one weight per coordinate), whose minimiser solves (AᵀA + diag θ)x = Aᵀb.
type ridge struct {
	a    *mat.Dense
	b    []float64
	m, n int
}

func newRidge(rng *rand.Rand, m, n int) *ridge {
	return &ridge{a: mat.NewDense(m, n, testutil.RandVec(rng, m*n)), b: testutil.RandVec(rng, m), m: m, n: n}
}

func (r *ridge) f(x, theta *graph.Node) *graph.Node {
	tp := x.Tape()
	a := tp.Const(tensor.New(r.a.RawMatrix().Data, r.m, r.n))
	res := graph.Sub(graph.Reshape(graph.MatMul(a, graph.Reshape(x, r.n, 1)), r.m), tp.Const(tensor.FromSlice(r.b)))
	return graph.Add(graph.Sum(graph.Square(res)), graph.Sum(graph.Mul(theta, graph.Square(x))))
}

// system returns AᵀA + diag θ (θ broadcast to n).
func (r *ridge) system(theta []float64) *mat.Dense {
	var h mat.Dense
	h.Mul(r.a.T(), r.a)
	for j := range r.n {
		h.Set(j, j, h.At(j, j)+theta[j%len(theta)])
	}
	return &h
}

func (r *ridge) solve(theta []float64) ([]float64, error) {
	var atb, x mat.VecDense
	atb.MulVec(r.a.T(), mat.NewVecDense(r.m, r.b))
	if err := x.SolveVec(r.system(theta), &atb); err != nil {
		return nil, err
	}
	return x.RawVector().Data, nil
}

// jacobian returns dx*/dθ in closed form: column j is −(AᵀA + diag θ)⁻¹
// times x* (scalar θ) or times xⱼ*·eⱼ (one weight per coordinate).
func (r *ridge) jacobian(theta []float64) *mat.Dense {
	x, _ := r.solve(theta)
	rhs := mat.NewDense(r.n, len(theta), nil)
	for i := range r.n {
		if len(theta) == 1 {
			rhs.Set(i, 0, -x[i])
		} else {
			rhs.Set(i, i, -x[i])
		}
	}
	var j mat.Dense
	if err := j.Solve(r.system(theta), rhs); err != nil {
		panic(err)
	}
	return &j
}

func TestArgMinRidge(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	r := newRidge(rng, 8, 5)
	for _, theta := range [][]float64{{0.7}, {0.3, 1.1, 0.05, 2, 0.6}} {
		want := r.jacobian(theta)
		set := &ad.ArgMinSettings{Tol: 1e-14}
		argmin := func(w *graph.Node) *graph.Node {
			th := w
			if len(theta) == 1 {
				th = graph.Reshape(w)
			}
			m, err := ad.ArgMin(r.f, th, r.solve, set)
			if err != nil {
				t.Fatal(err)
			}
			return m.X
		}
		check := func(what string, got, want []float64) {
			t.Helper()
			if e, i := testutil.RelErr(got, want); !(e <= 1e-10) {
				t.Errorf("θ = %v: %s: error %.3g at %d: got %v, want %v", theta, what, e, i, got, want)
			}
		}
		x, _ := r.solve(theta)
		// Forward mode: column j of the Jacobian is the JVP along eⱼ.
		for j := range theta {
			e := make([]float64, len(theta))
			e[j] = 1
			val, jv := ad.JVP(argmin, theta, e)
			check("value", val.Data(), x)
			check("JVP column", jv.Data(), mat.Col(nil, j, want))
		}
		// Reverse mode: row i is the pull-back of eᵢ.
		for i := range r.n {
			tp := graph.NewTape()
			w := tp.VarVec(theta)
			xs := argmin(w)
			e := make([]float64, r.n)
			e[i] = 1
			g := ad.PullBack(xs, tp.Const(tensor.FromSlice(e)), w)[0]
			check("VJP row", g.Value().Data(), mat.Row(nil, i, want))
		}
		// A scalar loss of x*: its gradient, JVP and HVP (forward over
		// reverse, through the third derivatives of f) against central
		// differences of the whole solve.
		loss := func(w *graph.Node) *graph.Node { return graph.Sum(graph.Sin(argmin(w))) }
		res := ad.Check(loss, theta, &ad.CheckSettings{Directions: 4, Step: 1e-5})
		if !(res.GradErr <= 1e-7 && res.JVPErr <= 1e-7 && res.HVPErr <= 1e-6) {
			t.Errorf("θ = %v: derivatives vs differences of the solver: %+v", theta, res)
		}
	}
}

// ---- Logistic regression: against unrolled Newton steps ----

// logistic is x*(θ) = argmin Σᵢ log(1 + exp(−yᵢaᵢᵀx)) + ½Σⱼ θⱼxⱼ² on
// training data, with a validation loss of x* as the outer objective.
type logistic struct {
	a, av    []float64 // m×n and mv×n, row-major
	y, yv    []float64 // labels ±1
	m, mv, n int
}

func newLogistic(rng *rand.Rand, m, mv, n int) *logistic {
	l := &logistic{a: testutil.RandVec(rng, m*n), av: testutil.RandVec(rng, mv*n), m: m, mv: mv, n: n}
	truth := testutil.RandVec(rng, n)
	label := func(a []float64, k int) []float64 {
		y := make([]float64, k)
		for i := range y {
			z := 0.0
			for j := range n {
				z += a[i*n+j] * truth[j]
			}
			y[i] = 1
			if z+0.8*rng.NormFloat64() < 0 { // noisy: the data are not separable
				y[i] = -1
			}
		}
		return y
	}
	l.y, l.yv = label(l.a, m), label(l.av, mv)
	return l
}

// margins records yᵢ·aᵢᵀx for the rows of a.
func margins(tp *graph.Tape, a, y []float64, k, n int, x *graph.Node) *graph.Node {
	z := graph.Reshape(graph.MatMul(tp.Const(tensor.New(a, k, n)), graph.Reshape(x, n, 1)), k)
	return graph.Mul(z, tp.Const(tensor.FromSlice(y)))
}

func (l *logistic) f(x, theta *graph.Node) *graph.Node {
	data := graph.Sum(graph.Softplus(graph.Neg(margins(x.Tape(), l.a, l.y, l.m, l.n, x))))
	return graph.Add(data, graph.Scale(graph.Sum(graph.Mul(theta, graph.Square(x))), 0.5))
}

func (l *logistic) validation(x *graph.Node) *graph.Node {
	return graph.Sum(graph.Softplus(graph.Neg(margins(x.Tape(), l.av, l.yv, l.mv, l.n, x))))
}

// solve runs Newton's method on plain slices until the gradient vanishes
// to rounding: the inner solver, which ArgMin never differentiates.
func (l *logistic) solve(theta []float64) ([]float64, error) {
	n := l.n
	x := make([]float64, n)
	for range 50 {
		g := mat.NewVecDense(n, nil)
		h := mat.NewSymDense(n, nil)
		for i := range l.m {
			row := l.a[i*n : (i+1)*n]
			z := 0.0
			for j := range n {
				z += row[j] * x[j]
			}
			s := 1 / (1 + math.Exp(l.y[i]*z)) // σ(−yᵢaᵢᵀx)
			for j := range n {
				g.SetVec(j, g.AtVec(j)-l.y[i]*s*row[j])
				for k := j; k < n; k++ {
					h.SetSym(j, k, h.At(j, k)+s*(1-s)*row[j]*row[k])
				}
			}
		}
		for j := range n {
			g.SetVec(j, g.AtVec(j)+theta[j]*x[j])
			h.SetSym(j, j, h.At(j, j)+theta[j])
		}
		var d mat.VecDense
		if err := d.SolveVec(h, g); err != nil {
			return nil, err
		}
		for j := range n {
			x[j] -= d.AtVec(j)
		}
		if mat.Norm(g, math.Inf(1)) < 1e-14 {
			break
		}
	}
	return x, nil
}

// unrolledNewton records k Newton steps from x = 0 on θ's tape with graph
// ops, each step's linear solve by n unrolled conjugate-gradient steps,
// so that differentiating the result differentiates the iteration.
func (l *logistic) unrolledNewton(theta *graph.Node, k int) *graph.Node {
	tp, n := theta.Tape(), l.n
	a := tp.Const(tensor.New(l.a, l.m, n))
	y := tp.Const(tensor.FromSlice(l.y))
	eye := tensor.Zeros(n, n)
	for j := range n {
		eye.Data()[j*n+j] = 1
	}
	diagTheta := graph.Mul(tp.Const(eye), graph.Reshape(theta, 1, n))
	x := tp.Full(0, n)
	for range k {
		z := margins(tp, l.a, l.y, l.m, n, x)
		s := graph.Sigmoid(graph.Neg(z))
		g := graph.Add(graph.Neg(graph.Reshape(graph.MatMulT(a, graph.Reshape(graph.Mul(y, s), l.m, 1), true, false), n)),
			graph.Mul(theta, x))
		w := graph.Mul(s, graph.ScalarSub(1, s))
		h := graph.Add(graph.MatMulT(a, graph.Mul(a, graph.Reshape(w, l.m, 1)), true, false), diagTheta)
		x = graph.Sub(x, cgGraph(h, g, n))
	}
	return x
}

// cgGraph records iters conjugate-gradient steps for h·d = b from d = 0.
func cgGraph(h, b *graph.Node, iters int) *graph.Node {
	n := b.Shape()[0]
	mv := func(v *graph.Node) *graph.Node { return graph.Reshape(graph.MatMul(h, graph.Reshape(v, n, 1)), n) }
	d := graph.Scale(b, 0)
	r, p := b, b
	rr := graph.Sum(graph.Square(r))
	for range iters {
		hp := mv(p)
		alpha := graph.Div(rr, graph.Sum(graph.Mul(p, hp)))
		d = graph.Add(d, graph.Mul(alpha, p))
		r = graph.Sub(r, graph.Mul(alpha, hp))
		rrNew := graph.Sum(graph.Square(r))
		p = graph.Add(r, graph.Mul(graph.Div(rrNew, rr), p))
		rr = rrNew
	}
	return d
}

func TestArgMinLogisticVsUnrolledNewton(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2))
	l := newLogistic(rng, 40, 25, 4)
	theta := []float64{0.5, 1.5, 0.2, 1}
	v := testutil.RandVec(rng, len(theta))

	implicit := func(w *graph.Node) *graph.Node {
		m, err := ad.ArgMin(l.f, w, l.solve, &ad.ArgMinSettings{Tol: 1e-13})
		if err != nil {
			t.Fatal(err)
		}
		return m.X
	}
	unrolled := func(w *graph.Node) *graph.Node { return l.unrolledNewton(w, 12) }
	check := func(what string, got, want []float64, tol float64) {
		t.Helper()
		if e, i := testutil.RelErr(got, want); !(e <= tol) {
			t.Errorf("%s: error %.3g at %d: got %v, want %v", what, e, i, got, want)
		}
	}
	xi, ji := ad.JVP(implicit, theta, v)
	xu, ju := ad.JVP(unrolled, theta, v)
	check("x*", xi.Data(), xu.Data(), 1e-12)
	check("JVP", ji.Data(), ju.Data(), 1e-9)
	vi, gi := ad.ValueAndGrad(func(w *graph.Node) *graph.Node { return l.validation(implicit(w)) }, theta)
	vu, gu := ad.ValueAndGrad(func(w *graph.Node) *graph.Node { return l.validation(unrolled(w)) }, theta)
	check("validation loss", []float64{vi}, []float64{vu}, 1e-12)
	check("hypergradient", gi, gu, 1e-9)
	// The Hessian of the validation loss in θ, by forward over reverse
	// through ArgMin's third-order rule and through the unrolled steps.
	hi := hvp.HVP(func(w *graph.Node) *graph.Node { return l.validation(implicit(w)) }, theta, v)
	hu := hvp.HVP(func(w *graph.Node) *graph.Node { return l.validation(unrolled(w)) }, theta, v)
	check("hyper-HVP", hi, hu, 1e-8)
	// Too few unrolled steps do not converge: the comparison can fail.
	_, g2 := ad.ValueAndGrad(func(w *graph.Node) *graph.Node { return l.validation(l.unrolledNewton(w, 1)) }, theta)
	if e, _ := testutil.RelErr(gi, g2); !(e > 1e-6) {
		t.Errorf("one Newton step already matches the implicit hypergradient (error %.3g): the test cannot fail", e)
	}
}

// ---- Failures ----

func TestArgMinFailures(t *testing.T) {
	// A saddle: f = x₀² − x₁² + θ·x; the solver returns the stationary point.
	saddle := func(x, theta *graph.Node) *graph.Node {
		x0, x1 := graph.Index(x, 0), graph.Index(x, 1)
		return graph.Add(graph.Sub(graph.Square(x0), graph.Square(x1)), graph.Sum(graph.Mul(theta, x)))
	}
	saddleSolve := func(th []float64) ([]float64, error) { return []float64{-th[0] / 2, th[1] / 2}, nil }
	// A valley: f = (x₀ + x₁ − θ)², minimised on a line: H is singular.
	valley := func(x, theta *graph.Node) *graph.Node {
		return graph.Square(graph.Sub(graph.Sum(x), graph.Reshape(theta)))
	}
	valleySolve := func(th []float64) ([]float64, error) { return []float64{th[0] / 2, th[0] / 2}, nil }

	for _, c := range []struct {
		name  string
		f     ad.InnerFunc
		solve ad.Solver
		theta []float64
		ybar  []float64
	}{
		{"saddle", saddle, saddleSolve, []float64{1, 2}, []float64{0.3, 1}},
		{"singular", valley, valleySolve, []float64{1}, []float64{1, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tp := graph.NewTape()
			w := tp.VarVec(c.theta)
			m, err := ad.ArgMin(c.f, w, c.solve, nil)
			if err != nil {
				t.Fatal(err)
			}
			g := ad.PullBack(m.X, tp.Const(tensor.FromSlice(c.ybar)), w)[0]
			for _, v := range g.Value().Data() {
				if !math.IsNaN(v) {
					t.Errorf("gradient %v after a failed solve, want NaN", g.Value().Data())
					break
				}
			}
			if !errors.Is(m.Err(), ad.ErrNotPositiveDefinite) {
				t.Errorf("Err() = %v, want ErrNotPositiveDefinite", m.Err())
			}
		})
	}

	// The eager JVP fails too, and ArgMin returns its error. (Along
	// θ̇ = (1, 0) alone the solve never meets the negative curvature.)
	tp := graph.NewTape()
	w := tp.VarVec([]float64{1, 2})
	w.SetTangentData([]float64{0.3, 1})
	if _, err := ad.ArgMin(saddle, w, saddleSolve, nil); !errors.Is(err, ad.ErrNotPositiveDefinite) {
		t.Errorf("eager JVP at a saddle: error %v", err)
	}

	// CG out of iterations on an ill-conditioned H.
	illCond := func(x, theta *graph.Node) *graph.Node {
		scales := x.Tape().Const(tensor.New([]float64{1, 1e-3, 1e3, 10, 1e-2}, 5))
		return graph.Sum(graph.Mul(scales, graph.Square(graph.Sub(x, theta))))
	}
	tp = graph.NewTape()
	w = tp.VarVec([]float64{1, 2, 3, 4, 5})
	m, err := ad.ArgMin(illCond, w, func(th []float64) ([]float64, error) { return th, nil }, &ad.ArgMinSettings{MaxIter: 2})
	if err != nil {
		t.Fatal(err)
	}
	ad.PullBack(m.X, tp.Full(1, 5), w)
	if !errors.Is(m.Err(), ad.ErrNoConvergence) {
		t.Errorf("Err() = %v, want ErrNoConvergence", m.Err())
	}

	// Not a stationary point; a failing solver.
	tp = graph.NewTape()
	w = tp.VarVec([]float64{1})
	if _, err := ad.ArgMin(valley, w, func([]float64) ([]float64, error) { return []float64{1, 1}, nil }, nil); !errors.Is(err, ad.ErrNotStationary) {
		t.Errorf("non-stationary x: error %v", err)
	}
	errSolver := errors.New("no luck")
	if _, err := ad.ArgMin(valley, w, func([]float64) ([]float64, error) { return nil, errSolver }, nil); !errors.Is(err, errSolver) {
		t.Errorf("failing solver: error %v", err)
	}
}

// Reverse-over-reverse through ArgMin is not supported: it panics with a
// message saying so, for a gradient of a gradient and for a third
// derivative.
func TestArgMinSecondOrderPanics(t *testing.T) {
	r := newRidge(rand.New(rand.NewPCG(11, 3)), 6, 3)
	loss := func(w *graph.Node) *graph.Node {
		m, err := ad.ArgMin(r.f, graph.Reshape(w), r.solve, nil)
		if err != nil {
			t.Fatal(err)
		}
		return graph.Sum(graph.Square(m.X))
	}
	for name, f := range map[string]func(){
		"third derivative": func() {
			hvp.At(func(w *graph.Node) *graph.Node {
				g := ad.Grad(loss(w), w)[0]
				return graph.Sum(graph.Mul(g, g))
			}, []float64{0.5})
		},
		"gradient of a gradient": func() {
			tp := graph.NewTape()
			w := tp.VarVec([]float64{0.5})
			g := ad.Grad(loss(w), w)[0]
			ad.Grad(graph.Sum(g), w)
		},
	} {
		if msg := testutil.PanicMessage(f); !strings.Contains(msg, "ad: ArgMin: second derivatives in reverse mode") {
			t.Errorf("%s: panic %q", name, msg)
		}
	}
}
