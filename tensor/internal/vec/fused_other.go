//go:build !amd64 || purego

package vec

func mulScaledPair(dst []float64, s float64, a, b, c, d []float64) {
	mulScaledPairGeneric(dst, s, a, b, c, d)
}
