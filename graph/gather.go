package graph

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Gathering rows by integer index, and its adjoint ----
//
// A gather reads rows of its input at a list of integer indices (repeats
// allowed); its adjoint adds each row of the output adjoint into the row it
// was read from. Both are linear, and each is the other's VJP. The indices
// are data of the op, not a tape input: they carry no derivative.

// gatherArgs are the indices of a gather and the length of its rows: the
// input is viewed as rows of length row, output row i is input row idx[i].
// The indices are whole numbers held as float64s in the tape's own storage
// (exact below 2⁵³), so that recording a gather allocates nothing once the
// tape is warm.
type gatherArgs struct {
	idx []float64
	row int
}

// GatherRows records the rows of x (shape [V, D…], at least one dimension)
// at the indices ids, in order and with repeats allowed: the result has
// shape [len(ids), D…], its row i a copy of x[ids[i]]. It is the lookup of
// an embedding table. An empty ids gives an empty result. Its VJP adds each
// row of the adjoint into the row of x it came from (a scatter-add), so a
// row read k times receives the sum of k adjoints. ids is copied. It costs
// one copy of the len(ids) rows, and panics on an index outside [0, V).
func GatherRows(x *Node, ids []int) *Node {
	s := x.Shape()
	if len(s) == 0 {
		panic("graph: GatherRows: scalar input, want [V D…]")
	}
	for i, id := range ids {
		if id < 0 || id >= s[0] {
			panic(fmt.Sprintf("graph: GatherRows: index %d at %d out of range for shape %v", id, i, s))
		}
	}
	shape := append([]int{len(ids)}, s[1:]...)
	idx := x.tape.allocFloats(len(ids))
	for i, id := range ids {
		idx[i] = float64(id)
	}
	return gather(x, &gatherArgs{idx: idx, row: tensor.SizeOf(s[1:])}, shape)
}

// gather records rows of x at a.idx with the given output shape; the
// indices have been checked.
func gather(x *Node, a *gatherArgs, shape []int) *Node {
	n := unaryNode(gatherOp, x, shape)
	n.p.ext = a
	gatherRows(n.value.Data(), x.value.Data(), a)
	return x.tape.record(n)
}

var gatherOp = new(opDef)

func init() {
	*gatherOp = opDef{
		name: "GatherRows",
		jvp: func(n *Node, dst *tensor.Tensor) {
			gatherRows(dst.Data(), n.in[0].tan().Data(), n.p.ext.(*gatherArgs))
		},
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{scatterAdd(g, n.p.ext.(*gatherArgs), n.in[0].Shape())}
		},
	}
}

// scatterAdd records zeros of the given shape with row i of g added into
// row a.idx[i]: the adjoint of gather.
func scatterAdd(g *Node, a *gatherArgs, shape []int) *Node {
	n := unaryNode(scatterAddOp, g, shape)
	n.p.ext = a
	scatterRows(n.value.Data(), g.value.Data(), a)
	return g.tape.record(n)
}

var scatterAddOp = new(opDef)

func init() {
	*scatterAddOp = opDef{
		name: "ScatterAddRows",
		jvp: func(n *Node, dst *tensor.Tensor) {
			scatterRows(dst.Data(), n.in[0].tan().Data(), n.p.ext.(*gatherArgs))
		},
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{gather(g, n.p.ext.(*gatherArgs), n.in[0].Shape())}
		},
	}
}

func gatherRows(dst, x []float64, a *gatherArgs) {
	r := a.row
	if r == 1 {
		for i, j := range a.idx {
			dst[i] = x[int(j)]
		}
		return
	}
	for i, f := range a.idx {
		j := int(f)
		copy(dst[i*r:(i+1)*r], x[j*r:(j+1)*r])
	}
}

func scatterRows(dst, g []float64, a *gatherArgs) {
	clear(dst)
	r := a.row
	if r == 1 {
		for i, j := range a.idx {
			dst[int(j)] += g[i]
		}
		return
	}
	for i, f := range a.idx {
		j := int(f)
		d, s := dst[j*r:(j+1)*r], g[i*r:(i+1)*r]
		for k, v := range s {
			d[k] += v
		}
	}
}
