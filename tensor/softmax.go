package tensor

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/tensor/internal/vec"
)

// SoftmaxTo sets dst to the softmax of x along its last axis and returns
// dst (a nil dst is allocated; dst may be x): each row r becomes
// exp(r − max r) / Σ exp(r − max r). When shift and logSum are not nil
// (one element per row each), shift[i] receives row i's maximum and
// logSum[i] the log of its shifted sum, so that log softmax(r)ⱼ =
// (rⱼ − shift[i]) − logSum[i] can be formed without the cancellation of
// rⱼ − log Σ exp(r). It costs one exp and four vectorised passes per
// element. A NaN in a row makes the whole row NaN; a row of −Inf is NaN.
func SoftmaxTo(dst, x *Tensor, shift, logSum []float64) *Tensor {
	dst = prepareDst("tensor: Softmax", dst, x.shape)
	c := 1
	if len(x.shape) > 0 {
		c = x.shape[len(x.shape)-1]
	}
	if c == 0 || len(x.data) == 0 {
		return dst
	}
	rows := len(x.data) / c
	if (shift != nil && len(shift) != rows) || (logSum != nil && len(logSum) != rows) {
		panic(fmt.Sprintf("tensor: Softmax: %d rows of shape %v, shift and log-sum lengths %d and %d", rows, x.shape, len(shift), len(logSum)))
	}
	xd, out := x.data, dst.data
	for i := 0; i < rows; i++ {
		row := xd[i*c : (i+1)*c]
		m := math.Inf(-1)
		for _, v := range row {
			if v > m || v != v { // NaN wins, as in math.Max
				m = v
			}
		}
		vec.AddScalar(out[i*c:(i+1)*c], row, -m)
		if shift != nil {
			shift[i] = m
		}
	}
	vecExp(out, out)
	for i := 0; i < rows; i++ {
		row := out[i*c : (i+1)*c]
		s := vec.Sum(row)
		vec.Scale(row, 1/s, row)
		if logSum != nil {
			logSum[i] = math.Log(s)
		}
	}
	return dst
}
