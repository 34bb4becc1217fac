package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// TestShapeMismatchPanics checks that misuse panics at recording time with
// a message that starts with a package prefix and names the op and the
// shapes involved.
func TestShapeMismatchPanics(t *testing.T) {
	tp := graph.NewTape()
	m23 := tp.Var(tensor.Zeros(2, 3))
	v4 := tp.Var(tensor.Zeros(4))
	m45 := tp.Var(tensor.Zeros(4, 5))
	b223 := tp.Var(tensor.Zeros(2, 2, 3))
	b334 := tp.Var(tensor.Zeros(3, 3, 4))
	other := graph.NewTape().Var(tensor.Zeros(2, 3))
	sum := graph.Sum(m23)

	cases := []struct {
		name  string
		f     func()
		wants []string
	}{
		{"Add", func() { graph.Add(m23, v4) }, []string{"Add", "[2 3]", "[4]"}},
		{"Sub", func() { graph.Sub(v4, m23) }, []string{"Sub", "[4]", "[2 3]"}},
		{"Mul", func() { graph.Mul(m23, v4) }, []string{"Mul", "[2 3]", "[4]"}},
		{"Div", func() { graph.Div(m23, m45) }, []string{"Div", "[2 3]", "[4 5]"}},
		{"MatMul/inner", func() { graph.MatMul(m23, m45) }, []string{"MatMul", "[2 3]", "[4 5]"}},
		{"MatMulT/inner", func() { graph.MatMulT(m23, m45, true, false) }, []string{"MatMul", "[2 3]", "[4 5]"}},
		{"MatMul/batch", func() { graph.MatMul(b223, b334) }, []string{"MatMul", "[2 2 3]", "[3 3 4]"}},
		{"MatMul/1-D", func() { graph.MatMul(v4, m45) }, []string{"MatMul", "[4]", "[4 5]"}},
		{"SumTo", func() { graph.SumTo(m23, 4) }, []string{"SumTo", "[4]", "[2 3]"}},
		{"BroadcastTo", func() { graph.BroadcastTo(m23, 3, 3) }, []string{"BroadcastTo", "[2 3]", "[3 3]"}},
		{"Reshape", func() { graph.Reshape(m23, 4) }, []string{"Reshape", "6", "[4]"}},
		{"Slice", func() { graph.Slice(m23, 1, 0, 4, 1) }, []string{"Slice", "[2 3]"}},
		{"Slice/step", func() { graph.Slice(m23, 1, 0, 3, 0) }, []string{"Slice", "[2 3]"}},
		{"Index/count", func() { graph.Index(m23, 1) }, []string{"Index", "[2 3]"}},
		{"Index/range", func() { graph.Index(m23, 1, 3) }, []string{"Index", "[1 3]", "[2 3]"}},
		{"Transpose", func() { graph.Transpose(v4) }, []string{"Transpose", "[4]"}},
		{"SumAxis", func() { graph.SumAxis(m23, 2, false) }, []string{"SumAxis", "axis 2", "[2 3]"}},
		{"MeanAxis", func() { graph.MeanAxis(m23, -3, true) }, []string{"MeanAxis", "axis -3", "[2 3]"}},
		{"MaxAxis", func() { graph.MaxAxis(m23, 2, true) }, []string{"MaxAxis", "axis 2", "[2 3]"}},
		{"LogSumExp", func() { graph.LogSumExp(m23, 2, true) }, []string{"LogSumExp", "axis 2", "[2 3]"}},
		{"Softmax", func() { graph.Softmax(v4, 1) }, []string{"Softmax", "axis 1", "[4]"}},
		{"LogSoftmax", func() { graph.LogSoftmax(v4, -2) }, []string{"LogSoftmax", "axis -2", "[4]"}},
		{"SetTangent/shape", func() { m23.SetTangent(tensor.Zeros(3, 2)) }, []string{"SetTangent", "[3 2]", "[2 3]"}},
		{"SetTangentData/len", func() { m23.SetTangentData(make([]float64, 5)) }, []string{"SetTangentData", "5", "[2 3]"}},
		{"SetTangent/non-leaf", func() { sum.SetTangent(tensor.Scalar(1)) }, []string{"SetTangent", "not a leaf"}},
		{"Seed/shape", func() { sum.Tape().Adjoints(0, sum.Index()).Seed(sum, m23) }, []string{"Seed", "[2 3]"}},
		{"tapes/Add", func() { graph.Add(m23, other) }, []string{"Add", "different tapes"}},
		{"tapes/MatMul", func() { graph.MatMulT(m23, other, false, true) }, []string{"MatMul", "different tapes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testutil.MustPanic(t, c.name, c.f, c.wants...)
			if msg := testutil.PanicMessage(c.f); !strings.HasPrefix(msg, "graph: ") && !strings.HasPrefix(msg, "tensor: ") {
				t.Errorf("panic %q has no package prefix", msg)
			}
		})
	}
}

