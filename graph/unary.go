package graph

import (
	"math"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Elementwise functions of one argument ----
//
// For y = f(x) the JVP is f′(x)⊙ẋ and the VJP is g⊙f′(x), with f′ written
// through recorded ops (often in terms of y itself) so that the VJP has a
// tangent too. tanh and sigmoid use the fused ops tanhGrad and sigmoidGrad,
// which are ops in their own right with their own rules.

func mapNode(op *opDef, t tensor.UnaryOp, x *Node) *Node {
	n := unaryNode(op, x, x.Shape())
	tensor.ApplyTo(t, &n.value, &x.value)
	return x.tape.record(n)
}

// jvpScale sets dst = d(x, y)⊙ẋ elementwise, for a derivative d given the
// input x and output y of n.
func jvpScale(n *Node, dst *tensor.Tensor, d func(x, y float64) float64) {
	x, y, xd, out := n.in[0].value.Data(), n.value.Data(), n.in[0].tan().Data(), dst.Data()
	for i := range out {
		out[i] = d(x[i], y[i]) * xd[i]
	}
}

// Exp records eˣ elementwise.
func Exp(x *Node) *Node { return mapNode(expOp, tensor.OpExp, x) }

var expOp = new(opDef)

func init() {
	*expOp = opDef{
		name: "Exp",
		jvp:  func(n *Node, dst *tensor.Tensor) { tensor.MulTo(dst, &n.value, n.in[0].tan()) },
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{Mul(g, n)}
		},
	}
}

// Log records the natural logarithm elementwise.
func Log(x *Node) *Node { return mapNode(logOp, tensor.OpLog, x) }

var logOp = new(opDef)

func init() {
	*logOp = opDef{
		name: "Log",
		jvp:  func(n *Node, dst *tensor.Tensor) { tensor.DivTo(dst, n.in[0].tan(), &n.in[0].value) },
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{Div(g, n.in[0])}
		},
	}
}

// Sqrt records √x elementwise.
func Sqrt(x *Node) *Node { return mapNode(sqrtOp, tensor.OpSqrt, x) }

var sqrtOp = new(opDef)

func init() {
	*sqrtOp = opDef{
		name: "Sqrt",
		jvp: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(_, y float64) float64 { return 0.5 / y })
		},
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{Div(g, Scale(n, 2))}
		},
	}
}

// Square records x² elementwise.
func Square(x *Node) *Node { return mapNode(squareOp, tensor.OpSquare, x) }

var squareOp = new(opDef)

func init() {
	*squareOp = opDef{
		name: "Square",
		jvp: func(n *Node, dst *tensor.Tensor) {
			tensor.MulTo(dst, &n.in[0].value, n.in[0].tan())
			tensor.ScaleTo(dst, dst, 2)
		},
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{squareGrad(g, n.in[0])}
		},
	}
}

// squareGrad records 2·g⊙x, the VJP of Square, as one fused op (instead
// of a product and a scaling). It is symmetric in g and x, so its own VJP
// is squareGrad again.
func squareGrad(g, x *Node) *Node {
	n := binaryNode(squareGradOp, g, x, x.Shape())
	out, gv, xv := n.value.Data(), g.value.Data(), x.value.Data()
	for i := range out {
		out[i] = 2 * gv[i] * xv[i]
	}
	return x.tape.record(n)
}

var squareGradOp = new(opDef)

func init() {
	*squareGradOp = opDef{
		name: "SquareGrad",
		jvp: func(n *Node, dst *tensor.Tensor) { // 2(ġ⊙x + g⊙ẋ)
			g, x := n.in[0], n.in[1]
			out, gv, xv := dst.Data(), g.value.Data(), x.value.Data()
			clear(out)
			if gd := g.tan(); gd != nil {
				for i, d := range gd.Data()[:len(out)] {
					out[i] = 2 * d * xv[i]
				}
			}
			if xd := x.tan(); xd != nil {
				for i, d := range xd.Data()[:len(out)] {
					out[i] += 2 * gv[i] * d
				}
			}
		},
		vjp: func(n, h *Node, need [maxInputs]bool) (out [maxInputs]*Node) {
			g, x := n.in[0], n.in[1]
			if need[0] {
				out[0] = squareGrad(h, x)
			}
			if need[1] {
				out[1] = squareGrad(h, g)
			}
			return out
		},
	}
}

// Sin records sin(x) elementwise.
func Sin(x *Node) *Node { return mapNode(sinOp, tensor.OpSin, x) }

var sinOp = new(opDef)

func init() {
	*sinOp = opDef{
		name: "Sin",
		jvp: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(x, _ float64) float64 { return math.Cos(x) })
		},
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{Mul(g, Cos(n.in[0]))}
		},
	}
}

// Cos records cos(x) elementwise.
func Cos(x *Node) *Node { return mapNode(cosOp, tensor.OpCos, x) }

var cosOp = new(opDef)

func init() {
	*cosOp = opDef{
		name: "Cos",
		jvp: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(x, _ float64) float64 { return -math.Sin(x) })
		},
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{Neg(Mul(g, Sin(n.in[0])))}
		},
	}
}

// Softplus records log(1+eˣ) elementwise (computed without overflow).
func Softplus(x *Node) *Node { return mapNode(softplusOp, tensor.OpSoftplus, x) }

var softplusOp = new(opDef)

