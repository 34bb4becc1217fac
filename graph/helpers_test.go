package graph_test

import (
	"fmt"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Test helpers of the graph tests: recording functions of flat vectors and
// packing several inputs into one flat vector. The error measure, finite
// differences and panic checks are in internal/testutil.

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
