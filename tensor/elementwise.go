package tensor

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/tensor/internal/vec"
)

// maxFastDims is the rank up to which broadcasting bookkeeping lives on the
// stack; higher ranks work but allocate a little.
const maxFastDims = 8

type binOp uint8

const (
	opAdd binOp = iota
	opSub
	opMul
	opDiv
	opEq // 1 where a == b, else 0
	opPowT
	opMulAcc // out += a ⊙ b
)

var binNames = [...]string{"tensor: Add", "tensor: Sub", "tensor: Mul", "tensor: Div", "tensor: EqualMask", "tensor: PowT", "tensor: MulAcc"}

// Add returns a + b, broadcasting.
func Add(a, b *Tensor) *Tensor { return binary(opAdd, nil, a, b) }

// Sub returns a − b, broadcasting.
func Sub(a, b *Tensor) *Tensor { return binary(opSub, nil, a, b) }

// Mul returns the elementwise product a ⊙ b, broadcasting.
func Mul(a, b *Tensor) *Tensor { return binary(opMul, nil, a, b) }

// Div returns the elementwise quotient a / b, broadcasting.
func Div(a, b *Tensor) *Tensor { return binary(opDiv, nil, a, b) }

// PowT returns a raised elementwise to the power b, broadcasting.
func PowT(a, b *Tensor) *Tensor { return binary(opPowT, nil, a, b) }

// EqualMask returns a tensor that is 1 where a == b and 0 elsewhere,
// broadcasting.
func EqualMask(a, b *Tensor) *Tensor { return binary(opEq, nil, a, b) }

// MulAccTo adds a ⊙ b to dst, broadcasting, and returns dst, which must
// have the broadcast shape (a fused multiply-accumulate: no temporary).
func MulAccTo(dst, a, b *Tensor) *Tensor {
	if dst == nil {
		panic("tensor: MulAcc: nil destination")
	}
	return binary(opMulAcc, dst, a, b)
}

// AddTo sets dst = a + b, broadcasting, and returns dst. A nil dst is
// allocated; otherwise it must have the broadcast shape. dst may be a or b
// (or share their storage from its first element, as a Reshape does), but
// must not otherwise overlap them: the kernels panic on a partial overlap.
func AddTo(dst, a, b *Tensor) *Tensor { return binary(opAdd, dst, a, b) }

// SubTo sets dst = a − b, broadcasting, and returns dst (see AddTo).
func SubTo(dst, a, b *Tensor) *Tensor { return binary(opSub, dst, a, b) }

// MulTo sets dst = a ⊙ b, broadcasting, and returns dst (see AddTo).
func MulTo(dst, a, b *Tensor) *Tensor { return binary(opMul, dst, a, b) }

// DivTo sets dst = a / b, broadcasting, and returns dst (see AddTo).
func DivTo(dst, a, b *Tensor) *Tensor { return binary(opDiv, dst, a, b) }

// PowTTo sets dst = a^b elementwise, broadcasting, and returns dst.
func PowTTo(dst, a, b *Tensor) *Tensor { return binary(opPowT, dst, a, b) }

// EqualMaskTo sets dst to 1 where a == b and 0 elsewhere, broadcasting.
func EqualMaskTo(dst, a, b *Tensor) *Tensor { return binary(opEq, dst, a, b) }

// prepareDst returns dst, or a new tensor of shape (taking ownership of
// shape) when dst is nil. It panics, naming op, when dst has another shape.
func prepareDst(op string, dst *Tensor, shape []int) *Tensor {
	if dst == nil {
		return &Tensor{shape: shape, data: make([]float64, checkShape(op, shape))}
	}
	if !SameShape(dst.shape, shape) {
		panic(fmt.Sprintf("%s: destination shape %v, result shape %v", op, dst.shape, shape))
	}
	return dst
}

func binary(op binOp, dst, a, b *Tensor) *Tensor {
	name := binNames[op]
	shape := BroadcastShape(name, a.shape, b.shape)
	dst = prepareDst(name, dst, shape)
	out := dst.data
	switch {
	case len(a.data) == len(out) && len(b.data) == len(out):
		binaryKernel(op, out, a.data, 1, b.data, 1)
		return dst
	case len(a.data) == 1 && len(b.data) == len(out):
		binaryKernel(op, out, a.data, 0, b.data, 1)
		return dst
	case len(b.data) == 1 && len(a.data) == len(out):
		binaryKernel(op, out, a.data, 1, b.data, 0)
		return dst
	}
	if len(out) == 0 {
		return dst
	}
	n := len(shape)
	var sa0, sb0 [maxFastDims]int
	var sa, sb []int
	if n <= maxFastDims {
		sa, sb = sa0[:n], sb0[:n]
	} else {
		sa, sb = make([]int, n), make([]int, n)
	}
	broadcastStrides(a.shape, shape, sa)
	broadcastStrides(b.shape, shape, sb)
	inner := shape[n-1]
	rows := len(out) / inner
	// Rows of ParallelMin elements or more are split by the kernels
	// themselves; many shorter rows are shared out here, row by row, which
	// cannot change any element.
	if w := vec.Workers(len(out)); w > 1 && inner < vec.ParallelMin && rows >= w {
		// Fresh copies of the strides, so that the stack arrays above do
		// not escape to the heap with the goroutines.
		sa, sb := cloneInts(sa), cloneInts(sb)
		vec.For(rows, w, func(r0, r1 int) { binaryRows(op, out, a.data, b.data, shape, sa, sb, r0, r1) })
		return dst
	}
	binaryRows(op, out, a.data, b.data, shape, sa, sb, 0, rows)
	return dst
}

