package tensor

import "fmt"

// MatMul returns the matrix product a·b. Both operands have at least two
// dimensions; leading dimensions are batch dimensions, which must match, or
// be absent from one operand (that operand is then shared by every batch).
func MatMul(a, b *Tensor) *Tensor { return MatMulTo(nil, a, b, false, false) }

// MatMulT returns op(a)·op(b), where op transposes the last two dimensions
// when the matching flag is set. No transposed copy is made.
func MatMulT(a, b *Tensor, transA, transB bool) *Tensor { return MatMulTo(nil, a, b, transA, transB) }

// MatMulShape returns the shape of op(a)·op(b) and the product's m, k, n
// and batch count, panicking with both shapes if they do not conform.
func MatMulShape(a, b []int, transA, transB bool) (shape []int, m, k, n, batch int) {
	if len(a) < 2 || len(b) < 2 {
		panic(fmt.Sprintf("tensor: MatMul: shapes %v and %v: operands need at least 2 dimensions", a, b))
	}
	m, k = a[len(a)-2], a[len(a)-1]
	if transA {
		m, k = k, m
	}
	k2, n := b[len(b)-2], b[len(b)-1]
	if transB {
		k2, n = n, k2
	}
	if k != k2 {
		panic(fmt.Sprintf("tensor: MatMul: shapes %v and %v (transA=%v transB=%v): inner dimensions %d and %d differ", a, b, transA, transB, k, k2))
	}
	ba, bb := a[:len(a)-2], b[:len(b)-2]
	var bshape []int
	switch {
	case len(ba) == 0:
		bshape = bb
	case len(bb) == 0 || SameShape(ba, bb):
		bshape = ba
	default:
		panic(fmt.Sprintf("tensor: MatMul: shapes %v and %v: batch dimensions differ", a, b))
	}
	shape = make([]int, len(bshape)+2)
	copy(shape, bshape)
	shape[len(bshape)], shape[len(bshape)+1] = m, n
	return shape, m, k, n, SizeOf(bshape)
}

// MatMulTo sets dst = op(a)·op(b) (see MatMulT) and returns dst. A nil dst
// is allocated; otherwise it must have the product's shape and must not
// overlap a or b.
func MatMulTo(dst, a, b *Tensor, transA, transB bool) *Tensor {
	return matMul(dst, a, b, transA, transB, 0)
}

// MatMulAddTo sets dst = dst + op(a)·op(b) and returns dst, which must have
// the product's shape.
func MatMulAddTo(dst, a, b *Tensor, transA, transB bool) *Tensor {
	if dst == nil {
		panic("tensor: MatMulAdd: nil destination")
	}
	return matMul(dst, a, b, transA, transB, 1)
}

func matMul(dst, a, b *Tensor, transA, transB bool, beta float64) *Tensor {
	shape, m, k, n, batch := MatMulShape(a.shape, b.shape, transA, transB)
	if dst == nil {
		dst = &Tensor{shape: shape, data: make([]float64, SizeOf(shape))}
	} else if !SameShape(dst.shape, shape) {
		panic(fmt.Sprintf("tensor: MatMul: destination shape %v, product shape %v", dst.shape, shape))
	}
	lda, ldb := a.shape[len(a.shape)-1], b.shape[len(b.shape)-1]
	strideA, strideB := m*k, k*n
	if len(a.shape) == 2 {
		strideA = 0
	}
	if len(b.shape) == 2 {
		strideB = 0
	}
	if m == 0 || n == 0 {
		return dst // nothing to compute, and Dgemm would reject ldc = n = 0
	}
	for i := 0; i < batch; i++ {
		c := dst.data[i*m*n : (i+1)*m*n]
		if k == 0 {
			// op(a)·op(b) is zero. With beta = 0, dst is overwritten, not
			// scaled, so that NaN or Inf in it does not survive (as in BLAS).
			switch beta {
			case 0:
				clear(c)
			case 1:
			default:
				for j := range c {
					c[j] *= beta
				}
			}
			continue
		}
		dgemm(transA, transB, m, n, k, a.data[i*strideA:i*strideA+m*k], lda, b.data[i*strideB:i*strideB+k*n], ldb, beta, c, n)
	}
	return dst
}

// Transpose returns x with its last two dimensions swapped (a copy).
func Transpose(x *Tensor) *Tensor { return TransposeTo(nil, x) }

// TransposedShape returns shape with its last two dimensions swapped.
func TransposedShape(shape []int) []int {
	if len(shape) < 2 {
		panic(fmt.Sprintf("tensor: Transpose: shape %v has fewer than 2 dimensions", shape))
	}
	s := cloneInts(shape)
	s[len(s)-1], s[len(s)-2] = s[len(s)-2], s[len(s)-1]
	return s
}

// TransposeTo sets dst to x with its last two dimensions swapped and
// returns dst. A nil dst is allocated; otherwise it must have the
// transposed shape and must not share storage with x.
func TransposeTo(dst, x *Tensor) *Tensor {
	if dst == nil || !isTransposedShape(dst.shape, x.shape) {
		// Allocate the result, or panic with the shapes.
		dst = prepareDst("tensor: Transpose", dst, TransposedShape(x.shape))
	}
	if len(x.data) > 0 && &dst.data[0] == &x.data[0] {
		panic(fmt.Sprintf("tensor: Transpose: destination shares storage with the operand of shape %v", x.shape))
	}
	r, c := x.shape[len(x.shape)-2], x.shape[len(x.shape)-1]
	for off := 0; off < len(x.data); off += r * c {
		src, out := x.data[off:off+r*c], dst.data[off:off+r*c]
		// Blocked so both sides stay in cache for large matrices.
		const blk = 32
		for i0 := 0; i0 < r; i0 += blk {
			for j0 := 0; j0 < c; j0 += blk {
				for i := i0; i < min(i0+blk, r); i++ {
					for j := j0; j < min(j0+blk, c); j++ {
						out[j*r+i] = src[i*c+j]
					}
				}
			}
		}
	}
	return dst
}

// isTransposedShape reports whether t is s with its last two dimensions
// swapped (s having at least two), without allocating.
func isTransposedShape(t, s []int) bool {
	n := len(s)
	if n < 2 || len(t) != n || t[n-1] != s[n-2] || t[n-2] != s[n-1] {
		return false
	}
	return SameShape(t[:n-2], s[:n-2])
}
