// Package graph records operations on tensors as user code runs them
// (define-by-run), on a Tape: a Wengert list in which every Node knows its
// value, the operation that made it and that operation's inputs.
//
// Each operation is defined once, in a file per family of ops, by three
// things kept side by side: its forward computation, its JVP rule (how an
// input tangent moves the output, written on tensors) and its VJP rule (how
// an output adjoint pulls back to the inputs, written with graph operations).
// Because VJP rules are themselves recorded operations, with tangents, the
// reverse sweep of package ad can be differentiated forward again: that is
// how package ad/hvp obtains exact Hessian-vector products without a second,
// hand-derived derivative rule per op.
//
// The operations, by file:
//
//   - arith.go: Add, Sub, Mul, Div (broadcasting); Neg, Scale, AddScalar, Pow;
//   - unary.go: Exp, Log, Sqrt, Square, Sin, Cos, Softplus, Relu, Abs, Tanh,
//     Sigmoid;
//   - reduce.go: Sum, Mean, SumAxis, MeanAxis, Max, MaxAxis, SumTo,
//     BroadcastTo;
//   - shape.go: Reshape, Flatten, Slice, Index, Concat;
//   - linalg.go: MatMul, MatMulT, Transpose;
//   - softmax.go: LogSumExp, LogSoftmax, Softmax (compositions of the above);
//   - conv.go: Conv2D, Im2Col, Col2Im;
//   - pool.go: MaxPool2D, AvgPool2D;
//   - gather.go: GatherRows.
//
// A Tape records inputs with Var, VarVec, VarData (differentiable) and
// Const, Scalar, Full (constants). A Node exposes its value, its inputs and
// its derivative rules (VJP, PushTangent), which is all that package ad
// needs; DetectAnomalies and Anomaly find the first op to produce NaN or Inf.
//
// A Tape, and the nodes on it, belong to one goroutine at a time; separate
// tapes share nothing and may be used from separate goroutines. Mixing nodes
// of two tapes in one operation panics.
package graph

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/tensor"
)

// maxInputs is the largest number of inputs an operation takes.
const maxInputs = 2

// Tape records operations in the order they run. The zero Tape is an
// empty tape ready for use, as is one from NewTape.
type Tape struct {
	nodes []*Node

	// Nodes and small float64 buffers come from chunks that grow
	// geometrically and are reused after Reset, so recording an op costs
	// no heap allocation per node or per value.
	nodeChunks   [][]Node
	nodeChunk    int               // index of the chunk being filled
	nodePos      int               // next free slot in it
	tensorChunks [][]tensor.Tensor // the headers of tangents
	tensorChunk  int
	tensorPos    int
	floatChunks  [][]float64
	floatChunk   int
	floatPos     int
	// Large buffers get their own allocations, kept in request order so
	// that the same recording after Reset gets the same buffers back.
	large    [][]float64
	largeIdx int

	detect  bool
	anomaly error
	// tangents is set once any leaf has been given a tangent, so that
	// recording skips the forward-mode check until then.
	tangents bool
}

// NewTape returns an empty tape.
func NewTape() *Tape {
	return &Tape{}
}

// Len returns the number of nodes recorded so far.
func (tp *Tape) Len() int { return len(tp.nodes) }

// Node returns the i-th recorded node (in recording order).
func (tp *Tape) Node(i int) *Node { return tp.nodes[i] }

// Reset forgets every node so the tape's storage can be reused for the next
// recording (a training loop's next step). Nodes recorded before Reset must
// not be used afterwards.
func (tp *Tape) Reset() {
	clear(tp.nodes)
	tp.nodes = tp.nodes[:0]
	tp.anomaly = nil
	tp.nodeChunk, tp.nodePos = 0, 0
	tp.floatChunk, tp.floatPos = 0, 0
	tp.tensorChunk, tp.tensorPos = 0, 0
	tp.largeIdx = 0
	tp.tangents = false
}

// DetectAnomalies turns anomaly detection on or off. While it is on, every
// recorded operation checks its value and tangent for NaN and ±Inf, and the
// first offender is kept for Anomaly. It costs one pass over each result.
func (tp *Tape) DetectAnomalies(on bool) { tp.detect = on }

// Anomaly returns an error naming the first recorded operation whose value
// or tangent held NaN or ±Inf while anomaly detection was on, or nil.
func (tp *Tape) Anomaly() error { return tp.anomaly }

