package graph

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Reductions and broadcasting ----
//
// Sum and BroadcastTo are each other's adjoints, as are SumTo and
// BroadcastTo: every reduction's VJP broadcasts and every broadcast's VJP
// reduces.

// Sum records the sum of all elements of x, as a scalar.
func Sum(x *Node) *Node {
	n := unaryNode(sumOp, x, nil)
	if x.pending(false) {
		n.value.Data()[0] = x.tape.fusedSum(x, false) // without storing x
	} else {
		n.value.Data()[0] = tensor.SumAll(&x.value)
	}
	return x.tape.record(n)
}

var sumOp = new(Op)

func init() {
	*sumOp = Op{
		Name: "Sum",
		JVP: func(n *Node, dst *tensor.Tensor) {
			if x := n.in[0]; x.pending(true) {
				dst.Data()[0] = x.tape.fusedSum(x, true)
			} else {
				dst.Data()[0] = tensor.SumAll(x.tan())
			}
		},
		readsDeferred: true,
		VJP: func(n, g *Node, adj *Adjoints) {
			c, _ := adj.deferred() // a one-element adjoint is never a broadcast
			adj.addBroadcast(0, g, c)
		},
	}
}

// Mean records the mean of all elements of x, as a scalar.
func Mean(x *Node) *Node {
	return Scale(Sum(x), 1/float64(x.value.Size()))
}

// SumAxis records the sum of x along axis (negative counts from the end),
// keeping that axis with size 1 when keepDims is true.
func SumAxis(x *Node, axis int, keepDims bool) *Node {
	checkAxis("SumAxis", x, axis)
	n := unaryNode(sumAxisOp, x, tensor.ReducedShape(x.Shape(), axis, keepDims))
	p := n.params()
	p.axis, p.keep = axis, keepDims
	tensor.SumAxisTo(n.val(), x.val(), axis, keepDims)
	return x.tape.record(n)
}

var sumAxisOp = new(Op)

func init() {
	*sumAxisOp = Op{
		Name: "SumAxis",
		JVP: func(n *Node, dst *tensor.Tensor) {
			tensor.SumAxisTo(dst, n.in[0].tan(), n.p.axis, n.p.keep)
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			x := n.in[0]
			if !n.p.keep {
				g = Reshape(g, tensor.ReducedShape(x.Shape(), n.p.axis, true)...)
			}
			adj.Add(0, broadcastTo(g, x.Shape()))
		},
	}
}

// MeanAxis records the mean of x along axis (see SumAxis).
func MeanAxis(x *Node, axis int, keepDims bool) *Node {
	checkAxis("MeanAxis", x, axis)
	s := SumAxis(x, axis, keepDims)
	return Scale(s, float64(s.value.Size())/float64(x.value.Size()))
}

// Max records the largest element of x, as a scalar. Its derivative is
// shared equally among the elements that attain the maximum (a
// subgradient); its second derivative is zero. The maximum of an empty
// tensor is −Inf (the identity of max, as 0 is the sum's), as in
// tensor.MaxAll and MaxAxis.
func Max(x *Node) *Node {
	if x.value.Size() == 0 {
		return AddScalar(Sum(x), math.Inf(-1))
	}
	m := tensor.MaxAll(x.val())
	mask := tensor.EqualMask(x.val(), tensor.Scalar(m))
	tensor.ScaleTo(mask, mask, 1/tensor.SumAll(mask))
	// m + Σ (x − m)⊙mask has the derivatives of Σ x⊙mask, and its value is
	// exactly m: the shifted terms are exact zeros where mask is not.
	if math.IsInf(m, 0) || math.IsNaN(m) { // x − m would be NaN at the maximum
		return Sum(maskMul(x, x.tape.constOwned(mask)))
	}
	mc := x.tape.Scalar(m)
	return Add(mc, Sum(maskMul(Sub(x, mc), x.tape.constOwned(mask))))
}

