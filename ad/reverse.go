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
//     differences (CheckSettings, CheckResult).
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
// An x that y does not depend on gets a zero gradient, not an error. Grad
// panics if y has more than one element or if a node comes from another
// tape. Its cost is a small multiple of recording y.
func Grad(y *graph.Node, xs ...*graph.Node) []*graph.Node {
	if y.Value().Size() != 1 {
		panic(fmt.Sprintf("ad: Grad: output %v is not a scalar: use a reduction such as graph.Sum first", y))
	}
	tp := y.Tape()
	lo := y.Index()
	for _, x := range xs {
		if x.Tape() != tp {
			panic(fmt.Sprintf("ad: Grad: input %v is on a different tape from output %v", x, y))
		}
		lo = min(lo, x.Index())
	}
	hi := y.Index()
	// depends[i-lo]: node i depends on some x (and so needs an adjoint).
	sc := scratchPool.Get().(*scratch)
	defer sc.release()
	depends := sc.dependsFor(hi - lo + 1)
	for _, x := range xs {
		if x.Index() <= hi {
			depends[x.Index()-lo] = true
		}
	}
	for i := lo; i <= hi; i++ {
		if depends[i-lo] {
			continue
		}
		for _, in := range tp.Node(i).Inputs() {
			if in != nil && in.Index() >= lo && depends[in.Index()-lo] {
				depends[i-lo] = true
				break
			}
		}
	}
	adj := sc.adjFor(hi - lo + 1)
	if depends[hi-lo] {
		adj[hi-lo] = tp.Full(1, y.Shape()...)
	}
	for i := hi; i >= lo; i-- {
		g := adj[i-lo]
		n := tp.Node(i)
		if g == nil || n.IsLeaf() {
			continue
		}
		ins := n.Inputs()
		var need [2]bool
		for j, in := range ins {
			need[j] = in != nil && in.Index() >= lo && depends[in.Index()-lo]
		}
		gs := n.VJP(g, need)
		for j, gj := range gs {
			if !need[j] || gj == nil {
				continue
			}
			k := ins[j].Index() - lo
			if adj[k] == nil {
				adj[k] = gj
			} else {
				adj[k] = graph.Add(adj[k], gj)
			}
		}
	}
	out := make([]*graph.Node, len(xs))
	for i, x := range xs {
		var g *graph.Node
		if x.Index() <= hi { // an x recorded after y cannot affect it
			g = adj[x.Index()-lo]
		}
		if g == nil {
			g = tp.Full(0, x.Shape()...)
		}
		out[i] = g
	}
	return out
}

// scratch holds the per-call work arrays of Grad. They are pooled because a
// training loop calls Grad once per step and the arrays are as long as the
// tape: allocating them each time would make the garbage collector, and its
// write barriers, a large part of the cost of recording small ops.
type scratch struct {
	depends []bool
	adj     []*graph.Node
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (s *scratch) dependsFor(n int) []bool {
	if cap(s.depends) < n {
		s.depends = make([]bool, n)
	}
	s.depends = s.depends[:n]
	clear(s.depends)
	return s.depends
}

func (s *scratch) adjFor(n int) []*graph.Node {
	if cap(s.adj) < n {
		s.adj = make([]*graph.Node, n)
	}
	s.adj = s.adj[:n]
	return s.adj
}

// release clears the references to nodes, so a pooled scratch does not keep
// a dead tape alive, and returns s to the pool.
func (s *scratch) release() {
	clear(s.adj)
	scratchPool.Put(s)
}

// tapePool keeps tapes for the functional forms (ValueAndGrad, JVP), which
// copy their results out before they return: reusing a tape's storage
// makes a call in a loop allocate almost nothing. A function f must not
// keep the nodes it is given beyond its call.
var tapePool = sync.Pool{New: func() any { return graph.NewTape() }}

func getTape() *graph.Tape {
	tp := tapePool.Get().(*graph.Tape)
	tp.Reset()
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
	g := Grad(y, w)[0]
	out := make([]float64, len(x))
	copy(out, g.Value().Data())
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
