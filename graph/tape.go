package graph

import (
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/curvature-go/curvature/tensor"
)

// Tape records operations in the order they run. The zero Tape is an
// empty tape ready for use, as is one from NewTape.
//
// Memory: every recorded node costs its value's storage plus about 200
// bytes of bookkeeping (the Node, and its tangent header once it carries
// one); a gradient roughly doubles the node count. Reset keeps all of it
// for the next recording; Release hands it on to a later NewTape.
type Tape struct {
	nodes []*Node
	gen   uint32 // incremented by Reset: a node of another generation is stale

	store // the storage that Reset keeps and Release hands on

	// noExt is what every node's parameters point at until its op sets
	// one of the less common parameters; it is never written (see
	// Node.params), and keeps Node small.
	noExt paramsExt

	adj *Adjoints // the sweep whose VJP rule is running, if any

	detect  bool
	anomaly error
	// tangents is set once any leaf has been given a tangent, so that
	// recording skips the forward-mode check until then.
	tangents bool
}

// store is a tape's reusable storage: everything a recording takes that
// Reset keeps for the next one.
type store struct {
	// Nodes come from chunks that grow geometrically and are reused after
	// Reset, so recording an op costs no heap allocation per node. There
	// are two sets of chunks, used by alternate generations, so that a
	// node kept across a Reset still holds its old generation (its memory
	// is not the new recording's) and its use can be caught.
	arenas [2]slots[Node]
	arena  int // index of the set the current generation fills

	tensors slots[tensor.Tensor] // the headers of tangents
	exts    slots[paramsExt]     // the less common parameters of the ops that have them
	floats  chunks[float64]      // node values below largeAlloc
	ptrs    chunks[*Node]        // the input lists of n-ary operations
	ints    chunks[int]          // integer parameters the tape builds (offsets of accumulations)
	// Large buffers get their own allocations, kept in request order so
	// that the same recording after Reset gets the same buffers back.
	large    [][]float64
	largeIdx int

	adjFree []*Adjoints // work arrays of finished sweeps, for reuse
	fuse    fusePlan    // the plan and workers of deferred evaluation
	nodeCap []*Node     // the node list's storage, handed on by Release
}

// storePool holds the storage of released tapes for NewTape. A recording
// on new storage costs three to four times one on storage already used
// (the 999-op chain of the benchmarks: 170–250 against 53–59 ns per op;
// BenchmarkChain999Tapes): the memory is
// not in the caches, the allocations feed the garbage collector, and the
// collector's write barrier is on for much of the time. Like any
// sync.Pool it is emptied by the garbage collector when unused.
var storePool sync.Pool

// releaseMax is the largest storage, in bytes, that Release keeps for a
// later NewTape; larger storage is left to the garbage collector, so that
// a released tape that recorded something large does not hold that
// memory for a small recording.
const releaseMax = 16 << 20

// NewTape returns an empty tape, on the storage of a released tape if
// there is one (see Release).
func NewTape() *Tape {
	tp := &Tape{}
	if s, ok := storePool.Get().(*store); ok {
		tp.store = *s
		tp.nodes, tp.nodeCap = tp.nodeCap[:0], nil
	}
	return tp
}

// Len returns the number of nodes recorded so far.
func (tp *Tape) Len() int { return len(tp.nodes) }

// Node returns the i-th recorded node (in recording order).
func (tp *Tape) Node(i int) *Node { return tp.nodes[i] }

// Reset forgets every node so the tape's storage can be reused for the next
// recording (a training loop's next step). Nodes recorded before Reset must
// not be used afterwards: an operation, a gradient or a tangent that is
// given one panics, naming the node, when the node comes from the
// recording just before. Nodes kept across two or more Resets share memory
// with the current recording and cannot always be told apart, unless
// anomaly detection is on: then Reset gives every recording fresh node
// storage (at the cost of allocating it, about 1.6× the time of a small
// recording), and every stale node is caught. Do not keep nodes across
// Reset.
func (tp *Tape) Reset() {
	clear(tp.nodes)
	tp.nodes = tp.nodes[:0]
	tp.gen++
	tp.anomaly = nil
	tp.arena = 1 - tp.arena
	if tp.detect {
		tp.arenas[tp.arena] = slots[Node]{} // fresh storage: no stale node aliases a new one
	} else {
		tp.arenas[tp.arena].reset()
	}
	tp.floats.reset()
	tp.tensors.reset()
	tp.exts.reset()
	tp.ptrs.reset()
	tp.ints.reset()
	tp.largeIdx = 0
	tp.tangents = false
}