// MaxAxis records the maximum of x along axis (see SumAxis and Max).
func MaxAxis(x *Node, axis int, keepDims bool) *Node {
	checkAxis("MaxAxis", x, axis)
	if a := axis; x.value.Size() == 0 {
		if a < 0 {
			a += len(x.Shape())
		}
		if x.Shape()[a] == 0 { // the maximum of no elements is −Inf
			return AddScalar(SumAxis(x, axis, keepDims), math.Inf(-1))
		}
	}
	m := tensor.MaxAxis(x.val(), axis, true)
	mask := tensor.EqualMask(x.val(), m)
	count := tensor.SumAxis(mask, axis, true)
	tensor.DivTo(mask, mask, count)
	for _, v := range m.Data() {
		if math.IsInf(v, 0) || math.IsNaN(v) { // x − m would be NaN there
			return SumAxis(maskMul(x, x.tape.constOwned(mask)), axis, keepDims)
		}
	}
	mc := x.tape.constOwned(m) // the exact maximum, as in Max
	out := Add(mc, SumAxis(maskMul(Sub(x, mc), x.tape.constOwned(mask)), axis, true))
	if !keepDims {
		out = Reshape(out, tensor.ReducedShape(x.Shape(), axis, false)...)
	}
	return out
}

// checkAxis panics, naming op, unless axis is a valid (possibly negative)
// axis of x.
func checkAxis(op string, x *Node, axis int) {
	if d := x.value.Dims(); axis < -d || axis >= d {
		panic(fmt.Sprintf("graph: %s: axis %d out of range for shape %v", op, axis, x.Shape()))
	}
}

// SumTo records x summed down to shape, which must broadcast to x's shape.
func SumTo(x *Node, shape ...int) *Node {
	if !tensor.CanBroadcastTo(shape, x.Shape()) {
		panic(fmt.Sprintf("graph: SumTo: shape %v does not broadcast to %v", shape, x.Shape()))
	}
	return sumTo(x, append([]int(nil), shape...))
}

// sumTo is SumTo that returns x itself when no reduction is needed and
// takes ownership of shape.
func sumTo(x *Node, shape []int) *Node {
	if tensor.SameShape(x.Shape(), shape) {
		return x
	}
	n := unaryNode(sumToOp, x, shape)
	tensor.SumToTo(n.val(), x.val(), shape)
	return x.tape.record(n)
}

var sumToOp = new(Op)

func init() {
	*sumToOp = Op{
		Name: "SumTo",
		JVP:  func(n *Node, dst *tensor.Tensor) { tensor.SumToTo(dst, n.in[0].tan(), n.Shape()) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, broadcastTo(g, n.in[0].Shape()))
		},
	}
}

// BroadcastTo records x repeated to shape under broadcasting rules.
func BroadcastTo(x *Node, shape ...int) *Node {
	return broadcastTo(x, append([]int(nil), shape...))
}

// broadcastTo is BroadcastTo taking ownership of shape.
func broadcastTo(x *Node, shape []int) *Node {
	if tensor.SameShape(x.Shape(), shape) {
		return x
	}
	if !tensor.CanBroadcastTo(x.Shape(), shape) {
		panic(fmt.Sprintf("graph: BroadcastTo: shape %v does not broadcast to %v", x.Shape(), shape))
	}
	n := unaryNode(broadcastOp, x, shape)
	tensor.BroadcastToTo(n.val(), x.val(), shape)
	return x.tape.record(n)
}

// broadcastSource returns the single element that g repeats when g is a
// BroadcastTo of a one-element node (the adjoint of a Sum, as Sum's VJP
// records it), and g itself otherwise: for a rule whose op broadcasts a
// one-element operand itself, so that it need not read the repeated copy.
func broadcastSource(g *Node) *Node {
	if g.op == broadcastOp && g.in[0].value.Size() == 1 {
		return g.in[0]
	}
	return g
}

var broadcastOp = new(Op)

func init() {
	*broadcastOp = Op{
		Name: "BroadcastTo",
		JVP:  func(n *Node, dst *tensor.Tensor) { tensor.BroadcastToTo(dst, n.in[0].tan(), n.Shape()) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, sumTo(g, n.in[0].Shape()))
		},
	}
}
