// Package tensor provides dense float64 n-dimensional arrays stored in
// row-major order, with NumPy-style broadcasting, elementwise math,
// reductions and matrix products.
//
// Tensors are plain values: they know nothing of automatic
// differentiation (that is package graph's job). Most operations come in
// two forms: one that allocates its result (Add, Tanh, MatMul, ...) and one
// that writes into a destination (AddTo, ApplyTo(OpTanh, ...), MatMulTo,
// ...). A nil destination means "allocate"; a non-nil one must already have
// the result's shape, so hot loops need not allocate.
//
// The API, by file:
//
//   - tensor.go, random.go: New, FromSlice, Scalar, Zeros, Ones, Full,
//     ZerosLike, RandNormal, RandUniform; element access (At, Set, Item,
//     Data) and Clone, CopyFrom, Fill, Equal;
//   - elementwise.go: Add, Sub, Mul, Div, PowT, EqualMask (broadcasting),
//     MulAccTo, AddScaledTo;
//   - accumulate.go: the destination forms that fold a step of a
//     derivative rule into its destination: AddInto (dst += a), AxpyInto
//     (dst += s·a), AxpyTo (s·a + b), MulAddTo (a⊙b + c), MulScaledTo
//     and MulScaledAccTo ((s·a)⊙b, and its accumulation), MaskMulTo
//     (x⊙mask, 0 where the mask is), SumToAcc (dst += SumTo(x)); and in
//     layout.go UnsliceAccTo;
//   - unary.go: Apply with a UnaryOp, and Exp, Log, Tanh, Sigmoid, ... ;
//     Scale, AddScalar, Pow;
//   - kernels.go: TanhGradTo, SigmoidGradTo, the fused backward passes;
//   - reduce.go: Sum, Mean, Max, SumAxis, MeanAxis, MaxAxis, SumTo,
//     BroadcastTo, Dot;
//   - layout.go, shape.go: Reshape, Slice, UnsliceTo, OneHot, GatherRows,
//     and the shape rules (BroadcastShape, ReducedShape, SliceShape, ...);
//   - matmul.go: MatMul, MatMulT (batched, transposes read in place),
//     MatMulAddTo, Transpose;
//   - convert.go: FromDense, FromVec, ToDense, ToVecDense for gonum's mat.
//
// Matrix products run on the packed, cache-blocked Dgemm of
// tensor/internal/gemm, and Exp, Log, Tanh, Sigmoid and the fused backward
// passes on the vectorised kernels of tensor/internal/vecmath: AVX2/FMA
// assembly on amd64 processors that have it, pure Go elsewhere and under
// the build tag purego. The arithmetic of Add, Sub, Mul, Div (in every
// broadcasting pattern), Scale, AddScalar, Square, Neg, Relu, Step, the
// accumulating forms, strided Slice and its adjoint, and the sums run on
// the AVX2 kernels of tensor/internal/vec, which give exactly the bits of
// the plain Go loops (no fused multiply-add). From 2¹⁷ (about 1.3·10⁵)
// elements these, and fills and broadcasts, share the work among the
// goroutines GOMAXPROCS allows; so do copies from 2¹⁵ elements, Exp,
// Log, Tanh and Sigmoid from 2¹² and matrix products from 2¹⁷
// multiply-adds (about 51³). The thresholds are measured on two cores (see
// tensor/internal/vec and tensor/internal/gemm), and the results are the
// same bits whatever the number of goroutines.
//
// Programming errors (shape mismatches, bad axes, out-of-range indices)
// panic with a message that names the operation and the shapes, in the
// manner of gonum.
package tensor

import (
	"fmt"
	"math"
	"strings"
)

// Tensor is a dense, row-major, n-dimensional array of float64.
//
// A scalar has an empty shape and one element. The zero Tensor is a scalar
// with no storage and must be initialised (by a constructor or Wrap) before
// use.
type Tensor struct {
	shape []int
	data  []float64
}

// New returns a tensor of the given shape that uses data as its storage
// (data is not copied). It panics if len(data) does not equal the product
// of shape. New(nil) with an empty shape is not valid; use Scalar.
func New(data []float64, shape ...int) *Tensor {
	n := checkShape("tensor: New", shape)
	if len(data) != n {
		panic(fmt.Sprintf("tensor: New: %d values for shape %v (needs %d)", len(data), shape, n))
	}
	return &Tensor{shape: cloneInts(shape), data: data}
}

// FromSlice returns a one-dimensional tensor holding a copy of v.
func FromSlice(v []float64) *Tensor {
	d := make([]float64, len(v))
	copy(d, v)
	return &Tensor{shape: []int{len(v)}, data: d}
}

// Scalar returns a zero-dimensional tensor holding v.
func Scalar(v float64) *Tensor {
	return &Tensor{data: []float64{v}}
}

// Zeros returns a tensor of the given shape filled with zeros.
func Zeros(shape ...int) *Tensor {
	n := checkShape("tensor: Zeros", shape)
	return &Tensor{shape: cloneInts(shape), data: make([]float64, n)}
}

// Ones returns a tensor of the given shape filled with ones.
func Ones(shape ...int) *Tensor {
	return Full(1, shape...)
}

// Full returns a tensor of the given shape with every element equal to v.
func Full(v float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	if v != 0 || math.Signbit(v) {
		fill(t.data, v)
	}
	return t
}

