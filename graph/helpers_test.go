package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Test helpers shared by the graph tests: finite differences, the error
// measure, and packing several inputs into one flat vector.

// relErr is the elementwise error of package ad's Check,
// |a − b| / max(1, |a|, |b|), maximised over the elements; it also returns
// the worst index. NaN anywhere makes it NaN.
func relErr(a, b []float64) (float64, int) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("relErr: lengths %d and %d", len(a), len(b)))
	}
	worst, at := 0.0, 0
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		e := math.Abs(a[i]-b[i]) / max(1, math.Abs(a[i]), math.Abs(b[i]))
		if math.IsNaN(e) {
			return math.NaN(), i
		}
		if e > worst {
			worst, at = e, i
		}
	}
	return worst, at
}

// fdStep is the step of the five-point central differences used by the
// tests: its truncation error is O(h⁴) ≈ 1e-12 and its rounding error
// about 1e-16·|f|/h ≈ 1e-13·|f|, far below the tolerances checked.
const fdStep = 1e-3

// fdDeriv returns the derivative at t = 0 of the vector function
// t ↦ g(x + t·v), by the five-point central stencil
// (−g(2h) + 8g(h) − 8g(−h) + g(−2h)) / 12h.
func fdDeriv(g func(x []float64) []float64, x, v []float64) []float64 {
	h := fdStep
	xs := make([]float64, len(x))
	at := func(t float64) []float64 {
		for i := range x {
			xs[i] = x[i] + t*v[i]
		}
		return g(xs)
	}
	p2, p1, m1, m2 := at(2*h), at(h), at(-h), at(-2*h)
	out := make([]float64, len(p1))
	for i := range out {
		out[i] = (-p2[i] + 8*p1[i] - 8*m1[i] + m2[i]) / (12 * h)
	}
	return out
}

// fdGrad returns the gradient of the scalar function f at x, one
// coordinate at a time by fdDeriv.
func fdGrad(f ad.Func, x []float64) []float64 {
	e := make([]float64, len(x))
	g := make([]float64, len(x))
	val := func(x []float64) []float64 { return []float64{value(f, x)} }
	for i := range x {
		e[i] = 1
		g[i] = fdDeriv(val, x, e)[0]
		e[i] = 0
	}
	return g
}

// value records f at x on a fresh tape and returns f(x).
func value(f ad.Func, x []float64) float64 {
	tp := graph.NewTape()
	return f(tp.Var(tensor.FromSlice(x))).Item()
}

// output records f at x and returns a copy of its value's elements.
func output(f ad.Func, x []float64) []float64 {
	tp := graph.NewTape()
	return append([]float64(nil), f(tp.Var(tensor.FromSlice(x))).Value().Data()...)
}

// gradient returns ∇f(x) by package ad.
func gradient(f ad.Func, x []float64) []float64 {
	_, g := ad.ValueAndGrad(f, x)
	return g
}

// eagerHVP returns ∇²f(x)·v by forward-over-reverse in one recording: x
// gets the tangent v before f runs, tangents flow through f and through
// the reverse sweep, and the gradient's tangent is H·v.
func eagerHVP(f ad.Func, x, v []float64) []float64 {
	tp := graph.NewTape()
	w := tp.Var(tensor.FromSlice(x))
	w.SetTangentData(v)
	g := ad.Grad(f(w), w)[0]
	out := make([]float64, len(x))
	if t := g.Tangent(); t != nil {
		copy(out, t.Data())
	}
	return out
}

// gradDot returns the function w ↦ ∇f(w)·v recorded by reverse mode, so
// that its gradient is H·v by reverse-over-reverse.
func gradDot(f ad.Func, v []float64) ad.Func {
	return func(w *graph.Node) *graph.Node {
		g := ad.Grad(f(w), w)[0]
		return graph.Sum(graph.Mul(g, w.Tape().Const(tensor.FromSlice(v))))
	}
}

// randVec returns n standard normal values.
func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// split cuts the flat vector w into nodes of the given shapes, in order,
// by Slice and Reshape, so a function of several inputs can be
// differentiated with respect to all of them at once.
func split(w *graph.Node, shapes [][]int) []*graph.Node {
	out := make([]*graph.Node, len(shapes))
	off := 0
	for i, s := range shapes {
		n := tensor.SizeOf(s)
		out[i] = graph.Reshape(graph.Slice(w, 0, off, off+n, 1), s...)
		off += n
	}
	if off != w.Value().Size() {
		panic(fmt.Sprintf("split: %d values for shapes %v", w.Value().Size(), shapes))
	}
	return out
}

// panicText runs f and returns the text of its panic ("" if none).
func panicText(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
			if msg == "" {
				msg = "(empty panic)"
			}
		}
	}()
	f()
	return ""
}

// mustPanicWith checks that f panics with a message containing every want.
func mustPanicWith(t *testing.T, what string, f func(), wants ...string) {
	t.Helper()
	msg := panicText(f)
	if msg == "" {
		t.Errorf("%s: no panic", what)
		return
	}
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: panic %q does not mention %q", what, msg, w)
		}
	}
}
