// Package graph records operations on tensors as user code runs them
// (define-by-run), on a Tape: a Wengert list in which every Node knows its
// value, the operation that made it and that operation's inputs.
//
// Each operation is defined once, in a file per family of ops, by three
// things kept side by side: its forward computation, its JVP rule (how the
// inputs' tangents move the output, written on tensors) and its VJP rule
// (how an output adjoint pulls back to the inputs, written with graph
// operations). Both rules belong to an Op value, the one contract shared by
// every operation, built-in or a user's (see below). Because VJP rules are
// themselves recorded operations, with tangents, the reverse sweep of
// package ad can be differentiated forward again: that is how package
// ad/hvp obtains exact Hessian-vector products without a second,
// hand-derived derivative rule per op.
//
// The operations, by file:
//
//   - arith.go: Add, Sub, Mul, Div (broadcasting); Neg, Scale, AddScalar,
//     Pow; the short forms ScalarSub (c − x) and Recip (1/x); Atan2,
//     Maximum, Minimum (broadcasting) and Clamp;
//   - unary.go: Exp, Log, Sqrt, Square, Sin, Cos, Softplus, Relu, Abs, Tanh,
//     Sigmoid, Atan, Log1p, Expm1, Erf;
//   - reduce.go: Sum, Mean, SumAxis, MeanAxis, Max, MaxAxis, SumTo,
//     BroadcastTo;
//   - shape.go: Reshape, Flatten, Slice, Concat and Stack (of any number of
//     pieces);
//   - index.go: Index, Gather, GatherElements, Pick (integer indices, with
//     scatter-add VJPs);
//   - select.go: Where (selection by a constant mask) and Detach (a
//     stop-gradient);
//   - linalg.go: MatMul, MatMulT, Transpose;
//   - softmax.go: LogSumExp, LogSoftmax, Softmax (compositions of the above);
//   - conv.go: Conv2D (NCHW, by Im2Col and one matrix product per image),
//     Im2Col, Col2Im;
//   - pool.go: MaxPool2D (the first maximum of a window takes the
//     derivative), AvgPool2D.
//
// Non-smooth ops use a documented subgradient: at a tie, Max, MaxAxis,
// Maximum and Minimum share the derivative equally among the tied operands
// (Clamp gives ½ at a bound), which is the average of the one-sided
// derivatives and what central differences measure there; Relu and Abs
// take the derivative 0 at 0. Their second derivatives are zero.
//
// A Tape records inputs with Var, VarVec, VarData, VarView (differentiable) and
// Const, Scalar, Full (constants). A Node exposes its value, its inputs and
// its derivative rules (PushTangent, and the reverse sweep through
// Adjoints), which is all that package ad needs; DetectAnomalies and
// Anomaly find the first op to produce NaN or Inf.
//
// # User-defined operations
//
// An operation the package lacks is defined exactly as a built-in one: an
// Op with a Name, a JVP rule and a VJP rule, usually a package-level
// variable, and a function that computes the forward value on tensors and
// records it with Record:
//
//	var softplusOp = &graph.Op{
//		Name: "StableSoftplus",
//		// JVP: the output's tangent from the inputs' tangents, on tensors.
//		// It must overwrite all of dst; an input's Tangent is nil when it
//		// is zero.
//		JVP: func(n *graph.Node, dst *tensor.Tensor) {
//			tensor.ApplyTo(tensor.OpSigmoid, dst, n.Input(0).Value())
//			tensor.MulTo(dst, dst, n.Input(0).Tangent())
//		},
//		// VJP: each input's adjoint contribution, written with graph ops.
//		VJP: func(n, g *graph.Node, adj *graph.Adjoints) {
//			adj.Add(0, graph.Mul(g, graph.Sigmoid(n.Input(0))))
//		},
//	}
//
//	func StableSoftplus(x *graph.Node) *graph.Node {
//		return graph.Record(softplusOp, tensor.Softplus(x.Value()), x)
//	}
//
// Gradients (ad.Grad), JVPs (ad.JVP), Hessian-vector products (ad/hvp)
// and higher derivatives then pass through the new op as through any other:
// an HVP runs the JVP rule on the forward recording and differentiates the
// VJP rule's recorded ops forward, and reverse-over-reverse differentiates
// them in reverse. This is why the VJP rule must be written with graph
// operations and not on tensors: a rule written on tensors would give
// correct gradients but silently zero second derivatives. (The JVP rule
// runs on tensors: it is never differentiated again.)
//
// The rules' contract:
//
//   - n.Input(i) are the op's inputs, in the order given to Record;
//     n.Value() is the output, which rules may use (Exp's VJP multiplies
//     by it).
//   - JVP is called only when at least one input carries a tangent; it
//     writes the output's tangent into dst, of the output's shape.
//   - VJP receives the output's adjoint g (a node of the output's shape)
//     and calls adj.Add(i, contribution) for each input i; it may skip an
//     input for which adj.Need(i) is false. A contribution of a shape that
//     broadcasts to the output's and reduces to the input's is summed to
//     the input's shape, as for a broadcast operand.
//   - An op's constant parameters (a step size, a bound) live in the
//     closures of an Op made for them, or in constant inputs
//     (Tape.Const); Record copies the value, so the caller may reuse it.
//
// An op's rules can be checked against finite differences, its gradient,
// its JVP and its HVP, with ad.Check: see the Record example.
//
// # Deferred evaluation
//
// Large element-wise work is not computed where it is recorded. An
// element-wise op (Add, Sub, Mul, Div, Scale, AddScalar, ScalarSub,
// Recip, the functions of unary.go from Exp to Erf, and the adjoint
// arithmetic of the reverse sweep) whose result has 4096 elements or
// more, and whose inputs have its shape or one element, is recorded
// pending; so is a Slice of a computed input whose elements lie evenly
// spaced in the input's storage (any step along the one axis of more
// than one element, or a range of the first axis), and so is the
// scatter of such a Slice's adjoint. A pending value, or tangent, is
// computed when it is read: by Value, Tangent or Item, by an operation
// that is not element-wise, by a Sum, or by the reverse sweep's
// accumulation. It is then computed together with the pending values it
// depends on, in pieces of at most 1024 elements that stay in the
// processor's L1 cache, and only what was read is written to memory: Σ
// t² computes t and t² piece by piece and never stores them, and the
// adjoint of an input read by its even and odd elements is written once,
// both halves together. The tangent sweeps of many HVPs at one point
// keep, from the second on, the values their rules read. At 10⁵ elements
// the extended Rosenbrock's gradient costs 2.4 times less this way, an
// HVP 2.8 times less (see the benchmarks of package ad/hvp).
//
// Nothing about the results changes: every value, gradient and tangent is
// the one that evaluating the ops one after another gives, bit for bit
// (a Sum of a pending value adds in SumAll's order), whatever the number
// of goroutines, and a recording with anomaly detection on, which checks
// each value as it is recorded, defers nothing. Two things differ: the
// time a computation takes shows where the value is first read, and a
// pending tangent is computed from the leaves' tangents as they are when
// it is read, so read the tangents of one forward sweep (PushTangent)
// before setting new leaf tangents for the next. Node.ValueInto computes
// a pending value straight into the caller's slice.
//
// # Goroutines
//
// A Tape, and the nodes on it, belong to one goroutine at a time; separate
// tapes share nothing and may be used from separate goroutines. Mixing
// nodes of two tapes in one operation panics.
//
// # Reusing tapes
//
// A recording on storage already used costs a quarter to a third of one
// on new memory. A loop that records once per step should Reset one tape;
// code that makes a tape per call (a request handler, a worker per
// goroutine) should Release it when done, so that the next NewTape, on
// any goroutine, records on its storage.
package graph
