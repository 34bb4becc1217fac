package graph

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Deferred evaluation: element-wise work fused piece by piece ----
//
// A large element-wise operation (Add, Mul, Square, a strided Slice of a
// computed tensor, …; see Op.eval) is recorded without computing its
// value: the node is marked pending, and so is its tangent in forward
// mode. A pending value is computed when something reads it (Value,
// another op's forward or derivative rule, a reduction), together with
// every pending value it depends on (a plan), piece by piece: for each
// piece of at most fusePiece elements the plan's ops run on views and
// scratch of the piece's length, which stay in L1, and only the result is
// written (or summed, or scattered into an adjoint: see fuseSink). Values
// that nobody reads as a whole, like t² in Σ t², are never written at
// all; a value read twice is computed twice, which for element-wise
// arithmetic costs less than the pass over memory that storing it would.
//
// The rules stay the ops' own: a piece is evaluated by calling the op's
// forward rule (eval) and its JVP on shadow nodes whose values and
// tangents are views of the piece, so there is one definition of each op
// whatever the path. Results are the same bits as evaluating the ops one
// after another: element-wise rules do not depend on how the elements are
// grouped, and a Sum of a pending value adds its blocks of fuseBlock
// elements in SumAll's order.
//
// A pending value reads its inputs' storage when it is computed, so the
// storage of anything a pending node reads must not change meanwhile: the
// only nodes whose storage is updated in place are a reverse sweep's
// accumulations, and they make their accumulator's value computed first.

const (
	pendValue   uint8 = 1 << iota // the value is not computed yet
	pendTangent                   // the tangent (hasTan is set) is not computed yet
)

// fuseBlock is the unit in which a fused evaluation is shared among
// goroutines and summed: SumAll's block, so that a Sum of a pending value
// is SumAll of its value, bit for bit. Each is evaluated in pieces of
// fusePiece elements, so that the scratch of a plan of a dozen nodes
// stays in L1: with pieces of a whole block, the kernels of a plan ran
// at the speed of L2.
const (
	fuseBlock = tensor.SumBlock
	fusePiece = 1024 // at most; see fusePlan.piece
	fuseL1    = 16 << 10
)

// fuseCostMax bounds the pending nodes that one computation may evaluate
// (counted along every path, see Node.vcost): a node whose value would
// depend on more is computed at once. It bounds the scratch of a plan and
// the work repeated when several values that share pending inputs are
// read one after another.
const fuseCostMax = 32

// deferValue records the element-wise node n (its op has an eval rule) as
// pending when it is large enough and its inputs have its shape or one
// element, and reports whether it did. A node recorded with anomaly
// detection on is never deferred, since its value is checked at once.
func (tp *Tape) deferValue(n *Node) bool {
	size := n.value.Size()
	if size < fuseMin || size < 2 || tp.detect {
		return false
	}
	cost := 1
	for _, in := range n.in {
		if in.value.Size() != 1 && !tensor.SameShape(in.Shape(), n.Shape()) {
			return false
		}
		if in.chain {
			in.val() // a chain is computed as a whole, never inside a plan
		}
		if in.pend&pendValue != 0 {
			cost += int(in.vcost)
		}
	}
	n.canDefer = true
	if cost > fuseCostMax {
		return false
	}
	n.pend, n.vcost = pendValue, uint8(cost)
	if fusePoison {
		poison(n.value.Data())
	}
	if tp.tangents {
		for _, in := range n.in {
			if in.hasTan {
				n.PushTangent() // deferred too, unless too costly
				break
			}
		}
	}
	return true
}

// deferTangent marks the tangent of n (which can be deferred and has an
// input carrying a tangent) as pending, unless computing it would
// evaluate too many pending nodes, and reports whether it did.
func (tp *Tape) deferTangent(n *Node) bool {
	if tp.detect || (n.op == sliceOp && n.in[0].pend&pendTangent != 0) {
		return false // a deferred Slice gathers from its input's computed tangent
	}
	cost := 1
	for _, in := range n.in {
		if in.chain { // a chain is computed as a whole, never inside a plan
			in.val()
			in.tan()
		}
		switch {
		case in.pend&pendTangent != 0:
			cost += int(in.tcost)
		case in.pend&pendValue != 0:
			cost += int(in.vcost)
		}
	}
	if cost > fuseCostMax {
		return false
	}
	n.pend |= pendTangent
	n.tcost = uint8(cost)
	if fusePoison && n.tangent != nil && !n.viewTan {
		poison(n.tangent.Data())
	}
	return true
}

// elementwise finishes the node of an element-wise op: deferred, or its
// value computed now by the op's eval rule.
func (tp *Tape) elementwise(n *Node) *Node {
	if tp.deferValue(n) {
		return n
	}
	n.op.eval(n)
	return tp.record(n)
}

// materialize computes n's pending value (or, with tangent set, its
// pending tangent) into the node's storage.
func (tp *Tape) materialize(n *Node, tangent bool) {
	var dst []float64
	if tangent {
		n.ensureTangent()
		dst = n.tangent.Data()
	} else {
		dst = n.value.Data()
	}
	if !n.chain {
		tp.runFused(n, tangent, fuseSink{kind: sinkStore, dst: dst})
		n.pend &^= pendValue << b2u(tangent)
		return
	}
	bottom := tp.runChain(n, tangent, dst)
	for c := n; ; c = c.in[0] {
		c.pend &^= pendValue << b2u(tangent)
		if c == bottom {
			break
		}
	}
}

