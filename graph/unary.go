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

func mapNode(op *Op, x *Node) *Node {
	return x.tape.elementwise(unaryNode(op, x, x.Shape()))
}

// applyEval returns the eval rule of an op that applies t elementwise.
func applyEval(t tensor.UnaryOp) func(n *Node) {
	return func(n *Node) { tensor.ApplyTo(t, &n.value, n.in[0].val()) }
}

// jvpScale sets dst = d(x, y)⊙ẋ elementwise, for a derivative d given the
// input x and output y of n.
func jvpScale(n *Node, dst *tensor.Tensor, d func(x, y float64) float64) {
	x, y, xd, out := n.in[0].val().Data(), n.val().Data(), n.in[0].tan().Data(), dst.Data()
	for i := range out {
		out[i] = d(x[i], y[i]) * xd[i]
	}
}

// Exp records eˣ elementwise.
func Exp(x *Node) *Node { return mapNode(expOp, x) }

var expOp = new(Op)

func init() {
	*expOp = Op{
		Name:           "Exp",
		eval:           applyEval(tensor.OpExp),
		heavy:          true,
		jvpReadsOutput: true,
		JVP:            func(n *Node, dst *tensor.Tensor) { tensor.MulTo(dst, n.val(), n.in[0].tan()) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, Mul(g, n))
		},
	}
}

// Log records the natural logarithm elementwise.
func Log(x *Node) *Node { return mapNode(logOp, x) }

var logOp = new(Op)

func init() {
	*logOp = Op{
		Name:           "Log",
		eval:           applyEval(tensor.OpLog),
		heavy:          true,
		jvpReadsOutput: true,
		JVP:            func(n *Node, dst *tensor.Tensor) { tensor.DivTo(dst, n.in[0].tan(), n.in[0].val()) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, Div(g, n.in[0]))
		},
	}
}

// Sqrt records √x elementwise.
func Sqrt(x *Node) *Node { return mapNode(sqrtOp, x) }

var sqrtOp = new(Op)

func init() {
	*sqrtOp = Op{
		Name:           "Sqrt",
		eval:           applyEval(tensor.OpSqrt),
		jvpReadsOutput: true,
		JVP: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(_, y float64) float64 { return 0.5 / y })
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, Div(g, Scale(n, 2)))
		},
	}
}

// Square records x² elementwise.
func Square(x *Node) *Node {
	n := unaryNode(squareOp, x, x.Shape())
	if xd := x.value.Data(); len(xd) == 1 { // scalar code, without the kernel's dispatch
		n.value.Data()[0] = xd[0] * xd[0]
		return x.tape.record(n)
	}
	return x.tape.elementwise(n)
}

var squareOp = new(Op)

func init() {
	*squareOp = Op{
		Name: "Square",
		eval: func(n *Node) { tensor.ApplyTo(tensor.OpSquare, &n.value, n.in[0].val()) },
		JVP: func(n *Node, dst *tensor.Tensor) { // (2ẋ)⊙x in one pass
			tensor.MulScaledTo(dst, 2, n.in[0].tan(), n.in[0].val())
		},
		// 2c·g⊙x for the adjoint c·g in one pass. The adjoint of a Sum is
		// its scalar adjoint broadcast, and that of a subtrahend a
		// negation: mulScaled takes the scalar and the coefficient itself,
		// so that neither the broadcast nor the scaling is a pass of its
		// own.
		readsDeferred: true,
		VJP: func(n, g *Node, adj *Adjoints) {
			c, bcast := adj.deferred()
			if !bcast {
				g = broadcastSource(g)
			}
			adj.Add(0, mulScaled(g, n.in[0], 2*c)) // 2c is exact: (g·2c)·x rounds as ((c·g)·2)·x
		},
	}
}

// Sin records sin(x) elementwise.
func Sin(x *Node) *Node { return mapNode(sinOp, x) }

var sinOp = new(Op)

func init() {
	*sinOp = Op{
		Name:           "Sin",
		eval:           applyEval(tensor.OpSin),
		heavy:          true,
		jvpReadsOutput: true,
		JVP: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(x, _ float64) float64 { return math.Cos(x) })
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, Mul(g, Cos(n.in[0])))
		},
	}
}