// largeAlloc is the size from which a buffer gets its own allocation
// instead of a piece of a chunk.
const largeAlloc = 4096

func (tp *Tape) allocFloats(n int) []float64 {
	if n == 0 {
		return nil
	}
	if n >= largeAlloc {
		if tp.largeIdx < len(tp.large) && cap(tp.large[tp.largeIdx]) >= n {
			b := tp.large[tp.largeIdx][:n:n]
			tp.largeIdx++
			return b
		}
		b := make([]float64, n)
		if tp.largeIdx < len(tp.large) {
			tp.large[tp.largeIdx] = b
		} else {
			tp.large = append(tp.large, b)
		}
		tp.largeIdx++
		return b
	}
	for {
		if tp.floatChunk < len(tp.floatChunks) {
			c := tp.floatChunks[tp.floatChunk]
			if tp.floatPos+n <= len(c) {
				s := c[tp.floatPos : tp.floatPos+n : tp.floatPos+n]
				tp.floatPos += n
				return s
			}
			tp.floatChunk++
			tp.floatPos = 0
			continue
		}
		size := 256 << min(len(tp.floatChunks), 6) // 256 … 16384 floats
		tp.floatChunks = append(tp.floatChunks, make([]float64, size))
		tp.floatChunk = len(tp.floatChunks) - 1
		tp.floatPos = 0
	}
}

// newTensor returns a tensor header from the tape's chunks (tangents live
// outside Node so that the common, tangent-free node stays small).
func (tp *Tape) newTensor() *tensor.Tensor {
	for tp.tensorChunk >= len(tp.tensorChunks) || tp.tensorPos == len(tp.tensorChunks[tp.tensorChunk]) {
		if tp.tensorChunk < len(tp.tensorChunks) {
			tp.tensorChunk++
			tp.tensorPos = 0
			continue
		}
		tp.tensorChunks = append(tp.tensorChunks, make([]tensor.Tensor, 16<<min(len(tp.tensorChunks), 5)))
		tp.tensorPos = 0
	}
	t := &tp.tensorChunks[tp.tensorChunk][tp.tensorPos]
	tp.tensorPos++
	return t
}

func (tp *Tape) newNode(op *opDef, shape []int) *Node {
	for tp.nodeChunk >= len(tp.nodeChunks) || tp.nodePos == len(tp.nodeChunks[tp.nodeChunk]) {
		if tp.nodeChunk < len(tp.nodeChunks) {
			tp.nodeChunk++
			tp.nodePos = 0
			continue
		}
		size := 16 << min(len(tp.nodeChunks), 5) // 16 … 512 nodes
		tp.nodeChunks = append(tp.nodeChunks, make([]Node, size))
		tp.nodePos = 0
	}
	n := &tp.nodeChunks[tp.nodeChunk][tp.nodePos]
	tp.nodePos++
	*n = Node{tape: tp, id: len(tp.nodes), op: op}
	n.value.Wrap(tp.allocFloats(tensor.SizeOf(shape)), shape)
	tp.nodes = append(tp.nodes, n)
	return n
}

// Node is one value on a tape: a variable, a constant, or the result of a
// recorded operation. It carries its value and, in forward mode, a tangent.
type Node struct {
	tape *Tape
	id   int
	op   *opDef // nil for leaves
	in   [maxInputs]*Node
	p    params

	value   tensor.Tensor
	tangent *tensor.Tensor // nil until the node first carries a tangent
	hasTan  bool
	isVar   bool
}

// params holds the non-tensor arguments of an operation.
type params struct {
	f                float64
	axis             int
	start, end, step int
	keep, ta, tb     bool
	// ext holds the arguments of an op that do not fit the fields above:
	// the window of Im2Col and Col2Im, the indices of a gather.
	ext any
}

// opDef is an operation's definition: its name and derivative rules. The
// forward computation lives in the function that records the op.
type opDef struct {
	name string
	// jvp writes into dst the tangent of n's output, given the tangents of
	// its inputs (nil meaning zero; at least one is non-nil).
	jvp func(n *Node, dst *tensor.Tensor)
	// vjp returns, for each input i with need[i], the adjoint of that
	// input, as recorded nodes with the input's shape, given the adjoint g
	// of n's output.
	vjp func(n *Node, g *Node, need [maxInputs]bool) [maxInputs]*Node
}