func TestNodeAccessors(t *testing.T) {
	tp := graph.NewTape()
	w1 := tp.Var(tensor.Scalar(0.5))
	w2 := tp.Var(tensor.Scalar(1.5))
	loss := graphtest.Seed(w1, w2, 1)
	c := tp.Const(tensor.Ones(2, 3))

	if got, want := loss.Item(), math.Pow(1-0.75, 2); got != want {
		t.Errorf("loss = %v, want %v", got, want)
	}
	if !w1.IsVar() || !w1.IsLeaf() || c.IsVar() || !c.IsLeaf() || loss.IsVar() || loss.IsLeaf() {
		t.Errorf("IsVar/IsLeaf wrong: w1 %v %v, c %v %v, loss %v %v",
			w1.IsVar(), w1.IsLeaf(), c.IsVar(), c.IsLeaf(), loss.IsVar(), loss.IsLeaf())
	}
	if w1.Op() != "var" || c.Op() != "const" || loss.Op() != "Square" {
		t.Errorf("Op: %q %q %q", w1.Op(), c.Op(), loss.Op())
	}
	if loss.NumInputs() != 1 || loss.Input(0).Op() != "Sub" || w1.NumInputs() != 0 {
		t.Errorf("inputs: loss has %d (%v), w1 has %d", loss.NumInputs(), loss.Input(0), w1.NumInputs())
	}
	if s := c.String(); !strings.Contains(s, "const") || !strings.Contains(s, "[2 3]") {
		t.Errorf("String() = %q", s)
	}
	full := tp.Full(2.5, 2, 3)
	if !tensor.Equal(full.Value(), tensor.Full(2.5, 2, 3)) || full.Op() != "const" {
		t.Errorf("Full: %v %v", full, full.Value())
	}
	if loss.Tape() != tp || tp.Node(loss.Index()) != loss || tp.Len() != full.Index()+1 {
		t.Errorf("tape bookkeeping: Len %d, loss at %d", tp.Len(), loss.Index())
	}
	// Recording order: every op comes after its inputs.
	for i := 0; i < tp.Len(); i++ {
		n := tp.Node(i)
		for j := 0; j < n.NumInputs(); j++ {
			if n.Input(j).Index() >= i {
				t.Errorf("node %v has input %v recorded after it", n, n.Input(j))
			}
		}
	}
}

// TestStability checks that the softmax family and Softplus stay finite,
// with the right derivatives, where a naive formula would overflow.
func TestStability(t *testing.T) {
	x := []float64{1000, 1001, 1002}
	// softmax(x) = softmax(x − 1000) for the shift-invariant family.
	e := []float64{math.Exp(-2), math.Exp(-1), 1}
	s := e[0] + e[1] + e[2]
	p := []float64{e[0] / s, e[1] / s, e[2] / s}
	lse := func(w *graph.Node) *graph.Node { return graph.LogSumExp(w, 0, false) }
	val, g := ad.ValueAndGrad(lse, x)
	if want := 1002 + math.Log(s); math.Abs(val-want) > 1e-12*want {
		t.Errorf("LogSumExp = %v, want %v", val, want)
	}
	if err, _ := testutil.RelErr(g, p); err > 1e-15 {
		t.Errorf("∇LogSumExp = %v, want softmax %v", g, p)
	}
	_, sm := ad.JVP(func(w *graph.Node) *graph.Node { return graph.Softmax(w, 0) }, x, []float64{1, 0, 0})
	// ∂softmax/∂x_0 = p_0(e_0 − p).
	want := []float64{p[0] * (1 - p[0]), -p[0] * p[1], -p[0] * p[2]}
	if err, _ := testutil.RelErr(sm.Data(), want); err > 1e-15 {
		t.Errorf("softmax tangent %v, want %v", sm.Data(), want)
	}
	sp := func(w *graph.Node) *graph.Node { return graph.Sum(graph.Softplus(w)) }
	val, g = ad.ValueAndGrad(sp, []float64{800, -800})
	if val != 800 || g[0] != 1 || g[1] != 0 {
		t.Errorf("Softplus at ±800: value %v, gradient %v; want 800, [1 0]", val, g)
	}
}