// Release is Reset that also hands the tape's storage on to a later
// NewTape (any tape's, on any goroutine), so that a program that makes a
// new tape for each recording costs about what one that resets its tape
// does: call it when a tape's recording is no longer needed. Storage of
// more than 16 MiB is left to the garbage collector instead, so a tape
// that recorded something large and will next record something small
// gives that memory back. The tape stays usable, with new storage. Nodes
// recorded before Release must not be used afterwards: their memory may
// be another tape's nodes.
func (tp *Tape) Release() {
	tp.Reset()
	gen, detect := tp.gen, tp.detect
	if !detect && tp.footprint() <= releaseMax {
		for _, a := range tp.adjFree {
			clear(a.s) // the pool must not keep the recording's nodes alive
		}
		tp.fuse.forget()
		s := new(store)
		*s = tp.store
		s.nodeCap = tp.nodes[:0]
		storePool.Put(s)
	}
	*tp = Tape{gen: gen, detect: detect}
}

// footprint returns the bytes of storage the tape holds, roughly.
func (tp *Tape) footprint() int {
	b := 8 * cap(tp.nodes)
	for i := range tp.arenas {
		b += tp.arenas[i].footprint()
	}
	b += tp.tensors.footprint() + tp.exts.footprint()
	b += tp.floats.footprint() + tp.ptrs.footprint() + tp.ints.footprint()
	for _, l := range tp.large {
		b += 8 * cap(l)
	}
	return b
}

// DetectAnomalies turns anomaly detection on or off. While it is on, Reset
// also gives each recording fresh node storage, so that any node used after
// a Reset is caught (see Reset), and every
// recorded operation checks its value and tangent for NaN and ±Inf, and so
// does every tangent recomputed by PushTangent (the sweeps of an HVP); the
// first offender is kept for Anomaly. It costs one pass over each result.
func (tp *Tape) DetectAnomalies(on bool) { tp.detect = on }

// DetectingAnomalies reports whether anomaly detection is on.
func (tp *Tape) DetectingAnomalies() bool { return tp.detect }

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
	return tp.floats.take(n)
}

// allocPtrs returns room for n input pointers from the tape's chunks.
func (tp *Tape) allocPtrs(n int) []*Node { return tp.ptrs.take(n) }

// allocInts returns room for n integers from the tape's chunks.
func (tp *Tape) allocInts(n int) []int { return tp.ints.take(n) }

// chunks hands out pieces of slices that grow geometrically (256, 512, …
// up to 16384 elements, or as many as one request asks for) and are
// reused, without clearing, after reset: the tape's storage of floats and
// of input lists.
type chunks[T any] struct {
	bufs [][]T
	buf  int // index of the slice being filled
	pos  int // next free element in it
}

// take returns n contiguous elements, with capacity n so that an append
// cannot run into the next piece.
func (c *chunks[T]) take(n int) []T {
	for {
		if c.buf < len(c.bufs) {
			b := c.bufs[c.buf]
			if c.pos+n <= len(b) {
				s := b[c.pos : c.pos+n : c.pos+n]
				c.pos += n
				return s
			}
			c.buf++
			c.pos = 0
			continue
		}
		size := max(n, 256<<min(len(c.bufs), 6))
		c.bufs = append(c.bufs, make([]T, size))
		c.buf = len(c.bufs) - 1
		c.pos = 0
	}
}

// reset makes all the storage available again.
func (c *chunks[T]) reset() { c.buf, c.pos = 0, 0 }

// footprint returns the bytes the chunks hold.
func (c *chunks[T]) footprint() int { return bytesOf(c.bufs) }

// bytesOf returns the bytes of the elements of bufs.
func bytesOf[T any](bufs [][]T) int {
	var z T
	n := 0
	for _, b := range bufs {
		n += len(b)
	}
	return n * int(unsafe.Sizeof(z))
}

// slots hands out single elements of slices that grow geometrically (16,
// 32, … up to 512 elements) and are reused, without clearing, after
// reset: the tape's nodes and the headers of tangents. reused says
// whether the element next returned was handed out before (and so must be
// cleared by the caller): a new slice's elements are the zero memory of
// make, and clearing them again is not free, because while the garbage
// collector marks, clearing a pointerful element runs the write barrier
// over all of its pointer slots (that was half the cost of recording on a
// new tape).
type slots[T any] struct {
	bufs  [][]T
	used  []int // used[i]: how many elements of bufs[i] were ever handed out
	buf   int   // index of the slice being filled
	cur   []T   // bufs[buf], or nil before the first element
	pos   int   // next free element in it
	dirty int   // used[buf] on entering it: elements before it hold old values
}