// Var records a differentiable input holding a copy of t.
func (tp *Tape) Var(t *tensor.Tensor) *Node {
	n := tp.leaf(t)
	n.isVar = true
	return n
}

// VarVec records a one-dimensional differentiable input holding a copy of
// x: the parameter vector of an objective, without building a tensor first.
func (tp *Tape) VarVec(x []float64) *Node {
	return tp.VarData(x, len(x))
}

// VarData records a differentiable input of the given shape holding a copy
// of data, without building a tensor first. The shape is copied too.
func (tp *Tape) VarData(data []float64, shape ...int) *Node {
	if len(data) != tensor.SizeOf(shape) {
		panic(fmt.Sprintf("graph: VarData: %d values for shape %v", len(data), shape))
	}
	n := tp.newNode(nil, append([]int(nil), shape...))
	copy(n.value.Data(), data)
	n.isVar = true
	return n
}

// Const records a constant holding a copy of t: it is never differentiated.
func (tp *Tape) Const(t *tensor.Tensor) *Node { return tp.leaf(t) }

// Scalar records a scalar constant.
func (tp *Tape) Scalar(v float64) *Node {
	n := tp.newNode(nil, nil)
	n.value.Data()[0] = v
	return n
}

// Full records a constant of the given shape with every element v, using
// the tape's own storage (no tensor needs to be built first).
func (tp *Tape) Full(v float64, shape ...int) *Node {
	n := tp.newNode(nil, tensor.ResolveShape("graph: Full", tensor.SizeOf(shape), shape))
	n.value.Fill(v) // chunk storage is reused after Reset, so always fill
	return n
}

func (tp *Tape) leaf(t *tensor.Tensor) *Node {
	n := tp.newNode(nil, t.Shape())
	copy(n.value.Data(), t.Data())
	return n
}

// constOwned records a constant that takes ownership of t's storage.
func (tp *Tape) constOwned(t *tensor.Tensor) *Node {
	n := tp.newNode(nil, nil)
	n.value = *t
	return n
}

// Value returns the node's value. It must not be modified.
func (n *Node) Value() *tensor.Tensor { return &n.value }

// Item returns the value of a one-element node.
func (n *Node) Item() float64 { return n.value.Item() }

// Shape returns the shape of the node's value (read-only).
func (n *Node) Shape() []int { return n.value.Shape() }

// Tape returns the tape the node is recorded on.
func (n *Node) Tape() *Tape { return n.tape }

// Index returns the node's position in its tape's recording order.
func (n *Node) Index() int { return n.id }

// IsVar reports whether the node is a differentiable input made by Var.
func (n *Node) IsVar() bool { return n.isVar }

// IsLeaf reports whether the node is an input (Var or Const) rather than
// the result of an operation.
func (n *Node) IsLeaf() bool { return n.op == nil }

// Op returns the name of the operation that made the node ("var" or
// "const" for leaves).
func (n *Node) Op() string {
	switch {
	case n.op != nil:
		return n.op.name
	case n.isVar:
		return "var"
	}
	return "const"
}

// NumInputs returns how many inputs the node's operation has.
func (n *Node) NumInputs() int {
	c := 0
	for _, in := range n.in {
		if in != nil {
			c++
		}
	}
	return c
}

// Inputs returns the inputs of the node's operation; unused entries are
// nil (a leaf has none, a one-input op only the first).
func (n *Node) Inputs() [maxInputs]*Node { return n.in }

// Input returns the i-th input of the node's operation.
func (n *Node) Input(i int) *Node { return n.in[i] }

// String describes the node: its operation, index and shape.
func (n *Node) String() string {
	return fmt.Sprintf("%s#%d%v", n.Op(), n.id, n.value.Shape())
}

// Tangent returns the node's forward-mode tangent, or nil when it is zero
// (no input it depends on carries a tangent).
func (n *Node) Tangent() *tensor.Tensor {
	if !n.hasTan {
		return nil
	}
	return n.tangent
}

// SetTangent sets the tangent of a leaf to a copy of t (nil clears it).
// Operations recorded afterwards compute their tangents as they run
// (forward mode); PushTangent recomputes them for nodes recorded before.
func (n *Node) SetTangent(t *tensor.Tensor) {
	if n.op != nil {
		panic(fmt.Sprintf("graph: SetTangent: node %v is not a leaf", n))
	}
	if t == nil {
		n.hasTan = false
		return
	}
	if !tensor.SameShape(t.Shape(), n.value.Shape()) {
		panic(fmt.Sprintf("graph: SetTangent: tangent shape %v for node of shape %v", t.Shape(), n.value.Shape()))
	}
	n.ensureTangent()
	copy(n.tangent.Data(), t.Data())
	n.hasTan = true
	n.tape.tangents = true
}

