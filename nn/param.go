package nn

import (
	"fmt"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Param is one named, trainable tensor of a model.
type Param struct {
	// Name identifies the parameter in messages and parameter files, such
	// as "layer0.weight".
	Name string
	// Value is the model's own storage: optimizers and Unflatten update
	// it in place.
	Value *tensor.Tensor
}

// NumParams returns the total number of scalar parameters in params.
func NumParams(params []*Param) int {
	n := 0
	for _, p := range params {
		n += p.Value.Size()
	}
	return n
}

// Flatten returns a new vector holding the values of params, concatenated
// in order (each tensor in row-major order). It costs one copy.
func Flatten(params []*Param) []float64 {
	flat := make([]float64, NumParams(params))
	flattenInto(flat, params)
	return flat
}

// flattenInto copies the values of params into flat, in the order of
// Flatten; flat has NumParams(params) elements.
func flattenInto(flat []float64, params []*Param) {
	off := 0
	for _, p := range params {
		off += copy(flat[off:], p.Value.Data())
	}
}

// Unflatten copies flat into the values of params, in the order of Flatten.
// It panics, before writing anything, if len(flat) is not NumParams(params).
// flat is not retained.
func Unflatten(params []*Param, flat []float64) {
	if n := NumParams(params); len(flat) != n {
		panic(fmt.Sprintf("nn: Unflatten: %d values for %d parameters", len(flat), n))
	}
	off := 0
	for _, p := range params {
		off += copy(p.Value.Data(), flat[off:])
	}
}

// Vars records a copy of each parameter's value on tp as a variable and
// returns the nodes, in order: the nodes a Model's Forward expects when each
// tensor is differentiated on its own (a first-order training step).
func Vars(tp *graph.Tape, params []*Param) []*graph.Node {
	nodes := make([]*graph.Node, len(params))
	for i, p := range params {
		nodes[i] = tp.Var(p.Value)
	}
	return nodes
}

// consts records a copy of each parameter's value on tp as a constant and
// returns the nodes, in order: Forward's nodes when nothing is
// differentiated.
func consts(tp *graph.Tape, params []*Param) []*graph.Node {
	nodes := make([]*graph.Node, len(params))
	for i, p := range params {
		nodes[i] = tp.Const(p.Value)
	}
	return nodes
}

// Split returns, for each parameter, the node of its shape that views the
// matching stretch of flat (a one-dimensional node of NumParams(params)
// elements, in the order of Flatten), built with graph.Slice and
// graph.Reshape. Forward on these nodes makes a model's output, and so its
// loss, a function of the single flat vector: gradients and
// Hessian-vector products with respect to flat cover all parameters at
// once. Only the shapes of params are read.
//
// Cost: one copy of flat when recorded; in the reverse sweep each tensor's
// adjoint is placed into a vector of flat's length, so the sweep adds
// O(len(params)·NumParams(params)) work to the gradient.
func Split(flat *graph.Node, params []*Param) []*graph.Node {
	n := NumParams(params)
	if s := flat.Shape(); len(s) != 1 || s[0] != n {
		panic(fmt.Sprintf("nn: Split: flat node of shape %v for %d parameters", s, n))
	}
	nodes := make([]*graph.Node, len(params))
	off := 0
	for i, p := range params {
		size := p.Value.Size()
		if len(params) == 1 {
			nodes[i] = graph.Reshape(flat, p.Value.Shape()...)
			break
		}
		nodes[i] = graph.Reshape(graph.Slice(flat, 0, off, off+size, 1), p.Value.Shape()...)
		off += size
	}
	return nodes
}

// checkNodes panics unless nodes match params in number and shapes. op
// names the caller in the message.
func checkNodes(op string, nodes []*graph.Node, params []*Param) {
	if len(nodes) != len(params) {
		panic(fmt.Sprintf("nn: %s: %d parameter nodes for %d parameters", op, len(nodes), len(params)))
	}
	for i, p := range params {
		if !tensor.SameShape(nodes[i].Shape(), p.Value.Shape()) {
			panic(fmt.Sprintf("nn: %s: node %d (%s) has shape %v, want %v", op, i, p.Name, nodes[i].Shape(), p.Value.Shape()))
		}
	}
}