// binaryRows applies op to rows r0 ≤ r < r1 (of the last dimension) of the
// broadcast result: an odometer over the outer dimensions, started at r0,
// tracks the matching offsets into a and b, whose strides sa and sb are 0
// along broadcast dimensions.
func binaryRows(op binOp, out, a, b []float64, shape, sa, sb []int, r0, r1 int) {
	n := len(shape)
	var idx0 [maxFastDims]int
	var idx []int
	if n <= maxFastDims {
		idx = idx0[:n]
	} else {
		idx = make([]int, n)
	}
	offA, offB := 0, 0
	for d, r := n-2, r0; d >= 0; d-- {
		idx[d] = r % shape[d]
		r /= shape[d]
		offA += idx[d] * sa[d]
		offB += idx[d] * sb[d]
	}
	inner := shape[n-1]
	ia, ib := sa[n-1], sb[n-1]
	for o := r0 * inner; o < r1*inner; o += inner {
		binaryKernel(op, out[o:o+inner], a[offA:], ia, b[offB:], ib)
		// Advance the odometer over the outer dimensions.
		for d := n - 2; d >= 0; d-- {
			idx[d]++
			offA += sa[d]
			offB += sb[d]
			if idx[d] < shape[d] {
				break
			}
			offA -= sa[d] * shape[d]
			offB -= sb[d] * shape[d]
			idx[d] = 0
		}
	}
}

// binaryKernel applies op to len(out) elements; sa and sb are 0 (broadcast
// a single element) or 1 (contiguous). The arithmetic runs on the kernels
// of tensor/internal/vec, which give what the plain loops give, bit for bit
// (a − y is computed as a + (−y), which IEEE 754 defines to be the same).
func binaryKernel(op binOp, out, a []float64, sa int, b []float64, sb int) {
	n := len(out)
	switch {
	case sa == 1 && sb == 1:
		a, b := a[:n], b[:n]
		switch op {
		case opAdd:
			vec.Add(out, a, b)
		case opSub:
			vec.Sub(out, a, b)
		case opMul:
			vec.Mul(out, a, b)
		case opDiv:
			vec.Div(out, a, b)
		case opMulAcc:
			vec.MulAdd(out, a, b, out)
		default:
			for i := range out {
				out[i] = scalarBin(op, a[i], b[i])
			}
		}
	case sa == 0 && sb == 1:
		x, b := a[0], b[:n]
		switch op {
		case opAdd:
			vec.AddScalar(out, b, x)
		case opSub:
			vec.ScalarSub(out, x, b)
		case opMul:
			vec.Scale(out, x, b)
		case opDiv:
			vec.ScalarDiv(out, x, b)
		case opMulAcc:
			vec.Axpy(out, x, b, out)
		default:
			for i := range out {
				out[i] = scalarBin(op, x, b[i])
			}
		}
	case sa == 1 && sb == 0:
		a, y := a[:n], b[0]
		switch op {
		case opAdd:
			vec.AddScalar(out, a, y)
		case opSub:
			vec.AddScalar(out, a, -y)
		case opMul:
			vec.Scale(out, y, a)
		case opDiv:
			vec.DivScalar(out, a, y)
		case opMulAcc:
			vec.Axpy(out, y, a, out)
		default:
			for i := range out {
				out[i] = scalarBin(op, a[i], y)
			}
		}
	default:
		if op == opMulAcc {
			vec.AddScalar(out, out, a[0]*b[0])
			return
		}
		fill(out, scalarBin(op, a[0], b[0]))
	}
}

func scalarBin(op binOp, x, y float64) float64 {
	switch op {
	case opAdd:
		return x + y
	case opSub:
		return x - y
	case opMul:
		return x * y
	case opDiv:
		return x / y
	case opEq:
		if x == y {
			return 1
		}
		return 0
	case opPowT:
		return math.Pow(x, y)
	case opMulAcc:
		panic("tensor: MulAcc has no scalar form")
	}
	panic("tensor: unknown binary op")
}

// AddScaledTo sets dst = a + alpha·b for tensors of one shape and returns
// dst (an axpy; a nil dst is allocated). The product is rounded before the
// addition.
func AddScaledTo(dst, a *Tensor, alpha float64, b *Tensor) *Tensor {
	if !SameShape(a.shape, b.shape) {
		panic(fmt.Sprintf("tensor: AddScaled: shapes %v and %v differ", a.shape, b.shape))
	}
	dst = prepareDst("tensor: AddScaled", dst, a.shape)
	vec.Axpy(dst.data, alpha, b.data, a.data)
	return dst
}