// SetTangentData sets the tangent of a leaf from a flat slice (copied).
func (n *Node) SetTangentData(v []float64) {
	if n.op != nil {
		panic(fmt.Sprintf("graph: SetTangentData: node %v is not a leaf", n))
	}
	if len(v) != n.value.Size() {
		panic(fmt.Sprintf("graph: SetTangentData: %d values for node of shape %v", len(v), n.value.Shape()))
	}
	n.ensureTangent()
	copy(n.tangent.Data(), v)
	n.hasTan = true
	n.tape.tangents = true
}

// ensureTangent gives the node storage for a tangent, from the tape, the
// first time it needs one.
func (n *Node) ensureTangent() {
	if n.tangent == nil {
		n.tangent = n.tape.newTensor()
		n.tangent.Wrap(n.tape.allocFloats(n.value.Size()), n.value.Shape())
	}
}

// PushTangent recomputes the node's tangent from its inputs' current
// tangents (one step of a forward-mode sweep) and reports whether it is
// non-zero. Leaves keep the tangent they were given. Sweeping PushTangent
// over a recorded stretch of tape in order re-runs forward mode for a new
// input tangent without recomputing any value: see ad.PushTangents.
func (n *Node) PushTangent() bool {
	if n.op == nil {
		return n.hasTan
	}
	n.hasTan = false
	for _, in := range n.in {
		if in != nil && in.hasTan {
			n.hasTan = true
			break
		}
	}
	if n.hasTan {
		n.ensureTangent()
		n.op.jvp(n, n.tangent)
	}
	return n.hasTan
}

// VJP applies the node's reverse-mode rule: given the adjoint g of its
// output (a node of the same shape), it records and returns the adjoints of
// the inputs i for which need[i] is true. Leaves have no rule and return
// nothing.
func (n *Node) VJP(g *Node, need [maxInputs]bool) [maxInputs]*Node {
	if n.op == nil {
		return [maxInputs]*Node{}
	}
	sameTape("VJP", n, g)
	if !tensor.SameShape(g.Shape(), n.Shape()) {
		panic(fmt.Sprintf("graph: VJP: adjoint shape %v for %v", g.Shape(), n))
	}
	return n.op.vjp(n, g, need)
}

// record finishes a newly computed node: it computes the tangent eagerly
// when an input carries one, and checks for anomalies.
func (tp *Tape) record(n *Node) *Node {
	if tp.tangents && (n.in[0].tan() != nil || n.in[1].tan() != nil) {
		n.PushTangent()
	}
	if tp.detect && tp.anomaly == nil {
		if bad(n.value.Data()) {
			tp.anomaly = fmt.Errorf("graph: %v produced a non-finite value (inputs %s)", n, describeInputs(n))
		} else if n.hasTan && bad(n.tangent.Data()) {
			tp.anomaly = fmt.Errorf("graph: %v produced a non-finite tangent (inputs %s)", n, describeInputs(n))
		}
	}
	return n
}

func bad(d []float64) bool {
	for _, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return true
		}
	}
	return false
}

func describeInputs(n *Node) string {
	s := ""
	for i, in := range n.in {
		if in == nil {
			continue
		}
		if i > 0 {
			s += ", "
		}
		s += in.String()
	}
	return s
}

func sameTape(op string, a, b *Node) {
	if a.tape != b.tape {
		panic(fmt.Sprintf("graph: %s: nodes %v and %v are on different tapes", op, a, b))
	}
}

// unaryNode records a one-input op with the given output shape.
func unaryNode(op *opDef, x *Node, shape []int) *Node {
	n := x.tape.newNode(op, shape)
	n.in[0] = x
	return n
}

// binaryNode records a two-input op with the given output shape.
func binaryNode(op *opDef, a, b *Node, shape []int) *Node {
	sameTape(op.name, a, b)
	n := a.tape.newNode(op, shape)
	n.in[0], n.in[1] = a, b
	return n
}

// tan returns the node's tangent, or nil when it is zero.
func (n *Node) tan() *tensor.Tensor {
	if n == nil || !n.hasTan {
		return nil
	}
	return n.tangent
}
