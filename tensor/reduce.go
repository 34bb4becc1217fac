package tensor

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/tensor/internal/vec"
)

// Sum returns the sum of all elements as a scalar tensor.
func Sum(x *Tensor) *Tensor { return Scalar(SumAll(x)) }

// SumAll returns the sum of all elements of x.
//
// The elements are added in a fixed order, the same on every processor and
// for any number of goroutines: eight running partial sums (element i
// goes to sum i mod 8), combined pairwise at the end, within blocks of 4096
// elements whose sums are added in the same way. This lets the additions
// overlap in the processor and makes the rounding error grow with about
// n/8 instead of n. It costs about 0.1 ns per element with AVX2, and from
// 2¹⁷ elements on uses the cores that GOMAXPROCS allows. The sum of no
// elements, or of zeros of either sign, is +0.
func SumAll(x *Tensor) float64 { return vec.Sum(x.data) }

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
// Reducing the last axis sums each row in SumAll's order; reducing another
// axis adds the slices along it one after another, each output element
// seeing its inputs in axis order.
func SumAxisTo(dst, x *Tensor, axis int, keepDims bool) *Tensor {
	dst, a := reduceDst("tensor: SumAxis", dst, x, axis, keepDims)
	outer, n, inner := splitAxis(x.shape, a)
	sumAxis(dst.data, x.data, outer, n, inner, false)
	return dst
}

// sumAxis sets out (of outer·inner elements) to the sum of x (of
// outer·n·inner elements) along its middle dimension, or adds that sum to
// out when acc is true.
func sumAxis(out, x []float64, outer, n, inner int, acc bool) {
	switch {
	case n == 0:
		if !acc {
			clear(out)
		}
		return
	case n == 1:
		if acc {
			vec.Add(out, out, x)
		} else {
			copyData(out, x)
		}
		return
	case inner == 1:
		if w := vec.SumWorkers(len(x)); w > 1 && n < vec.SumParallelMin && outer >= w {
			vec.For(outer, w, func(o0, o1 int) { sumRows(out, x, n, acc, o0, o1) })
			return
		}
		sumRows(out, x, n, acc, 0, outer)
		return
	}
	if w := vec.Workers(len(x)); w > 1 && inner < vec.ParallelMin {
		if outer >= w {
			vec.For(outer, w, func(o0, o1 int) { sumSlices(out, x, n, inner, acc, o0, o1, 0, inner) })
		} else {
			vec.For(inner, w, func(i0, i1 int) { sumSlices(out, x, n, inner, acc, 0, outer, i0, i1) })
		}
		return
	}
	sumSlices(out, x, n, inner, acc, 0, outer, 0, inner)
}

// sumRows sets (or, with acc, adds to) out[o] the sum of row o of x, of n
// elements, for o0 ≤ o < o1.
func sumRows(out, x []float64, n int, acc bool, o0, o1 int) {
	for o := o0; o < o1; o++ {
		s := vec.Sum(x[o*n : (o+1)*n])
		if acc {
			out[o] += s
		} else {
			out[o] = s
		}
	}
}

// sumSlices is sumAxis for inner > 1 and n ≥ 2, restricted to outer
// indices o0 ≤ o < o1 and inner indices i0 ≤ i < i1.
func sumSlices(out, x []float64, n, inner int, acc bool, o0, o1, i0, i1 int) {
	for o := o0; o < o1; o++ {
		row := out[o*inner+i0 : o*inner+i1]
		for j := 0; j < n; j++ {
			src := x[(o*n+j)*inner+i0 : (o*n+j)*inner+i1]
			if j == 0 && !acc {
				copy(row, src)
				continue
			}
			vec.Add(row, row, src)
		}
	}
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
	if inner == 1 { // the last axis: one contiguous run per output
		for o := range out {
			m := math.Inf(-1)
			for _, v := range x.data[o*n : (o+1)*n] {
				if v > m || v != v {
					m = v
				}
			}
			out[o] = m
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
// Where the reduction is along one run of dimensions (as for a bias, a
// row or a column, or everything) it runs as SumAxisTo does.
func SumToTo(dst, x *Tensor, shape []int) *Tensor {
	if !CanBroadcastTo(shape, x.shape) {
		panic(fmt.Sprintf("tensor: SumTo: shape %v does not broadcast to %v", shape, x.shape))
	}
	if dst == nil {
		shape = cloneInts(shape) // the result must not retain the caller's slice
	}
	dst = prepareDst("tensor: SumTo", dst, shape)
	sumTo(dst.data, x, shape, false)
	return dst
}

// sumTo sets out, of the given shape, to x summed down to it, or adds that
// to out when acc is true.
func sumTo(out []float64, x *Tensor, shape []int, acc bool) {
	switch {
	case len(out) == len(x.data):
		if acc {
			vec.Add(out, out, x.data)
		} else {
			copyData(out, x.data)
		}
		return
	case len(out) == 1:
		if acc {
			out[0] += vec.Sum(x.data)
		} else {
			out[0] = vec.Sum(x.data)
		}
		return
	}
	if outer, n, inner, ok := singleAxis(x.shape, shape); ok {
		sumAxis(out, x.data, outer, n, inner, acc)
		return
	}
	if !acc {
		clear(out)
	}
	walkBroadcast(x.shape, shape, func(xOff, oOff, inner, oStride int) {
		src := x.data[xOff : xOff+inner]
		if oStride == 0 {
			out[oOff] += vec.Sum(src)
			return
		}
		row := out[oOff : oOff+inner]
		vec.Add(row, row, src)
	})
}

// singleAxis reports whether small, which broadcasts to full, is full with
// one contiguous run of dimensions reduced to size 1 (dimensions of size 1
// in full do not count): then full is outer×n×inner with the run of n
// elements in the middle and small is outer×inner.
func singleAxis(full, small []int) (outer, n, inner int, ok bool) {
	outer, n, inner = 1, 1, 1
	state := 0 // 0: before the run, 1: in it, 2: after it
	for d := range full {
		f := full[d]
		sd := 1
		if k := d - (len(full) - len(small)); k >= 0 {
			sd = small[k]
		}
		switch {
		case f == 1:
		case sd == f && state == 0:
			outer *= f
		case sd == f:
			state = 2
			inner *= f
		case state == 2:
			return 0, 0, 0, false
		default:
			state = 1
			n *= f
		}
	}
	return outer, n, inner, true
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
	switch {
	case len(out) == len(x.data):
		copyData(out, x.data)
		return dst
	case len(x.data) == 1:
		fill(out, x.data[0])
		return dst
	}
	if outer, n, inner, ok := singleAxis(shape, x.shape); ok {
		broadcastRuns(out, x.data, outer, n, inner)
		return dst
	}
	walkBroadcast(shape, x.shape, func(oOff, xOff, inner, xStride int) {
		row := out[oOff : oOff+inner]
		if xStride == 0 {
			fill(row, x.data[xOff])
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

// Dot returns the sum of the elementwise products of a and b, which must
// have one shape: Σ a⊙b in one pass, without the temporary of
// SumAll(Mul(a, b)) and with the same result (each product rounded, then
// added in SumAll's order). Dot(x, x) is the sum of squares.
func Dot(a, b *Tensor) float64 {
	if !SameShape(a.shape, b.shape) {
		panic(fmt.Sprintf("tensor: Dot: shapes %v and %v differ", a.shape, b.shape))
	}
	return vec.Dot(a.data, b.data)
}
