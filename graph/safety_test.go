package graph_test

import (
	"math"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/tensor"
)

// TestStaleNodeAfterReset: a node recorded before Reset must not silently
// alias a node of the new recording; every way of using it panics and
// names it.
func TestStaleNodeAfterReset(t *testing.T) {
	tp := graph.NewTape()
	x := tp.Var(tensor.Scalar(3))
	y := graph.Square(x)
	tp.Reset()
	a := tp.Var(tensor.Scalar(5))
	b := graph.Mul(a, a)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Mul(stale, new)", func() { graph.Mul(y, a) }},
		{"Mul(new, stale)", func() { graph.Mul(a, y) }},
		{"unary", func() { graph.Tanh(y) }},
		{"n-ary", func() { graph.Concat(0, graph.Reshape(a, 1), graph.Reshape(y, 1)) }},
		{"Record", func() { graph.Record(recordOp, tensor.Scalar(1), a, x) }},
		{"Grad wrt stale", func() { ad.Grad(b, x) }},
		{"Grad of stale", func() { ad.Grad(y, a) }},
	} {
		testutil.MustPanic(t, c.name, c.f, "before the tape's Reset")
	}
	// The new recording is unharmed and differentiates correctly.
	if g := ad.Grad(b, a)[0].Item(); g != 10 {
		t.Errorf("gradient after Reset = %v, want 10", g)
	}
	// Across a second Reset the nodes of the last recording are caught.
	tp.Reset()
	c := tp.Var(tensor.Scalar(1))
	testutil.MustPanic(t, "after second Reset", func() { graph.Add(b, c) }, "before the tape's Reset", b.String())
}

var recordOp = &graph.Op{
	Name: "Ident",
	JVP:  func(n *graph.Node, dst *tensor.Tensor) { dst.CopyFrom(n.Input(0).Tangent()) },
	VJP:  func(n, g *graph.Node, adj *graph.Adjoints) { adj.Add(0, g) },
}

// TestAnomalyOnTangentSweep: the tangents recomputed by PushTangents (the
// path of every HVP at a fixed point) are checked too, and a non-finite
// tangent is reported against the forward op whose derivative made it.
func TestAnomalyOnTangentSweep(t *testing.T) {
	// f(x) = x₀^1.5 + x₁²: at x₀ = 0 the gradient is finite but f'' = +Inf.
	tp := graph.NewTape()
	tp.DetectAnomalies(true)
	x := tp.VarVec([]float64{0, 0.5})
	y := graph.Add(graph.Pow(graph.Index(x, 0), 1.5), graph.Square(graph.Index(x, 1)))
	g := ad.Grad(y, x)[0]
	if err := tp.Anomaly(); err != nil {
		t.Fatalf("anomaly before any tangent: %v", err)
	}
	x.SetTangentData([]float64{1, 1})
	ad.PushTangents(tp, x.Index(), g.Index())
	hv := g.Tangent().Data()
	if !math.IsInf(hv[0], 1) || hv[1] != 2 {
		t.Fatalf("H·v = %v, want [+Inf 2]", hv)
	}
	err := tp.Anomaly()
	if err == nil {
		t.Fatal("no anomaly reported for a non-finite HVP")
	}
	if msg := err.Error(); !strings.Contains(msg, "tangent") || !strings.Contains(msg, "in the derivative of Pow") {
		t.Errorf("anomaly %q does not name the tangent and the forward op Pow", msg)
	}
}

// TestAnomalyNamesForwardOp: a non-finite value made by a VJP rule names
// the forward op whose rule made it (Sqrt, not an internal Div), and a
// non-finite input is named as the input.
func TestAnomalyNamesForwardOp(t *testing.T) {
	tp := graph.NewTape()
	tp.DetectAnomalies(true)
	x := tp.VarVec([]float64{0, 1})
	ad.Grad(graph.Sum(graph.Sqrt(x)), x)
	if err := tp.Anomaly(); err == nil || !strings.Contains(err.Error(), "in the derivative of Sqrt") {
		t.Errorf("anomaly %v, want one naming the derivative of Sqrt", err)
	}

	tp = graph.NewTape()
	tp.DetectAnomalies(true)
	v := tp.VarVec([]float64{1, math.NaN()})
	graph.Sum(graph.Exp(v))
	if err := tp.Anomaly(); err == nil || !strings.Contains(err.Error(), "input var#0") {
		t.Errorf("anomaly %v, want one naming the input var#0", err)
	}
}