// next returns the next free element.
func (s *slots[T]) next() *T {
	if s.pos < len(s.cur) { // kept inlinable: the common case
		e := &s.cur[s.pos]
		s.pos++
		return e
	}
	return s.grow()
}

// reused reports whether the element that next returned last may hold an
// old value.
func (s *slots[T]) reused() bool { return s.pos <= s.dirty }

// grow moves to the next slice, allocating it if need be, and returns its
// first element. It is kept out of line so that next inlines.
//
//go:noinline
func (s *slots[T]) grow() *T {
	if s.cur != nil {
		s.used[s.buf] = max(s.used[s.buf], s.pos)
		s.buf++
	}
	if s.buf == len(s.bufs) {
		s.bufs = append(s.bufs, make([]T, 16<<min(len(s.bufs), 5)))
		s.used = append(s.used, 0)
	}
	s.cur, s.pos, s.dirty = s.bufs[s.buf], 1, s.used[s.buf]
	return &s.cur[0]
}

// reset makes all the elements available again.
func (s *slots[T]) reset() {
	if s.cur != nil {
		s.used[s.buf] = max(s.used[s.buf], s.pos)
	}
	s.buf, s.cur, s.pos, s.dirty = 0, nil, 0, 0
}

// footprint returns the bytes the slots hold.
func (s *slots[T]) footprint() int { return bytesOf(s.bufs) }

// newTensor returns a tensor header from the tape's chunks (tangents live
// outside Node so that the common, tangent-free node stays small).
func (tp *Tape) newTensor() *tensor.Tensor {
	return tp.tensors.next() // every user sets it whole (Wrap or a copy)
}

// newNode returns a node for op with storage for a value of the given
// shape. A nil shape with noValue set leaves the value empty for the
// caller to Wrap (views such as Reshape).
func (tp *Tape) newNode(op *Op, shape []int) *Node {
	n := tp.newBareNode(op)
	if len(shape) == 0 { // a scalar keeps its value in the node itself
		n.value.Wrap(n.scalar[:], shape)
		return n
	}
	n.value.Wrap(tp.allocFloats(tensor.SizeOf(shape)), shape)
	return n
}

// newBareNode returns a node for op whose value is not yet set.
func (tp *Tape) newBareNode(op *Op) *Node {
	a := &tp.arenas[tp.arena&1]
	var n *Node
	if a.pos < len(a.cur) { // next, by hand: the generic call does not inline here
		n = &a.cur[a.pos]
		a.pos++
	} else {
		n = a.grow()
	}
	// Cleared in place, when it holds an old node, and then set field by
	// field: a composite literal would be built on the stack and copied,
	// twice the stores.
	if a.pos <= a.dirty { // a.reused()
		*n = Node{}
	}
	n.tape, n.id, n.gen, n.op = tp, int32(len(tp.nodes)), tp.gen, op
	n.p.paramsExt = &tp.noExt
	if tp.detect && tp.adj != nil { // only anomaly reports read it
		n.origin = tp.adj.cur
	}
	tp.nodes = append(tp.nodes, n)
	return n
}

// Node is one value on a tape: a variable, a constant, or the result of a
// recorded operation. It carries its value and, in forward mode, a tangent.
type Node struct {
	tape *Tape
	id   int32
	gen  uint32
	op   *Op // nil for leaves
	in   []*Node
	inl  [2]*Node // the storage of in for operations of up to two inputs
	p    params
	// origin is the node whose VJP rule recorded this one (nil for the
	// forward recording), for anomaly reports.
	origin *Node

	value   tensor.Tensor
	scalar  [1]float64     // the storage of a scalar value
	tangent *tensor.Tensor // nil until the node first carries a tangent
	hasTan  bool
	ownTan  bool // tangent is the node's own storage, not its input's (in-place ops)
	viewTan bool // a leaf's tangent is the caller's storage (SetTangentView)
	isVar   bool

	// Deferred evaluation (fuse.go): pend says which of the value and the
	// tangent are not computed yet; canDefer that the node is element-wise
	// and large enough to be deferred; vcost and tcost bound the work of
	// computing a deferred value or tangent (the deferred nodes it reads,
	// counted along every path); mark numbers the node in the plan being
	// built.
	pend         uint8
	canDefer     bool
	chain        bool // a deferred scatter or accumulation of a Slice's adjoint (fuse.go)
	vcost, tcost uint8
	reread       uint8 // tangent plans that computed the value without keeping it
	vreread      uint8 // value plans that did
	mark         int32
}

