package graph

import (
	"math"
	"sync/atomic"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Deferred evaluation: element-wise work fused block by block ----
//
// A large element-wise operation (Add, Mul, Square, a strided Slice of a
// computed tensor, …; see Op.eval) is recorded without computing its
// value: the node is marked pending, and so is its tangent in forward
// mode. A pending value is computed when something reads it (Value,
// another op's forward or derivative rule, a reduction), together with
// every pending value it depends on, block by block: for each block of
// fuseBlock elements the plan's ops run on block-sized views and scratch
// that stay in the caches, and only the result is written (or summed, or
// scattered into an adjoint: see fuseSink). Values that nobody reads as a
// whole, like t² in Σ t², are never written at all; a value read twice is
// computed twice, which for element-wise arithmetic costs less than the
// pass over memory that storing it would.
//
// The rules stay the ops' own: a block is evaluated by calling the op's
// forward rule (eval) and its JVP on shadow nodes whose values and
// tangents are views of the block, so there is one definition of each op
// whatever the path. Results are the same bits as evaluating the ops one
// after another: element-wise rules do not depend on how the elements are
// grouped, and a Sum of a pending value adds its blocks in SumAll's order.
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
	fusePiece = 1024
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
	tp.runFused(n, tangent, fuseSink{kind: sinkStore, dst: dst})
	if tangent {
		n.pend &^= pendTangent
	} else {
		n.pend &^= pendValue
	}
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
)

// fuseSink is the destination of a fused evaluation.
type fuseSink struct {
	kind       sinkKind
	dst        []float64
	c          float64
	base, step int
	sums       []float64 // sinkSum: the sum of each block
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

// pending reports whether reading n's value (or, with tangent, its
// tangent) would compute it.
func (n *Node) pending(tangent bool) bool {
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
	all      []*Node
	planned  []bool     // all[i] is pending (in a way this plan computes) and is evaluated
	evalV    []bool     // all[i]'s value is computed by the plan
	evalT    []bool     // all[i]'s tangent is computed by the plan
	ins      [][2]int32 // the indices in all of a planned node's inputs (−1: none)
	vslot    []int32    // where all[i]'s value block is: a scratch slot, or slotView, slotDst
	tslot    []int32    // the same for its tangent (slotNone without one)
	slots    int        // scratch slots per worker
	tangents bool
	size     int
	root     int
	workers  []fuseWorker
	sums     []float64 // fusedSum's block sums
}

const (
	slotView = -1 // a view of the node's computed storage
	slotDst  = -2 // the sink's destination (a stored root)
	slotNone = -3 // no tangent
)

// build collects the plan for computing root's pending value, or with
// tangents its tangent (and the values that needs). With store set, the
// root's result is written straight into the sink's destination.
func (p *fusePlan) build(root *Node, tangents, store bool) {
	p.all, p.planned, p.ins = p.all[:0], p.planned[:0], p.ins[:0]
	p.tangents, p.size = tangents, root.value.Size()
	p.root = int(p.add(root))
	for _, n := range p.all {
		n.mark = 0
	}
	p.vslot, p.tslot, p.evalV, p.evalT = p.vslot[:0], p.tslot[:0], p.evalV[:0], p.evalT[:0]
	p.slots = 0
	slot := func(i int) int32 {
		if store && i == p.root {
			return slotDst
		}
		p.slots++
		return int32(p.slots - 1)
	}
	for i, n := range p.all {
		v, t := int32(slotView), int32(slotNone)
		ev := p.planned[i] && n.pend&pendValue != 0
		et := p.planned[i] && tangents && n.hasTan && n.pend&pendTangent != 0
		if tangents && n.hasTan {
			t = slotView
		}
		switch {
		case ev && et:
			v, t = int32(p.slots), slot(i)
			p.slots++
		case ev:
			v = slot(i)
		case et:
			t = slot(i)
		}
		p.vslot, p.tslot = append(p.vslot, v), append(p.tslot, t)
		p.evalV, p.evalT = append(p.evalV, ev), append(p.evalT, et)
	}
}

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
	shape [1]int
	gshape [1]int
}

