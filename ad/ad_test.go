package ad_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// ---- helpers ----

// softmaxCE is a small network loss: a tanh layer, softmax cross-entropy.
func softmaxCE(w *graph.Node) *graph.Node {
	tp := w.Tape()
	W := graph.Reshape(graph.Slice(w, 0, 0, 12, 1), 3, 4)
	b := graph.Slice(w, 0, 12, 16, 1)
	X := tp.Const(tensor.New([]float64{1, 0.5, -1, 0.2, -0.3, 2, -1, 1, 1, 0, 0.1, -0.7}, 4, 3))
	h := graph.Tanh(graph.Add(graph.MatMul(X, W), b))
	labels := tp.Const(tensor.OneHot([]int{3, 0, 1, 1}, 4))
	return graph.Neg(graph.Mean(graph.SumAxis(graph.Mul(graph.LogSoftmax(h, -1), labels), -1, false)))
}

// ---- Grad ----

func TestGradSeveralInputs(t *testing.T) {
	// f(a, B, c) = Σ (B·a + c)² with a (3), B (2,3), c (2):
	// ∂f/∂a = 2Bᵀr, ∂f/∂B = 2 r aᵀ, ∂f/∂c = 2r for r = B·a + c.
	a := []float64{0.5, -1, 2}
	B := []float64{1, 2, 3, -1, 0.5, 0.25}
	c := []float64{0.1, -0.2}
	tp := graph.NewTape()
	an := tp.Var(tensor.New(a, 3, 1))
	Bn := tp.Var(tensor.New(B, 2, 3))
	cn := tp.Var(tensor.New(c, 2, 1))
	y := graph.Sum(graph.Square(graph.Add(graph.MatMul(Bn, an), cn)))
	g := ad.Grad(y, an, Bn, cn)

	r := make([]float64, 2)
	for i := range 2 {
		r[i] = c[i]
		for j := range 3 {
			r[i] += B[i*3+j] * a[j]
		}
	}
	wantA := make([]float64, 3)
	wantB := make([]float64, 6)
	for i := range 2 {
		for j := range 3 {
			wantA[j] += 2 * B[i*3+j] * r[i]
			wantB[i*3+j] = 2 * r[i] * a[j]
		}
	}
	wantC := []float64{2 * r[0], 2 * r[1]}
	for i, want := range [][]float64{wantA, wantB, wantC} {
		if e, _ := testutil.RelErr(g[i].Value().Data(), want); e > 1e-15 {
			t.Errorf("gradient %d = %v, want %v", i, g[i].Value().Data(), want)
		}
	}
	if !tensor.SameShape(g[1].Shape(), []int{2, 3}) || !tensor.SameShape(g[0].Shape(), []int{3, 1}) {
		t.Errorf("gradient shapes %v %v", g[0].Shape(), g[1].Shape())
	}
}

// TestGradIndependent checks the documented zero gradient for inputs the
// output does not depend on, wherever they were recorded.
func TestGradIndependent(t *testing.T) {
	tp := graph.NewTape()
	before := tp.Var(tensor.New([]float64{1, 2, 3, 4}, 2, 2))
	x := tp.Var(tensor.Scalar(3))
	unused := tp.Var(tensor.FromSlice([]float64{5, 6}))
	graph.Exp(unused) // recorded, but not on the path to y
	y := graph.Square(x)
	after := tp.Var(tensor.FromSlice([]float64{7, 8, 9}))
	g := ad.Grad(y, before, x, unused, after)
	if g[1].Item() != 6 {
		t.Errorf("dy/dx = %v, want 6", g[1].Item())
	}
	for i, n := range []*graph.Node{before, unused, after} {
		gi := g[[]int{0, 2, 3}[i]]
		if !tensor.SameShape(gi.Shape(), n.Shape()) {
			t.Errorf("gradient for %v has shape %v", n, gi.Shape())
		}
		for _, v := range gi.Value().Data() {
			if v != 0 {
				t.Errorf("gradient for independent %v = %v, want exact zeros", n, gi.Value())
				break
			}
		}
	}
	// A constant output: every gradient is zero.
	c := graph.Sum(tp.Const(tensor.Ones(3)))
	if g := ad.Grad(c, x)[0]; g.Item() != 0 {
		t.Errorf("gradient of a constant = %v", g.Item())
	}
}

