package tensor

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/tensor/internal/vec"
)

// Reshape returns a tensor with the given shape that shares x's storage.
// One dimension may be −1, meaning "whatever makes the sizes agree".
func Reshape(x *Tensor, shape ...int) *Tensor {
	return &Tensor{shape: ResolveShape("tensor: Reshape", x.Size(), shape), data: x.data}
}

// ResolveShape checks that shape (with at most one −1 entry, inferred) has
// size elements and returns a copy with the −1 filled in. It panics, naming
// op (which carries its package, as in "graph: Reshape") and the shape, when
// it does not.
func ResolveShape(op string, size int, shape []int) []int {
	s := cloneInts(shape)
	infer, n := -1, 1
	for i, d := range s {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Sprintf("%s: bad shape %v", op, shape))
		default:
			n = mulSize(op, n, d, shape)
		}
	}
	if infer >= 0 {
		if n == 0 || size%n != 0 {
			panic(fmt.Sprintf("%s: cannot reshape %d elements to %v", op, size, shape))
		}
		s[infer] = size / n
		n = size
	}
	if n != size {
		panic(fmt.Sprintf("%s: cannot reshape %d elements to %v", op, size, shape))
	}
	return s
}

// SliceShape returns the shape of x[start:end:step] along axis and checks
// the bounds (0 ≤ start ≤ end ≤ dim, step ≥ 1).
func SliceShape(shape []int, axis, start, end, step int) []int {
	a, cnt := sliceDims(shape, axis, start, end, step)
	s := cloneInts(shape)
	s[a] = cnt
	return s
}

// sliceDims checks a slice as SliceShape does and returns the normalised
// axis and the number of elements taken along it, without allocating.
func sliceDims(shape []int, axis, start, end, step int) (a, cnt int) {
	a = normAxis("tensor: Slice", axis, len(shape))
	if step < 1 || start < 0 || end > shape[a] || start > end {
		panic(fmt.Sprintf("tensor: Slice: [%d:%d:%d] along axis %d of shape %v", start, end, step, axis, shape))
	}
	return a, (end - start + step - 1) / step
}

// isSliceShape reports whether s is full with dimension a replaced by cnt.
func isSliceShape(s, full []int, a, cnt int) bool {
	if len(s) != len(full) {
		return false
	}
	for i := range s {
		if i == a && s[i] != cnt || i != a && s[i] != full[i] {
			return false
		}
	}
	return true
}

// Slice returns the elements start, start+step, ... < end of x along axis,
// as a copy.
func Slice(x *Tensor, axis, start, end, step int) *Tensor {
	return SliceTo(nil, x, axis, start, end, step)
}

// SliceTo is Slice writing into dst (a nil dst is allocated). A strided
// slice of the last axis is a vectorised gather (AVX2 for step 2).
func SliceTo(dst, x *Tensor, axis, start, end, step int) *Tensor {
	a, cnt := sliceDims(x.shape, axis, start, end, step)
	if dst == nil || !isSliceShape(dst.shape, x.shape, a, cnt) {
		dst = prepareDst("tensor: Slice", dst, SliceShape(x.shape, axis, start, end, step))
	}
	if len(dst.data) == len(x.data) {
		copyData(dst.data, x.data) // the slice is all of x
		return dst
	}
	outer, n, inner := splitAxis(x.shape, a)
	if cnt == 0 {
		return dst
	}
	if inner == 1 { // element-wise gather
		for o := 0; o < outer; o++ {
			vec.Gather(dst.data[o*cnt:(o+1)*cnt], x.data[o*n+start:(o+1)*n], step)
		}
		return dst
	}
	for o := 0; o < outer; o++ {
		for j := 0; j < cnt; j++ {
			src := x.data[(o*n+start+j*step)*inner:]
			copy(dst.data[(o*cnt+j)*inner:(o*cnt+j+1)*inner], src[:inner])
		}
	}
	return dst
}