// params holds the non-tensor arguments of an operation: the common
// scalar ones in the node, the others behind a pointer, so that the node
// of an op without them stays small.
type params struct {
	f          float64
	start      int
	*paramsExt // the tape's shared zero until the op sets a field through Node.params
}

// paramsExt holds the less common arguments of an operation.
type paramsExt struct {
	axis, end, step int
	keep, ta, tb    bool
	idx             []int // integer indices (Gather, Index)
	// ext holds the arguments of an op that do not fit the fields above:
	// the window of Im2Col and Col2Im, the flat indices of a pooling.
	ext any
}

// params returns n's own less common parameters, for the op recording n
// to set, taking them from the tape's storage on first use.
func (n *Node) params() *paramsExt {
	if n.p.paramsExt == &n.tape.noExt {
		e := n.tape.exts.next()
		if n.tape.exts.reused() {
			*e = paramsExt{}
		}
		n.p.paramsExt = e
	}
	return n.p.paramsExt
}

// Var records a differentiable input holding a copy of t.
func (tp *Tape) Var(t *tensor.Tensor) *Node {
	n := tp.leaf(t)
	n.isVar = true
	return n
}

// VarView records a differentiable input whose value is t's own storage,
// not a copy: for a large parameter (an embedding table) read by a few
// rows per step, where the copy of Var would cost more than the step. The
// caller must not modify t while the recording (its values, gradients and
// HVPs) is in use; an optimizer's update belongs after Reset.
func (tp *Tape) VarView(t *tensor.Tensor) *Node {
	n := tp.newBareNode(nil)
	n.value.Wrap(t.Data(), t.Shape())
	n.isVar = true
	tp.checkLeaf(n)
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
	s := tp.allocInts(len(shape)) // the node's own copy, in the tape's storage; shape itself does not escape
	copy(s, shape)
	if len(data) != tensor.SizeOf(s) {
		panic(fmt.Sprintf("graph: VarData: %d values for shape %v", len(data), s))
	}
	n := tp.newNode(nil, s)
	if len(data) < 1<<12 {
		copy(n.value.Data(), data) // small: the plain copy, without building a tensor
	} else {
		var src tensor.Tensor
		src.Wrap(data, s)
		n.value.CopyFrom(&src) // split over the cores for a large input
	}
	n.isVar = true
	tp.checkLeaf(n)
	return n
}

// Const records a constant holding a copy of t. Constants and variables
// differ only in IsVar, which tells a model's parameters from its data:
// ad.Grad differentiates with respect to whatever nodes it is asked about,
// a constant included, but gives no adjoint to a node it is not asked
// about.
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
	if len(shape) == 0 { // the seed of every gradient
		return tp.Scalar(v)
	}
	n := tp.newNode(nil, tensor.ResolveShape("graph: Full", tensor.SizeOf(shape), shape))
	if v == 0 {
		clear(n.value.Data()) // chunk storage is reused after Reset, so always fill
	} else {
		n.value.Fill(v)
	}
	return n
}

func (tp *Tape) leaf(t *tensor.Tensor) *Node {
	n := tp.newNode(nil, t.Shape())
	n.value.CopyFrom(t) // split over the cores for a large tensor
	tp.checkLeaf(n)
	return n
}

// constOwned records a constant that takes ownership of t's storage.
func (tp *Tape) constOwned(t *tensor.Tensor) *Node {
	n := tp.newNode(nil, nil)
	n.value = *t
	return n
}

// Value returns the node's value, computing it first if it was deferred
// (see "Deferred evaluation" in the package documentation). It must not be
// modified.
func (n *Node) Value() *tensor.Tensor { return n.val() }

// val returns the node's value, computed: every read of another node's
// value in this package goes through it.
func (n *Node) val() *tensor.Tensor {
	if n.pend&pendValue != 0 {
		n.tape.materialize(n, false)
	}
	return &n.value
}

// Item returns the value of a one-element node.
func (n *Node) Item() float64 { return n.val().Item() }

// Shape returns the shape of the node's value (read-only).
func (n *Node) Shape() []int { return n.value.Shape() }

// Tape returns the tape the node is recorded on.
func (n *Node) Tape() *Tape { return n.tape }

