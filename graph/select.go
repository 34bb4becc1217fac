package graph

import (
	"github.com/curvature-go/curvature/tensor"
)

// ---- Selection: Where, and the stop-gradient Detach ----
//
// Where, Maximum and Minimum share one pair of derivative rules: the output
// is, elementwise, a weighted choice between two operands, w⊙a + (1−w)⊙b
// in its derivatives, for a constant weight w of the output's shape (1 or
// 0 for Where; 1, ½ or 0 for Maximum and Minimum). The weight is recorded
// as the op's third input, a constant, so the rules read it back rather
// than recompute it. Every derivative is exactly 0 where an operand's
// weight is 0, even where that operand's tangent or adjoint is ±Inf or NaN:
// the branch not taken cannot poison the result.

// Where records the elementwise choice cond ? a : b: each element of the
// result is a's where cond is not 0 (NaN included) and b's where cond is 0. cond is a
// constant mask (it is read when Where is called, not retained; a
// comparison such as tensor.EqualMask, or tensor.Apply(tensor.OpStep, t)
// for t > 0, makes one), and cond, a and b broadcast together under
// NumPy's rules. The adjoint of the result flows to a where cond holds and
// to b elsewhere, summed back to each operand's shape; the mask itself has
// no derivative. With a mask that is all true the result's derivatives are
// a's alone, and b gets a zero adjoint (not a missing one). Where costs one
// pass over the result, and records the broadcast mask as a constant input.
func Where(cond *tensor.Tensor, a, b *Node) *Node {
	shape := tensor.BroadcastShape("graph: Where", tensor.BroadcastShape("graph: Where", cond.Shape(), a.Shape()), b.Shape())
	w := tensor.BroadcastTo(cond, shape)
	wd := w.Data()
	for i, c := range wd {
		if c != 0 {
			wd[i] = 1
		}
	}
	return recordSelect(whereOp, a, b, w, shape, func(out, av, bv []float64) {
		for i, c := range wd {
			if c != 0 {
				out[i] = av[i]
			} else {
				out[i] = bv[i]
			}
		}
	})
}

var whereOp = &Op{Name: "Where", JVP: selectJVP, VJP: selectVJP}

// recordSelect records op on a and b with the weight w (of the output
// shape, owned by the node from now on) as its constant third input; fill
// computes the value from the operands' values broadcast to shape.
func recordSelect(op *Op, a, b *Node, w *tensor.Tensor, shape []int, fill func(out, av, bv []float64)) *Node {
	wn := a.tape.constOwned(w)
	n := naryNode(op, []*Node{a, b, wn}, shape, false)
	fill(n.val().Data(), broadcastData(a.val(), shape), broadcastData(b.val(), shape))
	return n.tape.record(n)
}

// broadcastData returns t's elements broadcast to shape: t's own storage
// when t already has that shape, a new buffer otherwise.
func broadcastData(t *tensor.Tensor, shape []int) []float64 {
	if tensor.SameShape(t.Shape(), shape) {
		return t.Data()
	}
	return tensor.BroadcastTo(t, shape).Data()
}

// selectJVP sets dst = w⊙ȧ + (1−w)⊙ḃ, skipping the terms of weight 0.
func selectJVP(n *Node, dst *tensor.Tensor) {
	out, w := dst.Data(), n.in[2].val().Data()
	clear(out)
	if da := n.in[0].tan(); da != nil {
		d := broadcastData(da, n.Shape())
		for i, wi := range w {
			if wi != 0 {
				out[i] = wi * d[i]
			}
		}
	}
	if db := n.in[1].tan(); db != nil {
		d := broadcastData(db, n.Shape())
		for i, wi := range w {
			if wi != 1 {
				out[i] += (1 - wi) * d[i]
			}
		}
	}
}

// selectVJP gives a the adjoint w⊙g and b the adjoint (1−w)⊙g, each summed
// to its operand's shape. The weights are constants, so the second
// derivative through the selection itself is zero.
func selectVJP(n, g *Node, adj *Adjoints) {
	w := n.in[2]
	if adj.Need(0) {
		adj.Add(0, maskMul(g, w))
	}
	if adj.Need(1) {
		c := tensor.ZerosLike(w.val())
		cd := c.Data()
		for i, wi := range w.val().Data() {
			cd[i] = 1 - wi
		}
		adj.Add(1, maskMul(g, n.tape.constOwned(c)))
	}
}

// Detach records x's value as a constant of the derivatives: a
// stop-gradient. The value passes unchanged (a copy), but the result has a
// zero tangent in forward mode and passes no adjoint back in reverse mode,
// so every derivative through it treats it as a constant, as JAX's
// stop_gradient does. Use it for a target computed from the parameters
// (a fixed-point iteration's previous iterate, a moving average) that must
// not be differentiated.
//
// It stops tangents as well as adjoints because the two must describe the
// same function: Hessian-vector products are the forward-mode derivative
// of the reverse-mode gradient, and if tangents passed through while
// adjoints did not, H·v would differentiate the detached quantity in one
// sweep and not in the other, giving the derivative of no function at all.
// With both stopped, the gradient, JVPs, HVPs and higher derivatives are
// all exact for the function in which the detached value is a constant.
// That function differs from the one whose values are computed, so
// comparing a function that uses Detach with finite differences of its
// values (ad.Check) reports a disagreement unless the detached value does
// not depend on the inputs. Detach costs one copy of x.
func Detach(x *Node) *Node {
	n := unaryNode(detachOp, x, x.Shape())
	copy(n.val().Data(), x.val().Data())
	return x.tape.record(n)
}

var detachOp = new(Op)

func init() {
	*detachOp = Op{
		Name: "Detach",
		JVP:  func(n *Node, dst *tensor.Tensor) { dst.Fill(0) },
		VJP:  func(n, g *Node, adj *Adjoints) {},
	}
}