// b2u returns 1 for true and 0 for false.
func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// sinkKind says what a fused evaluation does with its result.
type sinkKind uint8

const (
	sinkStore      sinkKind = iota // write it into dst
	sinkSum                        // sum it (fusedSum)
	sinkAdd                        // add it into dst
	sinkAxpy                       // add c times it into dst
	sinkUnslice                    // place it at dst[base + step·i], zeros elsewhere
	sinkUnsliceAdd                 // add it into dst[base + step·i]
	sinkInterleave                 // with the next sink's root: the two in turn from dst[first] (step 2)
	sinkSkip                       // written by the sink before
)

// fuseSink is the destination of a fused evaluation.
type fuseSink struct {
	kind       sinkKind
	dst        []float64
	c          float64
	base, step int
	// first, for sinkUnslice, is the first position that the pieces
	// write (≤ base: other sinks of the plan add at positions from
	// there, less than step apart); each piece writes its span of dst
	// whole, zeros included, before they add.
	first int
	sums  []float64 // sinkSum: the sum of each block
}

// fusedSum returns the sum of x's pending value (or tangent), as SumAll
// of it would, without storing it.
func (tp *Tape) fusedSum(x *Node, tangent bool) float64 {
	nb := (x.value.Size() + fuseBlock - 1) / fuseBlock
	if cap(tp.fuse.sums) < nb {
		tp.fuse.sums = make([]float64, nb)
	}
	s := fuseSink{kind: sinkSum, sums: tp.fuse.sums[:nb]}
	tp.runFused(x, tangent, s)
	return tensor.SumBlockSums(s.sums)
}

// pending reports whether n's value (or, with tangent, its tangent) is
// deferred and can be computed by a plan (not a chain's, which is
// computed as a whole: see runChain).
func (n *Node) pending(tangent bool) bool {
	if n.chain {
		return false
	}
	if tangent {
		return n.hasTan && n.pend&pendTangent != 0
	}
	return n.pend&pendValue != 0
}

// fuseInto applies the sink s to src's pending value (or tangent)
// without storing it, and reports true; when it is not pending it
// reports false and does nothing, for the caller to use the computed
// one.
func (tp *Tape) fuseInto(src *Node, tangent bool, s fuseSink) bool {
	if !src.pending(tangent) {
		return false
	}
	tp.runFused(src, tangent, s)
	return true
}

// fusePlan is what one fused evaluation computes: the nodes it reads, in
// an order in which every node's inputs come before it.
type fusePlan struct {
	all        []*Node
	planned    []bool     // all[i] is pending (in a way this plan computes) and is evaluated
	evalV      []bool     // all[i]'s value is computed by the plan
	evalT      []bool     // all[i]'s tangent is computed by the plan
	ins        [][2]int32 // the indices in all of a planned node's inputs (−1: none)
	vslot      []int32    // where all[i]'s value piece is: a scratch slot, or slotView, slotDst, slotKeep
	tslot      []int32    // the same for its tangent (slotNone without one)
	slots      int        // scratch slots per worker
	piece      int        // the elements of a piece: a power of two dividing fuseBlock
	tangents   bool
	heavy      bool // an evaluated op is heavy (Op.heavy)
	size       int
	root       int   // roots[0]
	roots      []int // the indices in all of the nodes whose results go to the sinks
	sinks      []fuseSink
	workers    []fuseWorker
	sums       []float64 // fusedSum's block sums
	rootBuf    [1]*Node
	pair       []int32    // see pairSlices
	need       []bool     // see valuesRead
	direct     []bool     // see valuesRead
	keep       []bool     // see keepValues
	last       []int32    // see assignSlots
	movingV    []int32    // the nodes whose value pieces are views that move with the piece
	movingT    []int32    // the same for tangents
	steps      []fuseStep // the planned nodes, in order, but the odd Slices of pairs
	free       []int32
	chainRoots []*Node
}

// fuseStep is one planned node's work in a piece.
type fuseStep struct {
	i            int32 // the node's index in the plan
	pair         int32 // for the even Slice of a pair, the odd one's index; −1 otherwise
	gather       bool  // a Slice, gathered from its input
	evalV, evalT bool  // its value, its tangent are computed
}

const (
	slotView = -1 // a view of the node's computed storage
	slotDst  = -2 // the sink's destination (a stored root)
	slotNone = -3 // no tangent
	slotKeep = -4 // the node's own storage, where the plan keeps the value it computes
)

