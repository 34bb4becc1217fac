//go:build !purego

package vec

// mulScaledPairVVVV processes n&^3 elements (fused_amd64.s); the driver
// finishes with the pure-Go kernel.
//
//go:noescape
func mulScaledPairVVVV(dst *float64, s float64, a, b, c, d *float64, n int)

func mulScaledPair(dst []float64, s float64, a, b, c, d []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		mulScaledPairVVVV(&dst[0], s, &a[0], &b[0], &c[0], &d[0], n4)
		dst, a, b, c, d = dst[n4:], a[n4:], b[n4:], c[n4:], d[n4:]
	}
	mulScaledPairGeneric(dst, s, a, b, c, d)
}
