package vec

// This file is the pure-Go implementation of every kernel, one element at a
// time. It is the portable fallback, the path for the vector tails, and the
// specification of the assembly: vec_amd64.s performs exactly these
// floating-point operations, element by element and in the same order, so
// the two agree bit for bit (the tests check this). No operation is fused:
// every product is rounded before it is added, which the explicit float64
// conversions below enforce (the Go specification lets a compiler fuse
// x*y + z into one multiply-add otherwise, and does so for GOAMD64=v3).

func addGeneric(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

func subGeneric(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

func mulGeneric(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

func divGeneric(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] / b[i]
	}
}

func addScalarGeneric(dst, a []float64, s float64) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + s
	}
}

func scalarSubGeneric(dst []float64, s float64, b []float64) {
	b = b[:len(dst)]
	for i := range dst {
		dst[i] = s - b[i]
	}
}

func scaleGeneric(dst []float64, s float64, a []float64) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * s
	}
}

func divScalarGeneric(dst, a []float64, s float64) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] / s
	}
}

func scalarDivGeneric(dst []float64, s float64, b []float64) {
	b = b[:len(dst)]
	for i := range dst {
		dst[i] = s / b[i]
	}
}

func mulAddGeneric(dst, a, b, c []float64) {
	a, b, c = a[:len(dst)], b[:len(dst)], c[:len(dst)]
	for i := range dst {
		dst[i] = float64(a[i]*b[i]) + c[i]
	}
}

func axpyGeneric(dst []float64, s float64, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = float64(a[i]*s) + b[i]
	}
}

func mulScaledGeneric(dst []float64, s float64, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = float64(a[i]*s) * b[i]
	}
}

func mulScaledAddGeneric(dst []float64, s float64, a, b, c []float64) {
	a, b, c = a[:len(dst)], b[:len(dst)], c[:len(dst)]
	for i := range dst {
		dst[i] = float64(float64(a[i]*s)*b[i]) + c[i]
	}
}

func reluGeneric(dst, a []float64) {
	a = a[:len(dst)]
	for i, v := range a {
		if v <= 0 {
			dst[i] = 0
		} else {
			dst[i] = v // v > 0, or NaN
		}
	}
}

func stepGeneric(dst []float64, s float64, a []float64) {
	a = a[:len(dst)]
	for i, v := range a {
		if v > 0 {
			dst[i] = s
		} else {
			dst[i] = 0
		}
	}
}

func maskMulGeneric(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i, m := range b {
		if m == 0 {
			dst[i] = 0
		} else {
			dst[i] = a[i] * m
		}
	}
}

func squareGeneric(dst, a []float64) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * a[i]
	}
}

// sum8Generic returns the sum of x in the eight-lane order: partial sum p
// (p = 0, …, 7) adds x[i] for i ≡ p (mod 8), i < len(x)&^7, in increasing
// i; the partials are combined as combine8 does, and the remaining
// len(x)%8 elements are added one by one to the result.
func sum8Generic(x []float64) float64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	i := 0
	for ; i+8 <= len(x); i += 8 {
		y := x[i : i+8 : i+8]
		s0 += y[0]
		s1 += y[1]
		s2 += y[2]
		s3 += y[3]
		s4 += y[4]
		s5 += y[5]
		s6 += y[6]
		s7 += y[7]
	}
	t := combine8(s0, s1, s2, s3, s4, s5, s6, s7)
	for ; i < len(x); i++ {
		t += x[i]
	}
	return t
}

// dot8Generic is sum8Generic of the products a[i]·b[i], each rounded
// before it is added.
func dot8Generic(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x, y := a[i:i+8:i+8], b[i:i+8:i+8]
		s0 += float64(x[0] * y[0])
		s1 += float64(x[1] * y[1])
		s2 += float64(x[2] * y[2])
		s3 += float64(x[3] * y[3])
		s4 += float64(x[4] * y[4])
		s5 += float64(x[5] * y[5])
		s6 += float64(x[6] * y[6])
		s7 += float64(x[7] * y[7])
	}
	t := combine8(s0, s1, s2, s3, s4, s5, s6, s7)
	for ; i < len(a); i++ {
		t += float64(a[i] * b[i])
	}
	return t
}

// combine8 adds eight partial sums in the order the assembly's lane
// reduction does: lanes p and p+4 first, then the two halves, then the
// remaining pair.
func combine8(s0, s1, s2, s3, s4, s5, s6, s7 float64) float64 {
	return ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7))
}

// The strided copies handle step 2 (the even or odd elements, the common
// case) in groups of four with one bounds check per group.

func gatherGeneric(dst, src []float64, step int) {
	if len(dst) == 0 {
		return
	}
	src = src[:(len(dst)-1)*step+1]
	i := 0
	if step == 2 {
		for ; i+4 <= len(dst); i += 4 {
			s := src[2*i : 2*i+7 : 2*i+7]
			d := dst[i : i+4 : i+4]
			d[0], d[1], d[2], d[3] = s[0], s[2], s[4], s[6]
		}
	}
	for j := i * step; i < len(dst); i++ {
		dst[i] = src[j]
		j += step
	}
}

func scatterGeneric(dst, src []float64, step int) {
	if len(src) == 0 {
		return
	}
	dst = dst[:(len(src)-1)*step+1]
	i := 0
	if step == 2 {
		for ; i+4 <= len(src); i += 4 {
			d := dst[2*i : 2*i+7 : 2*i+7]
			s := src[i : i+4 : i+4]
			d[0], d[2], d[4], d[6] = s[0], s[1], s[2], s[3]
		}
	}
	for j := i * step; i < len(src); i++ {
		dst[j] = src[i]
		j += step
	}
}

func scatterAddGeneric(dst, src []float64, step int) {
	if len(src) == 0 {
		return
	}
	dst = dst[:(len(src)-1)*step+1]
	i := 0
	if step == 2 {
		for ; i+4 <= len(src); i += 4 {
			d := dst[2*i : 2*i+7 : 2*i+7]
			s := src[i : i+4 : i+4]
			d[0] += s[0]
			d[2] += s[1]
			d[4] += s[2]
			d[6] += s[3]
		}
	}
	for j := i * step; i < len(src); i++ {
		dst[j] += src[i]
		j += step
	}
}