// build collects the plan for computing root's pending value, or with
// tangents its tangent (and the values that needs). With store set, the
// root's result is written straight into the sink's destination.
func (p *fusePlan) build(roots []*Node, tangents, store bool) {
	p.all, p.planned, p.ins, p.roots = p.all[:0], p.planned[:0], p.ins[:0], p.roots[:0]
	p.tangents, p.size = tangents, roots[0].value.Size()
	for _, r := range roots {
		p.roots = append(p.roots, int(p.add(r)))
	}
	p.root = p.roots[0]
	for _, n := range p.all {
		n.mark = 0
	}
	p.vslot, p.tslot, p.evalV, p.evalT = p.vslot[:0], p.tslot[:0], p.evalV[:0], p.evalT[:0]
	for i, n := range p.all {
		p.evalV = append(p.evalV, p.planned[i] && n.pend&pendValue != 0)
		p.evalT = append(p.evalT, p.planned[i] && tangents && n.hasTan && n.pend&pendTangent != 0)
	}
	if tangents {
		p.valuesRead()
		p.keepValues()
	} else {
		p.keepDeep()
	}
	p.pairSlices()
	p.assignSlots(store)
	p.heavy = false
	for i, n := range p.all {
		if (p.evalV[i] || p.evalT[i]) && n.op != nil && n.op.heavy {
			p.heavy = true
		}
	}
}

// assignSlots gives every value and tangent the plan computes a scratch
// slot (or, for a stored single root, the destination), reusing the slot
// of a result once the last node that reads it in a piece has run, so
// that a piece's scratch stays in L1.
func (p *fusePlan) assignSlots(store bool) {
	m := len(p.all)
	p.last = p.last[:0]
	for i := range m {
		p.last = append(p.last, int32(i))
	}
	for i := range m {
		if p.planned[i] && p.all[i].op != sliceOp {
			for _, k := range p.ins[i] {
				if k >= 0 {
					p.last[k] = max(p.last[k], int32(i))
				}
			}
		}
	}
	for _, r := range p.roots {
		p.last[r] = int32(m) // read by the sinks
	}
	for i := range m { // a pair is computed at its first Slice
		if j := p.pair[i]; j >= 0 {
			p.last[i] = max(p.last[i], int32(j))
			p.last[j] = max(p.last[j], int32(i))
		}
	}
	p.vslot, p.tslot = p.vslot[:0], p.tslot[:0]
	for _, n := range p.all {
		v, t := int32(slotView), int32(slotNone)
		if p.tangents && n.hasTan {
			t = slotView
		}
		p.vslot, p.tslot = append(p.vslot, v), append(p.tslot, t)
	}
	free, slots := p.free[:0], 0
	take := func() int32 {
		if k := len(free); k > 0 {
			s := free[k-1]
			free = free[:k-1]
			return s
		}
		slots++
		return int32(slots - 1)
	}
	give := func(i int) {
		if s := p.vslot[i]; s >= 0 {
			free = append(free, s)
		}
		if s := p.tslot[i]; s >= 0 {
			free = append(free, s)
		}
	}
	born := func(i int) {
		if p.evalV[i] {
			switch {
			case p.keep[i]:
				p.vslot[i] = slotKeep
			case store && i == p.root && len(p.roots) == 1 && !p.tangents:
				p.vslot[i] = slotDst
			default:
				p.vslot[i] = take()
			}
		}
		if p.evalT[i] {
			if store && i == p.root && len(p.roots) == 1 {
				p.tslot[i] = slotDst
			} else {
				p.tslot[i] = take()
			}
		}
	}
	for i := range m {
		switch j := p.pair[i]; {
		case j >= 0:
			born(i)
			born(int(j))
		case j == -1:
			born(i)
		}
		// Release what dies at i: i's inputs (and i itself, if unread)
		// whose last reader is i.
		if p.planned[i] && p.all[i].op != sliceOp {
			for _, k := range p.ins[i] {
				if k >= 0 && p.last[k] == int32(i) {
					give(int(k))
					p.last[k] = -1 // given once, even when read twice by i
				}
			}
		}
		if p.last[i] == int32(i) {
			give(i)
			p.last[i] = -1
		}
	}
	p.free, p.slots = free[:0], slots
	p.movingV, p.movingT, p.steps = p.movingV[:0], p.movingT[:0], p.steps[:0]
	for i, n := range p.all {
		if n.value.Size() != 1 {
			if p.vslot[i] < 0 {
				p.movingV = append(p.movingV, int32(i))
			}
			if t := p.tslot[i]; t != slotNone && t < 0 {
				p.movingT = append(p.movingT, int32(i))
			}
		}
		if p.planned[i] && p.pair[i] != pairedOdd {
			st := fuseStep{i: int32(i), pair: -1, evalV: p.evalV[i], evalT: p.evalT[i]}
			if n.op == sliceOp {
				st.pair, st.gather = p.pair[i], true
			}
			p.steps = append(p.steps, st)
		}
	}
	// The longest piece whose scratch fits in fuseL1 bytes (most of L1
	// data cache), from fusePiece down to a quarter of it: longer
	// pieces cost less per kernel call, but a plan whose scratch spills
	// to L2 ran its kernels at half the speed (the tangent plan of
	// Rosenbrock's HVP, a dozen slots, on pieces of 1024 elements).
	p.piece = fusePiece
	for p.piece > fusePiece/4 && p.slots*p.piece*8 > fuseL1 {
		p.piece /= 2
	}
}

