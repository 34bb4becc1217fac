package vec

// The strided kernels of a Slice's adjoint: ScatterZero places a slice's
// adjoint into zeros in one pass over the destination (instead of a
// clear and a scatter), and ScatterAdd (vec.go) adds it in place;
// Deinterleave splits a vector into its even and odd elements and
// Interleave joins two back, each in one pass. All four have AVX2 assembly
// for step 2 (strided_amd64.s); the pure-Go code of this file does the
// rest and the tails.

// ScatterZero sets dst[start+j·step] = src[j] for every j and every other
// element of dst to +0, in one pass over dst: a slice's adjoint placed
// into zeros of its operand's shape. dst[start:] must hold at least
// (len(src)−1)·step + 1 elements and may hold more (they become zeros
// too); start must be ≥ 0, step positive, and dst and src must not
// overlap.
func ScatterZero(dst, src []float64, start, step int) {
	if start < 0 || start > len(dst) {
		panic("vec: ScatterZero: start out of range")
	}
	checkStrided("ScatterZero", src, dst[start:], step)
	clear(dst[:start])
	dst = dst[start:]
	if w := Workers(len(dst)); w > 1 && len(src) > 1 {
		For(len(src), w, func(lo, hi int) {
			end := hi * step
			if hi == len(src) {
				end = len(dst)
			}
			scatterZero(dst[lo*step:end], src[lo:hi], step)
		})
		return
	}
	scatterZero(dst, src, step)
}

// scatterZeroGeneric sets dst[j·step] = src[j] and every other element of
// dst to +0 (dst holds at least (len(src)−1)·step + 1 elements).
func scatterZeroGeneric(dst, src []float64, step int) {
	i := 0
	switch step {
	case 1:
		i = copy(dst, src)
	case 2:
		for ; i+4 <= len(src) && 2*i+8 <= len(dst); i += 4 {
			d := dst[2*i : 2*i+8 : 2*i+8]
			s := src[i : i+4 : i+4]
			d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = s[0], 0, s[1], 0, s[2], 0, s[3], 0
		}
	}
	p := i * step
	for ; i < len(src); i++ {
		dst[p] = src[i]
		clear(dst[p+1 : min(p+step, len(dst))])
		p += step
	}
	if p < len(dst) {
		clear(dst[p:])
	}
}

// Deinterleave sets a[i] = src[2i] and b[i] = src[2i+1] for i < len(a):
// the even and the odd elements of src, in one pass over it. a and b have
// one length m, and src holds at least 2m elements.
func Deinterleave(a, b, src []float64) {
	if len(b) != len(a) || len(src) < 2*len(a) {
		panic("vec: Deinterleave: lengths")
	}
	deinterleave(a, b, src)
}

// Interleave sets dst[2i] = a[i] + ca and dst[2i+1] = b[i] + cb for
// i < len(a), writing no other element. ca and cb are ±0: adding −0
// leaves every value as it is, adding +0 turns −0 into +0, as adding the
// value to a zero (an accumulation into zeros) does. a and b have one
// length m, and dst holds at least 2m elements.
func Interleave(dst, a, b []float64, ca, cb float64) {
	if len(b) != len(a) || len(dst) < 2*len(a) {
		panic("vec: Interleave: lengths")
	}
	interleave(dst, a, b, ca, cb)
}

func deinterleaveGeneric(a, b, src []float64) {
	src = src[:2*len(a)]
	b = b[:len(a)]
	for i := range a {
		a[i], b[i] = src[2*i], src[2*i+1]
	}
}

func interleaveGeneric(dst, a, b []float64, ca, cb float64) {
	dst = dst[:2*len(a)]
	b = b[:len(a)]
	for i := range a {
		dst[2*i], dst[2*i+1] = a[i]+ca, b[i]+cb
	}
}
