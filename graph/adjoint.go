package graph

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Adjoints: the accumulation of a reverse sweep ----
//
// A node used by several operations receives one adjoint contribution from
// each, and the contributions must be summed. Summing through fresh Add
// nodes makes every contribution cost a pass over the whole adjoint, which
// is quadratic for code written element by element (Σᵢ Index(x, i)²). So the
// sum is kept in a buffer that this sweep owns and is updated in place by
// accumulation ops: dense (the whole adjoint), and sparse — a slice, a set
// of rows, a set of elements — which touch only the positions they add to.
// The accumulation ops are ordinary recorded operations with JVP and VJP
// rules, so the sweep stays differentiable forward (HVPs) and in reverse.
//
// The in-place update is safe because a partial sum is read by nothing but
// the next accumulation: a node's adjoint is complete before the node's own
// rule reads it (the sweep runs in reverse recording order), and a buffer
// is updated in place only when this sweep allocated it. The tangents of
// the accumulation chain share storage in the same way.

// Adjoints holds the adjoints of one reverse sweep over a stretch of tape:
// which nodes need one, and the sum received so far by each. Package ad
// drives it (see ad.Grad); a VJP rule receives it to add its inputs'
// contributions. It belongs to its tape's goroutine.
type Adjoints struct {
	tape   *Tape
	lo, hi int
	s      []adjSlot // s[i-lo]: the state of node i's adjoint
	cur    *Node     // the node whose VJP rule is running

	// Single-element contributions (the adjoints of Index, and of a scalar
	// used many times) wait in pend, chained per target node from its
	// slot's pendHead, and are added by one n-ary node (see adjSlot).
	pend []pendingElem
}

// adjSlot is the state of one node's adjoint in a sweep, kept together so
// that a sweep begins with one clear.
//
// Two kinds of contribution are deferred until the adjoint is next read
// (by the node's own rule, by Of, or by a contribution that cannot wait),
// so that several are recorded as one node (see flush): a scaled first
// contribution (the VJP of a scaling, a negation or a subtrahend), where
// lazy says the adjoint is coef·slot, not yet recorded (see addScaled),
// or a single element broadcast (the VJP of a Sum, see addBroadcast);
// and contributions of single elements, which wait in the sweep's pend
// list. Element by element code then costs one accumulation node per
// vector, not one per element.
type adjSlot struct {
	slot     *Node   // the adjoint so far
	coef     float64 // the pending scale of slot, when lazy
	pendHead int32   // 1 + the index in pend of the newest pending contribution, 0 if none
	pendLen  int32   // the number of pending contributions
	need     bool    // the node depends on a node the sweep differentiates against
	owned    bool    // slot's storage was allocated by this sweep
	lazy     bool    // the adjoint is coef·slot (broadcast when bcast), not yet recorded
	bcast    bool    // with lazy: slot has one element and stands for its broadcast to the node's shape
}

// pendingElem is a waiting single-element contribution: g (one element)
// to be added at flat offset off; prev chains to the target's previous
// one (1 + its index in pend, 0 if none).
type pendingElem struct {
	g    *Node
	off  int
	prev int32
}

// Adjoints begins a reverse sweep over the nodes with indices lo..hi. Call
// Done when the sweep's results have been read out: the work arrays are
// the tape's and are reused by the next sweep.
func (tp *Tape) Adjoints(lo, hi int) *Adjoints {
	if lo < 0 || hi >= len(tp.nodes) || lo > hi {
		panic(fmt.Sprintf("graph: Adjoints: range %d..%d of a tape of %d nodes", lo, hi, len(tp.nodes)))
	}
	var a *Adjoints
	if k := len(tp.adjFree); k > 0 {
		a = tp.adjFree[k-1]
		tp.adjFree = tp.adjFree[:k-1]
	} else {
		a = new(Adjoints)
	}
	m := hi - lo + 1
	a.tape, a.lo, a.hi = tp, lo, hi
	if cap(a.s) < m {
		a.s = make([]adjSlot, m)
	} else {
		a.s = a.s[:m]
		clear(a.s)
	}
	a.pend = a.pend[:0]
	return a
}

