package graph

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Reshaping, slicing and indexing ----

// Reshape records x viewed with a new shape of the same size; one
// dimension may be −1 (inferred). The value shares x's storage.
func Reshape(x *Node, shape ...int) *Node {
	s := tensor.ResolveShape("graph: Reshape", x.value.Size(), shape)
	if tensor.SameShape(s, x.Shape()) {
		return x
	}
	return reshapeNode(x, s)
}

// reshapeNode records x viewed with shape s, a valid shape of x's size
// that the node keeps (shapes are never modified, so several nodes may
// share one).
func reshapeNode(x *Node, s []int) *Node {
	n := unaryNode(reshapeOp, x, nil)
	n.value.Wrap(x.val().Data(), s)
	return x.tape.record(n)
}

var reshapeOp = new(Op)

func init() {
	*reshapeOp = Op{
		Name: "Reshape",
		JVP:  func(n *Node, dst *tensor.Tensor) { copy(dst.Data(), n.in[0].tan().Data()) },
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.Add(0, reshapeNode(g, n.in[0].Shape()))
		},
	}
}

// Flatten records x reshaped to one dimension.
func Flatten(x *Node) *Node { return Reshape(x, -1) }

// Slice records the elements start, start+step, … (< end) of x along axis.
// Its VJP adds the adjoint into those positions of x's adjoint only.
func Slice(x *Node, axis, start, end, step int) *Node {
	shape := tensor.SliceShape(x.Shape(), axis, start, end, step) // checks the arguments
	if axis < 0 {
		axis += len(shape)
	}
	return sliceNode(x, shape, axis, start, end, step)
}

// sliceNode records the slice of x along the axis ax (≥ 0) whose shape,
// kept by the node, the caller has computed.
func sliceNode(x *Node, shape []int, ax, start, end, step int) *Node {
	n := unaryNode(sliceOp, x, shape)
	p := n.params()
	n.p.start, p.axis, p.end, p.step = start, ax, end, step
	if x.tape.deferSlice(n) {
		return n
	}
	tensor.SliceTo(&n.value, x.val(), ax, start, end, step)
	return x.tape.record(n)
}

// aroundAxis returns the products of the dimensions of shape before and
// after the axis ax (≥ 0): a tensor of that shape is outer blocks of
// shape[ax] rows of inner contiguous elements.
func aroundAxis(shape []int, ax int) (outer, inner int) {
	outer, inner = 1, 1
	for _, v := range shape[:ax] {
		outer *= v
	}
	for _, v := range shape[ax+1:] {
		inner *= v
	}
	return outer, inner
}

var sliceOp = new(Op)

func init() {
	*sliceOp = Op{
		Name: "Slice",
		JVP: func(n *Node, dst *tensor.Tensor) {
			tensor.SliceTo(dst, n.in[0].tan(), n.p.axis, n.p.start, n.p.end, n.p.step)
		},
		VJP: func(n, g *Node, adj *Adjoints) {
			adj.addSlice(0, g, n.p.axis, n.p.start, n.p.end, n.p.step)
		},
	}
}

// Concat records the pieces xs joined along axis (negative counts from the
// end): they must have the same rank (at least 1) and equal sizes in every
// other dimension. Any number of pieces may be joined in one op, which
// costs time proportional to the total size; its VJP slices the adjoint
// back into the pieces. To join scalars into a vector, use Stack.
func Concat(axis int, xs ...*Node) *Node {
	if len(xs) == 0 {
		panic("graph: Concat: no pieces")
	}
	rank := len(xs[0].Shape())
	if rank == 0 {
		panic("graph: Concat: scalar pieces have no axis to join along (use Stack)")
	}
	ax := axis
	if ax < 0 {
		ax += rank
	}
	if ax < 0 || ax >= rank {
		panic(fmt.Sprintf("graph: Concat: axis %d out of range for shape %v", axis, xs[0].Shape()))
	}
	shape := append([]int(nil), xs[0].Shape()...)
	shape[ax] = 0
	for _, x := range xs {
		s := x.Shape()
		ok := len(s) == rank
		for d := 0; ok && d < rank; d++ {
			ok = d == ax || s[d] == shape[d]
		}
		if !ok {
			panic(fmt.Sprintf("graph: Concat: shapes %v and %v do not join along axis %d", xs[0].Shape(), s, axis))
		}
		shape[ax] += s[ax]
	}
	n := naryNode(concatOp, xs, shape, false)
	n.params().axis = ax
	concatInto(n.val(), n.in, ax, false, false)
	return n.tape.record(n)
}