// valuesRead keeps, of the pending values a tangent plan would compute,
// only those that a tangent rule reads, directly or through the values it
// reads: the value of a node whose result is used only linearly (summed,
// scaled) is never computed for a tangent.
func (p *fusePlan) valuesRead() {
	p.need = p.need[:0]
	for range p.all {
		p.need = append(p.need, false)
	}
	p.direct = p.direct[:0]
	for range p.all {
		p.need = append(p.need, false)
		p.direct = append(p.direct, false)
	}
	for i := len(p.all) - 1; i >= 0; i-- {
		n := p.all[i]
		if !p.planned[i] || n.op == sliceOp {
			continue
		}
		if p.evalT[i] {
			switch {
			case n.op.productJVP:
				// The product rule ȧ·b + a·ḃ reads b only for ȧ, a only for ḃ.
				a, b := p.ins[i][0], p.ins[i][1]
				p.markInputs(i, [2]bool{b >= 0 && p.all[b].hasTan, a >= 0 && p.all[a].hasTan}, true)
			case !n.op.linearJVP:
				p.markInputs(i, [2]bool{true, true}, true)
			}
			if n.op.jvpReadsOutput {
				p.need[i], p.direct[i] = true, true
			}
		}
		if p.need[i] && p.evalV[i] { // its value is computed from its inputs'
			p.markInputs(i, [2]bool{true, true}, false)
		}
	}
	for i := range p.all {
		p.evalV[i] = p.evalV[i] && p.need[i]
	}
}

// markInputs marks as needed the values of node i's inputs k with
// which[k], and as read by a tangent rule itself when direct is set.
func (p *fusePlan) markInputs(i int, which [2]bool, direct bool) {
	for k, in := range p.ins[i] {
		if in >= 0 && which[k] {
			p.need[in] = true
			p.direct[in] = p.direct[in] || direct
		}
	}
}

// keepValues marks, in a tangent plan, the pending values that tangent
// rules read and that an earlier tangent plan computed already: they are
// written to their nodes' storage this time, so that the next products
// at the same point read them instead of computing them and what they
// depend on again (Linearize's products: the values read by the
// rules are a fraction of those computed to get them).
func (p *fusePlan) keepValues() {
	p.keep = p.keep[:0]
	for i, n := range p.all {
		k := false
		if p.evalV[i] && p.direct[i] {
			if n.reread > 0 {
				k = true
			} else {
				n.reread++
			}
		}
		p.keep = append(p.keep, k)
	}
}

// fuseKeepCost is the cost (Node.vcost) from which a value that a second
// plan computes again is kept in its node's storage (keepDeep).
const fuseKeepCost = 8

// keepDeep marks, in a value plan, the pending values that an earlier
// value plan computed already and that cost fuseKeepCost ops or more to
// compute: they are written to their nodes' storage this time. Several
// sums of functions of one deep expression (its mean, its mean square)
// then compute it at most twice, not once per sum; a cheap value (a
// gather, t = x₂ − x₁²) is computed again instead, which costs less than
// storing it.
func (p *fusePlan) keepDeep() {
	p.keep = p.keep[:0]
	for i, n := range p.all {
		k := false
		if p.evalV[i] && n.vcost >= fuseKeepCost && i != p.root {
			if n.vreread > 0 {
				k = true
			} else {
				n.vreread++
			}
		}
		p.keep = append(p.keep, k)
	}
}

// pairSlices finds the deferred Slices of the plan that take the even
// and the odd elements of one input, so that a piece gathers the two in
// one pass over the input (DeinterleaveTo): pair[i] is the index of the
// odd Slice when all[i] is the even one, −1 otherwise; both must compute
// the same aspects.
func (p *fusePlan) pairSlices() {
	p.pair = p.pair[:0]
	for range p.all {
		p.pair = append(p.pair, -1)
	}
	for i, n := range p.all {
		if !p.planned[i] || n.op != sliceOp {
			continue
		}
		b, s, _ := affineSlice(n.in[0].Shape(), n.p.axis, n.p.start, n.p.step)
		if s != 2 {
			continue
		}
		for j := i + 1; j < len(p.all); j++ {
			o := p.all[j]
			if !p.planned[j] || o.op != sliceOp || o.in[0] != n.in[0] || p.evalV[j] != p.evalV[i] ||
				p.evalT[j] != p.evalT[i] || o.value.Size() != n.value.Size() {
				continue
			}
			ob, os, _ := affineSlice(o.in[0].Shape(), o.p.axis, o.p.start, o.p.step)
			switch {
			case os != 2:
			case ob == b+1:
				p.pair[i] = int32(j)
			case ob == b-1:
				p.pair[j] = int32(i)
			default:
				continue
			}
			p.pairedAway(i, j)
			break
		}
	}
}

// pairedAway marks the odd Slice of a pair as gathered with the even one.
func (p *fusePlan) pairedAway(i, j int) {
	if p.pair[i] == int32(j) {
		p.pair[j] = pairedOdd
	} else {
		p.pair[i] = pairedOdd
	}
}

// pairedOdd marks in fusePlan.pair the odd Slice of a pair.
const pairedOdd = -2

// add adds n and, if it is to be evaluated, its inputs, and returns its
// index in all.
func (p *fusePlan) add(n *Node) int32 {
	if n.mark > 0 {
		return n.mark - 1
	}
	planned := n.pend&pendValue != 0 || (p.tangents && n.hasTan && n.pend&pendTangent != 0)
	ins := [2]int32{-1, -1}
	switch {
	case !planned:
	case n.op == sliceOp:
		// A gather from its input's storage, which is computed: a Slice is
		// deferred only when its input's value is, and its tangent only
		// when its input's tangent is (see sliceNode, deferTangent).
	default:
		for k, in := range n.in {
			ins[k] = p.add(in)
		}
	}
	i := int32(len(p.all))
	p.all, p.planned, p.ins = append(p.all, n), append(p.planned, planned), append(p.ins, ins)
	n.mark = i + 1
	return i
}

