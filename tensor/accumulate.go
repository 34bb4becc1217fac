package tensor

import (
	"fmt"
	"unsafe"

	"github.com/curvature-go/curvature/tensor/internal/vec"
)

// The destination-form operations below fold one step of a derivative rule
// into its destination, so that accumulating an adjoint or forming a
// fused product takes one pass over memory and no temporary. Each runs on
// the vectorised kernels of tensor/internal/vec, rounds every product
// before adding it (no fused multiply-add: the same bits on every
// processor), and from 2¹⁷ (about 1.3·10⁵) elements uses the cores that
// GOMAXPROCS allows, with results that do not depend on how many.

// AddInto adds a to dst, with a broadcast to dst's shape (dst += a), and
// returns dst. It is AddTo(dst, dst, a) with the check that the result
// keeps dst's shape.
func AddInto(dst, a *Tensor) *Tensor {
	if dst == nil {
		panic("tensor: AddInto: nil destination")
	}
	if !CanBroadcastTo(a.shape, dst.shape) {
		panic(fmt.Sprintf("tensor: AddInto: shape %v does not broadcast to destination shape %v", a.shape, dst.shape))
	}
	return binary(opAdd, dst, dst, a)
}

// AxpyInto adds s·a to dst, with a broadcast to dst's shape
// (dst += s·a, the product rounded first), and returns dst. With s = −1 it
// subtracts a exactly.
func AxpyInto(dst *Tensor, s float64, a *Tensor) *Tensor {
	if dst == nil {
		panic("tensor: AxpyInto: nil destination")
	}
	if !CanBroadcastTo(a.shape, dst.shape) {
		panic(fmt.Sprintf("tensor: AxpyInto: shape %v does not broadcast to destination shape %v", a.shape, dst.shape))
	}
	out := dst.data
	switch {
	case len(a.data) == len(out):
		vec.Axpy(out, s, a.data, out)
	case len(a.data) == 1:
		vec.AddScalar(out, out, a.data[0]*s)
	case len(out) > 0:
		walkBroadcast(dst.shape, a.shape, func(oOff, aOff, inner, aStride int) {
			row := out[oOff : oOff+inner]
			if aStride == 0 {
				vec.AddScalar(row, row, a.data[aOff]*s)
				return
			}
			vec.Axpy(row, s, a.data[aOff:aOff+inner], row)
		})
	}
	return dst
}

// AxpyTo sets dst = s·a + b for a and b of one shape (the product rounded
// first) and returns dst (a nil dst is allocated; dst may be a or b).
// AxpyTo(dst, s, a, dst) accumulates like AxpyInto.
func AxpyTo(dst *Tensor, s float64, a, b *Tensor) *Tensor {
	if !SameShape(a.shape, b.shape) {
		panic(fmt.Sprintf("tensor: Axpy: shapes %v and %v differ", a.shape, b.shape))
	}
	dst = prepareDst("tensor: Axpy", dst, a.shape)
	vec.Axpy(dst.data, s, a.data, b.data)
	return dst
}

// MulAddTo sets dst = a⊙b + c, broadcasting all three to one shape (the
// products rounded before the addition), and returns dst. A nil dst is
// allocated; otherwise it must have the broadcast shape, and it may be any
// of the operands. When a, b and c have one shape it is one pass; c = dst
// is MulAccTo.
func MulAddTo(dst, a, b, c *Tensor) *Tensor {
	shape := BroadcastShape("tensor: MulAdd", BroadcastShape("tensor: MulAdd", a.shape, b.shape), c.shape)
	if dst == nil {
		dst = &Tensor{shape: cloneInts(shape), data: make([]float64, SizeOf(shape))}
	} else {
		dst = prepareDst("tensor: MulAdd", dst, shape)
	}
	n := len(dst.data)
	switch {
	case len(a.data) == n && len(b.data) == n && len(c.data) == n:
		vec.MulAdd(dst.data, a.data, b.data, c.data)
	case len(c.data) == n && sameData(dst, c):
		binary(opMulAcc, dst, a, b)
	case sameData(dst, a) || sameData(dst, b):
		// dst holds an operand of the product: form the product first.
		copy(dst.data, binary(opMulAcc, BroadcastToTo(nil, c, shape), a, b).data)
	default:
		BroadcastToTo(dst, c, shape)
		binary(opMulAcc, dst, a, b)
	}
	return dst
}