// Cos records cos(x) elementwise.
func Cos(x *Node) *Node { return mapNode(cosOp, x) }

var cosOp = new(Op)

func init() {
	*cosOp = Op{
		Name:           "Cos",
		eval:           applyEval(tensor.OpCos),
		heavy:          true,
		jvpReadsOutput: true,
		JVP: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(x, _ float64) float64 { return -math.Sin(x) })
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.addScaled(0, Mul(g, Sin(n.in[0])), -1)
		},
	}
}

// Softplus records log(1+eˣ) elementwise (computed without overflow).
func Softplus(x *Node) *Node { return mapNode(softplusOp, x) }

var softplusOp = new(Op)

func init() {
	*softplusOp = Op{
		Name:           "Softplus",
		eval:           applyEval(tensor.OpSoftplus),
		heavy:          true,
		jvpReadsOutput: true,
		JVP: func(n *Node, dst *tensor.Tensor) {
			tensor.ApplyTo(tensor.OpSigmoid, dst, n.in[0].val())
			tensor.MulTo(dst, dst, n.in[0].tan())
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, Mul(g, Sigmoid(n.in[0])))
		},
	}
}

// Relu records max(x, 0) elementwise. Its derivative is taken as 0 at 0,
// and its second derivative is 0 everywhere.
func Relu(x *Node) *Node { return mapNode(reluOp, x) }

var reluOp = new(Op)

func init() {
	*reluOp = Op{
		Name:           "Relu",
		eval:           applyEval(tensor.OpRelu),
		jvpReadsOutput: true,
		JVP: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(x, _ float64) float64 {
				if x > 0 {
					return 1
				}
				return 0
			})
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			mask := n.tape.constOwned(tensor.Apply(tensor.OpStep, n.in[0].val()))
			adj.Add(0, maskMul(g, mask))
		},
	}
}

// Abs records |x| elementwise. Its derivative is taken as 0 at 0.
func Abs(x *Node) *Node { return mapNode(absOp, x) }

var absOp = new(Op)

func init() {
	*absOp = Op{
		Name:           "Abs",
		eval:           applyEval(tensor.OpAbs),
		jvpReadsOutput: true,
		JVP: func(n *Node, dst *tensor.Tensor) {
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
		VJP: func(n, g *Node, adj *Adjoints) {
			sign := n.tape.constOwned(tensor.Apply(tensor.OpSign, n.in[0].val()))
			adj.Add(0, maskMul(g, sign))
		},
	}
}

// Tanh records tanh(x) elementwise.
func Tanh(x *Node) *Node { return mapNode(tanhOp, x) }

var tanhOp = new(Op)

func init() {
	*tanhOp = Op{
		Name:           "Tanh",
		eval:           applyEval(tensor.OpTanh),
		heavy:          true,
		jvpReadsOutput: true,
		JVP:            func(n *Node, dst *tensor.Tensor) { tensor.TanhGradTo(dst, n.in[0].tan(), n.val()) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, tanhGrad(g, n))
		},
	}
}

// tanhGrad records g⊙(1−y²), the VJP of tanh given its output y.
func tanhGrad(g, y *Node) *Node {
	n := binaryNode(tanhGradOp, g, y, y.Shape())
	tensor.TanhGradTo(n.val(), g.val(), y.val())
	return y.tape.record(n)
}

var tanhGradOp = new(Op)

func init() {
	*tanhGradOp = Op{
		Name: "TanhGrad",
		JVP: func(n *Node, dst *tensor.Tensor) { // ġ(1−y²) − 2gyẏ
			g, y := n.in[0], n.in[1]
			out, gv, yv := dst.Data(), g.val().Data(), y.val().Data()
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
		VJP: func(n, h *Node, adj *Adjoints) {
			g, y := n.in[0], n.in[1]
			if adj.Need(0) {
				adj.Add(0, tanhGrad(h, y))
			}
			if adj.Need(1) {
				adj.addScaled(1, Mul(Mul(h, g), y), -2)
			}
		},
	}
}

// Sigmoid records 1/(1+e⁻ˣ) elementwise.
func Sigmoid(x *Node) *Node { return mapNode(sigmoidOp, x) }

var sigmoidOp = new(Op)

func init() {
	*sigmoidOp = Op{
		Name:           "Sigmoid",
		eval:           applyEval(tensor.OpSigmoid),
		heavy:          true,
		jvpReadsOutput: true,
		JVP:            func(n *Node, dst *tensor.Tensor) { tensor.SigmoidGradTo(dst, n.in[0].tan(), n.val()) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, sigmoidGrad(g, n))
		},
	}
}

