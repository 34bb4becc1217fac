package nn

import (
	"fmt"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Model is a differentiable function of its parameters and an input.
type Model interface {
	// Params returns the model's parameters in a stable order: the same
	// tensors, with the same names and shapes, on every call.
	Params() []*Param

	// Forward records the model's output for the input x. params holds
	// one node per element of Params, in that order and of the same
	// shapes, on x's tape: made by Vars (one variable per tensor) or by
	// Split (views of one flat variable). Forward must compute with these
	// nodes, never with the Param values directly, so that derivatives
	// flow to the parameters. It panics if params do not match Params.
	Forward(params []*graph.Node, x *graph.Node) *graph.Node
}

// Predict returns the model's output for the input x, with its current
// parameters: one forward pass on a fresh tape, nothing differentiated.
func Predict(m Model, x *tensor.Tensor) *tensor.Tensor {
	tp := graph.NewTape()
	return m.Forward(consts(tp, m.Params()), tp.Const(x)).Value().Clone()
}

// LossFunc returns the loss of m on the inputs x and targets y as a
// function of the flat parameter vector (in the order of Flatten), ready
// for package ad (ValueAndGrad, Check) and package ad/hvp (HVP, Hessian,
// At). x and y are copied: later changes to them do not
// affect the function. Calling it does not read or change the model's
// parameter values, only their shapes.
//
// The flat vector is split into the parameters with graph.Slice, and each
// slice's gradient flows back as a full-length vector, so a reverse sweep
// costs O(number of parameter tensors × number of parameters) extra. For
// training, NewObjective and HVP record one variable per tensor instead and
// stay O(number of parameters).
func LossFunc(m Model, loss Loss, x, y *tensor.Tensor) ad.Func {
	x, y = x.Clone(), y.Clone()
	params := m.Params()
	return func(w *graph.Node) *graph.Node {
		out := m.Forward(Split(w, params), w.Tape().Const(x))
		l := loss(out, y)
		if l.Value().Size() != 1 {
			panic(fmt.Sprintf("nn: LossFunc: loss returned %v, not a scalar", l))
		}
		return l
	}
}

// NewObjective returns the loss of m on the whole of d as an objective
// over the flat parameter vector: its value, exact gradient and exact
// Hessian-vector products (forward-over-reverse, never an n×n matrix).
// It satisfies the objective interfaces of package optim, so L-BFGS,
// Newton-CG or saddle escape train the network through its flattened
// parameters: start them from Flatten(m.Params()) and copy the result back
// with Unflatten. Each evaluation costs one forward and one reverse pass
// over all of d; each HVP about two to three times that. Its At method
// gives the curvature tools of package hvp a point of it, as Curvature does
// at the model's own parameters.
func NewObjective(m Model, loss Loss, d *Dataset) *hvp.Objective {
	params := m.Params()
	shapes := make([][]int, len(params))
	for i, p := range params {
		shapes[i] = p.Value.Shape()
	}
	return hvp.NewObjectiveN(lossFuncN("NewObjective", m, loss, d.X, d.Y), shapes...)
}

// lossFuncN is the loss of m as a function of one variable per parameter
// tensor: unlike slicing one flat vector (LossFunc), its reverse sweep does
// not send a full-length gradient back through every slice, so it stays
// O(number of parameters). op names the caller in panic messages.
func lossFuncN(op string, m Model, loss Loss, x, y *tensor.Tensor) hvp.FuncN {
	x, y = x.Clone(), y.Clone()
	return func(ws []*graph.Node) *graph.Node {
		out := m.Forward(ws, ws[0].Tape().Const(x))
		l := loss(out, y)
		if l.Value().Size() != 1 {
			panic(fmt.Sprintf("nn: %s: loss returned %v, not a scalar", op, l))
		}
		return l
	}
}

// HVP returns ∇²L(θ)·v, the exact product of the Hessian of the loss of m
// on d with respect to all its parameters θ (at their current values, in
// the order of Flatten) with v, in O(len(θ)) memory: about two to three
// times the cost of one gradient (Pearlmutter 1994). v is not retained. It
// is Curvature(m, loss, d).HVP(v, nil): to take many products at one θ, or
// to ask for eigenvalues, the trace or the spectral density, keep the point
// that Curvature returns.
func HVP(m Model, loss Loss, d *Dataset, v []float64) []float64 {
	checkLen("HVP", "v", v, NumParams(m.Params()))
	return Curvature(m, loss, d).HVP(v, nil)
}
