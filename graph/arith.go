package graph

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Add, Sub, Mul, Div: broadcasting binary arithmetic ----
//
// Operands broadcast under NumPy's rules; the VJP of a broadcast operand is
// the output adjoint summed back to the operand's shape (sumTo).

// Add records a + b.
func Add(a, b *Node) *Node {
	if x, y, ok := scalarPair(a, b); ok {
		n := binaryNode(addOp, a, b, a.Shape())
		n.value.Data()[0] = x + y
		return a.tape.record(n)
	}
	n := binaryNode(addOp, a, b, tensor.BroadcastShape("graph: Add", a.Shape(), b.Shape()))
	tensor.AddTo(&n.value, &a.value, &b.value)
	return a.tape.record(n)
}

var addOp = new(Op)

func init() {
	*addOp = Op{
		Name: "Add",
		JVP: func(n *Node, dst *tensor.Tensor) {
			da, db := n.in[0].tan(), n.in[1].tan()
			switch {
			case da != nil && db != nil:
				tensor.AddTo(dst, da, db)
			case da != nil:
				tensor.BroadcastToTo(dst, da, n.Shape())
			default:
				tensor.BroadcastToTo(dst, db, n.Shape())
			}
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			if adj.Need(0) {
				adj.Add(0, sumTo(g, n.in[0].Shape()))
			}
			if adj.Need(1) {
				adj.Add(1, sumTo(g, n.in[1].Shape()))
			}
		},
	}
}

// Sub records a − b.
func Sub(a, b *Node) *Node {
	if x, y, ok := scalarPair(a, b); ok {
		n := binaryNode(subOp, a, b, a.Shape())
		n.value.Data()[0] = x - y
		return a.tape.record(n)
	}
	n := binaryNode(subOp, a, b, tensor.BroadcastShape("graph: Sub", a.Shape(), b.Shape()))
	tensor.SubTo(&n.value, &a.value, &b.value)
	return a.tape.record(n)
}

var subOp = new(Op)

func init() {
	*subOp = Op{
		Name: "Sub",
		JVP: func(n *Node, dst *tensor.Tensor) {
			da, db := n.in[0].tan(), n.in[1].tan()
			switch {
			case da != nil && db != nil:
				tensor.SubTo(dst, da, db)
			case da != nil:
				tensor.BroadcastToTo(dst, da, n.Shape())
			default:
				tensor.BroadcastToTo(dst, db, n.Shape())
				tensor.ScaleTo(dst, dst, -1)
			}
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			if adj.Need(0) {
				adj.Add(0, sumTo(g, n.in[0].Shape()))
			}
			if adj.Need(1) {
				adj.Add(1, Neg(sumTo(g, n.in[1].Shape())))
			}
		},
	}
}

// Mul records the elementwise product a ⊙ b.
func Mul(a, b *Node) *Node {
	if x, y, ok := scalarPair(a, b); ok {
		n := binaryNode(mulOp, a, b, a.Shape())
		n.value.Data()[0] = x * y
		return a.tape.record(n)
	}
	n := binaryNode(mulOp, a, b, tensor.BroadcastShape("graph: Mul", a.Shape(), b.Shape()))
	tensor.MulTo(&n.value, &a.value, &b.value)
	return a.tape.record(n)
}

var mulOp = new(Op)

func init() {
	*mulOp = Op{
		Name: "Mul",
		JVP: func(n *Node, dst *tensor.Tensor) { // ȧ⊙b + a⊙ḃ
			a, b := n.in[0], n.in[1]
			if da := a.tan(); da != nil {
				tensor.MulTo(dst, da, &b.value)
			} else {
				dst.Fill(0)
			}
			if db := b.tan(); db != nil {
				tensor.MulAccTo(dst, &a.value, db)
			}
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			if adj.Need(0) {
				adj.Add(0, sumTo(Mul(g, n.in[1]), n.in[0].Shape()))
			}
			if adj.Need(1) {
				adj.Add(1, sumTo(Mul(g, n.in[0]), n.in[1].Shape()))
			}
		},
	}
}

// Div records the elementwise quotient a / b.
func Div(a, b *Node) *Node {
	if x, y, ok := scalarPair(a, b); ok {
		n := binaryNode(divOp, a, b, a.Shape())
		n.value.Data()[0] = x / y
		return a.tape.record(n)
	}
	n := binaryNode(divOp, a, b, tensor.BroadcastShape("graph: Div", a.Shape(), b.Shape()))
	tensor.DivTo(&n.value, &a.value, &b.value)
	return a.tape.record(n)
}

var divOp = new(Op)

