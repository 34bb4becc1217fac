package tensor

import (
	"fmt"
	"math"
)

// Sum returns the sum of all elements as a scalar tensor.
func Sum(x *Tensor) *Tensor { return Scalar(SumAll(x)) }

// SumAll returns the sum of all elements of x.
//
// It keeps four partial sums, which lets the additions overlap in the
// processor (one running sum waits on each addition in turn) and makes
// the rounding error grow more slowly than a single running sum's.
func SumAll(x *Tensor) float64 {
	d := x.data
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(d); i += 4 {
		s0 += d[i]
		s1 += d[i+1]
		s2 += d[i+2]
		s3 += d[i+3]
	}
	for ; i < len(d); i++ {
		s0 += d[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Mean returns the mean of all elements as a scalar tensor.
func Mean(x *Tensor) *Tensor { return Scalar(SumAll(x) / float64(len(x.data))) }

// MaxAll returns the largest element of x (NaN if any element is NaN, and
// −Inf if x has no elements).
func MaxAll(x *Tensor) float64 {
	m := math.Inf(-1)
	for _, v := range x.data {
		if v > m || v != v {
			m = v
			if v != v {
				return v
			}
		}
	}
	return m
}

// Max returns the largest element as a scalar tensor.
func Max(x *Tensor) *Tensor { return Scalar(MaxAll(x)) }

// ReducedShape returns the shape of x reduced along axis: the axis is kept
// with size 1 when keepDims is true and removed otherwise.
func ReducedShape(shape []int, axis int, keepDims bool) []int {
	a := normAxis("tensor: ReducedShape", axis, len(shape))
	out := make([]int, 0, len(shape))
	for i, s := range shape {
		if i == a {
			if keepDims {
				out = append(out, 1)
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// splitAxis returns the sizes before, at and after axis.
func splitAxis(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for i, s := range shape {
		switch {
		case i < axis:
			outer *= s
		case i > axis:
			inner *= s
		}
	}
	return outer, shape[axis], inner
}

// SumAxis returns the sum of x along axis (negative counts from the end),
// keeping that axis with size 1 when keepDims is true.
func SumAxis(x *Tensor, axis int, keepDims bool) *Tensor {
	return SumAxisTo(nil, x, axis, keepDims)
}

// SumAxisTo is SumAxis writing into dst (a nil dst is allocated).
func SumAxisTo(dst, x *Tensor, axis int, keepDims bool) *Tensor {
	dst, a := reduceDst("tensor: SumAxis", dst, x, axis, keepDims)
	outer, n, inner := splitAxis(x.shape, a)
	out := dst.data
	if n == 1 {
		copy(out, x.data)
		return dst
	}
	for i := range out {
		out[i] = 0
	}
	for o := 0; o < outer; o++ {
		row := out[o*inner : (o+1)*inner]
		for j := 0; j < n; j++ {
			src := x.data[(o*n+j)*inner : (o*n+j+1)*inner]
			for i, v := range src {
				row[i] += v
			}
		}
	}
	return dst
}

// MeanAxis returns the mean of x along axis (see SumAxis).
func MeanAxis(x *Tensor, axis int, keepDims bool) *Tensor {
	n := x.shape[normAxis("tensor: MeanAxis", axis, len(x.shape))]
	s := SumAxis(x, axis, keepDims)
	return ScaleTo(s, s, 1/float64(n))
}

// MaxAxis returns the maximum of x along axis (see SumAxis). NaN wins.
func MaxAxis(x *Tensor, axis int, keepDims bool) *Tensor {
	return MaxAxisTo(nil, x, axis, keepDims)
}

// MaxAxisTo is MaxAxis writing into dst (a nil dst is allocated).
func MaxAxisTo(dst, x *Tensor, axis int, keepDims bool) *Tensor {
	dst, a := reduceDst("tensor: MaxAxis", dst, x, axis, keepDims)
	outer, n, inner := splitAxis(x.shape, a)
	out := dst.data
	if n == 0 { // the maximum of no elements is −Inf, as MaxAll's is
		for i := range out {
			out[i] = math.Inf(-1)
		}
		return dst
	}
	for o := 0; o < outer; o++ {
		row := out[o*inner : (o+1)*inner]
		copy(row, x.data[o*n*inner:o*n*inner+inner])
		for j := 1; j < n; j++ {
			src := x.data[(o*n+j)*inner : (o*n+j+1)*inner]
			for i, v := range src {
				if v > row[i] || v != v {
					row[i] = v
				}
			}
		}
	}
	return dst
}

// reduceDst normalises axis for x and returns it with the destination of a
// reduction along it: dst itself, which must have the shape
// ReducedShape(x.shape, axis, keepDims) (checked without allocating), or a
// new tensor of zeros when dst is nil. It panics, naming op, on a bad axis
// or destination.
func reduceDst(op string, dst, x *Tensor, axis int, keepDims bool) (*Tensor, int) {
	axis = normAxis(op, axis, len(x.shape))
	if dst == nil {
		return Zeros(ReducedShape(x.shape, axis, keepDims)...), axis
	}
	want := len(x.shape)
	if !keepDims {
		want--
	}
	ok := len(dst.shape) == want
	for i, j := 0, 0; ok && i < len(x.shape); i++ {
		switch {
		case i != axis:
			ok = dst.shape[j] == x.shape[i]
			j++
		case keepDims:
			ok = dst.shape[j] == 1
			j++
		}
	}
	if !ok {
		panic(fmt.Sprintf("%s: destination shape %v for reducing %v along axis %d (keepDims=%v)", op, dst.shape, x.shape, axis, keepDims))
	}
	return dst, axis
}

// SumTo reduces x by summation to shape, which must broadcast to x's
// shape: it is the adjoint of BroadcastTo, and what turns the gradient of
// a broadcast result back into the gradient of the smaller operand.
func SumTo(x *Tensor, shape []int) *Tensor { return SumToTo(nil, x, shape) }

// SumToTo is SumTo writing into dst (a nil dst is allocated with shape).
func SumToTo(dst, x *Tensor, shape []int) *Tensor {
	if !CanBroadcastTo(shape, x.shape) {
		panic(fmt.Sprintf("tensor: SumTo: shape %v does not broadcast to %v", shape, x.shape))
	}
	if dst == nil {
		shape = cloneInts(shape) // the result must not retain the caller's slice
	}
	dst = prepareDst("tensor: SumTo", dst, shape)
	out := dst.data
	if len(out) == len(x.data) {
		copy(out, x.data)
		return dst
	}
	for i := range out {
		out[i] = 0
	}
	if len(out) == 1 {
		out[0] = SumAll(x)
		return dst
	}
	walkBroadcast(x.shape, shape, func(xOff, oOff, inner, oStride int) {
		src := x.data[xOff : xOff+inner]
		if oStride == 0 {
			s := out[oOff]
			for _, v := range src {
				s += v
			}
			out[oOff] = s
			return
		}
		row := out[oOff : oOff+inner]
		for i, v := range src {
			row[i] += v
		}
	})
	return dst
}

// BroadcastTo returns x repeated to shape under broadcasting rules.
func BroadcastTo(x *Tensor, shape []int) *Tensor { return BroadcastToTo(nil, x, shape) }

// BroadcastToTo is BroadcastTo writing into dst (a nil dst is allocated).
func BroadcastToTo(dst, x *Tensor, shape []int) *Tensor {
	if !CanBroadcastTo(x.shape, shape) {
		panic(fmt.Sprintf("tensor: BroadcastTo: shape %v does not broadcast to %v", x.shape, shape))
	}
	if dst == nil {
		shape = cloneInts(shape) // the result must not retain the caller's slice
	}
	dst = prepareDst("tensor: BroadcastTo", dst, shape)
	out := dst.data
	if len(out) == len(x.data) {
		copy(out, x.data)
		return dst
	}
	if len(x.data) == 1 {
		v := x.data[0]
		for i := range out {
			out[i] = v
		}
		return dst
	}
	walkBroadcast(shape, x.shape, func(oOff, xOff, inner, xStride int) {
		row := out[oOff : oOff+inner]
		if xStride == 0 {
			v := x.data[xOff]
			for i := range row {
				row[i] = v
			}
			return
		}
		copy(row, x.data[xOff:xOff+inner])
	})
	return dst
}

// walkBroadcast visits the rows (last dimension) of a full-shaped tensor
// together with the matching offset in a smaller tensor of shape small that
// broadcasts to full. f receives the full offset, the small offset, the row
// length and the small tensor's stride along the row (0 or 1).
func walkBroadcast(full, small []int, f func(fullOff, smallOff, inner, smallStride int)) {
	n := len(full)
	if n == 0 {
		f(0, 0, 1, 0)
		return
	}
	var s0, idx0 [maxFastDims]int
	var s, idx []int
	if n <= maxFastDims {
		s, idx = s0[:n], idx0[:n]
	} else {
		s, idx = make([]int, n), make([]int, n)
	}
	broadcastStrides(small, full, s)
	inner := full[n-1]
	total := SizeOf(full)
	off := 0
	for o := 0; o < total; o += inner {
		f(o, off, inner, s[n-1])
		for d := n - 2; d >= 0; d-- {
			idx[d]++
			off += s[d]
			if idx[d] < full[d] {
				break
			}
			off -= s[d] * full[d]
			idx[d] = 0
		}
	}
}