// TestGradSpecialTargets checks Grad with respect to the output itself,
// to an intermediate node, and with no inputs.
func TestGradSpecialTargets(t *testing.T) {
	tp := graph.NewTape()
	x := tp.Var(tensor.FromSlice([]float64{0.3, -0.8}))
	h := graph.Tanh(x)
	y := graph.Sum(graph.Square(h))
	if g := ad.Grad(y, y)[0]; g.Item() != 1 {
		t.Errorf("dy/dy = %v", g.Item())
	}
	gh := ad.Grad(y, h)[0].Value().Data()
	hv := h.Value().Data()
	if gh[0] != 2*hv[0] || gh[1] != 2*hv[1] {
		t.Errorf("dy/dh = %v, want 2h = %v", gh, []float64{2 * hv[0], 2 * hv[1]})
	}
	if g := ad.Grad(y); len(g) != 0 {
		t.Errorf("Grad with no inputs returned %d nodes", len(g))
	}
	// A (1,1) output has one element: it is differentiable like a scalar.
	z := graph.SumAxis(graph.SumAxis(graph.Reshape(x, 1, 2), 1, true), 0, true)
	if g := ad.Grad(z, x)[0].Value().Data(); g[0] != 1 || g[1] != 1 {
		t.Errorf("gradient of a (1,1) sum = %v", g)
	}
}

func TestGradPanics(t *testing.T) {
	tp := graph.NewTape()
	x := tp.Var(tensor.FromSlice([]float64{1, 2}))
	y := graph.Square(x)
	other := graph.NewTape().Var(tensor.Scalar(1))
	for _, c := range []struct {
		name  string
		f     func()
		wants []string
	}{
		{"non-scalar", func() { ad.Grad(y, x) }, []string{"ad: Grad", "not a scalar", "[2]"}},
		{"other tape", func() { ad.Grad(graph.Sum(y), other) }, []string{"ad: Grad", "different tape"}},
		{"JVP lengths", func() { ad.JVP(graphtest.ExtRosenbrock, []float64{1, 2}, []float64{1}) }, []string{"ad: JVP", "2", "1"}},
		{"ValueAndGrad non-scalar", func() { ad.ValueAndGrad(graph.Square, []float64{1, 2}) }, []string{"not a scalar"}},
	} {
		testutil.MustPanic(t, c.name, c.f, c.wants...)
	}
}

// ---- Functional forms ----

func TestValueAndGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct {
		name string
		f    ad.Func
		n    int
	}{
		{"rosenbrock", graphtest.ExtRosenbrock, 10},
		{"softmaxCE", softmaxCE, 16},
	} {
		x := testutil.RandVec(rng, c.n)
		keep := append([]float64(nil), x...)
		val, g := ad.ValueAndGrad(c.f, x)
		if e, _ := testutil.RelErr(x, keep); e != 0 {
			t.Errorf("%s: ValueAndGrad modified x", c.name)
		}
		tp := graph.NewTape()
		if want := c.f(tp.Var(tensor.FromSlice(x))).Item(); val != want {
			t.Errorf("%s: value %v, want %v", c.name, val, want)
		}
		fd := testutil.FiniteGrad(func(x []float64) float64 {
			v, _ := ad.ValueAndGrad(c.f, x)
			return v
		}, x)
		if err, i := testutil.RelErr(g, fd); err > 1e-6 {
			t.Errorf("%s: gradient error %.3g at %d", c.name, err, i)
		}
		// The tensor form agrees exactly and keeps the shape.
		vt, gt := ad.ValueAndGradTensor(c.f, tensor.FromSlice(x))
		if vt != val || !tensor.SameShape(gt.Shape(), []int{c.n}) {
			t.Errorf("%s: ValueAndGradTensor %v %v", c.name, vt, gt.Shape())
		}
		if err, _ := testutil.RelErr(gt.Data(), g); err != 0 {
			t.Errorf("%s: ValueAndGradTensor gradient differs", c.name)
		}
	}
	// A 2-D input keeps its shape.
	m := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	_, g := ad.ValueAndGradTensor(func(w *graph.Node) *graph.Node { return graph.Sum(graph.Square(w)) }, m)
	if !tensor.SameShape(g.Shape(), []int{2, 3}) || g.At(1, 2) != 12 {
		t.Errorf("gradient of Σx² over a matrix: %v", g)
	}
}