func init() {
	*divOp = Op{
		Name: "Div",
		JVP: func(n *Node, dst *tensor.Tensor) { // (ȧ − y⊙ḃ)/b
			a, b := n.in[0], n.in[1]
			dst.Fill(0)
			if db := b.tan(); db != nil {
				tensor.MulAccTo(dst, &n.value, db)
				tensor.ScaleTo(dst, dst, -1)
			}
			if da := a.tan(); da != nil {
				tensor.AddTo(dst, dst, da)
			}
			tensor.DivTo(dst, dst, &b.value)
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			q := Div(g, n.in[1]) // ∂/∂a = g/b; ∂/∂b = −g·a/b² = −(g/b)·y
			if adj.Need(0) {
				adj.Add(0, sumTo(q, n.in[0].Shape()))
			}
			if adj.Need(1) {
				adj.Add(1, sumTo(Neg(Mul(q, n)), n.in[1].Shape()))
			}
		},
	}
}

// scalarPair returns the values of two one-element nodes of one shape, so
// that scalar code (a loss over a few weights) skips the broadcasting
// machinery.
func scalarPair(a, b *Node) (x, y float64, ok bool) {
	ad, bd := a.value.Data(), b.value.Data()
	if len(ad) != 1 || len(bd) != 1 || !tensor.SameShape(a.Shape(), b.Shape()) {
		return 0, 0, false
	}
	return ad[0], bd[0], true
}

// ---- Scalar arithmetic: Neg, Scale, AddScalar, Pow ----

// Neg records −x.
func Neg(x *Node) *Node { return Scale(x, -1) }

// Scale records c·x for a constant c.
func Scale(x *Node, c float64) *Node {
	n := unaryNode(scaleOp, x, x.Shape())
	n.p.f = c
	tensor.ScaleTo(&n.value, &x.value, c)
	return x.tape.record(n)
}

var scaleOp = new(Op)

func init() {
	*scaleOp = Op{
		Name: "Scale",
		JVP:  func(n *Node, dst *tensor.Tensor) { tensor.ScaleTo(dst, n.in[0].tan(), n.p.f) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, Scale(g, n.p.f))
		},
	}
}

// AddScalar records x + c for a constant c.
func AddScalar(x *Node, c float64) *Node {
	n := unaryNode(addScalarOp, x, x.Shape())
	n.p.f = c
	tensor.AddScalarTo(&n.value, &x.value, c)
	return x.tape.record(n)
}

var addScalarOp = new(Op)

func init() {
	*addScalarOp = Op{
		Name: "AddScalar",
		JVP:  func(n *Node, dst *tensor.Tensor) { dst.CopyFrom(n.in[0].tan()) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, g)
		},
	}
}

// Pow records x raised elementwise to the constant power p.
func Pow(x *Node, p float64) *Node {
	n := unaryNode(powOp, x, x.Shape())
	n.p.f = p
	tensor.PowTo(&n.value, &x.value, p)
	return x.tape.record(n)
}

var powOp = new(Op)

func init() {
	*powOp = Op{
		Name: "Pow",
		JVP: func(n *Node, dst *tensor.Tensor) { // p·x^(p−1)·ẋ
			x, p := n.in[0], n.p.f
			if p == 0 { // x⁰ = 1 is constant, even at x = 0 where 0·0⁻¹ would be NaN
				dst.Fill(0)
				return
			}
			tensor.PowTo(dst, &x.value, p-1)
			tensor.ScaleTo(dst, dst, p)
			tensor.MulTo(dst, dst, x.tan())
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			p := n.p.f
			if p == 0 { // a constant: no contribution
				return
			}
			adj.Add(0, Mul(g, Scale(Pow(n.in[0], p-1), p)))
		},
	}
}

// ---- Masked scaling ----

// maskMul records x⊙mask for a constant mask of x's shape, with the
// product taken as exactly 0 wherever the mask is 0, even where x is ±Inf
// or NaN. Relu's VJP and Max use it: an element that does not take part
// must not turn the result into NaN through Inf·0.
func maskMul(x, mask *Node) *Node {
	if !tensor.SameShape(x.Shape(), mask.Shape()) {
		panic(fmt.Sprintf("graph: maskMul: shapes %v and %v differ", x.Shape(), mask.Shape()))
	}
	n := binaryNode(maskMulOp, x, mask, x.Shape())
	maskMulTo(&n.value, &x.value, &mask.value)
	return x.tape.record(n)
}

func maskMulTo(dst, x, mask *tensor.Tensor) { tensor.MaskMulTo(dst, x, mask) }

var maskMulOp = new(Op)

func init() {
	*maskMulOp = Op{
		Name: "MaskMul",
		// The mask is a constant: only x carries a tangent or an adjoint.
		JVP: func(n *Node, dst *tensor.Tensor) {
			if dx := n.in[0].tan(); dx != nil {
				maskMulTo(dst, dx, &n.in[1].value)
			} else {
				dst.Fill(0)
			}
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			if adj.Need(0) {
				adj.Add(0, maskMul(g, n.in[1]))
			}
		},
	}
}