func init() {
	*softplusOp = opDef{
		name: "Softplus",
		jvp: func(n *Node, dst *tensor.Tensor) {
			tensor.ApplyTo(tensor.OpSigmoid, dst, &n.in[0].value)
			tensor.MulTo(dst, dst, n.in[0].tan())
		},
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{Mul(g, Sigmoid(n.in[0]))}
		},
	}
}

// Relu records max(x, 0) elementwise. Its derivative is taken as 0 at 0,
// and its second derivative is 0 everywhere.
func Relu(x *Node) *Node { return mapNode(reluOp, tensor.OpRelu, x) }

var reluOp = new(opDef)

func init() {
	*reluOp = opDef{
		name: "Relu",
		jvp: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(x, _ float64) float64 {
				if x > 0 {
					return 1
				}
				return 0
			})
		},
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			mask := n.tape.constOwned(tensor.Apply(tensor.OpStep, &n.in[0].value))
			return [maxInputs]*Node{maskMul(g, mask)}
		},
	}
}

// Abs records |x| elementwise. Its derivative is taken as 0 at 0.
func Abs(x *Node) *Node { return mapNode(absOp, tensor.OpAbs, x) }

var absOp = new(opDef)

func init() {
	*absOp = opDef{
		name: "Abs",
		jvp: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(x, _ float64) float64 {
				switch {
				case x > 0:
					return 1
				case x < 0:
					return -1
				}
				return 0
			})
		},
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			sign := n.tape.constOwned(tensor.Apply(tensor.OpSign, &n.in[0].value))
			return [maxInputs]*Node{maskMul(g, sign)}
		},
	}
}

// Tanh records tanh(x) elementwise.
func Tanh(x *Node) *Node { return mapNode(tanhOp, tensor.OpTanh, x) }

var tanhOp = new(opDef)

func init() {
	*tanhOp = opDef{
		name: "Tanh",
		jvp:  func(n *Node, dst *tensor.Tensor) { tensor.TanhGradTo(dst, n.in[0].tan(), &n.value) },
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{tanhGrad(g, n)}
		},
	}
}

// tanhGrad records g⊙(1−y²), the VJP of tanh given its output y.
func tanhGrad(g, y *Node) *Node {
	n := binaryNode(tanhGradOp, g, y, y.Shape())
	tensor.TanhGradTo(&n.value, &g.value, &y.value)
	return y.tape.record(n)
}

var tanhGradOp = new(opDef)

func init() {
	*tanhGradOp = opDef{
		name: "TanhGrad",
		jvp: func(n *Node, dst *tensor.Tensor) { // ġ(1−y²) − 2gyẏ
			g, y := n.in[0], n.in[1]
			out, gv, yv := dst.Data(), g.value.Data(), y.value.Data()
			clear(out)
			if gd := g.tan(); gd != nil {
				for i, d := range gd.Data()[:len(out)] {
					out[i] = d * (1 - yv[i]*yv[i])
				}
			}
			if yd := y.tan(); yd != nil {
				for i, d := range yd.Data()[:len(out)] {
					out[i] -= 2 * gv[i] * yv[i] * d
				}
			}
		},
		vjp: func(n, h *Node, need [maxInputs]bool) (out [maxInputs]*Node) {
			g, y := n.in[0], n.in[1]
			if need[0] {
				out[0] = tanhGrad(h, y)
			}
			if need[1] {
				out[1] = Scale(Mul(Mul(h, g), y), -2)
			}
			return out
		},
	}
}

// Sigmoid records 1/(1+e⁻ˣ) elementwise.
func Sigmoid(x *Node) *Node { return mapNode(sigmoidOp, tensor.OpSigmoid, x) }

var sigmoidOp = new(opDef)

func init() {
	*sigmoidOp = opDef{
		name: "Sigmoid",
		jvp:  func(n *Node, dst *tensor.Tensor) { tensor.SigmoidGradTo(dst, n.in[0].tan(), &n.value) },
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{sigmoidGrad(g, n)}
		},
	}
}

// sigmoidGrad records g⊙y⊙(1−y), the VJP of sigmoid given its output y.
func sigmoidGrad(g, y *Node) *Node {
	n := binaryNode(sigmoidGradOp, g, y, y.Shape())
	tensor.SigmoidGradTo(&n.value, &g.value, &y.value)
	return y.tape.record(n)
}

var sigmoidGradOp = new(opDef)

func init() {
	*sigmoidGradOp = opDef{
		name: "SigmoidGrad",
		jvp: func(n *Node, dst *tensor.Tensor) { // ġy(1−y) + g(1−2y)ẏ
			g, y := n.in[0], n.in[1]
			out, gv, yv := dst.Data(), g.value.Data(), y.value.Data()
			clear(out)
			if gd := g.tan(); gd != nil {
				for i, d := range gd.Data()[:len(out)] {
					out[i] = d * yv[i] * (1 - yv[i])
				}
			}
			if yd := y.tan(); yd != nil {
				for i, d := range yd.Data()[:len(out)] {
					out[i] += gv[i] * (1 - 2*yv[i]) * d
				}
			}
		},
		vjp: func(n, h *Node, need [maxInputs]bool) (out [maxInputs]*Node) {
			g, y := n.in[0], n.in[1]
			if need[0] {
				out[0] = sigmoidGrad(h, y)
			}
			if need[1] {
				out[1] = Mul(Mul(h, g), AddScalar(Scale(y, -2), 1))
			}
			return out
		},
	}
}