// Index returns the node's position in its tape's recording order.
func (n *Node) Index() int { return int(n.id) }

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
		return n.op.Name
	case n.isVar:
		return "var"
	}
	return "const"
}

// NumInputs returns how many inputs the node's operation has.
func (n *Node) NumInputs() int { return len(n.in) }

// Inputs returns the inputs of the node's operation, in order (none for a
// leaf). The slice must not be modified.
func (n *Node) Inputs() []*Node { return n.in }

// Input returns the i-th input of the node's operation.
func (n *Node) Input(i int) *Node { return n.in[i] }

// String describes the node: its operation, index and shape.
func (n *Node) String() string {
	return fmt.Sprintf("%s#%d%v", n.Op(), n.id, n.value.Shape())
}

// Tangent returns the node's forward-mode tangent, or nil when it is zero
// (no input it depends on carries a tangent), computing it first if it was
// deferred (from the leaves' tangents as they are now).
func (n *Node) Tangent() *tensor.Tensor { return n.tan() }

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
	n.ensureOwnTangent()
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
	n.ensureOwnTangent()
	copy(n.tangent.Data(), v)
	n.hasTan = true
	n.tape.tangents = true
}

// SetTangentView sets the tangent of a leaf to v itself, not a copy: the
// input tangent of a forward sweep over a large variable, without the
// copy's pass over memory. v must hold as many values as the node and
// must not be modified while tangents computed from it are in use; the
// tape never writes it. A later SetTangent or SetTangentData gives the
// node its own storage again.
func (n *Node) SetTangentView(v []float64) {
	if n.op != nil {
		panic(fmt.Sprintf("graph: SetTangentView: node %v is not a leaf", n))
	}
	if len(v) != n.value.Size() {
		panic(fmt.Sprintf("graph: SetTangentView: %d values for node of shape %v", len(v), n.value.Shape()))
	}
	if !n.viewTan || n.tangent == nil {
		n.tangent = n.tape.newTensor()
		n.viewTan = true
	}
	n.tangent.Wrap(v, n.value.Shape())
	n.hasTan = true
	n.tape.tangents = true
}

// SetTangentBuffer makes buf the storage in which the following tangent
// sweeps (PushTangent) write the node's tangent, so that a caller who
// wants it in a slice of its own (an HVP's result) need not copy it out.
// For an accumulation of a reverse sweep, whose tangent is its first
// operand's updated in place, it is that operand's storage (down the
// chain of accumulations). It reports false, and changes nothing, when
// the tangent has no storage of its own to redirect (it comes from a
// leaf) or buf does not hold as many values as the node. buf is kept
// until the next SetTangentBuffer on the node or the tape's Reset; it must
// not be read or written by anything else during a sweep.
func (n *Node) SetTangentBuffer(buf []float64) bool {
	r := n
	for r.op != nil && r.op.inPlace {
		r = r.in[0]
	}
	if r.op == nil || len(buf) != r.value.Size() || len(buf) != n.value.Size() {
		return false
	}
	if r.tangent == nil {
		r.tangent = r.tape.newTensor()
	}
	r.tangent.Wrap(buf, r.value.Shape())
	return true
}