// sigmoidGrad records g⊙y⊙(1−y), the VJP of sigmoid given its output y.
func sigmoidGrad(g, y *Node) *Node {
	n := binaryNode(sigmoidGradOp, g, y, y.Shape())
	tensor.SigmoidGradTo(n.val(), g.val(), y.val())
	return y.tape.record(n)
}

var sigmoidGradOp = new(Op)

func init() {
	*sigmoidGradOp = Op{
		Name: "SigmoidGrad",
		JVP: func(n *Node, dst *tensor.Tensor) { // ġy(1−y) + g(1−2y)ẏ
			g, y := n.in[0], n.in[1]
			out, gv, yv := dst.Data(), g.val().Data(), y.val().Data()
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
		VJP: func(n, h *Node, adj *Adjoints) {
			g, y := n.in[0], n.in[1]
			if adj.Need(0) {
				adj.Add(0, sigmoidGrad(h, y))
			}
			if adj.Need(1) {
				adj.Add(1, Mul(Mul(h, g), AddScalar(Scale(y, -2), 1)))
			}
		},
	}
}

// Atan records arctan(x) elementwise, in (−π/2, π/2). Its derivative is
// 1/(1+x²).
func Atan(x *Node) *Node { return mapNode(atanOp, x) }

var atanOp = new(Op)

func init() {
	*atanOp = Op{
		Name:           "Atan",
		eval:           applyEval(tensor.OpAtan),
		heavy:          true,
		jvpReadsOutput: true,
		JVP: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(x, _ float64) float64 { return 1 / (1 + x*x) })
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, Div(g, AddScalar(Square(n.in[0]), 1)))
		},
	}
}

// Log1p records log(1+x) elementwise, accurate where x is small (it is
// math.Log1p). Its derivative is 1/(1+x).
func Log1p(x *Node) *Node { return mapNode(log1pOp, x) }

var log1pOp = new(Op)

func init() {
	*log1pOp = Op{
		Name:           "Log1p",
		eval:           applyEval(tensor.OpLog1p),
		heavy:          true,
		jvpReadsOutput: true,
		JVP: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(x, _ float64) float64 { return 1 / (1 + x) })
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, Div(g, AddScalar(n.in[0], 1)))
		},
	}
}

// Expm1 records eˣ − 1 elementwise, accurate where x is small (it is
// math.Expm1). Its derivative is eˣ.
func Expm1(x *Node) *Node { return mapNode(expm1Op, x) }

var expm1Op = new(Op)

func init() {
	*expm1Op = Op{
		Name:           "Expm1",
		eval:           applyEval(tensor.OpExpm1),
		heavy:          true,
		jvpReadsOutput: true,
		JVP: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(x, _ float64) float64 { return math.Exp(x) })
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, Mul(g, Exp(n.in[0])))
		},
	}
}

// Erf records the error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt elementwise
// (it is math.Erf). Its derivative is 2/√π·e^(−x²).
func Erf(x *Node) *Node { return mapNode(erfOp, x) }

var erfOp = new(Op)

// twoOverSqrtPi is 2/√π, the scale of erf's derivative.
const twoOverSqrtPi = 2 / math.SqrtPi

func init() {
	*erfOp = Op{
		Name:           "Erf",
		eval:           applyEval(tensor.OpErf),
		heavy:          true,
		jvpReadsOutput: true,
		JVP: func(n *Node, dst *tensor.Tensor) {
			jvpScale(n, dst, func(x, _ float64) float64 { return twoOverSqrtPi * math.Exp(-x*x) })
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			x := n.in[0]
			adj.Add(0, Mul(g, Scale(Exp(Neg(Square(x))), twoOverSqrtPi)))
		},
	}
}
