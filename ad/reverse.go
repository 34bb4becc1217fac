// Package ad differentiates functions recorded on a graph.Tape: reverse
// mode (gradients of a scalar with respect to any recorded inputs), forward
// mode (Jacobian-vector products), the functional forms a user calls on a
// plain []float64, and a finite-difference checker for both.
//
// Gradients are returned as nodes recorded on the same tape, so they can be
// differentiated again: reverse-over-reverse by calling Grad on them, or
// forward-over-reverse by giving the inputs tangents (see package ad/hvp).
//
// The API, by file:
//
//   - reverse.go: Grad, on nodes of a tape; ValueAndGrad and
//     ValueAndGradTensor, on a Func of a plain vector or tensor;
//   - forward.go: JVP, and PushTangents to re-run forward mode over a
//     recording for new input tangents;
//   - check.go: Check, a gradcheck and gradgradcheck against central
//     differences, which also checks forward mode (CheckSettings,
//     CheckResult);
//   - implicit.go: ArgMin, the derivative of a minimiser x*(θ) by the
//     implicit function theorem (Minimizer, ArgMinSettings).
package ad

import (
	"fmt"
	"sync"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Grad returns the gradient of the scalar y with respect to each of xs, as
// nodes recorded on y's tape (each of its input's shape). The reverse sweep
// visits only the nodes between the earliest x and y that depend on some x.
//
// An x that y does not depend on gets a zero gradient, not an error; an x
// may be any node, a constant or an intermediate result included. Grad
// panics if y has more than one element, if a node comes from another
// tape, or if a node was recorded before the tape's Reset. Its cost is a
// small multiple of recording y, and proportional to the number of
// recorded ops: an Index, Slice or Gather adds its adjoint into only the
// positions it read.
func Grad(y *graph.Node, xs ...*graph.Node) []*graph.Node {
	if y.Value().Size() != 1 {
		panic(fmt.Sprintf("ad: Grad: output %v is not a scalar: use a reduction such as graph.Sum first, or PullBack", y))
	}
	return pullBack("ad: Grad", y, nil, xs, nil)
}

// PullBack returns the vector-Jacobian products ȳᵀ·∂y/∂x for each of xs:
// the reverse sweep of Grad started from the cotangent ybar (a node of y's
// shape) instead of 1, so y may have any shape. Like Grad it records the
// results on y's tape, differentiably.
func PullBack(y, ybar *graph.Node, xs ...*graph.Node) []*graph.Node {
	if ybar == nil {
		panic("ad: PullBack: nil cotangent")
	}
	return pullBack("ad: PullBack", y, ybar, xs, nil)
}

// pullBack is Grad and PullBack; it appends the gradients to out (nil
// means a new slice), so that the functional forms can use a buffer that
// does not escape.
func pullBack(op string, y, ybar *graph.Node, xs, out []*graph.Node) []*graph.Node {
	tp := y.Tape()
	y.CheckLive(op)
	lo, hi := y.Index(), y.Index()
	for _, x := range xs {
		if x.Tape() != tp {
			panic(fmt.Sprintf("%s: input %v is on a different tape from output %v", op, x, y))
		}
		x.CheckLive(op)
		lo = min(lo, x.Index())
	}
	if ybar != nil {
		if ybar.Tape() != tp {
			panic(fmt.Sprintf("%s: cotangent %v is on a different tape from output %v", op, ybar, y))
		}
		ybar.CheckLive(op)
	}
	adj := tp.Adjoints(lo, hi)
	defer adj.Done()
	for _, x := range xs {
		adj.Require(x)
	}
	// A node needs an adjoint when it depends on some x.
	for i := lo; i <= hi; i++ {
		n := tp.Node(i)
		if adj.Required(n) {
			continue
		}
		for _, in := range n.Inputs() {
			if adj.Required(in) {
				adj.Require(n)
				break
			}
		}
	}
	if ybar == nil {
		ybar = tp.Full(1, y.Shape()...)
	}
	adj.Seed(y, ybar)
	for i := hi; i >= lo; i-- {
		adj.Backprop(tp.Node(i))
	}
	if out == nil {
		out = make([]*graph.Node, 0, len(xs))
	}
	for _, x := range xs {
		g := adj.Of(x)
		if g == nil {
			g = tp.Full(0, x.Shape()...)
		}
		out = append(out, g)
	}
	return out
}

// tapePool keeps tapes for the functional forms (ValueAndGrad, JVP), which
// copy their results out before they return: reusing a tape's storage
// makes a call in a loop allocate almost nothing. A function f must not
// keep the nodes it is given beyond its call.
var tapePool = sync.Pool{New: func() any { return graph.NewTape() }}

func getTape() *graph.Tape {
	tp := tapePool.Get().(*graph.Tape) // empty: putTape reset it, or it is new
	tp.DetectAnomalies(false)
	return tp
}

func putTape(tp *graph.Tape) {
	tp.Reset()
	tapePool.Put(tp)
}

// Func is a function written with graph operations: it receives its input
// as a node on a tape of its own and returns its output node. It must not
// keep nodes beyond its call: the functional forms reuse their tapes.
type Func func(x *graph.Node) *graph.Node

// ValueAndGrad evaluates the scalar function f at the flat vector x and
// returns f(x) and ∇f(x) (a new slice). x is neither modified nor retained.
// It records f once and sweeps back once.
func ValueAndGrad(f Func, x []float64) (float64, []float64) {
	tp := getTape()
	defer putTape(tp)
	w := tp.VarVec(x)
	y := f(w)
	if y.Value().Size() != 1 {
		panic(fmt.Sprintf("ad: ValueAndGrad: output %v is not a scalar", y))
	}
	var buf [1]*graph.Node
	g := pullBack("ad: ValueAndGrad", y, nil, []*graph.Node{w}, buf[:0])[0]
	out := make([]float64, len(x))
	g.ValueInto(out) // a deferred gradient is computed straight into out
	return y.Item(), out
}

// ValueAndGradTensor is ValueAndGrad for an input of any shape; the
// gradient has x's shape.
func ValueAndGradTensor(f Func, x *tensor.Tensor) (float64, *tensor.Tensor) {
	tp := getTape()
	defer putTape(tp)
	w := tp.Var(x)
	y := f(w)
	g := Grad(y, w)[0]
	return y.Item(), g.Value().Clone()
}
