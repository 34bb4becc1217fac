package nn

import (
	"fmt"
	"math"
)

// ClipGlobalNorm scales the gradients grads in place so that their global
// norm, the Euclidean norm of all their elements together, is at most
// maxNorm, and returns the norm before clipping. When the norm is within
// maxNorm nothing changes; otherwise every element is multiplied by
// maxNorm/norm, which keeps the direction of the whole gradient (unlike
// clipping each element, or each tensor, on its own). This is the
// clipping of Pascanu, Mikolov & Bengio, "On the difficulty of training
// recurrent neural networks" (ICML 2013). If an element is NaN or ±Inf, the
// returned norm is NaN and grads are left unchanged. It costs one pass
// over grads, two when they are clipped, and does not allocate. It panics
// if maxNorm is negative or NaN.
func ClipGlobalNorm(grads [][]float64, maxNorm float64) float64 {
	if !(maxNorm >= 0) {
		panic(fmt.Sprintf("nn: ClipGlobalNorm: maxNorm = %v", maxNorm))
	}
	norm := globalNorm(grads)
	if norm > maxNorm {
		scaleInto(grads, grads, maxNorm/norm)
	}
	return norm
}

// globalNorm returns the Euclidean norm of all elements of vs together,
// or NaN if one of them is NaN or ±Inf. It sums the squares directly (in
// four running sums), which is finite exactly when every element is and
// the sum does not overflow, and falls back to a checked and scaled sum
// when it is not finite or underflows.
func globalNorm(vs [][]float64) float64 {
	var s0, s1, s2, s3 float64
	for _, v := range vs {
		i := 0
		for ; i+4 <= len(v); i += 4 {
			s0 += v[i] * v[i]
			s1 += v[i+1] * v[i+1]
			s2 += v[i+2] * v[i+2]
			s3 += v[i+3] * v[i+3]
		}
		for ; i < len(v); i++ {
			s0 += v[i] * v[i]
		}
	}
	if ss := (s0 + s1) + (s2 + s3); ss > 0x1p-900 && ss <= math.MaxFloat64 {
		return math.Sqrt(ss)
	}
	if firstNonFinite(vs) >= 0 {
		return math.NaN()
	}
	var big float64
	for _, v := range vs {
		for _, x := range v {
			big = max(big, math.Abs(x))
		}
	}
	if big == 0 {
		return 0
	}
	var ss float64
	for _, v := range vs {
		for _, x := range v {
			r := x / big
			ss += r * r
		}
	}
	return big * math.Sqrt(ss)
}

// scaleInto sets dst[i][j] = c·src[i][j]; dst may be src.
func scaleInto(dst, src [][]float64, c float64) {
	for i, s := range src {
		scaleRow(dst[i], c, s)
	}
}