// fuseWorker is one goroutine's state in a fused evaluation: shadow nodes
// standing for the plan's nodes on one block, and the scratch of their
// blocks.
type fuseWorker struct {
	busy  atomic.Bool
	sh    []Node
	tan   []tensor.Tensor
	buf   []float64
	stage []float64 // a sum's block, summed when complete
	// wrapped says the shadows of scratch slots already view their slots
	// at the length fw.shape[0] (reset by setup).
	wrapped bool
	plen    int // the plan's piece length (fusePlan.piece)
	shape   [1]int
	gshape  [1]int
}

// runFused evaluates root's pending value (or tangent) into the sink s.
func (tp *Tape) runFused(root *Node, tangent bool, s fuseSink) {
	p := &tp.fuse
	p.rootBuf[0], p.sinks = root, append(p.sinks[:0], s)
	tp.runPlan(p.rootBuf[:], tangent)
}

// runPlan evaluates the values (or tangents) of roots, all of one size,
// into the sinks p.sinks (one per root, applied to each piece in order).
func (tp *Tape) runPlan(roots []*Node, tangent bool) {
	p := &tp.fuse
	s0 := &p.sinks[0]
	p.build(roots, tangent, s0.kind == sinkStore || s0.kind == sinkSum)
	nb := (p.size + fuseBlock - 1) / fuseBlock
	if s0.kind == sinkUnslice || s0.kind == sinkInterleave { // the zeros outside the spans the pieces write
		clear(s0.dst[:s0.first])
		clear(s0.dst[min(len(s0.dst), s0.first+s0.step*p.size):])
	}
	w := tensor.ParallelWorkers(p.size)
	if p.heavy {
		w = tensor.ParallelWorkersHeavy(p.size)
	}
	w = min(w, nb)
	for len(p.workers) < w {
		p.workers = append(p.workers, fuseWorker{})
	}
	if w <= 1 {
		fw := &p.workers[0]
		fw.setup(p)
		fw.blocks(p, 0, nb)
	} else {
		for i := range w {
			p.workers[i].setup(p)
		}
		chunks := min(nb, 4*w)
		per := (nb + chunks - 1) / chunks
		chunks = (nb + per - 1) / per
		tensor.ParallelRun(chunks, w, func(c int) {
			fw := p.take(w)
			fw.blocks(p, c*per, min((c+1)*per, nb))
			fw.busy.Store(false)
		})
	}
	for i, n := range p.all {
		if p.keep[i] {
			n.pend &^= pendValue // computed into its storage (keepValues)
		}
	}
}

// take returns a free worker of the first w.
func (p *fusePlan) take(w int) *fuseWorker {
	for {
		for i := range w {
			if fw := &p.workers[i]; fw.busy.CompareAndSwap(false, true) {
				return fw
			}
		}
	}
}

// setup makes the worker's shadows for plan p.
func (fw *fuseWorker) setup(p *fusePlan) {
	m := len(p.all)
	if cap(fw.sh) < m {
		fw.sh = make([]Node, m)
		fw.tan = make([]tensor.Tensor, m)
	}
	fw.sh, fw.tan = fw.sh[:m], fw.tan[:m]
	if need := p.slots * p.piece; len(fw.buf) < need {
		fw.buf = make([]float64, need)
	}
	fw.wrapped, fw.shape[0], fw.plen = false, 0, p.piece
	if fw.stage == nil {
		fw.stage = make([]float64, fuseBlock)
	}
	for i, n := range p.all {
		s := &fw.sh[i]
		*s = Node{tape: n.tape, op: n.op, p: n.p, id: -1}
		if p.planned[i] && n.op != sliceOp {
			s.in = s.inl[:len(n.in)]
			for k := range n.in {
				s.inl[k] = &fw.sh[p.ins[i][k]]
			}
		}
		if p.tslot[i] != slotNone {
			s.hasTan, s.tangent = true, &fw.tan[i]
		}
		if n.value.Size() == 1 { // a broadcast scalar: the same for every block
			s.value.Wrap(n.value.Data(), nil)
			if s.hasTan {
				s.tangent.Wrap(n.tangent.Data(), nil)
			}
		}
	}
}

// blocks evaluates blocks b0..b1−1 of plan p into the sink s, piece by
// piece.
func (fw *fuseWorker) blocks(p *fusePlan, b0, b1 int) {
	s := &p.sinks[0]
	for b := b0; b < b1; b++ {
		end := min((b+1)*fuseBlock, p.size)
		for lo := b * fuseBlock; lo < end; lo += p.piece {
			fw.piece(p, s, lo, min(lo+p.piece, end))
		}
		if s.kind == sinkSum {
			var t tensor.Tensor
			fw.gshape[0] = end - b*fuseBlock
			t.Wrap(fw.stage[:fw.gshape[0]], fw.gshape[:])
			s.sums[b] = tensor.SumAll(&t)
		}
	}
}

