//go:build !purego

package vec

// The step-2 kernels of strided_amd64.s process n&^3 elements of src; the
// drivers below finish with the pure-Go kernels.

//go:noescape
func scatterAdd2(dst, src *float64, n int)

//go:noescape
func scatterZero2(dst, src *float64, n int)

func scatterAdd(dst, src []float64, step int) {
	if step == 2 && useAVX2 {
		// scatterAdd2 reads and writes two elements per input; dst may
		// end one short of the last pair.
		if n4 := min(len(src), len(dst)/2) &^ 3; n4 > 0 {
			scatterAdd2(&dst[0], &src[0], n4)
			dst, src = dst[2*n4:], src[n4:]
		}
	}
	scatterAddGeneric(dst, src, step)
}

func scatterZero(dst, src []float64, step int) {
	if step == 2 && useAVX2 {
		if n4 := min(len(src), len(dst)/2) &^ 3; n4 > 0 {
			scatterZero2(&dst[0], &src[0], n4)
			dst, src = dst[2*n4:], src[n4:]
		}
	}
	scatterZeroGeneric(dst, src, step)
}

// deinterleave2 and interleave2 handle n&^3 pairs, the generic loops
// the last one to three; Deinterleave and Interleave have checked that b
// has a's length and that src or dst holds 2·len(a) elements, so the
// kernels stay in bounds.

//go:noescape
func deinterleave2(a, b, src *float64, n int)

//go:noescape
func interleave2(dst, a, b *float64, ca, cb float64, n int)

func deinterleave(a, b, src []float64) {
	if n4 := len(a) &^ 3; useAVX2 && n4 > 0 {
		deinterleave2(&a[0], &b[0], &src[0], n4)
		a, b, src = a[n4:], b[n4:], src[2*n4:]
	}
	deinterleaveGeneric(a, b, src)
}

func interleave(dst, a, b []float64, ca, cb float64) {
	if n4 := len(a) &^ 3; useAVX2 && n4 > 0 {
		interleave2(&dst[0], &a[0], &b[0], ca, cb, n4)
		dst, a, b = dst[2*n4:], a[n4:], b[n4:]
	}
	interleaveGeneric(dst, a, b, ca, cb)
}