// sameData reports whether a and b share their first element.
func sameData(a, b *Tensor) bool {
	return len(a.data) > 0 && len(b.data) > 0 && unsafe.SliceData(a.data) == unsafe.SliceData(b.data)
}

// SumToAcc adds x summed down to dst's shape to dst (dst += SumTo(x,
// dst.Shape())) and returns dst: the gradient of a broadcast operand
// accumulated into that operand's gradient without a temporary. dst's
// shape must broadcast to x's. Where x is reduced along its last
// dimension, each run's sum (in SumAll's order) is added to dst; where it
// is reduced along other dimensions, its slices are added into dst one
// after another.
func SumToAcc(dst, x *Tensor) *Tensor {
	if dst == nil {
		panic("tensor: SumToAcc: nil destination")
	}
	if !CanBroadcastTo(dst.shape, x.shape) {
		panic(fmt.Sprintf("tensor: SumToAcc: destination shape %v does not broadcast to %v", dst.shape, x.shape))
	}
	sumTo(dst.data, x, dst.shape, true)
	return dst
}

// MulScaledTo sets dst = (s·a)⊙b for a and b of one shape, rounding s·a
// first, and returns dst (a nil dst is allocated; dst may be a or b). With
// s = 2 it is the VJP of Square, 2·g⊙x, in one pass; for a power of two s
// the first product is exact unless it overflows or underflows.
func MulScaledTo(dst *Tensor, s float64, a, b *Tensor) *Tensor {
	if !SameShape(a.shape, b.shape) {
		panic(fmt.Sprintf("tensor: MulScaled: shapes %v and %v differ", a.shape, b.shape))
	}
	dst = prepareDst("tensor: MulScaled", dst, a.shape)
	vec.MulScaled(dst.data, s, a.data, b.data)
	return dst
}

// MulScaledAccTo adds (s·a)⊙b to dst, all of one shape, each product
// rounded before the next operation, and returns dst: the accumulating
// form of MulScaledTo (for instance the second term of the JVP of
// 2·g⊙x).
func MulScaledAccTo(dst *Tensor, s float64, a, b *Tensor) *Tensor {
	if dst == nil {
		panic("tensor: MulScaledAcc: nil destination")
	}
	if !SameShape(a.shape, b.shape) || !SameShape(dst.shape, a.shape) {
		panic(fmt.Sprintf("tensor: MulScaledAcc: shapes %v, %v and destination %v differ", a.shape, b.shape, dst.shape))
	}
	vec.MulScaledAdd(dst.data, s, a.data, b.data, dst.data)
	return dst
}

// MaskMulTo sets dst = x⊙mask for tensors of one shape, with the product
// exactly +0 wherever the mask is 0 (±0), even where x is ±Inf or NaN, and
// returns dst (a nil dst is allocated; dst may be x or mask). It is the
// VJP of Relu given Step(x) as the mask, and of a maximum given its
// indicator: an element that takes no part must not turn the result into
// NaN through Inf·0.
func MaskMulTo(dst, x, mask *Tensor) *Tensor {
	if !SameShape(x.shape, mask.shape) {
		panic(fmt.Sprintf("tensor: MaskMul: shapes %v and %v differ", x.shape, mask.shape))
	}
	dst = prepareDst("tensor: MaskMul", dst, x.shape)
	vec.MaskMul(dst.data, x.data, mask.data)
	return dst
}