// piece evaluates the elements lo..hi−1 (of one block) of plan p into
// the sink s.
func (fw *fuseWorker) piece(p *fusePlan, s *fuseSink, lo, hi int) {
	m := hi - lo
	if fw.shape[0] != m { // the first piece, or a shorter last one: every block changes length
		fw.shape[0] = m
		fw.wrapped = false
	}
	if !fw.wrapped {
		for i, n := range p.all {
			if n.value.Size() == 1 {
				continue
			}
			sh := &fw.sh[i]
			fw.view(&sh.value, fw.block(n.value.Data(), s, p.vslot[i], lo, hi))
			if sh.hasTan {
				fw.view(sh.tangent, fw.block(n.tangentData(p.tslot[i]), s, p.tslot[i], lo, hi))
			}
		}
		fw.wrapped = true
	} else {
		// A scratch slot is the same storage for every piece of one
		// length; only the views move along their nodes' storage.
		for _, i := range p.movingV {
			fw.sh[i].value.SetData(fw.block(p.all[i].value.Data(), s, p.vslot[i], lo, hi))
		}
		for _, i := range p.movingT {
			fw.sh[i].tangent.SetData(fw.block(p.all[i].tangentData(p.tslot[i]), s, p.tslot[i], lo, hi))
		}
	}
	for _, st := range p.steps {
		sh := &fw.sh[st.i]
		switch {
		case st.pair >= 0:
			fw.gatherPair(p.all[st.i], sh, &fw.sh[st.pair], p, lo, m)
		case st.gather:
			fw.gather(p.all[st.i], sh, p, lo, m)
		default: // the op's own rules, on the shadow (which holds the op: no load of the node)
			if st.evalV {
				sh.op.eval(sh)
			}
			if st.evalT {
				sh.op.JVP(sh, sh.tangent)
			}
		}
	}
	for k := range p.roots {
		var next *tensor.Tensor
		if k+1 < len(p.roots) {
			next = fw.result(p, k+1)
		}
		fw.sink(&p.sinks[k], fw.result(p, k), next, lo, m)
	}
}

// tangentData returns the storage of n's tangent when the plan views it
// (slot is slotView), nil otherwise.
func (n *Node) tangentData(slot int32) []float64 {
	if slot == slotView {
		return n.tangent.Data()
	}
	return nil
}

// result returns the piece of root k's value (or tangent).
func (fw *fuseWorker) result(p *fusePlan, k int) *tensor.Tensor {
	r := &fw.sh[p.roots[k]]
	if p.tangents {
		return r.tangent
	}
	return &r.value
}

// view makes t a view of data at the worker's current piece length.
func (fw *fuseWorker) view(t *tensor.Tensor, data []float64) {
	if !fw.wrapped {
		t.Wrap(data, fw.shape[:])
		return
	}
	t.SetData(data)
}

// block returns the storage of a node's piece lo..hi: a view of data,
// the sink's destination (for a sum, the worker's staging of the block),
// or the worker's scratch slot.
func (fw *fuseWorker) block(data []float64, s *fuseSink, slot int32, lo, hi int) []float64 {
	switch {
	case slot == slotView || slot == slotKeep:
		return data[lo:hi]
	case slot == slotDst && s.kind == sinkSum:
		k := lo % fuseBlock
		return fw.stage[k : k+hi-lo]
	case slot == slotDst:
		return s.dst[lo:hi]
	}
	k := int(slot) * fw.plen
	return fw.buf[k : k+hi-lo]
}

// gather sets the pending value and tangent of the strided Slice n (on
// its shadow sh) for the block of m elements from lo.
func (fw *fuseWorker) gather(n, sh *Node, p *fusePlan, lo, m int) {
	x := n.in[0]
	base, stride, _ := affineSlice(x.Shape(), n.p.axis, n.p.start, n.p.step)
	if n.pend&pendValue != 0 {
		fw.gatherInto(&sh.value, x.value.Data(), base+stride*lo, stride, m)
	}
	if p.tangents && n.hasTan && n.pend&pendTangent != 0 { // x's tangent is computed (deferTangent)
		fw.gatherInto(sh.tangent, x.tangent.Data(), base+stride*lo, stride, m)
	}
}

// gatherPair sets the pending values and tangents of the Slices n (even
// elements, on the shadow sh) and its odd partner (on the shadow so) for
// the piece of m elements from lo, in one pass over their input.
func (fw *fuseWorker) gatherPair(n, sh, so *Node, p *fusePlan, lo, m int) {
	x := n.in[0]
	base, _, _ := affineSlice(x.Shape(), n.p.axis, n.p.start, n.p.step)
	at := base + 2*lo
	fw.gshape[0] = 2 * m
	var v tensor.Tensor
	if n.pend&pendValue != 0 {
		v.Wrap(x.value.Data()[at:at+2*m], fw.gshape[:])
		tensor.DeinterleaveTo(&sh.value, &so.value, &v)
	}
	if p.tangents && n.hasTan && n.pend&pendTangent != 0 {
		v.Wrap(x.tangent.Data()[at:at+2*m], fw.gshape[:])
		tensor.DeinterleaveTo(sh.tangent, so.tangent, &v)
	}
}