// TestRecordingCopiesInputs checks that Var and Const copy their tensors.
func TestRecordingCopiesInputs(t *testing.T) {
	x := tensor.New([]float64{1, 2, 3}, 3)
	tp := graph.NewTape()
	w := tp.Var(x)
	c := tp.Const(x)
	x.Data()[0] = 100
	if w.Value().Data()[0] != 1 || c.Value().Data()[0] != 1 {
		t.Errorf("Var/Const share the caller's storage: %v %v", w.Value(), c.Value())
	}
}

// TestNonSmoothConventions checks the documented derivatives at kinks and
// ties: Relu and Abs have derivative 0 at 0, and Max shares its derivative
// equally among tied maxima.
func TestNonSmoothConventions(t *testing.T) {
	cases := []struct {
		name string
		f    ad.Func
		x    []float64
		want []float64
	}{
		{"Relu", func(w *graph.Node) *graph.Node { return graph.Sum(graph.Relu(w)) }, []float64{-1, 0, 2}, []float64{0, 0, 1}},
		{"Abs", func(w *graph.Node) *graph.Node { return graph.Sum(graph.Abs(w)) }, []float64{-1, 0, 2}, []float64{-1, 0, 1}},
		{"Max/tie", graph.Max, []float64{1, 3, 3, -2}, []float64{0, 0.5, 0.5, 0}},
		{"MaxAxis/tie", func(w *graph.Node) *graph.Node {
			return graph.Sum(graph.MaxAxis(graph.Reshape(w, 2, 3), 1, false))
		}, []float64{4, 4, 4, 1, 5, 2}, []float64{1. / 3, 1. / 3, 1. / 3, 0, 1, 0}},
	}
	for _, c := range cases {
		_, g := ad.ValueAndGrad(c.f, c.x)
		if e, i := testutil.RelErr(g, c.want); e > 1e-15 {
			t.Errorf("%s: gradient %v, want %v (index %d)", c.name, g, c.want, i)
		}
		// Second derivatives of these piecewise-linear functions are 0.
		tp := graph.NewTape()
		w := tp.Var(tensor.FromSlice(c.x))
		w.SetTangentData([]float64{1, 1, 1, 1, 1, 1}[:len(c.x)])
		if hv := ad.Grad(c.f(w), w)[0].Tangent(); hv != nil {
			for _, v := range hv.Data() {
				if v != 0 {
					t.Errorf("%s: H·1 = %v, want 0", c.name, hv)
					break
				}
			}
		}
	}
}

// mixedLoss uses many ops, so that a reused tape's storage is exercised.
func mixedLoss(w *graph.Node) *graph.Node {
	a := graph.Reshape(graph.Slice(w, 0, 0, 12, 1), 3, 4)
	b := graph.Reshape(graph.Slice(w, 0, 12, 20, 1), 4, 2)
	h := graph.Tanh(graph.Add(graph.MatMul(a, b), graph.Slice(w, 0, 20, 22, 1)))
	s := graph.LogSoftmax(h, -1)
	r := graph.Sigmoid(graph.SumAxis(graph.Mul(a, a), 0, true))
	return graph.Add(graph.Mean(s), graph.Sum(graph.Mul(r, graph.Slice(w, 0, 0, 8, 2))))
}