func TestJVP(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	// A vector-valued f: softmax of a matrix-vector product.
	f := func(w *graph.Node) *graph.Node {
		A := w.Tape().Const(tensor.New([]float64{1, -2, 0.5, 0.3, 1, -1, 2, 0.1, 0.2, -0.4, 1, 1}, 3, 4))
		return graph.Softmax(graph.MatMul(A, graph.Reshape(w, 4, 1)), 0)
	}
	x, v := testutil.RandVec(rng, 4), testutil.RandVec(rng, 4)
	val, tan := ad.JVP(f, x, v)
	if !tensor.SameShape(val.Shape(), []int{3, 1}) || !tensor.SameShape(tan.Shape(), []int{3, 1}) {
		t.Fatalf("JVP shapes %v %v, want [3 1]", val.Shape(), tan.Shape())
	}
	out := func(x []float64) []float64 {
		tp := graph.NewTape()
		return append([]float64(nil), f(tp.Var(tensor.FromSlice(x))).Value().Data()...)
	}
	if e, _ := testutil.RelErr(val.Data(), out(x)); e != 0 {
		t.Errorf("JVP value %v, want %v", val.Data(), out(x))
	}
	if e, i := testutil.RelErr(tan.Data(), testutil.DirectionalDeriv(out, x, v)); e > 1e-9 {
		t.Errorf("JVP error %.3g at %d", e, i)
	}
	// The tangent of a scalar function is ∇f·v.
	_, g := ad.ValueAndGrad(graphtest.ExtRosenbrock, x)
	_, s := ad.JVP(graphtest.ExtRosenbrock, x, v)
	want := 0.0
	for i := range g {
		want += g[i] * v[i]
	}
	if math.Abs(s.Item()-want) > 1e-12*max(1, math.Abs(want)) {
		t.Errorf("JVP of rosenbrock %v, ∇f·v = %v", s.Item(), want)
	}
	// A function that ignores its input has a zero tangent of its shape.
	_, z := ad.JVP(func(w *graph.Node) *graph.Node { return w.Tape().Const(tensor.Ones(2, 2)) }, x, v)
	if !tensor.SameShape(z.Shape(), []int{2, 2}) || tensor.SumAll(z) != 0 {
		t.Errorf("JVP of a constant: %v", z)
	}
}

// TestPushTangents checks the linearize pattern: one recording, tangents
// pushed for several directions, each equal to a fresh JVP.
func TestPushTangents(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	x := testutil.RandVec(rng, 16)
	tp := graph.NewTape()
	w := tp.Var(tensor.FromSlice(x))
	y := softmaxCE(w)
	for range 3 {
		v := testutil.RandVec(rng, 16)
		w.SetTangentData(v)
		ad.PushTangents(tp, w.Index(), y.Index())
		_, want := ad.JVP(softmaxCE, x, v)
		if got := y.Tangent(); got == nil || got.Item() != want.Item() {
			t.Errorf("pushed tangent %v, JVP %v", got, want)
		}
	}
}

// TestConcurrentTapes runs gradients, JVPs and checks on separate tapes in
// several goroutines (run with -race) and compares with serial results.
func TestConcurrentTapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const workers = 4
	xs := make([][]float64, workers)
	want := make([][]float64, workers)
	for i := range xs {
		xs[i] = testutil.RandVec(rng, 16)
		_, want[i] = ad.ValueAndGrad(softmaxCE, xs[i])
	}
	var wg sync.WaitGroup
	errs := make([]string, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				_, g := ad.ValueAndGrad(softmaxCE, xs[i])
				if e, _ := testutil.RelErr(g, want[i]); e != 0 {
					errs[i] = "gradient differs from the serial one"
					return
				}
				ad.JVP(softmaxCE, xs[i], want[i])
			}
			if r := ad.Check(softmaxCE, xs[i], &ad.CheckSettings{Directions: 1}); !(r.GradErr < 1e-6 && r.HVPErr < 1e-5) {
				errs[i] = fmt.Sprintf("Check: %+v", r)
			}
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("worker %d: %s", i, e)
		}
	}
}