// gatherInto sets dst (m elements) to src[at], src[at+stride], ….
func (fw *fuseWorker) gatherInto(dst *tensor.Tensor, src []float64, at, stride, m int) {
	if stride == 1 {
		copy(dst.Data(), src[at:at+m])
		return
	}
	l := stride*(m-1) + 1
	var v tensor.Tensor
	fw.gshape[0] = l
	v.Wrap(src[at:at+l], fw.gshape[:])
	tensor.SliceTo(dst, &v, 0, 0, l, stride)
}

// sink applies s to the root's piece out (m elements from lo); next is
// the next root's piece, which sinkInterleave writes too.
func (fw *fuseWorker) sink(s *fuseSink, out, next *tensor.Tensor, lo, m int) {
	switch s.kind {
	case sinkStore, sinkSum: // written in place; a sum's block is summed whole (blocks)
	case sinkAdd, sinkAxpy:
		var d tensor.Tensor
		d.Wrap(s.dst[lo:lo+m], out.Shape())
		if s.kind == sinkAdd {
			tensor.AddInto(&d, out)
		} else {
			tensor.AxpyInto(&d, s.c, out)
		}
	case sinkInterleave:
		at := s.first + 2*lo
		fw.gshape[0] = 2 * m
		var d tensor.Tensor
		d.Wrap(s.dst[at:at+2*m], fw.gshape[:])
		if s.base == s.first { // this root's elements are the even ones
			tensor.InterleaveTo(&d, out, next, false, true)
		} else {
			tensor.InterleaveTo(&d, next, out, true, false)
		}
	case sinkSkip:
	case sinkUnslice, sinkUnsliceAdd:
		at := s.base + s.step*lo
		l := s.step*(m-1) + 1
		if s.kind == sinkUnslice { // the piece's span, from first+step·lo to the next piece's
			span := s.first + s.step*lo
			clear(s.dst[span:at])
			l = min(s.first+s.step*(lo+m), len(s.dst)) - at
		}
		var d tensor.Tensor
		fw.gshape[0] = l
		d.Wrap(s.dst[at:at+l], fw.gshape[:])
		if s.kind == sinkUnslice {
			tensor.UnsliceTo(&d, out, d.Shape(), 0, 0, l, s.step)
		} else {
			tensor.UnsliceAccTo(&d, out, 0, 0, l, s.step)
		}
	}
}

// affineSlice reports whether the slice start, start+step, … along axis
// of a tensor of the given shape takes, as its i-th element in order, the
// element base + stride·i of the flat storage, and returns base and
// stride: when the axis has nothing before it and either nothing after it
// or a step of 1.
func affineSlice(shape []int, axis, start, step int) (base, stride int, ok bool) {
	outer, inner := aroundAxis(shape, axis)
	switch {
	case outer != 1:
		return 0, 0, false
	case inner == 1:
		return start, step, true
	case step == 1:
		return start * inner, 1, true
	}
	return 0, 0, false
}

// poison fills the storage of a pending value with NaN, in the builds
// that test deferred evaluation, so that a read that skips its
// computation shows.
func poison(d []float64) {
	for i := range d {
		d[i] = math.NaN()
	}
}

// deferSlice records the Slice n as pending, a gather that a fused
// evaluation makes piece by piece, when it is large enough, its input's
// value is computed (a gather reads it whole) and the slice takes evenly
// spaced elements of the input's storage (affineSlice); it reports
// whether it did.
func (tp *Tape) deferSlice(n *Node) bool {
	x := n.in[0]
	size := n.value.Size()
	if size < fuseMin || size < 2 || tp.detect || x.pend&pendValue != 0 {
		return false
	}
	if _, _, ok := affineSlice(x.Shape(), n.p.axis, n.p.start, n.p.step); !ok {
		return false
	}
	n.canDefer = true
	n.pend, n.vcost = pendValue, 1
	if fusePoison {
		poison(n.value.Data())
	}
	if tp.tangents && x.hasTan {
		n.PushTangent()
	}
	return true
}

// forget drops the plan's references to a recording's nodes and tape.
func (p *fusePlan) forget() {
	clear(p.all[:cap(p.all)])
	clear(p.chainRoots[:cap(p.chainRoots)])
	p.rootBuf[0] = nil
	for i := range p.workers {
		clear(p.workers[i].sh[:cap(p.workers[i].sh)])
	}
}

// ---- Deferred scatters: a Slice's adjoint written once ----
//
// The adjoint of an input read by several strided Slices (the odd and the
// even elements) is a scatter of the first contribution into zeros
// followed by an accumulation of each other one (adjoint.go). When the
// contributions are pending, those nodes are deferred too, as a chain,
// and computed together by one plan: each piece of the adjoint is written
// once, with every contribution in place, instead of once per
// contribution after each has been stored. The chain's nodes share their
// storage, as accumulations always do, and only its last node is read.

// fuseChainMax bounds the contributions of one deferred chain.
const fuseChainMax = 4

// deferScatter records the ScatterSlice n (its contribution in[0]) as
// the pending start of a chain, when it is large enough and the slice is
// affine, and reports whether it did.
func (tp *Tape) deferScatter(n *Node) bool {
	if tp.detect || n.value.Size() < fuseMin || n.in[0].value.Size() < 2 {
		return false
	}
	if _, _, ok := affineSlice(n.Shape(), n.p.axis, n.p.start, n.p.step); !ok {
		return false
	}
	n.chain, n.pend = true, pendValue
	if fusePoison {
		poison(n.value.Data())
	}
	return true
}

