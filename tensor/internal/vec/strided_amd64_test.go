//go:build !purego

package vec

import "testing"

// TestStridedAssemblyBounds calls the step-2 assembly kernels directly:
// each must change exactly the even elements of dst[0:2·(n&^3)]
// (scatterZero2 also zeroes the odd ones, scatterAdd2 stores them back
// unchanged) and nothing beyond.
func TestStridedAssemblyBounds(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	const sentinel = -12345.0
	for name, k := range map[string]func(d, s *float64, n int){
		"scatterAdd2":  scatterAdd2,
		"scatterZero2": scatterZero2,
	} {
		for n := 1; n < 40; n++ {
			src := make([]float64, n+4)
			for i := range src {
				src[i] = 1 + float64(i)
			}
			dst := make([]float64, 2*n+8)
			for i := range dst {
				dst[i] = sentinel
			}
			k(&dst[0], &src[0], n)
			m := n &^ 3
			for i := range dst {
				want := i < 2*m && (i%2 == 0 || name == "scatterZero2")
				if written := dst[i] != sentinel; written != want {
					t.Fatalf("%s(n=%d): element %d written = %v", name, n, i, written)
				}
			}
		}
	}
}