// Done ends the sweep and returns its work arrays to the tape. The nodes it
// recorded stay valid; a must not be used again.
func (a *Adjoints) Done() {
	// The slots keep their references to this recording's nodes until the
	// next sweep clears them (or Release drops them): clearing them here
	// too would cost a second pass.
	clear(a.pend)
	a.pend = a.pend[:0]
	tp := a.tape
	a.tape, a.cur = nil, nil
	tp.adjFree = append(tp.adjFree, a)
}

func (a *Adjoints) in(n *Node) bool { return int(n.id) >= a.lo && int(n.id) <= a.hi }

// Require marks n as needing an adjoint.
func (a *Adjoints) Require(n *Node) {
	if a.in(n) {
		a.s[int(n.id)-a.lo].need = true
	}
}

// Required reports whether n needs an adjoint.
func (a *Adjoints) Required(n *Node) bool { return a.in(n) && a.s[int(n.id)-a.lo].need }

// Of returns the adjoint accumulated for n, or nil when it received none.
// An adjoint kept as a scaled contribution is recorded now.
func (a *Adjoints) Of(n *Node) *Node {
	if !a.in(n) {
		return nil
	}
	a.flush(n)
	return a.s[int(n.id)-a.lo].slot
}

// Seed adds g (a node of n's shape) to n's adjoint.
func (a *Adjoints) Seed(n, g *Node) {
	if !tensor.SameShape(g.Shape(), n.Shape()) {
		panic(fmt.Sprintf("graph: Adjoints.Seed: adjoint shape %v for %v", g.Shape(), n))
	}
	if a.Required(n) {
		a.accumulate(n, g)
	}
}

// Backprop applies n's VJP rule to n's accumulated adjoint, adding the
// contributions of n's inputs that need one. A leaf, or a node without an
// adjoint, has nothing to propagate.
func (a *Adjoints) Backprop(n *Node) {
	if n.op == nil || !a.in(n) {
		return
	}
	k := int(n.id) - a.lo
	if s := &a.s[k]; s.pendHead != 0 || (s.lazy && !n.op.readsDeferred) {
		a.flushDeferred(n, k) // what was deferred is recorded as the rule needs it
	}
	g := a.s[k].slot
	if g == nil {
		return
	}
	prev := a.cur
	a.cur = n
	if tp := a.tape; tp.detect { // only anomaly reports read tp.adj
		prevSweep := tp.adj
		tp.adj = a
		n.op.VJP(n, g, a)
		tp.adj = prevSweep
	} else {
		n.op.VJP(n, g, a)
	}
	a.cur = prev
}

// Need reports whether input i of the node whose VJP rule is running needs
// an adjoint; a rule may skip the work for inputs that do not.
func (a *Adjoints) Need(i int) bool { return a.Required(a.cur.in[i]) }

// Add adds g to the adjoint of input i of the node whose VJP rule is
// running. g must have that input's shape, or a shape that broadcasts to
// the node's output shape and reduces to the input's (it is then summed
// to the input's shape, as a broadcast operand's adjoint is). Adding to an
// input that needs no adjoint does nothing.
func (a *Adjoints) Add(i int, g *Node) {
	x := a.cur.in[i]
	if !a.Required(x) {
		return
	}
	if !tensor.SameShape(g.Shape(), x.Shape()) {
		g = sumTo(g, x.Shape())
	}
	a.accumulate(x, g)
}

// accumulate adds the dense contribution g to x's adjoint.
func (a *Adjoints) accumulate(x, g *Node) {
	k := int(x.id) - a.lo
	if a.s[k].slot == nil && a.s[k].pendHead == 0 {
		a.s[k].slot = g // the first contribution itself, not owned: never written
		return
	}
	a.accumulateMore(x, g, k)
}

// accumulateMore is accumulate for a node that has received something.
func (a *Adjoints) accumulateMore(x, g *Node, k int) {
	if x.value.Size() == 1 {
		// A further contribution to a single-element adjoint (a scalar
		// parameter used many times) waits with the single-element ones.
		a.pendElem(k, g, 0)
		return
	}
	if a.s[k].pendHead != 0 {
		a.flush(x) // elements first, in the order they came
	}
	switch {
	case a.s[k].slot == nil:
		a.s[k].slot = g
	case a.s[k].lazy && a.s[k].bcast:
		a.settle(k)
		a.s[k].slot = accNode(accAddOp, a.s[k].slot, g)
	case a.s[k].lazy: // c·h + g in one node, instead of a Scale and an Add
		a.s[k].slot = axpy(g, a.s[k].slot, a.s[k].coef)
		a.s[k].lazy, a.s[k].owned = false, true
	case !a.s[k].owned:
		a.s[k].slot = Add(a.s[k].slot, g) // a fresh buffer, owned from now on
		a.s[k].owned = true
	default:
		a.s[k].slot = accNode(accAddOp, a.s[k].slot, g)
	}
}