// deferAccSlice records the AccumulateSlice n as a pending link of the
// chain its accumulator ends, when the accumulator is pending, the chain
// has room, and the contribution's positions interleave with the first
// one's (the same step and size, an offset less than the step), and
// reports whether it did.
func (tp *Tape) deferAccSlice(n *Node) bool {
	acc, g := n.in[0], n.in[1]
	if !acc.chain || acc.pend&pendValue == 0 {
		return false
	}
	b, s, ok := affineSlice(n.Shape(), n.p.axis, n.p.start, n.p.step)
	if !ok {
		return false
	}
	lo, hi, links := b, b, 1
	for c := acc; ; c = c.in[0] {
		cb, cs, _ := affineSlice(c.Shape(), c.p.axis, c.p.start, c.p.step)
		if cs != s {
			return false
		}
		lo, hi = min(lo, cb), max(hi, cb)
		if c.op == scatterSliceOp {
			if g.value.Size() != c.in[0].value.Size() {
				return false
			}
			break
		}
		links++
	}
	if links >= fuseChainMax || hi-lo >= s {
		return false
	}
	n.chain, n.pend = true, pendValue
	return true
}

// pushChainTangent defers the tangent of the chain node n (which has an
// input carrying one), setting up its storage as PushTangent would.
func (n *Node) pushChainTangent() {
	if n.op.inPlace {
		if acc := n.in[0]; acc.hasTan {
			if n.ownTan || n.tangent == nil {
				n.tangent = n.tape.newTensor()
				n.ownTan = false
			}
			acc.ensureTangent()
			*n.tangent = *acc.tangent
		} else {
			if !n.ownTan {
				n.tangent = nil
			}
			n.ensureTangent()
			n.ownTan = true
		}
	} else {
		n.ensureTangent()
	}
	n.pend |= pendTangent
}

// runChain computes the value (or tangent) of the chain ending at head
// into dst, and reports the lowest node it computed (the chain's pending
// nodes from head down to it now hold their results in dst, when dst is
// their storage).
func (tp *Tape) runChain(head *Node, tangent bool, dst []float64) *Node {
	var nodes [fuseChainMax]*Node
	k := 0
	for c := head; ; c = c.in[0] {
		nodes[k] = c
		k++
		if c.op == scatterSliceOp {
			break
		}
		if b := c.in[0]; !b.chain || b.pend&(pendValue<<b2u(tangent)) == 0 {
			break
		}
	}
	bottom := nodes[k-1]
	for j := range k { // a contribution that is itself a chain is computed first, on its own
		if g := nodes[j].in[len(nodes[j].in)-1]; g.chain {
			g.val() // a tangent plan reads values too
			if tangent {
				g.tan()
			}
		}
	}
	p := &tp.fuse
	p.sinks = p.sinks[:0]
	roots := p.chainRoots[:0]
	first := len(dst)
	add := func(g *Node, kind sinkKind, c *Node) {
		if tangent && !g.hasTan {
			return
		}
		base, step, _ := affineSlice(c.Shape(), c.p.axis, c.p.start, c.p.step)
		roots = append(roots, g)
		p.sinks = append(p.sinks, fuseSink{kind: kind, dst: dst, base: base, step: step})
		first = min(first, base)
	}
	switch {
	case bottom.op == scatterSliceOp:
		if tangent && !bottom.in[0].hasTan {
			clear(dst)
		}
		add(bottom.in[0], sinkUnslice, bottom)
	case tangent && !bottom.in[0].hasTan: // the accumulation's own zeroed storage (PushTangent)
		clear(dst)
		add(bottom.in[1], sinkUnsliceAdd, bottom)
	default: // dst holds the computed accumulator
		add(bottom.in[1], sinkUnsliceAdd, bottom)
	}
	for j := k - 2; j >= 0; j-- {
		add(nodes[j].in[1], sinkUnsliceAdd, nodes[j])
	}
	p.chainRoots = roots[:0]
	if len(roots) == 2 && p.sinks[0].kind == sinkUnslice && p.sinks[0].step == 2 && p.sinks[1].step == 2 &&
		p.sinks[0].base+p.sinks[1].base == 2*first+1 {
		// The even and the odd elements: written in turn, one pass.
		p.sinks[0].kind, p.sinks[1].kind = sinkInterleave, sinkSkip
	}
	if len(roots) > 0 {
		p.sinks[0].first = first
		tp.runPlan(roots, tangent)
	}
	return bottom
}

// ValueInto writes the node's value into dst, which must hold as many
// values: a copy of the value, or, when the value was deferred, the value
// computed straight into dst without being stored (the gradient of an
// objective, written into the caller's slice). dst must not overlap the
// storage of any node of the tape.
func (n *Node) ValueInto(dst []float64) {
	if len(dst) != n.value.Size() {
		panic(fmt.Sprintf("graph: ValueInto: %d values for node %v", len(dst), n))
	}
	if n.pend&pendValue != 0 && (n.chain || n.canDefer) {
		if n.chain {
			n.tape.runChain(n, false, dst)
		} else {
			n.tape.runFused(n, false, fuseSink{kind: sinkStore, dst: dst})
		}
		return
	}
	var d tensor.Tensor
	d.Wrap(dst, n.value.Shape())
	d.CopyFrom(n.val())
}