// TestRelease: Release gives the storage back and the tape stays usable;
// nodes of before are stale.
func TestRelease(t *testing.T) {
	tp := graph.NewTape()
	x := tp.Var(tensor.Zeros(1 << 14))
	graph.Sum(graph.Square(x))
	tp.Release()
	if tp.Len() != 0 {
		t.Fatalf("Len after Release = %d", tp.Len())
	}
	testutil.MustPanic(t, "stale after Release", func() { graph.Neg(x) }, "before the tape's Reset")
	w := tp.VarVec([]float64{1, 2})
	if g := ad.Grad(graph.Sum(graph.Square(w)), w)[0].Value().Data(); g[0] != 2 || g[1] != 4 {
		t.Errorf("gradient after Release = %v", g)
	}
}

// TestGradWrtConst: Grad differentiates with respect to any node it is
// asked about, as documented, a constant included.
func TestGradWrtConst(t *testing.T) {
	tp := graph.NewTape()
	c := tp.Const(tensor.Scalar(3))
	w := tp.Var(tensor.Scalar(2))
	g := ad.Grad(graph.Mul(graph.Square(c), w), c, w)
	if g[0].Item() != 12 || g[1].Item() != 9 {
		t.Errorf("gradients %v, %v, want 12, 9", g[0].Item(), g[1].Item())
	}
}

// TestMaxOfEmpty: the maximum of no elements is −Inf in graph as in
// tensor, with an empty gradient.
func TestMaxOfEmpty(t *testing.T) {
	tp := graph.NewTape()
	x := tp.Var(tensor.Zeros(0))
	m := graph.Max(x)
	if v := m.Item(); !math.IsInf(v, -1) || !math.IsInf(tensor.MaxAll(x.Value()), -1) {
		t.Errorf("Max of empty = %v, tensor.MaxAll = %v, want −Inf", v, tensor.MaxAll(x.Value()))
	}
	if g := ad.Grad(m, x)[0]; g.Value().Size() != 0 {
		t.Errorf("gradient %v, want empty", g)
	}
	y := tp.Var(tensor.Zeros(2, 0))
	ma := graph.MaxAxis(y, 1, false)
	if d := ma.Value().Data(); len(d) != 2 || !math.IsInf(d[0], -1) || !math.IsInf(d[1], -1) {
		t.Errorf("MaxAxis of an empty axis = %v, want [−Inf −Inf]", d)
	}
	tm := tensor.MaxAxis(y.Value(), 1, true)
	if d := tm.Data(); len(d) != 2 || !math.IsInf(d[0], -1) {
		t.Errorf("tensor.MaxAxis of an empty axis = %v", d)
	}
}

// TestShapeOverflowOnTape: a shape too large to count records nothing.
func TestShapeOverflowOnTape(t *testing.T) {
	tp := graph.NewTape()
	testutil.MustPanic(t, "Full", func() { tp.Full(0, 1<<32, 1<<32) }, "more than")
	if tp.Len() != 0 {
		t.Errorf("%d nodes recorded", tp.Len())
	}
}

// TestVarView: a VarView shares the caller's storage and differentiates as
// a Var does.
func TestVarView(t *testing.T) {
	tb := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
	tp := graph.NewTape()
	v := tp.VarView(tb)
	if !v.IsVar() || &v.Value().Data()[0] != &tb.Data()[0] {
		t.Fatal("VarView did not record a variable over the caller's storage")
	}
	c := tp.Var(tb)
	lv := graph.Sum(graph.Square(graph.Gather(v, []int{2, 0, 2})))
	lc := graph.Sum(graph.Square(graph.Gather(c, []int{2, 0, 2})))
	gv, gc := ad.Grad(lv, v)[0].Value().Data(), ad.Grad(lc, c)[0].Value().Data()
	want := []float64{2, 4, 0, 0, 20, 24}
	for i := range want {
		if gv[i] != want[i] || gc[i] != want[i] {
			t.Fatalf("gradients %v and %v, want %v", gv, gc, want)
		}
	}
}

// TestStaleNodeAcrossResetsDetecting: with anomaly detection on, a node kept
// across several Resets is caught too (fresh node storage per recording).
func TestStaleNodeAcrossResetsDetecting(t *testing.T) {
	tp := graph.NewTape()
	tp.DetectAnomalies(true)
	old := graph.Square(tp.Var(tensor.Scalar(2)))
	for range 2 { // the second recording reuses the first one's arena, were it not fresh
		tp.Reset()
		a := tp.Var(tensor.Scalar(1))
		graph.Mul(graph.Square(a), a)
	}
	c := tp.Var(tensor.Scalar(3))
	testutil.MustPanic(t, "after two Resets", func() { graph.Add(old, c) }, "before the tape's Reset")
}