// run records mixedLoss on tp at x with tangent v and returns the value,
// gradient and HVP.
func run(tp *graph.Tape, x, v []float64) (float64, []float64, []float64) {
	w := tp.Var(tensor.FromSlice(x))
	w.SetTangentData(v)
	y := mixedLoss(w)
	g := ad.Grad(y, w)[0]
	return y.Item(), append([]float64(nil), g.Value().Data()...), append([]float64(nil), g.Tangent().Data()...)
}

// TestResetReuse checks that a tape reused after Reset gives bit-for-bit
// the results of a fresh tape, even when the previous recording left NaN
// in the reused storage and had nodes of other sizes.
func TestResetReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	x, v := testutil.RandVec(rng, 22), testutil.RandVec(rng, 22)
	wantY, wantG, wantH := run(graph.NewTape(), x, v)

	tp := graph.NewTape()
	for round := range 4 {
		// Garbage of assorted sizes: NaN values and tangents everywhere.
		for i := range 3 + 5*round {
			n := 1 + (i*37)%300
			z := tp.Var(tensor.Full(-1, n))
			z.SetTangentData(make([]float64, n))
			y := graph.Log(z)
			ad.Grad(graph.Sum(graph.Sqrt(y)), z)
			graph.MatMul(tp.Const(tensor.Full(math.NaN(), 3, 2)), tp.Const(tensor.Full(math.Inf(1), 2, 5)))
		}
		tp.DetectAnomalies(true)
		graph.Log(tp.Scalar(-1))
		tp.DetectAnomalies(false)
		tp.Reset()
		if tp.Len() != 0 || tp.Anomaly() != nil {
			t.Fatalf("after Reset: Len %d, Anomaly %v", tp.Len(), tp.Anomaly())
		}
		y, g, h := run(tp, x, v)
		if y != wantY {
			t.Errorf("round %d: value %v, fresh tape %v", round, y, wantY)
		}
		if e, i := testutil.RelErr(g, wantG); e != 0 {
			t.Errorf("round %d: gradient differs from a fresh tape's at %d: %v vs %v", round, i, g[i], wantG[i])
		}
		if e, i := testutil.RelErr(h, wantH); e != 0 {
			t.Errorf("round %d: HVP differs from a fresh tape's at %d: %v vs %v", round, i, h[i], wantH[i])
		}
		// An empty inner dimension gives a zero product, not old storage.
		for _, v := range graph.MatMul(tp.Var(tensor.Zeros(2, 0)), tp.Var(tensor.Zeros(0, 3))).Value().Data() {
			if v != 0 {
				t.Fatalf("round %d: (2,0)·(0,3) holds %v after Reset", round, v)
			}
		}
		// Zero gradients and constants are filled, not left as they were.
		z := tp.Var(tensor.Ones(50))
		for _, v := range ad.Grad(graph.Sum(tp.Var(tensor.Ones(3))), z)[0].Value().Data() {
			if v != 0 {
				t.Fatalf("round %d: gradient of an independent input holds %v after Reset", round, v)
			}
		}
		tp.Reset()
	}
}

// garbage records assorted work on tp that leaves its storage dirty: NaN
// values, tangents everywhere, parameters, n-ary nodes, a sweep.
func garbage(tp *graph.Tape, k int) {
	for i := range 3 + 5*k {
		n := 2 + (i*37)%300
		z := tp.Var(tensor.Full(-1, n))
		z.SetTangentData(make([]float64, n))
		y := graph.Log(z)
		ad.Grad(graph.Sum(graph.Sqrt(graph.Concat(0, y, graph.Slice(y, 0, 1, n, 2), graph.Scale(y, 3)))), z)
		graph.MatMul(tp.Const(tensor.Full(math.NaN(), 3, 2)), tp.Const(tensor.Full(math.Inf(1), 2, 5)))
	}
}