// ZerosLike returns a tensor of zeros with the shape of t.
func ZerosLike(t *Tensor) *Tensor {
	return &Tensor{shape: t.shape, data: make([]float64, len(t.data))}
}

// Wrap makes t a view of data with the given shape, without copying. Both
// slices are retained: the caller must not modify shape afterwards. It is
// meant for code that manages its own storage (such as a tape's arena) and
// needs tensors without a heap allocation per tensor.
func (t *Tensor) Wrap(data []float64, shape []int) {
	if len(shape) == 0 && len(data) == 1 { // a scalar: the common case of scalar code, kept inlinable
		t.shape, t.data = shape, data
		return
	}
	t.wrap(data, shape)
}

// SetData makes data the tensor's storage, keeping its shape: Wrap for a
// caller that moves a view along a buffer piece by piece, without
// checking the shape again. It panics if len(data) is not the size of the
// shape.
func (t *Tensor) SetData(data []float64) {
	if len(t.shape) == 1 && len(data) == t.shape[0] { // kept inlinable: a one-dimensional view
		t.data = data
		return
	}
	t.wrap(data, t.shape)
}

func (t *Tensor) wrap(data []float64, shape []int) {
	n := checkShape("tensor: Wrap", shape)
	if len(data) != n {
		panic(fmt.Sprintf("tensor: Wrap: %d values for shape %v (needs %d)", len(data), shape, n))
	}
	t.shape = shape
	t.data = data
}

// Shape returns the tensor's shape. The slice is shared with the tensor and
// must not be modified; an empty shape means a scalar.
func (t *Tensor) Shape() []int { return t.shape }

// Dims returns the number of dimensions (0 for a scalar).
func (t *Tensor) Dims() int { return len(t.shape) }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	return t.shape[normAxis("tensor: Dim", i, len(t.shape))]
}

// Size returns the number of elements.
func (t *Tensor) Size() int { return len(t.data) }

// Data returns the tensor's elements in row-major order. The slice is the
// tensor's storage: writes to it change the tensor.
func (t *Tensor) Data() []float64 { return t.data }

// IsScalar reports whether t has exactly one element (of any shape).
func (t *Tensor) IsScalar() bool { return len(t.data) == 1 }

// Item returns the single element of a one-element tensor. It panics if t
// has more than one element.
func (t *Tensor) Item() float64 {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("tensor: Item: tensor of shape %v has %d elements, not 1", t.shape, len(t.data)))
	}
	return t.data[0]
}

// At returns the element at the given index, one coordinate per dimension.
func (t *Tensor) At(idx ...int) float64 {
	return t.data[t.offset("tensor: At", idx)]
}

// Set sets the element at the given index to v.
func (t *Tensor) Set(v float64, idx ...int) {
	t.data[t.offset("tensor: Set", idx)] = v
}

// offset returns the position in t.data of the element at idx, panicking
// with op (such as "tensor: At") when idx is not a valid index.
func (t *Tensor) offset(op string, idx []int) int {
	if len(idx) != len(t.shape) {
		panic(fmt.Sprintf("%s: %d indices for shape %v", op, len(idx), t.shape))
	}
	off := 0
	for i, x := range idx {
		if x < 0 || x >= t.shape[i] {
			panic(fmt.Sprintf("%s: index %v out of range for shape %v", op, idx, t.shape))
		}
		off = off*t.shape[i] + x
	}
	return off
}

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	d := make([]float64, len(t.data))
	copyData(d, t.data)
	return &Tensor{shape: cloneInts(t.shape), data: d}
}

// CopyFrom copies the elements of src into t. The shapes must be equal.
func (t *Tensor) CopyFrom(src *Tensor) {
	if !SameShape(t.shape, src.shape) {
		panic(fmt.Sprintf("tensor: CopyFrom: shape %v from shape %v", t.shape, src.shape))
	}
	copyData(t.data, src.data)
}

// Fill sets every element of t to v (+0 by clearing the memory, other
// values by copies of a short filled block).
func (t *Tensor) Fill(v float64) {
	if v == 0 && !math.Signbit(v) {
		clearData(t.data)
		return
	}
	fill(t.data, v)
}

// String formats t like NumPy: nested brackets, one row per line.
func (t *Tensor) String() string {
	var b strings.Builder
	if len(t.shape) == 0 {
		if len(t.data) == 0 {
			return "<empty>"
		}
		fmt.Fprintf(&b, "%g", t.data[0])
		return b.String()
	}
	var rec func(dim, off, indent int)
	rec = func(dim, off, indent int) {
		b.WriteByte('[')
		n := t.shape[dim]
		if dim == len(t.shape)-1 {
			for i := 0; i < n; i++ {
				if i > 0 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "%g", t.data[off+i])
			}
			b.WriteByte(']')
			return
		}
		stride := 1
		for _, s := range t.shape[dim+1:] {
			stride *= s
		}
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString("\n")
				b.WriteString(strings.Repeat(" ", indent+1))
			}
			rec(dim+1, off+i*stride, indent+1)
		}
		b.WriteByte(']')
	}
	rec(0, 0, 0)
	return b.String()
}

// Equal reports whether a and b have the same shape and elements.
// NaNs compare unequal, as with ==.
func Equal(a, b *Tensor) bool {
	if !SameShape(a.shape, b.shape) {
		return false
	}
	for i, v := range a.data {
		if b.data[i] != v {
			return false
		}
	}
	return true
}
