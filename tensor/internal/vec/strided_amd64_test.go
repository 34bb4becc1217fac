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

// TestInterleaveAssemblyBounds calls deinterleave2 and interleave2
// directly: each must write exactly the first n&^3 elements of a and b
// (deinterleave2) or 2·(n&^3) of dst (interleave2), and nothing beyond.
func TestInterleaveAssemblyBounds(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	const sentinel = -12345.0
	fill := func(x []float64, v func(i int) float64) []float64 {
		for i := range x {
			x[i] = v(i)
		}
		return x
	}
	for n := 1; n < 40; n++ {
		m := n &^ 3
		src := fill(make([]float64, 2*n+8), func(i int) float64 { return 1 + float64(i) })
		a := fill(make([]float64, n+8), func(int) float64 { return sentinel })
		b := fill(make([]float64, n+8), func(int) float64 { return sentinel })
		deinterleave2(&a[0], &b[0], &src[0], n)
		for i := range a {
			if written := a[i] != sentinel || b[i] != sentinel; written != (i < m) {
				t.Fatalf("deinterleave2(n=%d): element %d written = %v", n, i, written)
			}
			if i < m && (a[i] != src[2*i] || b[i] != src[2*i+1]) {
				t.Fatalf("deinterleave2(n=%d): pair %d = %v, %v", n, i, a[i], b[i])
			}
		}
		dst := fill(make([]float64, 2*n+8), func(int) float64 { return sentinel })
		interleave2(&dst[0], &src[0], &src[n], 0, 0, n)
		for i := range dst {
			if written := dst[i] != sentinel; written != (i < 2*m) {
				t.Fatalf("interleave2(n=%d): element %d written = %v", n, i, written)
			}
			if i < 2*m && dst[i] != src[i/2+i%2*n] {
				t.Fatalf("interleave2(n=%d): element %d = %v", n, i, dst[i])
			}
		}
	}
}