// sparseBase returns an owned buffer holding x's adjoint so far (zeros
// when there is none yet), for an accumulation that touches only part of
// it.
func (a *Adjoints) sparseBase(x *Node) *Node {
	k := int(x.id) - a.lo
	a.settle(k)
	switch {
	case a.s[k].slot == nil:
		a.s[k].owned = true
		return a.zerosLike(x)
	case !a.s[k].owned:
		a.s[k].owned = true
		return accNode(accAddOp, a.zerosLike(x), a.s[k].slot)
	}
	return a.s[k].slot
}

// addScaled adds c·g to the adjoint of input i of the node whose VJP rule
// is running, with g of that input's shape or summed to it as Add does:
// the VJP of a scaling, a negation or a subtrahend. The product is not
// recorded at once. The first contribution to an adjoint is kept as g and
// c, and recorded (one Scale, which the sweep owns) only when it is read:
// by the node's own rule (Backprop), by Of, or by a sparse accumulation.
// A dense contribution that arrives meanwhile is added with it in one
// Axpy node (c·g + the contribution) instead of a Scale and an Add; a
// scaled contribution to an adjoint that exists already is one Axpy too
// (in place when the sweep owns the adjoint).
func (a *Adjoints) addScaled(i int, g *Node, c float64) {
	x := a.cur.in[i]
	if !a.Required(x) {
		return
	}
	if !tensor.SameShape(g.Shape(), x.Shape()) {
		g = sumTo(g, x.Shape())
	}
	k := int(x.id) - a.lo
	if c == 1 {
		a.accumulate(x, g)
		return
	}
	a.flush(x)
	switch {
	case a.s[k].slot == nil:
		a.s[k].slot, a.s[k].coef, a.s[k].lazy = g, c, true
	case !a.s[k].owned:
		a.s[k].slot, a.s[k].owned = axpy(a.s[k].slot, g, c), true
	default:
		n := accNode(accAxpyOp, a.s[k].slot, g)
		n.p.f = c
		a.s[k].slot = a.tape.finishAcc(n)
	}
}

// deferred returns the form of the adjoint g that the running rule
// received, for the rules of ops marked readsDeferred: the adjoint is c·g,
// and when bcast is set g has one element and the adjoint is its
// broadcast to the node's shape. Otherwise c is 1 and bcast false.
func (a *Adjoints) deferred() (c float64, bcast bool) {
	s := &a.s[int(a.cur.id)-a.lo]
	if !s.lazy {
		return 1, false
	}
	return s.coef, s.bcast
}

// settled records the running node's deferred adjoint (see settle) and
// returns it: for a rule that reads deferred adjoints and meets a case it
// cannot fold.
func (a *Adjoints) settled() *Node {
	k := int(a.cur.id) - a.lo
	a.settle(k)
	return a.s[k].slot
}

// addBroadcast adds c·g broadcast to the shape of input i of the running
// node, for g of one element: the VJP of a Sum. The broadcast is not
// recorded at once when it is the input's first contribution: a rule that
// reads deferred adjoints (Square's) then scales by the element itself,
// and any other reader gets the BroadcastTo recorded (see settle).
func (a *Adjoints) addBroadcast(i int, g *Node, c float64) {
	x := a.cur.in[i]
	if !a.Required(x) {
		return
	}
	k := int(x.id) - a.lo
	if x.value.Size() == 1 || a.s[k].slot != nil || a.s[k].pendHead != 0 {
		a.addScaled(i, broadcastTo(g, x.Shape()), c)
		return
	}
	a.s[k].slot, a.s[k].coef, a.s[k].lazy, a.s[k].bcast = g, c, true, true
}

