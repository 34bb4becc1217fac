//go:build !purego

package vec

import "testing"

// TestFusedAssemblyBounds calls mulScaledPairVVVV directly: it must write
// exactly the first n&^3 elements of dst and nothing beyond.
func TestFusedAssemblyBounds(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	const sentinel = -12345.0
	for n := 1; n < 40; n++ {
		a := make([]float64, n+8)
		for i := range a {
			a[i] = 1 + float64(i)
		}
		dst := make([]float64, n+8)
		for i := range dst {
			dst[i] = sentinel
		}
		mulScaledPairVVVV(&dst[0], 2, &a[0], &a[0], &a[0], &a[0], n)
		for i := range dst {
			if written := dst[i] != sentinel; written != (i < n&^3) {
				t.Fatalf("mulScaledPairVVVV(n=%d): element %d written = %v", n, i, written)
			}
		}
	}
}
