package tensor

import (
	"fmt"
	"math"
)

// checkShape validates a shape and returns its number of elements. op, in
// panic messages, names the operation with its package ("tensor: Zeros").
func checkShape(op string, shape []int) int {
	// Scalars and vectors, the common shapes of element-wise code, are
	// resolved inline.
	switch len(shape) {
	case 0:
		return 1
	case 1:
		if s := shape[0]; s >= 0 && s <= MaxSize {
			return s
		}
	}
	return checkShapeSlow(op, shape)
}

func checkShapeSlow(op string, shape []int) int {
	n := 1
	for _, s := range shape {
		if s < 0 {
			panic(fmt.Sprintf("%s: negative dimension in shape %v", op, shape))
		}
		n = mulSize(op, n, s, shape)
	}
	return n
}

// MaxSize is the largest number of elements a tensor may have: its storage
// in bytes must fit in an int.
const MaxSize = math.MaxInt / 8

// mulSize returns n·s, panicking, naming op and the shape, when the product
// exceeds MaxSize (or overflows, which a product of shape entries checked
// one by one would otherwise do silently).
func mulSize(op string, n, s int, shape []int) int {
	if s != 0 && n > MaxSize/s {
		panic(fmt.Sprintf("%s: shape %v has more than %d elements", op, shape, MaxSize))
	}
	return n * s
}

func cloneInts(s []int) []int {
	if len(s) == 0 {
		return nil
	}
	c := make([]int, len(s))
	copy(c, s)
	return c
}

// SameShape reports whether two shapes are identical.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// SizeOf returns the number of elements of a tensor with the given shape.
func SizeOf(shape []int) int { return checkShape("tensor: SizeOf", shape) }

// normAxis maps a possibly negative axis to [0, dims), panicking with op
// (such as "tensor: SumAxis") when it is out of range.
func normAxis(op string, axis, dims int) int {
	a := axis
	if a < 0 {
		a += dims
	}
	if a < 0 || a >= dims {
		panic(fmt.Sprintf("%s: axis %d out of range for %d dimensions", op, axis, dims))
	}
	return a
}

// BroadcastShape returns the shape that a and b broadcast to under NumPy's
// rules: shapes are aligned at their last dimension, and each pair of sizes
// must be equal or one of them 1. It panics, naming op and both shapes, when
// they are incompatible. When one shape already is the result it is returned
// itself, so the common cases do not allocate.
func BroadcastShape(op string, a, b []int) []int {
	if SameShape(a, b) {
		return a
	}
	n := len(a)
	if len(b) > n {
		n = len(b)
	}
	aIsOut, bIsOut := len(a) == n, len(b) == n
	for i := 1; i <= n; i++ {
		da, db := dimFromEnd(a, i), dimFromEnd(b, i)
		switch {
		case da == db:
		case da == 1:
			aIsOut = false
		case db == 1:
			bIsOut = false
		default:
			panic(fmt.Sprintf("%s: shapes %v and %v do not broadcast", op, a, b))
		}
	}
	if aIsOut {
		return a
	}
	if bIsOut {
		return b
	}
	out := make([]int, n)
	for i := 1; i <= n; i++ {
		da, db := dimFromEnd(a, i), dimFromEnd(b, i)
		if da == 1 {
			da = db
		}
		out[n-i] = da
	}
	checkShape(op, out) // a broadcast of two valid shapes can still be too large
	return out
}

func dimFromEnd(s []int, i int) int {
	if i > len(s) {
		return 1
	}
	return s[len(s)-i]
}

// broadcastStrides returns, for a tensor of shape in broadcast to shape out,
// the element stride of each output dimension (0 where in is broadcast).
func broadcastStrides(in, out []int, dst []int) []int {
	dst = dst[:len(out)]
	stride := 1
	for i := 1; i <= len(out); i++ {
		d := dimFromEnd(in, i)
		if d == 1 {
			dst[len(out)-i] = 0
		} else {
			dst[len(out)-i] = stride
		}
		stride *= d
	}
	return dst
}

// CanBroadcastTo reports whether a tensor of shape from broadcasts to shape to.
func CanBroadcastTo(from, to []int) bool {
	if len(from) > len(to) {
		return false
	}
	for i := 1; i <= len(from); i++ {
		f, t := dimFromEnd(from, i), dimFromEnd(to, i)
		if f != t && f != 1 {
			return false
		}
	}
	return true
}