// settle records the deferred adjoint of slot k, if any: a Scale of it,
// then a BroadcastTo when it stands for one. The sweep owns the result:
// the slot is the only reference to it.
func (a *Adjoints) settle(k int) {
	s := &a.s[k]
	if !s.lazy {
		return
	}
	g := s.slot
	if s.coef != 1 {
		g = Scale(g, s.coef)
	}
	if s.bcast {
		g = broadcastTo(g, a.tape.nodes[a.lo+k].Shape())
	}
	s.slot, s.lazy, s.bcast, s.owned = g, false, false, true
}

// axpy records s + c·g for s and g of one shape: the sum of an adjoint and
// a scaled contribution, in a fresh buffer.
func axpy(s, g *Node, c float64) *Node {
	n := binaryNode(axpyOp, s, g, s.Shape())
	n.p.f = c
	return s.tape.elementwise(n)
}

var axpyOp = new(Op)

func init() {
	*axpyOp = Op{
		Name:      "Axpy",
		linearJVP: true,
		eval:      func(n *Node) { tensor.AxpyTo(&n.value, n.p.f, n.in[1].val(), n.in[0].val()) },
		JVP: func(n *Node, dst *tensor.Tensor) { // ṡ + c·ġ
			ds, dg := n.in[0].tan(), n.in[1].tan()
			switch {
			case ds != nil && dg != nil:
				tensor.AxpyTo(dst, n.p.f, dg, ds)
			case dg != nil:
				tensor.ScaleTo(dst, dg, n.p.f)
			default:
				dst.CopyFrom(ds)
			}
		},
		VJP: func(n, h *Node, adj *Adjoints) {
			adj.Add(0, h)
			adj.addScaled(1, h, n.p.f)
		},
	}
}

// zerosLike records a constant of zeros of x's shape, sharing x's shape
// slice (shapes are never modified) so that it costs no allocation of its
// own beyond the tape's storage.
func (a *Adjoints) zerosLike(x *Node) *Node {
	z := a.tape.newNode(nil, x.Shape())
	z.value.Fill(0) // chunk storage is reused after Reset
	return z
}

// addSlice adds g to the elements start, start+step, … (< end) along axis
// of input i's adjoint.
func (a *Adjoints) addSlice(i int, g *Node, axis, start, end, step int) {
	x := a.cur.in[i]
	if !a.Required(x) {
		return
	}
	a.addSparse(x, accSliceOp, scatterSliceOp, g, start, paramsExt{axis: axis, end: end, step: step})
}

// addElems adds the elements of g, in order, to the elements of input i's
// adjoint at the given flat offsets (repeated offsets add up), or, with
// single set, adds the one element of g at offset off.
func (a *Adjoints) addElems(i int, g *Node, idx []int, off int, single bool) {
	x := a.cur.in[i]
	if !a.Required(x) {
		return
	}
	if single {
		a.pendElem(int(x.id)-a.lo, g, off)
		return
	}
	a.addSparse(x, accElemsOp, scatterElemsOp, g, off, paramsExt{idx: idx, keep: single})
}

// addRows adds row r of g (a tensor of shape [len(idx), rest...]) to row
// idx[r] of input i's adjoint (of shape [rows, rest...]); repeated indices
// add up.
func (a *Adjoints) addRows(i int, g *Node, idx []int) {
	x := a.cur.in[i]
	if !a.Required(x) {
		return
	}
	a.addSparse(x, accRowsOp, scatterRowsOp, g, 0, paramsExt{idx: idx})
}

// addSparse adds the sparse contribution g, placed as p says, to x's
// adjoint: the first contribution is scattered into fresh zeros by one
// node of the scatter op first; later ones are accumulated in place by the
// accumulation op acc.
func (a *Adjoints) addSparse(x *Node, acc, first *Op, g *Node, start int, p paramsExt) {
	a.flush(x)
	k := int(x.id) - a.lo
	if a.s[k].slot == nil {
		n := a.tape.newNode(first, x.Shape())
		n.inl[0] = g
		n.in = n.inl[:1]
		n.p.start = start
		*n.params() = p
		if first != scatterSliceOp || !a.tape.deferScatter(n) {
			scatterApply(n, &n.value, g, false)
		}
		a.s[k].slot, a.s[k].owned = a.tape.record(n), true
		return
	}
	n := accNode(acc, a.sparseBase(x), g)
	n.p.start = start
	*n.params() = p
	a.s[k].slot = a.tape.finishAcc(n)
}