// runFused evaluates root's pending value (or tangent) into the sink s.
func (tp *Tape) runFused(root *Node, tangent bool, s fuseSink) {
	p := &tp.fuse
	p.build(root, tangent, s.kind == sinkStore || s.kind == sinkSum)
	nb := (p.size + fuseBlock - 1) / fuseBlock
	if s.kind == sinkUnslice { // the zeros outside the positions the blocks write
		clear(s.dst[:s.base])
		clear(s.dst[min(len(s.dst), s.base+s.step*(p.size-1)+1):])
	}
	w := min(tensor.ParallelWorkers(p.size), nb)
	for len(p.workers) < w {
		p.workers = append(p.workers, fuseWorker{})
	}
	if w <= 1 {
		fw := &p.workers[0]
		fw.setup(p)
		fw.blocks(p, &s, 0, nb)
		return
	}
	for i := range w {
		p.workers[i].setup(p)
	}
	chunks := min(nb, 4*w)
	per := (nb + chunks - 1) / chunks
	chunks = (nb + per - 1) / per
	tensor.ParallelRun(chunks, w, func(c int) {
		fw := p.take(w)
		fw.blocks(p, &s, c*per, min((c+1)*per, nb))
		fw.busy.Store(false)
	})
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
	if need := p.slots * fusePiece; len(fw.buf) < need {
		fw.buf = make([]float64, need)
	}
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
func (fw *fuseWorker) blocks(p *fusePlan, s *fuseSink, b0, b1 int) {
	for b := b0; b < b1; b++ {
		end := min((b+1)*fuseBlock, p.size)
		for lo := b * fuseBlock; lo < end; lo += fusePiece {
			fw.piece(p, s, lo, min(lo+fusePiece, end))
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
	shape := fw.shape[:]
	m := hi - lo
	shape[0] = m
	for i, n := range p.all {
		if n.value.Size() == 1 {
			continue
		}
		sh := &fw.sh[i]
		sh.value.Wrap(fw.block(n.value.Data(), s, p.vslot[i], lo, hi), shape)
		if sh.hasTan {
			var data []float64
			if p.tslot[i] == slotView {
				data = n.tangent.Data()
			}
			sh.tangent.Wrap(fw.block(data, s, p.tslot[i], lo, hi), shape)
		}
	}
	for i, n := range p.all {
		if !p.planned[i] {
			continue
		}
		sh := &fw.sh[i]
		if n.op == sliceOp {
			fw.gather(n, sh, p, lo, m)
			continue
		}
		if p.evalV[i] {
			n.op.eval(sh)
		}
		if p.evalT[i] {
			n.op.JVP(sh, sh.tangent)
		}
	}
	r := &fw.sh[p.root]
	out := &r.value
	if p.tangents {
		out = r.tangent
	}
	fw.sink(s, out, lo, m)
}

// block returns the storage of a node's piece lo..hi: a view of data,
// the sink's destination (for a sum, the worker's staging of the block),
// or the worker's scratch slot.
func (fw *fuseWorker) block(data []float64, s *fuseSink, slot int32, lo, hi int) []float64 {
	switch {
	case slot == slotView:
		return data[lo:hi]
	case slot == slotDst && s.kind == sinkSum:
		k := lo % fuseBlock
		return fw.stage[k : k+hi-lo]
	case slot == slotDst:
		return s.dst[lo:hi]
	}
	k := int(slot) * fusePiece
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

// sink applies s to the root's piece out (m elements from lo).
func (fw *fuseWorker) sink(s *fuseSink, out *tensor.Tensor, lo, m int) {
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
	case sinkUnslice, sinkUnsliceAdd:
		at := s.base + s.step*lo
		l := min(s.step*m, len(s.dst)-at) // to the next block's first position, or the end
		if s.kind == sinkUnsliceAdd {
			l = s.step*(m-1) + 1
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
// evaluation makes block by block, when it is large enough, its input's
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
	for i := range p.workers {
		clear(p.workers[i].sh[:cap(p.workers[i].sh)])
	}
}