// UnsliceTo is the adjoint of Slice: it sets dst to zeros of shape full and
// places g at positions start, start+step, ... along axis. A nil dst is
// allocated. A slice of the last axis is written in one pass over dst
// (AVX2 for step 2), zeros and values together.
func UnsliceTo(dst, g *Tensor, full []int, axis, start, end, step int) *Tensor {
	if a, cnt := sliceDims(full, axis, start, end, step); !isSliceShape(g.shape, full, a, cnt) {
		panic(fmt.Sprintf("tensor: Unslice: gradient shape %v, slice shape %v", g.shape, SliceShape(full, axis, start, end, step)))
	}
	if dst == nil {
		full = cloneInts(full) // the result must not retain the caller's slice
	}
	dst = prepareDst("tensor: Unslice", dst, full)
	if len(g.data) == len(dst.data) {
		copyData(dst.data, g.data) // the slice is all of full
		return dst
	}
	unslice(dst.data, g.data, full, axis, start, step, false)
	return dst
}

// UnsliceAccTo adds g to dst at positions start, start+step, ... < end
// along axis and returns dst: dst += UnsliceTo(nil, g, dst.Shape(), ...),
// in one pass over g and without a temporary. It accumulates the gradient
// of a Slice into its operand's. g must have the slice's shape.
func UnsliceAccTo(dst, g *Tensor, axis, start, end, step int) *Tensor {
	if dst == nil {
		panic("tensor: UnsliceAcc: nil destination")
	}
	if a, cnt := sliceDims(dst.shape, axis, start, end, step); !isSliceShape(g.shape, dst.shape, a, cnt) {
		panic(fmt.Sprintf("tensor: UnsliceAcc: gradient shape %v, slice shape %v of %v", g.shape, SliceShape(dst.shape, axis, start, end, step), dst.shape))
	}
	unslice(dst.data, g.data, dst.shape, axis, start, step, true)
	return dst
}

// unslice adds (acc true) g into the positions of out, of shape full,
// that Slice along axis from start with step reads, or (acc false) sets
// out to g at those positions and to zeros elsewhere.
func unslice(out, g []float64, full []int, axis, start, step int, acc bool) {
	a := normAxis("tensor: Unslice", axis, len(full))
	outer, n, inner := splitAxis(full, a)
	if len(g) == 0 {
		if !acc {
			clear(out)
		}
		return
	}
	cnt := len(g) / (outer * inner)
	if inner == 1 {
		for o := 0; o < outer; o++ {
			src := g[o*cnt : (o+1)*cnt]
			if acc {
				vec.ScatterAdd(out[o*n+start:(o+1)*n], src, step)
			} else {
				vec.ScatterZero(out[o*n:(o+1)*n], src, start, step)
			}
		}
		return
	}
	if !acc {
		clear(out)
	}
	for o := 0; o < outer; o++ {
		for j := 0; j < cnt; j++ {
			row := out[(o*n+start+j*step)*inner:][:inner]
			src := g[(o*cnt+j)*inner : (o*cnt+j+1)*inner]
			if acc {
				vec.Add(row, row, src)
			} else {
				copy(row, src)
			}
		}
	}
}

// OneHot returns a len(labels)×classes matrix with a 1 in column labels[i]
// of row i: the target of a softmax cross-entropy with integer labels.
func OneHot(labels []int, classes int) *Tensor {
	t := Zeros(len(labels), classes)
	for i, l := range labels {
		if l < 0 || l >= classes {
			panic(fmt.Sprintf("tensor: OneHot: label %d at %d out of range [0,%d)", l, i, classes))
		}
		t.data[i*classes+l] = 1
	}
	return t
}

// GatherRows returns, for a matrix x of shape [r, c], the vector of
// x[i, idx[i]] for each row i: the log-probability of each label.
func GatherRows(x *Tensor, idx []int) *Tensor {
	if len(x.shape) != 2 || x.shape[0] != len(idx) {
		panic(fmt.Sprintf("tensor: GatherRows: shape %v with %d indices", x.shape, len(idx)))
	}
	c := x.shape[1]
	out := Zeros(len(idx))
	for i, j := range idx {
		if j < 0 || j >= c {
			panic(fmt.Sprintf("tensor: GatherRows: index %d in row %d out of range [0,%d)", j, i, c))
		}
		out.data[i] = x.data[i*c+j]
	}
	return out
}

// ConcatShape returns the shape of a and b joined along axis: they must
// have the same rank and equal sizes in every other dimension.
func ConcatShape(op string, a, b []int, axis int) []int {
	if len(a) != len(b) || len(a) == 0 {
		panic(fmt.Sprintf("%s: shapes %v and %v: ranks differ or are 0", op, a, b))
	}
	ax := normAxis(op, axis, len(a))
	out := cloneInts(a)
	for i := range a {
		if i != ax && a[i] != b[i] {
			panic(fmt.Sprintf("%s: shapes %v and %v differ outside axis %d", op, a, b, axis))
		}
	}
	out[ax] = a[ax] + b[ax]
	return out
}

