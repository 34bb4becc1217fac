package tensor

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor/internal/vec"
)

// MulScaledPairTo sets dst = (s·c)⊙d + (s·a)⊙b for a, b, c and d of one
// shape, each product rounded before the next operation, and returns dst
// (a nil dst is allocated; dst may be any operand). It is MulScaledTo(dst,
// s, a, b) followed by MulScaledAccTo(dst, s, c, d), with the same
// result, in one pass: the tangent of a product (s = 1) or of the VJP of
// Square (s = 2) when both factors carry tangents.
func MulScaledPairTo(dst *Tensor, s float64, a, b, c, d *Tensor) *Tensor {
	if !SameShape(a.shape, b.shape) || !SameShape(a.shape, c.shape) || !SameShape(a.shape, d.shape) {
		panic(fmt.Sprintf("tensor: MulScaledPair: shapes %v, %v, %v and %v differ", a.shape, b.shape, c.shape, d.shape))
	}
	dst = prepareDst("tensor: MulScaledPair", dst, a.shape)
	vec.MulScaledPair(dst.data, s, a.data, b.data, c.data, d.data)
	return dst
}