// pendElem adds to the pending contributions of slot k the element g at
// flat offset off.
func (a *Adjoints) pendElem(k int, g *Node, off int) {
	a.pend = append(a.pend, pendingElem{g: g, off: off, prev: a.s[k].pendHead})
	a.s[k].pendHead = int32(len(a.pend))
	a.s[k].pendLen++
}

// flush records x's deferred contributions: a scaled first contribution
// as one Scale, then the pending single elements, in the order they
// arrived, as one node (a scatter into fresh zeros when x has no adjoint
// yet, an in-place accumulation otherwise).
func (a *Adjoints) flush(x *Node) {
	if k := int(x.id) - a.lo; a.s[k].pendHead != 0 || a.s[k].lazy { // kept inlinable: most nodes have nothing deferred
		a.flushDeferred(x, k)
	}
}

// flushDeferred records slot k's deferred contributions: the scaled first
// one (as a Scale), then the pending elements (as one node).
func (a *Adjoints) flushDeferred(x *Node, k int) {
	a.settle(k)
	if a.s[k].pendHead == 0 {
		return
	}
	m := int(a.s[k].pendLen)
	tp := a.tape
	var n *Node
	var in []*Node // the inputs that are elements to add, offs[r] for in[r]
	var offs []int
	if prev := a.s[k].slot; prev == nil || (!a.s[k].owned && x.value.Size() == 1) {
		// Into fresh zeros; a single-element adjoint received so far (not
		// owned, so not to be written) is one more element, at offset 0.
		lead := 0
		if prev != nil {
			lead = 1
		}
		n = tp.newNode(scatterScalarsOp, x.Shape())
		clear(n.val().Data()) // chunk storage is reused after Reset
		n.in, offs = tp.allocPtrs(m+lead), tp.allocInts(m+lead)
		if prev != nil {
			n.in[0], offs[0] = prev, 0
		}
		in = n.in
	} else {
		acc := a.sparseBase(x)
		n = tp.newBareNode(accScalarsOp)
		n.value = *acc.val()
		n.in, offs = tp.allocPtrs(m+1), tp.allocInts(m)
		n.in[0] = acc
		in = n.in[1:]
	}
	pin, poffs := in[len(in)-m:], offs[len(offs)-m:]
	for j, r := a.s[k].pendHead, m-1; r >= 0; r-- {
		e := &a.pend[j-1]
		pin[r], poffs[r] = e.g, e.off
		j = e.prev
	}
	a.s[k].pendHead, a.s[k].pendLen = 0, 0
	n.params().idx = offs
	d := n.val().Data()
	for r, g := range in {
		d[offs[r]] += g.val().Data()[0]
	}
	a.s[k].slot, a.s[k].owned = tp.record(n), true
}

// accNode starts an accumulation node: its value is acc's storage, which
// the op updates in place with g. Dense accumulation is finished here; the
// sparse ones set their parameters and call finishAcc.
func accNode(op *Op, acc, g *Node) *Node {
	tp := acc.tape
	n := tp.newBareNode(op)
	n.inl[0], n.inl[1] = acc, g
	n.in = n.inl[:2]
	n.value = acc.value // computed by finishAcc, unless the accumulation is deferred
	if op == accAddOp {
		return tp.finishAcc(n)
	}
	return n
}

// finishAcc computes an accumulation node's value (in place) and tangent.
func (tp *Tape) finishAcc(n *Node) *Node {
	if n.op == accSliceOp && tp.deferAccSlice(n) {
		return tp.record(n)
	}
	n.in[0].val() // the accumulator's value, computed, is updated in place
	accFrom(n, &n.value, n.in[1], false)
	return tp.record(n)
}

// The accumulation ops: input 0 is the adjoint so far, whose storage the
// op's value shares and updates; input 1 is the contribution. Their JVP
// adds the contribution's tangent into the shared tangent storage; their
// VJP passes the output adjoint h to the accumulator unchanged and gives
// the contribution the part of h it was added to.
var accAddOp, accAxpyOp, accSliceOp, accElemsOp, accRowsOp = new(Op), new(Op), new(Op), new(Op), new(Op)