// concatInto writes the pieces' values (or, with tangents, their tangents,
// zero where a piece has none) into dst, joined along axis ax.
//
// With stacked set, the pieces lack the axis (Stack): each is one slice
// along it.
func concatInto(dst *tensor.Tensor, xs []*Node, ax int, tangents, stacked bool) {
	shape := dst.Shape()
	outer, inner := aroundAxis(shape, ax)
	d, row := dst.Data(), shape[ax]*inner
	for o := 0; o < outer; o++ {
		at := o * row
		for _, x := range xs {
			w := inner
			if !stacked {
				w *= x.Shape()[ax]
			}
			var src []float64
			switch {
			case !tangents:
				src = x.val().Data()
			case x.hasTan:
				src = x.tan().Data()
			}
			if src == nil {
				clear(d[at : at+w])
			} else {
				copy(d[at:at+w], src[o*w:(o+1)*w])
			}
			at += w
		}
	}
}

var concatOp = new(Op)

func init() {
	*concatOp = Op{
		Name: "Concat",
		JVP:  func(n *Node, dst *tensor.Tensor) { concatInto(dst, n.in, n.p.axis, true, false) },
		VJP: func(n, g *Node, adj *Adjoints) {
			off := 0
			for i, x := range n.in {
				w := x.Shape()[n.p.axis]
				if adj.Need(i) { // the slice has the piece's shape
					adj.Add(i, sliceNode(g, x.Shape(), n.p.axis, off, off+w, 1))
				}
				off += w
			}
		},
	}
}

// Stack records the pieces xs, which must share one shape, stacked along a
// new axis at position axis (0 ≤ axis ≤ rank; negative counts from the
// end, as in NumPy): Stack(0, scalars...) makes a vector of them.
func Stack(axis int, xs ...*Node) *Node {
	if len(xs) == 0 {
		panic("graph: Stack: no pieces")
	}
	s0 := xs[0].Shape()
	ax := axis
	if ax < 0 {
		ax += len(s0) + 1
	}
	if ax < 0 || ax > len(s0) {
		panic(fmt.Sprintf("graph: Stack: axis %d out of range for pieces of shape %v", axis, s0))
	}
	for _, x := range xs {
		if !tensor.SameShape(x.Shape(), s0) {
			panic(fmt.Sprintf("graph: Stack: shapes %v and %v differ", s0, x.Shape()))
		}
	}
	shape := make([]int, 0, len(s0)+1)
	shape = append(append(append(shape, s0[:ax]...), len(xs)), s0[ax:]...)
	n := naryNode(stackOp, xs, shape, false)
	n.params().axis = ax
	concatInto(n.val(), n.in, ax, false, true)
	return n.tape.record(n)
}

var stackOp = new(Op)

func init() {
	*stackOp = Op{
		Name: "Stack",
		JVP:  func(n *Node, dst *tensor.Tensor) { concatInto(dst, n.in, n.p.axis, true, true) },
		VJP: func(n, g *Node, adj *Adjoints) {
			scalars := len(n.in[0].Shape()) == 0
			for i, x := range n.in {
				if !adj.Need(i) {
					continue
				}
				if scalars { // pieces stacked into a vector: one element each
					adj.Add(i, indexFlat(g, i))
				} else {
					adj.Add(i, reshapeNode(Slice(g, n.p.axis, i, i+1, 1), x.Shape()))
				}
			}
		},
	}
}