// ensureOwnTangent is ensureTangent for a leaf whose tangent may be a
// view of the caller's storage, which must not be written.
func (n *Node) ensureOwnTangent() {
	if n.viewTan {
		n.tangent, n.viewTan = nil, false
	}
	n.ensureTangent()
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
// input tangent without recomputing any value: see ad.PushTangents. With
// anomaly detection on, the new tangent is checked too.
func (n *Node) PushTangent() bool {
	if n.op == nil {
		return n.hasTan
	}
	n.hasTan = false
	for _, in := range n.in {
		if in.hasTan {
			n.hasTan = true
			break
		}
	}
	if !n.hasTan {
		n.pend &^= pendTangent
		return false
	}
	if n.canDefer && n.tape.deferTangent(n) {
		return true
	}
	if n.chain && !n.tape.detect {
		n.pushChainTangent()
		return true
	}
	if n.op.inPlace {
		// The node accumulates into its first input's storage: its
		// tangent is that input's tangent, updated in place, or its own
		// zeroed storage when the input has none.
		if acc := n.in[0]; acc.hasTan {
			if n.ownTan || n.tangent == nil {
				n.tangent = n.tape.newTensor()
				n.ownTan = false
			}
			*n.tangent = *acc.tan()
		} else {
			if !n.ownTan {
				n.tangent = nil
			}
			n.ensureTangent()
			n.ownTan = true
			clear(n.tangent.Data())
		}
	} else {
		n.ensureTangent()
	}
	n.op.JVP(n, n.tangent)
	if tp := n.tape; tp.detect && tp.anomaly == nil && !n.op.inPlace && bad(n.tangent.Data()) {
		tp.anomaly = fmt.Errorf("graph: %s produced a non-finite tangent (inputs %s)", n.describe(), describeInputs(n))
	}
	return true
}

// record finishes a newly computed node: it computes the tangent eagerly
// when an input carries one, and checks for anomalies.
func (tp *Tape) record(n *Node) *Node {
	if tp.tangents {
		for _, in := range n.in {
			if in.hasTan {
				n.PushTangent()
				break
			}
		}
	}
	if tp.detect && tp.anomaly == nil && !n.op.inPlace {
		if bad(n.value.Data()) {
			tp.anomaly = fmt.Errorf("graph: %s produced a non-finite value (inputs %s)", n.describe(), describeInputs(n))
		}
	}
	return n
}

// checkLeaf reports a non-finite input as the input itself.
func (tp *Tape) checkLeaf(n *Node) {
	if tp.detect && tp.anomaly == nil && bad(n.value.Data()) {
		tp.anomaly = fmt.Errorf("graph: input %v holds a non-finite value", n)
	}
}

func bad(d []float64) bool {
	for _, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return true
		}
	}
	return false
}

// describe names the node and, for a node recorded by a VJP rule, the
// forward operation whose rule recorded it.
func (n *Node) describe() string {
	if n.origin != nil {
		return fmt.Sprintf("%v (in the derivative of %v)", n, n.origin)
	}
	return n.String()
}

func describeInputs(n *Node) string {
	s := ""
	for i, in := range n.in {
		if i > 0 {
			s += ", "
		}
		s += in.String()
	}
	return s
}

// checkInput panics, naming the operation, unless x is a live node of tp:
// not of another tape, and not recorded before tp's last Reset.
func checkInput(op string, tp *Tape, x *Node) {
	if x.tape != tp {
		panic(fmt.Sprintf("graph: %s: nodes %v and %v are on different tapes", op, tp.nodes[len(tp.nodes)-1], x))
	}
	if x.gen != tp.gen {
		panic(fmt.Sprintf("graph: %s: node %v was recorded before the tape's Reset and must not be used after it", op, x))
	}
}

// CheckLive panics, naming op, if n was recorded before its tape's last
// Reset. Package ad calls it on the nodes it is given.
func (n *Node) CheckLive(op string) {
	if n.gen != n.tape.gen {
		panic(fmt.Sprintf("%s: node %v was recorded before the tape's Reset and must not be used after it", op, n))
	}
}

// unaryNode records a one-input op with the given output shape.
func unaryNode(op *Op, x *Node, shape []int) *Node {
	tp := x.tape
	if x.gen != tp.gen {
		checkInput(op.Name, tp, x)
	}
	n := tp.newNode(op, shape)
	n.inl[0] = x
	n.in = n.inl[:1]
	return n
}

// binaryNode records a two-input op with the given output shape.
func binaryNode(op *Op, a, b *Node, shape []int) *Node {
	tp := a.tape
	if a.gen != tp.gen || b.tape != tp || b.gen != tp.gen {
		checkInput(op.Name, tp, a)
		checkInput(op.Name, tp, b)
	}
	n := tp.newNode(op, shape)
	n.inl[0], n.inl[1] = a, b
	n.in = n.inl[:2]
	return n
}

// naryNode records an op of any number (≥ 1) of inputs with the given
// output shape. A nil shape with bare set leaves the value unset.
func naryNode(op *Op, xs []*Node, shape []int, bare bool) *Node {
	tp := xs[0].tape
	for _, x := range xs {
		checkInput(op.Name, tp, x)
	}
	var n *Node
	if bare {
		n = tp.newBareNode(op)
	} else {
		n = tp.newNode(op, shape)
	}
	if len(xs) <= len(n.inl) {
		n.in = n.inl[:copy(n.inl[:], xs)]
	} else {
		n.in = tp.allocPtrs(len(xs))
		copy(n.in, xs)
	}
	return n
}

// tan returns the node's tangent, computed, or nil when it is zero.
func (n *Node) tan() *tensor.Tensor {
	if n == nil || !n.hasTan {
		return nil
	}
	if n.pend&pendTangent != 0 {
		n.tape.materialize(n, true)
	}
	return n.tangent
}