// TestReleaseReuse: a new tape on the storage a dirty tape released
// records exactly what a tape on new storage records, on one goroutine
// and on several at once (run with -race), and NewTape does take the
// released storage.
func TestReleaseReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	x, v := testutil.RandVec(rng, 22), testutil.RandVec(rng, 22)
	wantY, wantG, wantH := run(&graph.Tape{}, x, v)
	check := func(tp *graph.Tape, round int) error {
		y, g, h := run(tp, x, v)
		if y != wantY {
			return fmt.Errorf("round %d: value %v, new storage %v", round, y, wantY)
		}
		if e, i := testutil.RelErr(g, wantG); e != 0 {
			return fmt.Errorf("round %d: gradient differs at %d: %v vs %v", round, i, g[i], wantG[i])
		}
		if e, i := testutil.RelErr(h, wantH); e != 0 {
			return fmt.Errorf("round %d: HVP differs at %d: %v vs %v", round, i, h[i], wantH[i])
		}
		return nil
	}
	reused := 0
	for round := range 8 {
		tp := graph.NewTape()
		garbage(tp, round%4)
		tp.Release()
		tp = graph.NewTape()
		if graph.Footprint(tp) > 0 {
			reused++
		}
		if err := check(tp, round); err != nil {
			t.Fatal(err)
		}
		tp.Release()
	}
	// sync.Pool may drop what it is given (the race detector makes it drop
	// some on purpose), but not all of it.
	if reused == 0 {
		t.Errorf("NewTape never took released storage in 8 rounds")
	}

	errs := make(chan error, 4)
	for w := range 4 {
		go func() {
			var err error
			for round := range 20 {
				tp := graph.NewTape()
				garbage(tp, (w+round)%3)
				tp.Reset()
				if err == nil {
					err = check(tp, round)
				}
				tp.Release()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestAnomaly checks that anomaly mode names the first op whose value or
// tangent is not finite, in the forward pass or in the reverse sweep.
func TestAnomaly(t *testing.T) {
	t.Run("value", func(t *testing.T) {
		tp := graph.NewTape()
		tp.DetectAnomalies(true)
		x := tp.Var(tensor.FromSlice([]float64{1, -1}))
		y := graph.Exp(graph.Log(x)) // Log(−1) is NaN; Exp propagates it
		graph.Sum(y)
		err := tp.Anomaly()
		if err == nil {
			t.Fatal("no anomaly reported")
		}
		if msg := err.Error(); !strings.Contains(msg, "Log#1") || !strings.Contains(msg, "value") || !strings.Contains(msg, "var#0") {
			t.Errorf("anomaly %q does not name Log#1, its input var#0 and the value", msg)
		}
	})
	t.Run("tangent", func(t *testing.T) {
		tp := graph.NewTape()
		tp.DetectAnomalies(true)
		x := tp.Var(tensor.FromSlice([]float64{0, 1}))
		x.SetTangentData([]float64{1, 1})
		graph.Sqrt(x) // value 0 is fine; tangent 1/(2·0) is not
		err := tp.Anomaly()
		if err == nil || !strings.Contains(err.Error(), "Sqrt") || !strings.Contains(err.Error(), "tangent") {
			t.Errorf("anomaly %v, want one naming Sqrt's tangent", err)
		}
	})
	t.Run("reverse", func(t *testing.T) {
		tp := graph.NewTape()
		tp.DetectAnomalies(true)
		x := tp.Var(tensor.FromSlice([]float64{0, 1}))
		y := graph.Sum(graph.Sqrt(x)) // finite forward, infinite derivative
		if tp.Anomaly() != nil {
			t.Fatalf("forward pass reported %v", tp.Anomaly())
		}
		ad.Grad(y, x)
		if err := tp.Anomaly(); err == nil || !strings.Contains(err.Error(), "Div") {
			t.Errorf("anomaly %v, want the reverse sweep's Div", err)
		}
	})
	t.Run("off", func(t *testing.T) {
		tp := graph.NewTape()
		graph.Log(tp.Var(tensor.Scalar(-1)))
		if err := tp.Anomaly(); err != nil {
			t.Errorf("detection off, but Anomaly() = %v", err)
		}
	})
}

// TestPushTangent checks that re-pushing tangents through a recording made
// without them gives the tangents of an eager forward-mode recording.
func TestPushTangent(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	x, v := testutil.RandVec(rng, 22), testutil.RandVec(rng, 22)

	eager := graph.NewTape()
	we := eager.Var(tensor.FromSlice(x))
	we.SetTangentData(v)
	ye := mixedLoss(we)

	tp := graph.NewTape()
	w := tp.Var(tensor.FromSlice(x))
	y := mixedLoss(w)
	if y.Tangent() != nil {
		t.Fatalf("tangent %v without any tangent set", y.Tangent())
	}
	w.SetTangentData(v)
	for i := w.Index(); i <= y.Index(); i++ {
		tp.Node(i).PushTangent()
	}
	if y.Tangent() == nil || y.Tangent().Item() != ye.Tangent().Item() {
		t.Errorf("pushed tangent %v, eager tangent %v", y.Tangent(), ye.Tangent())
	}
	w.SetTangent(nil)
	for i := w.Index(); i <= y.Index(); i++ {
		tp.Node(i).PushTangent()
	}
	if y.Tangent() != nil {
		t.Errorf("tangent %v after clearing the input's", y.Tangent())
	}
}

// TestMaxExactValue checks that Max and MaxAxis return the maximum itself,
// to the last bit, even when it is attained several times (where averaging
// the tied elements would round), and that infinite maxima stay infinite.
func TestMaxExactValue(t *testing.T) {
	for _, v := range []float64{0.1, 1e-300, 3.3, -7.25, math.Inf(1), math.Inf(-1)} {
		tp := graph.NewTape()
		x := tp.Var(tensor.New([]float64{v, v, v, v, v, v, v}, 7))
		if got := graph.Max(x).Item(); got != v {
			t.Errorf("Max of seven %v = %v", v, got)
		}
		y := tp.Var(tensor.New([]float64{v, v, v, -1e308, v, v}, 2, 3))
		got := graph.MaxAxis(y, 1, false).Value().Data()
		if got[0] != v || (got[1] != v && !(math.IsInf(v, -1) && got[1] == -1e308)) {
			t.Errorf("MaxAxis of rows with %v = %v", v, got)
		}
	}
}

// TestMaxIgnoresInfiniteLosers checks that an element that is not the
// maximum cannot poison Max with Inf·0 = NaN, in value or gradient.
func TestMaxIgnoresInfiniteLosers(t *testing.T) {
	tp := graph.NewTape()
	x := tp.Var(tensor.New([]float64{5, math.Inf(-1), 2}, 3))
	m := graph.Max(x)
	if m.Item() != 5 {
		t.Fatalf("Max([5 -Inf 2]) = %v", m.Item())
	}
	g := ad.Grad(m, x)[0].Value().Data()
	if g[0] != 1 || g[1] != 0 || g[2] != 0 {
		t.Errorf("gradient of Max([5 -Inf 2]) = %v, want [1 0 0]", g)
	}
	r := graph.MaxAxis(tp.Var(tensor.New([]float64{1, math.Inf(-1), 3, 0}, 2, 2)), 1, false).Value().Data()
	if r[0] != 1 || r[1] != 3 {
		t.Errorf("MaxAxis = %v, want [1 3]", r)
	}
}

// TestIndexSweepIsLinear checks the structure that makes element-wise code
// cost time proportional to its length: the reverse sweep of Σᵢ xᵢ² written
// with n Index ops records one accumulation node for x's adjoint, not one
// per element, and the gradient it gives is 2x.
func TestIndexSweepIsLinear(t *testing.T) {
	for _, n := range []int{1, 2, 50, 1000} {
		tp := graph.NewTape()
		x := tp.VarVec(make([]float64, n))
		for i := range n {
			x.Value().Data()[i] = float64(i) - 0.5
		}
		s := graph.Square(graph.Index(x, 0))
		for i := 1; i < n; i++ {
			s = graph.Add(s, graph.Square(graph.Index(x, i)))
		}
		forward := tp.Len()
		g := ad.Grad(s, x)[0]
		scatters := 0
		for i := forward; i < tp.Len(); i++ {
			if op := tp.Node(i).Op(); op == "ScatterScalars" || op == "AccumulateScalars" || op == "AccumulateElements" || op == "ScatterElements" {
				scatters++
			}
		}
		if scatters != 1 {
			t.Errorf("n = %d: the sweep recorded %d element accumulations into x's adjoint, want 1", n, scatters)
		}
		if backward := tp.Len() - forward; backward > 3*n+2 {
			t.Errorf("n = %d: the sweep recorded %d nodes for %d forward ones", n, backward, forward)
		}
		for i, v := range g.Value().Data() {
			if want := 2 * (float64(i) - 0.5); v != want {
				t.Fatalf("n = %d: grad[%d] = %v, want %v", n, i, v, want)
			}
		}
	}
}

// TestScalarParameterSweep checks that a scalar used by n operations gets
// its adjoint by one accumulation node, not one per use, and the right
// derivative: d/da of Σ_k a·x_k with the x_k recorded as separate scalars.
func TestScalarParameterSweep(t *testing.T) {
	const n = 300
	tp := graph.NewTape()
	a := tp.Var(tensor.Scalar(0.5))
	s := tp.Scalar(0)
	want := 0.0
	for k := range n {
		x := float64(k%7) - 3
		s = graph.Add(s, graph.Mul(a, tp.Scalar(x)))
		want += x
	}
	forward := tp.Len()
	g := ad.Grad(s, a)[0].Item()
	acc := 0
	for i := forward; i < tp.Len(); i++ {
		if op := tp.Node(i).Op(); strings.HasPrefix(op, "Accumulate") || strings.HasPrefix(op, "Scatter") || op == "Add" {
			acc++
		}
	}
	if acc != 1 {
		t.Errorf("the sweep recorded %d accumulation nodes for a scalar used %d times, want 1", acc, n)
	}
	if g != want {
		t.Errorf("d/da = %v, want %v", g, want)
	}
}

// TestSetTangentView checks that a leaf's tangent set as a view gives the
// same forward-mode results as a copy, that the tape never writes the
// caller's slice, and that a later SetTangentData gives the leaf its own
// storage instead of writing through the view.
func TestSetTangentView(t *testing.T) {
	tp := graph.NewTape()
	x := tp.VarVec([]float64{0.3, -1.2, 2})
	v := []float64{1, 2, -0.5}
	keep := append([]float64(nil), v...)
	x.SetTangentView(v)
	y := graph.Sum(graph.Mul(graph.Tanh(x), x))
	viewed := y.Tangent().Item()
	x.SetTangentData(v)
	for i := 0; i < tp.Len(); i++ {
		tp.Node(i).PushTangent()
	}
	if copied := y.Tangent().Item(); copied != viewed {
		t.Errorf("tangent from a view %v, from a copy %v", viewed, copied)
	}
	x.SetTangentData([]float64{9, 9, 9})
	for i := range v {
		if v[i] != keep[i] {
			t.Fatalf("the caller's slice was written: %v, was %v", v, keep)
		}
	}
	want := 0.0
	for i, xi := range x.Value().Data() {
		th := math.Tanh(xi)
		want += keep[i] * ((1-th*th)*xi + th)
	}
	if math.Abs(viewed-want) > 1e-14 {
		t.Errorf("tangent %v, want %v", viewed, want)
	}
}

// TestDeferredAdjointOf: an adjoint still deferred (a Sum's broadcast
// scalar, scaled) is recorded when asked for, with the node's shape.
func TestDeferredAdjointOf(t *testing.T) {
	tp := graph.NewTape()
	x := tp.VarVec([]float64{1, -2, 0.5})
	sq := graph.Square(x)
	g := ad.Grad(graph.Scale(graph.Sum(sq), 3), sq, x)
	if got := g[0].Value().Data(); !slices.Equal(got, []float64{3, 3, 3}) || !slices.Equal(g[0].Shape(), []int{3}) {
		t.Errorf("gradient with respect to the square %v (shape %v), want [3 3 3]", got, g[0].Shape())
	}
	if got := g[1].Value().Data(); !slices.Equal(got, []float64{6, -12, 3}) {
		t.Errorf("gradient with respect to x %v, want [6 -12 3]", got)
	}
}