// Concat returns a and b joined along axis (a copy).
func Concat(a, b *Tensor, axis int) *Tensor { return ConcatTo(nil, a, b, axis) }

// ConcatTo sets dst to a and b joined along axis and returns dst (a nil
// dst is allocated). Either operand may be nil, standing for zeros of the
// shape that dst implies; this is what a tangent that is zero needs.
func ConcatTo(dst, a, b *Tensor, axis int) *Tensor {
	if a == nil && b == nil {
		panic("tensor: Concat: both operands are nil")
	}
	if dst == nil {
		if a == nil || b == nil {
			panic("tensor: Concat: a nil operand needs a destination")
		}
		dst = Zeros(ConcatShape("tensor: Concat", a.shape, b.shape, axis)...)
	}
	ax := normAxis("tensor: Concat", axis, len(dst.shape))
	outer, n, inner := splitAxis(dst.shape, ax)
	var na int
	if a != nil {
		na = a.shape[ax]
	} else {
		na = n - b.shape[ax]
	}
	if a != nil && b != nil {
		if !SameShape(dst.shape, ConcatShape("tensor: Concat", a.shape, b.shape, axis)) {
			panic(fmt.Sprintf("tensor: Concat: destination shape %v for shapes %v and %v", dst.shape, a.shape, b.shape))
		}
	} else if na < 0 || (a != nil && len(a.data) != outer*na*inner) || (b != nil && len(b.data) != outer*(n-na)*inner) {
		panic(fmt.Sprintf("tensor: Concat: destination shape %v does not fit the operand", dst.shape))
	}
	sa, sb := na*inner, (n-na)*inner
	for o := 0; o < outer; o++ {
		row := dst.data[o*n*inner : (o+1)*n*inner]
		if a != nil {
			copy(row[:sa], a.data[o*sa:(o+1)*sa])
		} else {
			clear(row[:sa])
		}
		if b != nil {
			copy(row[sa:], b.data[o*sb:(o+1)*sb])
		} else {
			clear(row[sa:])
		}
	}
	return dst
}

// DeinterleaveTo sets a and b, one-dimensional of one length m, to the
// even and the odd elements of the first 2m elements of the
// one-dimensional x (a[i] = x[2i], b[i] = x[2i+1]), in one pass over x:
// Slice(x, 0, 0, 2m, 2) and Slice(x, 0, 1, 2m, 2) at once.
func DeinterleaveTo(a, b, x *Tensor) {
	if len(a.shape) != 1 || len(b.shape) != 1 || len(x.shape) != 1 || len(b.data) != len(a.data) || len(x.data) < 2*len(a.data) {
		panic(fmt.Sprintf("tensor: DeinterleaveTo: shapes %v, %v from %v", a.shape, b.shape, x.shape))
	}
	vec.Deinterleave(a.data, b.data, x.data)
}

// InterleaveTo sets the first 2m elements of the one-dimensional dst to
// the elements of a and b (one-dimensional, of one length m) in turn,
// dst[2i] = a[i] and dst[2i+1] = b[i], writing nothing else. With addA
// set, a's elements are written as an accumulation into zeros would
// leave them, 0 + a[i] (−0 becomes +0), and likewise for addB: so that
// UnsliceTo of a followed by UnsliceAccTo of b is InterleaveTo(dst, a, b,
// false, true), bit for bit.
func InterleaveTo(dst, a, b *Tensor, addA, addB bool) {
	if len(a.shape) != 1 || len(b.shape) != 1 || len(dst.shape) != 1 || len(b.data) != len(a.data) || len(dst.data) < 2*len(a.data) {
		panic(fmt.Sprintf("tensor: InterleaveTo: shapes %v, %v into %v", a.shape, b.shape, dst.shape))
	}
	ca, cb := math.Copysign(0, -1), math.Copysign(0, -1)
	if addA {
		ca = 0
	}
	if addB {
		cb = 0
	}
	vec.Interleave(dst.data, a.data, b.data, ca, cb)
}
