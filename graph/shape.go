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
	n := x.tape.newNode(reshapeOp, nil)
	n.in[0] = x
	n.value.Wrap(x.value.Data(), s)
	return x.tape.record(n)
}

var reshapeOp = new(opDef)

func init() {
	*reshapeOp = opDef{
		name: "Reshape",
		jvp:  func(n *Node, dst *tensor.Tensor) { copy(dst.Data(), n.in[0].tan().Data()) },
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{Reshape(g, n.in[0].Shape()...)}
		},
	}
}

// Flatten records x reshaped to one dimension.
func Flatten(x *Node) *Node { return Reshape(x, -1) }

// Slice records the elements start, start+step, … (< end) of x along axis.
// Its VJP places the adjoint back into zeros of x's shape.
func Slice(x *Node, axis, start, end, step int) *Node {
	n := unaryNode(sliceOp, x, tensor.SliceShape(x.Shape(), axis, start, end, step))
	n.p.axis, n.p.start, n.p.end, n.p.step = axis, start, end, step
	tensor.SliceTo(&n.value, &x.value, axis, start, end, step)
	return x.tape.record(n)
}

var sliceOp = new(opDef)

func init() {
	*sliceOp = opDef{
		name: "Slice",
		jvp: func(n *Node, dst *tensor.Tensor) {
			tensor.SliceTo(dst, n.in[0].tan(), n.p.axis, n.p.start, n.p.end, n.p.step)
		},
		vjp: func(n, g *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{unslice(g, n.in[0].Shape(), n.p)}
		},
	}
}

// unslice records g placed at a slice's positions in zeros of shape full.
func unslice(g *Node, full []int, p params) *Node {
	n := unaryNode(unsliceOp, g, full)
	n.p = p
	tensor.UnsliceTo(&n.value, &g.value, full, p.axis, p.start, p.end, p.step)
	return g.tape.record(n)
}

var unsliceOp = new(opDef)

func init() {
	*unsliceOp = opDef{
		name: "Unslice",
		jvp: func(n *Node, dst *tensor.Tensor) {
			tensor.UnsliceTo(dst, n.in[0].tan(), n.Shape(), n.p.axis, n.p.start, n.p.end, n.p.step)
		},
		vjp: func(n, h *Node, _ [maxInputs]bool) [maxInputs]*Node {
			return [maxInputs]*Node{Slice(h, n.p.axis, n.p.start, n.p.end, n.p.step)}
		},
	}
}

// Index records the single element x[idx...] as a scalar, so a loss can be
// written over a flat parameter vector: Index(w, 0), Index(w, 1).
func Index(x *Node, idx ...int) *Node {
	if len(idx) != x.value.Dims() {
		panic(fmt.Sprintf("graph: Index: %d indices for shape %v", len(idx), x.Shape()))
	}
	for i, j := range idx {
		if j < 0 || j >= x.Shape()[i] {
			panic(fmt.Sprintf("graph: Index: index %v out of range for shape %v", idx, x.Shape()))
		}
	}
	y := x
	for axis, j := range idx {
		y = Slice(y, axis, j, j+1, 1)
	}
	return Reshape(y)
}

// Concat records a and b joined along axis; they must have the same rank
// and equal sizes in every other dimension. Its VJP slices the adjoint
// back into the two parts. Chain it to join more pieces, such as scalars
// into a vector of residuals.
func Concat(a, b *Node, axis int) *Node {
	shape := tensor.ConcatShape("graph: Concat", a.Shape(), b.Shape(), axis)
	n := binaryNode(concatOp, a, b, shape)
	n.p.axis = axis
	tensor.ConcatTo(&n.value, &a.value, &b.value, axis)
	return a.tape.record(n)
}

var concatOp = new(opDef)

func init() {
	*concatOp = opDef{
		name: "Concat",
		jvp: func(n *Node, dst *tensor.Tensor) {
			tensor.ConcatTo(dst, n.in[0].tan(), n.in[1].tan(), n.p.axis)
		},
		vjp: func(n, g *Node, need [maxInputs]bool) (out [maxInputs]*Node) {
			ax := n.p.axis
			if ax < 0 {
				ax += len(n.Shape())
			}
			na, total := n.in[0].Shape()[ax], n.Shape()[ax]
			if need[0] {
				out[0] = Slice(g, ax, 0, na, 1)
			}
			if need[1] {
				out[1] = Slice(g, ax, na, total, 1)
			}
			return out
		},
	}
}