func init() {
	accJVP := func(n *Node, dst *tensor.Tensor) {
		if g := n.in[1]; g.hasTan {
			accFrom(n, dst, g, true)
		}
	}
	*accAddOp = Op{Name: "Accumulate", inPlace: true, JVP: accJVP,
		VJP: func(n, h *Node, adj *Adjoints) {
			adj.Add(0, h)
			adj.Add(1, h)
		}}
	*accAxpyOp = Op{Name: "AccumulateScaled", inPlace: true, JVP: accJVP,
		VJP: func(n, h *Node, adj *Adjoints) {
			adj.Add(0, h)
			adj.addScaled(1, h, n.p.f)
		}}
	*accSliceOp = Op{Name: "AccumulateSlice", inPlace: true, JVP: accJVP,
		VJP: func(n, h *Node, adj *Adjoints) {
			adj.Add(0, h)
			if adj.Need(1) {
				adj.Add(1, Slice(h, n.p.axis, n.p.start, n.p.end, n.p.step))
			}
		}}
	*accElemsOp = Op{Name: "AccumulateElements", inPlace: true, JVP: accJVP,
		VJP: func(n, h *Node, adj *Adjoints) {
			adj.Add(0, h)
			if adj.Need(1) {
				g := n.in[1]
				if n.p.keep {
					adj.Add(1, Reshape(indexFlat(h, n.p.start), g.Shape()...))
				} else {
					adj.Add(1, Reshape(gatherFlat(h, n.p.idx), g.Shape()...))
				}
			}
		}}
	*accRowsOp = Op{Name: "AccumulateRows", inPlace: true, JVP: accJVP,
		VJP: func(n, h *Node, adj *Adjoints) {
			adj.Add(0, h)
			if adj.Need(1) {
				adj.Add(1, Gather(h, n.p.idx))
			}
		}}
}

// The scalar accumulation ops add single elements, their inputs after the
// accumulator (AccumulateScalars) or all their inputs (ScatterScalars, into
// zeros), at the flat offsets p.idx, in order: the pending contributions
// of Index gathered by flush.
var accScalarsOp, scatterScalarsOp = new(Op), new(Op)

func init() {
	addScalars := func(dst *tensor.Tensor, offs []int, gs []*Node) {
		d := dst.Data()
		for r, g := range gs {
			if t := g.tan(); t != nil {
				d[offs[r]] += t.Data()[0]
			}
		}
	}
	scalarsVJP := func(h *Node, offs []int, gs []*Node, base int, adj *Adjoints) {
		for r, g := range gs {
			if adj.Need(base + r) {
				adj.Add(base+r, Reshape(indexFlat(h, offs[r]), g.Shape()...))
			}
		}
	}
	*accScalarsOp = Op{Name: "AccumulateScalars", inPlace: true,
		JVP: func(n *Node, dst *tensor.Tensor) { addScalars(dst, n.p.idx, n.in[1:]) },
		VJP: func(n, h *Node, adj *Adjoints) {
			adj.Add(0, h)
			scalarsVJP(h, n.p.idx, n.in[1:], 1, adj)
		}}
	*scatterScalarsOp = Op{Name: "ScatterScalars",
		JVP: func(n *Node, dst *tensor.Tensor) {
			clear(dst.Data())
			addScalars(dst, n.p.idx, n.in)
		},
		VJP: func(n, h *Node, adj *Adjoints) { scalarsVJP(h, n.p.idx, n.in, 0, adj) }}
}

// The scatter ops: a sparse contribution placed into zeros of the
// adjoint's shape, the first of a sweep's contributions to a node (so that
// it costs one node, not a zero base and an accumulation). Their only
// input is the contribution; their rules are those of the accumulation
// ops without the accumulator.
var scatterSliceOp, scatterElemsOp, scatterRowsOp = new(Op), new(Op), new(Op)

