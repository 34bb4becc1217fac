package vec

// The fused kernels of derivative rules whose tangent is a sum of two
// products: the JVP of a product, ȧ·b + a·ḃ, and of SquareGrad,
// 2(ġ·x + g·ẋ), in one pass instead of a product and an accumulation.
// AVX2 assembly in fused_amd64.s, pure Go below.

// MulScaledPair sets dst[i] = (s·c[i])·d[i] + (s·a[i])·b[i], each product
// rounded before the next operation: the same bits as MulScaled(dst, s,
// a, b) followed by MulScaledAdd(dst, s, c, d, dst), in one pass. dst may
// be any of the operands.
func MulScaledPair(dst []float64, s float64, a, b, c, d []float64) {
	check2("MulScaledPair", dst, a, b)
	check2("MulScaledPair", dst, c, d)
	if w := Workers(len(dst)); w > 1 {
		For(len(dst), w, func(lo, hi int) { mulScaledPair(dst[lo:hi], s, a[lo:hi], b[lo:hi], c[lo:hi], d[lo:hi]) })
		return
	}
	mulScaledPair(dst, s, a, b, c, d)
}

func mulScaledPairGeneric(dst []float64, s float64, a, b, c, d []float64) {
	a, b, c, d = a[:len(dst)], b[:len(dst)], c[:len(dst)], d[:len(dst)]
	for i := range dst {
		p := float64(a[i]*s) * b[i]
		dst[i] = float64(float64(c[i]*s)*d[i]) + p
	}
}
