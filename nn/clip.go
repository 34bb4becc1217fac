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
// or NaN if one of them is NaN or ±Inf. It sums the squares directly and
// falls back to a scaled sum when that overflows or underflows.
func globalNorm(vs [][]float64) float64 {
	var ss, z float64 // z: x·0 is 0 for finite x and NaN otherwise
	for _, v := range vs {
		for _, x := range v {
			ss += x * x
			z += x * 0
		}
	}
	if z != 0 {
		return math.NaN()
	}
	if ss > 0x1p-900 && ss < math.MaxFloat64 {
		return math.Sqrt(ss)
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
	ss = 0
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
		d := dst[i][:len(s)]
		for j, x := range s {
			d[j] = c * x
		}
	}
}
