package graph

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Matrix products and transposes ----

// MatMul records the matrix product a·b (2-D, or batched over leading
// dimensions as in tensor.MatMul).
func MatMul(a, b *Node) *Node { return MatMulT(a, b, false, false) }

// MatMulT records op(a)·op(b), where op transposes the last two dimensions
// when the matching flag is set; no transposed copy is made. The VJPs of a
// product are products with transposed operands, so the reverse sweep of a
// network never copies a matrix to transpose it.
func MatMulT(a, b *Node, transA, transB bool) *Node {
	checkInput("MatMul", a.tape, a)
	checkInput("MatMul", a.tape, b)
	shape, _, _, _, _ := tensor.MatMulShape(a.Shape(), b.Shape(), transA, transB)
	n := binaryNode(matMulOp, a, b, shape)
	p := n.params()
	p.ta, p.tb = transA, transB
	tensor.MatMulTo(n.val(), a.val(), b.val(), transA, transB)
	return a.tape.record(n)
}

var matMulOp = new(Op)

func init() {
	*matMulOp = Op{
		Name: "MatMul",
		JVP: func(n *Node, dst *tensor.Tensor) { // op(ȧ)op(b) + op(a)op(ḃ)
			a, b := n.in[0], n.in[1]
			da, db := a.tan(), b.tan()
			if da != nil {
				tensor.MatMulTo(dst, da, b.val(), n.p.ta, n.p.tb)
			} else {
				dst.Fill(0)
			}
			if db != nil {
				tensor.MatMulAddTo(dst, a.val(), db, n.p.ta, n.p.tb)
			}
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			a, b := n.in[0], n.in[1]
			// C = op(A)·op(B). With G = ∂L/∂C:
			//   A:  G·op(B)ᵀ,  or its transpose when A was transposed;
			//   B:  op(A)ᵀ·G,  or its transpose when B was transposed.
			if adj.Need(0) {
				var ga *Node
				if !n.p.ta {
					ga = MatMulT(g, b, false, !n.p.tb)
				} else {
					ga = MatMulT(b, g, n.p.tb, true)
				}
				adj.Add(0, sumTo(ga, a.Shape()))
			}
			if adj.Need(1) {
				var gb *Node
				if !n.p.tb {
					gb = MatMulT(a, g, !n.p.ta, false)
				} else {
					gb = MatMulT(g, a, true, n.p.ta)
				}
				adj.Add(1, sumTo(gb, b.Shape()))
			}
		},
	}
}

// MatMulAdd records a·b + c, with c broadcast to the product's shape (a
// bias row of shape [n] or [1, n] added to every row of an [m, k]·[k, n]
// product, for instance): a fully connected layer in one op. The product
// is accumulated into c's broadcast copy, so the sum costs no pass of its
// own and no temporary. Its derivatives are MatMul's for a and b and
// those of a broadcast Add for c.
func MatMulAdd(a, b, c *Node) *Node {
	checkInput("MatMulAdd", a.tape, a)
	checkInput("MatMulAdd", a.tape, b)
	checkInput("MatMulAdd", a.tape, c)
	shape, _, _, _, _ := tensor.MatMulShape(a.Shape(), b.Shape(), false, false)
	if !tensor.SameShape(tensor.BroadcastShape("graph: MatMulAdd", shape, c.Shape()), shape) {
		panic(fmt.Sprintf("graph: MatMulAdd: addend shape %v does not broadcast to the product shape %v", c.Shape(), shape))
	}
	in := [3]*Node{a, b, c}
	n := naryNode(matMulAddOp, in[:], shape, false)
	tensor.BroadcastToTo(n.val(), c.val(), shape)
	tensor.MatMulAddTo(n.val(), a.val(), b.val(), false, false)
	return a.tape.record(n)
}

var matMulAddOp = new(Op)

func init() {
	*matMulAddOp = Op{
		Name: "MatMulAdd",
		JVP: func(n *Node, dst *tensor.Tensor) { // ȧb + aḃ + ċ
			a, b, c := n.in[0], n.in[1], n.in[2]
			if dc := c.tan(); dc != nil {
				tensor.BroadcastToTo(dst, dc, n.Shape())
			} else {
				dst.Fill(0)
			}
			if da := a.tan(); da != nil {
				tensor.MatMulAddTo(dst, da, b.val(), false, false)
			}
			if db := b.tan(); db != nil {
				tensor.MatMulAddTo(dst, a.val(), db, false, false)
			}
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			matMulOp.VJP(n, g, adj) // a and b, as for a·b (n.p.ta = n.p.tb = false)
			if adj.Need(2) {
				adj.Add(2, sumTo(g, n.in[2].Shape()))
			}
		},
	}
}

// Transpose records x with its last two dimensions swapped.
func Transpose(x *Node) *Node {
	n := unaryNode(transposeOp, x, tensor.TransposedShape(x.Shape()))
	tensor.TransposeTo(n.val(), x.val())
	return x.tape.record(n)
}

var transposeOp = new(Op)

func init() {
	*transposeOp = Op{
		Name: "Transpose",
		JVP:  func(n *Node, dst *tensor.Tensor) { tensor.TransposeTo(dst, n.in[0].tan()) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, Transpose(g))
		},
	}
}