func init() {
	scatterJVP := func(n *Node, dst *tensor.Tensor) { scatterApply(n, dst, n.in[0], true) }
	*scatterSliceOp = Op{Name: "ScatterSlice", JVP: scatterJVP,
		VJP: func(n, h *Node, adj *Adjoints) {
			adj.Add(0, Slice(h, n.p.axis, n.p.start, n.p.end, n.p.step))
		}}
	*scatterElemsOp = Op{Name: "ScatterElements", JVP: scatterJVP,
		VJP: func(n, h *Node, adj *Adjoints) {
			g := n.in[0]
			if n.p.keep {
				adj.Add(0, Reshape(indexFlat(h, n.p.start), g.Shape()...))
			} else {
				adj.Add(0, Reshape(gatherFlat(h, n.p.idx), g.Shape()...))
			}
		}}
	*scatterRowsOp = Op{Name: "ScatterRows", JVP: scatterJVP,
		VJP: func(n, h *Node, adj *Adjoints) { adj.Add(0, Gather(h, n.p.idx)) }}
}

// scatterApply sets dst to zeros with the value (or, with tangent set,
// the tangent) of g placed at the positions n's scatter op names (dst has
// the adjoint's shape, g the contribution's): a slice in one pass over
// dst, the others by clearing dst first (its storage is reused after
// Reset) and adding g. A pending g placed by a slice is computed piece by
// piece into dst, without being stored.
func scatterApply(n *Node, dst *tensor.Tensor, g *Node, tangent bool) {
	if n.op == scatterSliceOp {
		if base, stride, ok := affineSlice(dst.Shape(), n.p.axis, n.p.start, n.p.step); ok &&
			g.tape.fuseInto(g, tangent, fuseSink{kind: sinkUnslice, dst: dst.Data(), base: base, step: stride, first: base}) {
			return
		}
		tensor.UnsliceTo(dst, g.aspect(tangent), dst.Shape(), n.p.axis, n.p.start, n.p.end, n.p.step)
		return
	}
	src := g.aspect(tangent)
	clear(dst.Data())
	accApply(n, dst, src)
}

// accFrom adds the value (or, with tangent set, the tangent) of g into
// dst at the positions n's accumulation op names, as accApply does; a
// pending g added densely or into a slice is computed piece by piece
// into dst, without being stored.
func accFrom(n *Node, dst *tensor.Tensor, g *Node, tangent bool) {
	if g.pending(tangent) {
		s := fuseSink{dst: dst.Data()}
		ok := true
		switch n.op {
		case accAddOp:
			s.kind = sinkAdd
		case accAxpyOp:
			s.kind, s.c = sinkAxpy, n.p.f
		case accSliceOp:
			s.kind = sinkUnsliceAdd
			s.base, s.step, ok = affineSlice(dst.Shape(), n.p.axis, n.p.start, n.p.step)
		default:
			ok = false
		}
		if ok && g.tape.fuseInto(g, tangent, s) {
			return
		}
	}
	accApply(n, dst, g.aspect(tangent))
}

// aspect returns n's computed value or, with tangent set, its computed
// tangent.
func (n *Node) aspect(tangent bool) *tensor.Tensor {
	if tangent {
		return n.tan()
	}
	return n.val()
}

// accApply adds src into dst at the positions n's accumulation op names
// (dst has the accumulator's shape, src the contribution's).
func accApply(n *Node, dst, src *tensor.Tensor) {
	d, s := dst.Data(), src.Data()
	switch n.op {
	case accAddOp: // same shapes: Add summed the contribution to the accumulator's shape
		if len(d) > 8 {
			tensor.AddInto(dst, src)
			return
		}
		s = s[:len(d)]
		for i, v := range s {
			d[i] += v
		}
	case accAxpyOp: // same shapes, as for accAddOp
		tensor.AxpyInto(dst, n.p.f, src)
	case accElemsOp, scatterElemsOp:
		if n.p.keep {
			d[n.p.start] += s[0]
			return
		}
		for r, j := range n.p.idx {
			d[j] += s[r]
		}
	case accRowsOp, scatterRowsOp:
		rs := 1
		if len(dst.Shape()) > 0 {
			rs = len(d) / dst.Shape()[0]
		}
		for r, j := range n.p.idx {
			row, add := d[j*rs:(j+1)*rs], s[r*rs:(r+1)*rs]
			for k, v := range add {
				row[k] += v
			}
		}
	case accSliceOp, scatterSliceOp:
		tensor.UnsliceAccTo(dst, src, n.p.axis, n.p.start, n.p.end, n.p.step)
	default:
		panic("graph: accApply: not an accumulation op")
	}
}
