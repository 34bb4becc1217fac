package graph

import (
	"fmt"
	"math"

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
	return a.tape.elementwise(n)
}

var addOp = new(Op)

func init() {
	*addOp = Op{
		Name:      "Add",
		linearJVP: true,
		eval:      func(n *Node) { tensor.AddTo(&n.value, n.in[0].val(), n.in[1].val()) },
		JVP: func(n *Node, dst *tensor.Tensor) {
			da, db := n.in[0].tan(), n.in[1].tan()
			if da != nil && db != nil && n.value.Size() == 1 && n.in[0].value.Size() == 1 &&
				n.in[1].value.Size() == 1 && tensor.SameShape(da.Shape(), db.Shape()) {
				dst.Data()[0] = da.Data()[0] + db.Data()[0] // scalar code: no broadcasting machinery
				return
			}
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
				adj.Add(0, g)
			}
			if adj.Need(1) {
				adj.Add(1, g)
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
	return a.tape.elementwise(n)
}

var subOp = new(Op)

func init() {
	*subOp = Op{
		Name:      "Sub",
		linearJVP: true,
		eval:      func(n *Node) { tensor.SubTo(&n.value, n.in[0].val(), n.in[1].val()) },
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
				adj.Add(0, g)
			}
			if adj.Need(1) {
				adj.addScaled(1, g, -1) // −g, summed to b's shape
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
	return a.tape.elementwise(n)
}

var mulOp = new(Op)

func init() {
	*mulOp = Op{
		Name:       "Mul",
		productJVP: true,
		eval:       func(n *Node) { tensor.MulTo(&n.value, n.in[0].val(), n.in[1].val()) },
		JVP: func(n *Node, dst *tensor.Tensor) { // ȧ⊙b + a⊙ḃ
			a, b := n.in[0], n.in[1]
			if n.value.Size() == 1 && a.value.Size() == 1 && b.value.Size() == 1 && tensor.SameShape(a.Shape(), b.Shape()) {
				// Scalar code, without the broadcasting machinery: the same
				// operations as the general path (products rounded before
				// the sum, a missing tangent's term absent).
				da, db := a.tan(), b.tan()
				v := 0.0
				if da != nil {
					v = da.Data()[0] * b.val().Data()[0]
				}
				if db != nil {
					v += float64(a.val().Data()[0] * db.Data()[0])
				}
				dst.Data()[0] = v
				return
			}
			da, db := a.tan(), b.tan()
			switch {
			case da != nil && db != nil && tensor.SameShape(a.Shape(), b.Shape()):
				tensor.MulScaledPairTo(dst, 1, da, b.val(), a.val(), db) // one pass
			case da != nil:
				tensor.MulTo(dst, da, b.val())
				if db != nil {
					tensor.MulAccTo(dst, a.val(), db)
				}
			default:
				tensor.MulTo(dst, a.val(), db)
			}
		},
		// The adjoint c·g (g a broadcast single element when bcast) is
		// folded into mulScaled where the other factor has the output's
		// shape or one element, so that neither the scaling nor the
		// broadcast is a pass of its own.
		readsDeferred: true,
		VJP: func(n, g *Node, adj *Adjoints) {
			if c, bcast := adj.deferred(); c != 1 || bcast {
				mulDeferredVJP(n, g, c, bcast, adj)
				return
			}
			if adj.Need(0) {
				adj.Add(0, Mul(g, n.in[1]))
			}
			if adj.Need(1) {
				adj.Add(1, Mul(g, n.in[0]))
			}
		},
	}
}

// mulDeferredVJP is Mul's VJP for the deferred adjoint c·g (g a broadcast
// single element when bcast).
func mulDeferredVJP(n, g *Node, c float64, bcast bool, adj *Adjoints) {
	for i, other := range [2]*Node{n.in[1], n.in[0]} {
		if !adj.Need(i) {
			continue
		}
		switch {
		case c == 1 && !bcast:
			adj.Add(i, Mul(g, other))
		case tensor.SameShape(other.Shape(), n.Shape()) || (!bcast && other.value.Size() == 1):
			adj.Add(i, mulScaled(g, other, c)) // summed to the input's shape when it is broadcast
		default:
			g, c, bcast = adj.settled(), 1, false
			adj.Add(i, Mul(g, other))
		}
	}
}

// mulScaled records s·a⊙b for a constant s, one pass: the VJP of Mul for
// a scaled adjoint, and of Square (s = 2). a and b have one shape, or one
// of them has a single element and is broadcast (the result has the
// other's shape): then the result is (s·e)·v for the single element e and
// the other operand v, one scaling. It is symmetric in a and b, and its
// own VJP is mulScaled again.
func mulScaled(a, b *Node, s float64) *Node {
	shape := b.Shape()
	if !tensor.SameShape(a.Shape(), shape) {
		if a.value.Size() != 1 && b.value.Size() != 1 {
			panic(fmt.Sprintf("graph: mulScaled: shapes %v and %v", a.Shape(), shape))
		}
		shape = tensor.BroadcastShape("graph: mulScaled", a.Shape(), shape)
	}
	n := binaryNode(mulScaledOp, a, b, shape)
	n.p.f = s
	if ad, bd := a.value.Data(), b.value.Data(); len(ad) == 1 && len(bd) == 1 {
		// Scalar code: the kernel's operations, (a·s)·b, without its dispatch.
		n.value.Data()[0] = float64(ad[0]*s) * bd[0]
		return b.tape.record(n)
	}
	return b.tape.elementwise(n)
}

// oneBroadcast reports whether a and b (inputs of n) differ in shape, one
// of them a single element broadcast to n's shape, and returns that one
// (s) and the other (v), of n's shape.
func oneBroadcast(a, b, n *Node) (s, v *Node, ok bool) {
	switch {
	case tensor.SameShape(a.Shape(), b.Shape()):
		return nil, nil, false
	case tensor.SameShape(b.Shape(), n.Shape()):
		return a, b, true
	}
	return b, a, true
}

var mulScaledOp = new(Op)

func init() {
	*mulScaledOp = Op{
		Name:       "MulScaled",
		productJVP: true,
		eval: func(n *Node) {
			a, b, s := n.in[0], n.in[1], n.p.f
			if e, v, ok := oneBroadcast(a, b, n); ok {
				tensor.ScaleTo(&n.value, v.val(), s*e.val().Data()[0])
			} else {
				tensor.MulScaledTo(&n.value, s, a.val(), b.val())
			}
		},
		JVP: func(n *Node, dst *tensor.Tensor) { // s(ȧ⊙b + a⊙ḃ)
			a, b, s := n.in[0], n.in[1], n.p.f
			if e, v, ok := oneBroadcast(a, b, n); ok { // s(ė·v + e·v̇)
				de, dv := e.tan(), v.tan()
				if de != nil {
					tensor.ScaleTo(dst, v.val(), s*de.Data()[0])
				}
				switch {
				case dv == nil:
				case de == nil:
					tensor.ScaleTo(dst, dv, s*e.val().Data()[0])
				default:
					tensor.AxpyTo(dst, s*e.val().Data()[0], dv, dst)
				}
				return
			}
			da, db := a.tan(), b.tan()
			switch {
			case da == nil:
				tensor.MulScaledTo(dst, s, a.val(), db)
			case db == nil:
				tensor.MulScaledTo(dst, s, da, b.val())
			default:
				tensor.MulScaledPairTo(dst, s, da, b.val(), a.val(), db)
			}
		},
		VJP: func(n, h *Node, adj *Adjoints) {
			a, b := n.in[0], n.in[1]
			if adj.Need(0) {
				adj.Add(0, mulScaled(h, b, n.p.f)) // summed to a's shape when a is broadcast
			}
			if adj.Need(1) {
				adj.Add(1, mulScaled(h, a, n.p.f))
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
	return a.tape.elementwise(n)
}

var divOp = new(Op)

func init() {
	*divOp = Op{
		Name:           "Div",
		jvpReadsOutput: true,
		eval:           func(n *Node) { tensor.DivTo(&n.value, n.in[0].val(), n.in[1].val()) },
		JVP: func(n *Node, dst *tensor.Tensor) { // (ȧ − y⊙ḃ)/b
			a, b := n.in[0], n.in[1]
			dst.Fill(0)
			if db := b.tan(); db != nil {
				tensor.MulAccTo(dst, n.val(), db)
				tensor.ScaleTo(dst, dst, -1)
			}
			if da := a.tan(); da != nil {
				tensor.AddTo(dst, dst, da)
			}
			tensor.DivTo(dst, dst, b.val())
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			q := Div(g, n.in[1]) // ∂/∂a = g/b; ∂/∂b = −g·a/b² = −(g/b)·y
			if adj.Need(0) {
				adj.Add(0, q)
			}
			if adj.Need(1) {
				adj.addScaled(1, Mul(q, n), -1) // summed to b's shape
			}
		},
	}
}

// scalarPair returns the values of two one-element nodes of one shape, so
// that scalar code (a loss over a few weights) skips the broadcasting
// machinery.
func scalarPair(a, b *Node) (x, y float64, ok bool) {
	ad, bd := a.value.Data(), b.value.Data() // one element is never deferred
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
	if xd := x.value.Data(); len(xd) == 1 { // scalar code, without the kernel's dispatch
		n.value.Data()[0] = c * xd[0]
		return x.tape.record(n)
	}
	return x.tape.elementwise(n)
}

var scaleOp = new(Op)

func init() {
	*scaleOp = Op{
		Name:      "Scale",
		linearJVP: true,
		eval:      func(n *Node) { tensor.ScaleTo(&n.value, n.in[0].val(), n.p.f) },
		JVP:       func(n *Node, dst *tensor.Tensor) { tensor.ScaleTo(dst, n.in[0].tan(), n.p.f) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.addScaled(0, g, n.p.f)
		},
	}
}

// AddScalar records x + c for a constant c.
func AddScalar(x *Node, c float64) *Node {
	n := unaryNode(addScalarOp, x, x.Shape())
	n.p.f = c
	return x.tape.elementwise(n)
}

var addScalarOp = new(Op)

func init() {
	*addScalarOp = Op{
		Name:      "AddScalar",
		linearJVP: true,
		eval:      func(n *Node) { tensor.AddScalarTo(&n.value, n.in[0].val(), n.p.f) },
		JVP:       func(n *Node, dst *tensor.Tensor) { dst.CopyFrom(n.in[0].tan()) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, g)
		},
	}
}

// Pow records x raised elementwise to the constant power p.
func Pow(x *Node, p float64) *Node {
	n := unaryNode(powOp, x, x.Shape())
	n.p.f = p
	tensor.PowTo(n.val(), x.val(), p)
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
			tensor.PowTo(dst, x.val(), p-1)
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
	return x.tape.elementwise(n)
}

func maskMulTo(dst, x, mask *tensor.Tensor) { tensor.MaskMulTo(dst, x, mask) }

var maskMulOp = new(Op)

func init() {
	*maskMulOp = Op{
		Name: "MaskMul",
		eval: func(n *Node) { maskMulTo(&n.value, n.in[0].val(), n.in[1].val()) },
		// The mask is a constant: only x carries a tangent or an adjoint.
		JVP: func(n *Node, dst *tensor.Tensor) {
			if dx := n.in[0].tan(); dx != nil {
				maskMulTo(dst, dx, n.in[1].val())
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

// ---- Short forms: ScalarSub, Recip ----

// ScalarSub records c − x for a constant c, as one op: 1 − x is
// ScalarSub(1, x) rather than AddScalar(Neg(x), 1).
func ScalarSub(c float64, x *Node) *Node {
	n := unaryNode(scalarSubOp, x, x.Shape())
	n.p.f = c
	if xd := x.value.Data(); len(xd) == 1 { // scalar code, without the kernel's dispatch
		n.value.Data()[0] = c - xd[0]
		return x.tape.record(n)
	}
	return x.tape.elementwise(n)
}

var scalarSubOp = new(Op)

func init() {
	*scalarSubOp = Op{
		Name:      "ScalarSub",
		linearJVP: true,
		eval:      func(n *Node) { tensor.ScalarSubTo(&n.value, n.p.f, n.in[0].val()) },
		JVP:       func(n *Node, dst *tensor.Tensor) { tensor.ScaleTo(dst, n.in[0].tan(), -1) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.addScaled(0, g, -1)
		},
	}
}

// Recip records 1/x elementwise, as one op (the same values as Pow(x, −1)).
// Its derivative is −1/x², written as −y² from the result y.
func Recip(x *Node) *Node { return mapNode(recipOp, x) }

var recipOp = new(Op)

func init() {
	*recipOp = Op{
		Name:           "Recip",
		eval:           applyEval(tensor.OpRecip),
		jvpReadsOutput: true,
		JVP: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(_, y float64) float64 { return -y * y })
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.addScaled(0, Mul(g, Square(n)), -1)
		},
	}
}

// ---- Two-argument functions: Atan2, Maximum, Minimum, Clamp ----

// Atan2 records the angle atan2(y, x) of the point (x, y) elementwise, in
// [−π, π] (it is math.Atan2), with y and x broadcasting. Its partial
// derivatives are x/(x²+y²) in y and −y/(x²+y²) in x; at the origin, where
// the angle is not differentiable, they are NaN.
func Atan2(y, x *Node) *Node {
	shape := tensor.BroadcastShape("graph: Atan2", y.Shape(), x.Shape())
	n := binaryNode(atan2Op, y, x, shape)
	yv, xv, out := broadcastData(y.val(), shape), broadcastData(x.val(), shape), n.val().Data()
	for i := range out {
		out[i] = math.Atan2(yv[i], xv[i])
	}
	return y.tape.record(n)
}

var atan2Op = new(Op)

func init() {
	*atan2Op = Op{
		Name: "Atan2",
		JVP: func(n *Node, dst *tensor.Tensor) { // (x·ẏ − y·ẋ)/(x²+y²)
			shape := n.Shape()
			yv, xv, out := broadcastData(n.in[0].val(), shape), broadcastData(n.in[1].val(), shape), dst.Data()
			clear(out)
			if dy := n.in[0].tan(); dy != nil {
				d := broadcastData(dy, shape)
				for i := range out {
					out[i] = xv[i] * d[i]
				}
			}
			if dx := n.in[1].tan(); dx != nil {
				d := broadcastData(dx, shape)
				for i := range out {
					out[i] -= yv[i] * d[i]
				}
			}
			for i := range out {
				out[i] /= xv[i]*xv[i] + yv[i]*yv[i]
			}
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			y, x := n.in[0], n.in[1]
			q := Div(g, Add(Square(x), Square(y))) // g/(x²+y²), of the output's shape
			if adj.Need(0) {
				adj.Add(0, Mul(q, x))
			}
			if adj.Need(1) {
				adj.addScaled(1, Mul(q, y), -1)
			}
		},
	}
}

// Maximum records the elementwise maximum of a and b, which broadcast.
// Where a and b tie, the derivative is split equally between them (½ to
// each), as Max shares it among the elements that attain the maximum: the
// average of the one-sided derivatives, which is what central differences
// measure at the tie. Elsewhere the derivative goes wholly to the larger
// operand, and the second derivative is zero everywhere. A NaN operand
// gives a NaN value (math.Max) and a split derivative. Maximum records the
// weights (1, ½ or 0 per element of the result) as a constant input.
func Maximum(a, b *Node) *Node { return extremum(maximumOp, a, b, math.Max, 1) }

// Minimum records the elementwise minimum of a and b, which broadcast; its
// derivative follows the rules of Maximum (½ to each operand at a tie).
func Minimum(a, b *Node) *Node { return extremum(minimumOp, a, b, math.Min, -1) }

var (
	maximumOp = &Op{Name: "Maximum", JVP: selectJVP, VJP: selectVJP}
	minimumOp = &Op{Name: "Minimum", JVP: selectJVP, VJP: selectVJP}
)

// extremum records pick(a, b) elementwise with the weight of a being 1
// where sign·(a − b) > 0, 0 where it is < 0, and ½ at ties (and NaN).
func extremum(op *Op, a, b *Node, pick func(x, y float64) float64, sign float64) *Node {
	shape := tensor.BroadcastShape("graph: "+op.Name, a.Shape(), b.Shape())
	w := tensor.Zeros(shape...)
	wd := w.Data()
	return recordSelect(op, a, b, w, shape, func(out, av, bv []float64) {
		for i := range out {
			out[i] = pick(av[i], bv[i])
			switch d := sign * (av[i] - bv[i]); {
			case d > 0:
				wd[i] = 1
			case d < 0:
				wd[i] = 0
			default:
				wd[i] = 0.5
			}
		}
	})
}

// Clamp records x limited elementwise to [lo, hi]: lo where x < lo, hi
// where x > hi, x elsewhere. Either bound may be infinite. The derivative
// is 1 strictly inside the bounds, 0 outside, and ½ at a bound (the rule
// of Maximum at a tie, and the average of the one-sided derivatives); if
// lo = hi the result is constant and its derivative 0. The second
// derivative is zero. Clamp panics if lo > hi or either is NaN. It records
// the derivative's weights as a constant input.
func Clamp(x *Node, lo, hi float64) *Node {
	if !(lo <= hi) {
		panic(fmt.Sprintf("graph: Clamp: bounds [%v, %v]", lo, hi))
	}
	w := tensor.ZerosLike(x.val())
	wd := w.Data()
	wn := x.tape.constOwned(w)
	n := binaryNode(clampOp, x, wn, x.Shape())
	out := n.val().Data()
	for i, v := range x.val().Data() {
		out[i] = min(max(v, lo), hi)
		switch {
		case lo == hi:
		case v > lo && v < hi:
			wd[i] = 1
		case v == lo || v == hi:
			wd[i] = 0.5
		}
	}
	return x.tape.record(n)
}

var clampOp = new(Op)

func init() {
	*clampOp = Op{
		Name: "Clamp",
		// The weights (input 1) are a constant: only x has derivatives.
		JVP: func(n *Node, dst *tensor.Tensor) { maskMulTo(dst, n.in[0].tan(), n.in[1].val()) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, maskMul(g, n.in[1]))
		},
	}
}
