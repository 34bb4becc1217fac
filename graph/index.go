package graph

import (
	"fmt"
	"slices"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Integer indexing: Index, Gather, GatherElements, Pick ----
//
// Each reads some elements of its input by position. Their VJPs are
// sparse: they add the adjoint into only the positions read (a
// scatter-add, with repeated positions adding up), so element-by-element
// code costs time proportional to its number of ops, not to the size of
// the input times the number of ops.

// Index records the single element x[idx...] as a scalar, so a loss can be
// written over a flat parameter vector: Index(w, 0), Index(w, 1). It costs
// O(1) to record and to differentiate.
func Index(x *Node, idx ...int) *Node {
	shape := x.Shape()
	if len(idx) != len(shape) {
		panic(fmt.Sprintf("graph: Index: %d indices for shape %v", len(idx), shape))
	}
	off := 0
	for i, j := range idx {
		if j < 0 || j >= shape[i] {
			panic(indexOutOfRange(idx, shape))
		}
		off = off*shape[i] + j
	}
	return indexFlat(x, off)
}

// indexOutOfRange is Index's panic message. It prints a copy of idx, so
// that idx does not escape and a call Index(x, i) does not allocate.
func indexOutOfRange(idx, shape []int) string {
	return fmt.Sprintf("graph: Index: index %v out of range for shape %v", slices.Clone(idx), shape)
}

// indexFlat records element off of x's row-major storage, as a scalar.
func indexFlat(x *Node, off int) *Node {
	n := unaryNode(indexOp, x, nil)
	n.p.start = off
	n.val().Data()[0] = x.val().Data()[off]
	return x.tape.record(n)
}

var indexOp = new(Op)

func init() {
	*indexOp = Op{
		Name: "Index",
		JVP:  func(n *Node, dst *tensor.Tensor) { dst.Data()[0] = n.in[0].tan().Data()[n.p.start] },
		VJP:  func(n, g *Node, adj *Adjoints) { adj.addElems(0, g, nil, n.p.start, true) },
	}
}

// Gather records the rows idx[0], idx[1], … of x (along its first axis),
// stacked: the result has shape [len(idx), x's other dimensions...]. Rows
// may repeat, and idx may be empty. It is an embedding lookup, and its VJP
// adds each row of the adjoint back into the row it was read from. idx is
// copied.
func Gather(x *Node, idx []int) *Node {
	shape := x.Shape()
	if len(shape) == 0 {
		panic("graph: Gather: scalar input; Gather reads rows of a tensor of one or more dimensions")
	}
	for _, j := range idx {
		if j < 0 || j >= shape[0] {
			panic(fmt.Sprintf("graph: Gather: row %d out of range for shape %v", j, shape))
		}
	}
	out := make([]int, len(shape))
	copy(out, shape)
	out[0] = len(idx)
	n := unaryNode(gatherOp, x, out)
	n.params().idx = append([]int(nil), idx...)
	gatherRows(n.val(), x.val(), n.p.idx)
	return x.tape.record(n)
}

func gatherRows(dst, x *tensor.Tensor, idx []int) {
	d, s := dst.Data(), x.Data()
	rs := 1
	if sh := x.Shape(); sh[0] > 0 {
		rs = len(s) / sh[0]
	} else {
		rs = tensor.SizeOf(sh[1:])
	}
	for r, j := range idx {
		copy(d[r*rs:(r+1)*rs], s[j*rs:(j+1)*rs])
	}
}

var gatherOp = new(Op)

func init() {
	*gatherOp = Op{
		Name: "Gather",
		JVP:  func(n *Node, dst *tensor.Tensor) { gatherRows(dst, n.in[0].tan(), n.p.idx) },
		VJP:  func(n, g *Node, adj *Adjoints) { adj.addRows(0, g, n.p.idx) },
	}
}

// GatherElements records the elements of x at the given flat (row-major)
// offsets, as a vector of len(idx) elements. Offsets may repeat, and idx
// may be empty. idx is copied.
func GatherElements(x *Node, idx []int) *Node {
	size := x.value.Size()
	for _, j := range idx {
		if j < 0 || j >= size {
			panic(fmt.Sprintf("graph: GatherElements: offset %d out of range for shape %v", j, x.Shape()))
		}
	}
	return gatherFlat(x, append([]int(nil), idx...))
}

// gatherFlat is GatherElements with an index slice the node may keep.
func gatherFlat(x *Node, idx []int) *Node {
	n := unaryNode(gatherElemsOp, x, []int{len(idx)})
	n.params().idx = idx
	gatherElems(n.val(), x.val(), idx)
	return x.tape.record(n)
}

func gatherElems(dst, x *tensor.Tensor, idx []int) {
	d, s := dst.Data(), x.Data()
	for r, j := range idx {
		d[r] = s[j]
	}
}

var gatherElemsOp = new(Op)

func init() {
	*gatherElemsOp = Op{
		Name: "GatherElements",
		JVP:  func(n *Node, dst *tensor.Tensor) { gatherElems(dst, n.in[0].tan(), n.p.idx) },
		VJP:  func(n, g *Node, adj *Adjoints) { adj.addElems(0, g, n.p.idx, 0, false) },
	}
}

// Pick records x[i, idx[i]] for each row i of the matrix x, as a vector:
// the log-probability of each example's label in a cross-entropy with
// integer labels, with no one-hot product.
func Pick(x *Node, idx []int) *Node {
	shape := x.Shape()
	if len(shape) != 2 || len(idx) != shape[0] {
		panic(fmt.Sprintf("graph: Pick: %d indices for shape %v (want a matrix with one index per row)", len(idx), shape))
	}
	off := make([]int, len(idx))
	for i, j := range idx {
		if j < 0 || j >= shape[1] {
			panic(fmt.Sprintf("graph: Pick: index %d of row %d out of range for shape %v", j, i, shape))
		}
		off[i] = i*shape[1] + j
	}
	return gatherFlat(x, off)
}
