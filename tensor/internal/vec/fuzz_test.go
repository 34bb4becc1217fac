package vec

import (
	"math"
	"testing"
)

// FuzzKernels checks every kernel, Sum and the strided copies on slices
// built from fuzzed values (placed among values derived from them, at a
// fuzzed length and starting offset, so the vector loops, the groups of
// four and the scalar tail all see them) against the plain loop: bit for
// bit, NaN matching NaN (Interleave and Deinterleave: every bit). The seed corpus runs with go test.
//
//	go test -run XXX -fuzz FuzzKernels ./tensor/internal/vec
func FuzzKernels(f *testing.F) {
	for i, v := range specials {
		f.Add(v, specials[(i+3)%len(specials)], 1.5, uint8(i*11))
	}
	f.Add(0.1, 0.2, 0.3, uint8(255))
	f.Add(1e308, -1e308, 2.0, uint8(37))
	f.Add(5e-324, 1.0, -0.0, uint8(66))
	f.Fuzz(func(t *testing.T, x, y, s float64, shape uint8) {
		n := int(shape % 67)
		off := int(shape/67) % 4
		pos := int(shape) % max(n, 1)
		in := [3][]float64{offsetSlice(n, off), offsetSlice(n, (off+1)%4), offsetSlice(n, (off+2)%4)}
		for i := range n {
			w := 0.5 + 0.125*float64(i)
			in[0][i], in[1][i], in[2][i] = x*w, y*w, -x*y*w
			if i%3 == 1 {
				in[0][i], in[1][i] = y, x
			}
		}
		if n > 0 {
			in[0][pos], in[1][pos], in[2][pos] = x, y, s
		}
		dst := offsetSlice(n, (off+3)%4)
		for _, c := range kernelCases() {
			c.run(dst, in, s)
			for i := range dst {
				if want := c.ref(in[0][i], in[1][i], in[2][i], s); !same(dst[i], want) {
					t.Fatalf("%s(%v, %v, %v, s=%v) = %v, want %v", c.name, in[0][i], in[1][i], in[2][i], s, dst[i], want)
				}
			}
		}
		if got, want := Sum(in[0]), refSum(in[0]); !same(got, want) {
			t.Fatalf("Sum = %v, documented order %v", got, want)
		}
		prod := make([]float64, n)
		for i := range prod {
			prod[i] = in[0][i] * in[1][i]
		}
		if got, want := Dot(in[0], in[1]), refSum(prod); !same(got, want) {
			t.Fatalf("Dot = %v, Sum of the products %v", got, want)
		}
		ca, cb := math.Copysign(0, -s), math.Copysign(0, s)
		pairs := offsetSlice(2*n, off)
		Interleave(pairs, in[0], in[1], ca, cb)
		a, b := offsetSlice(n, (off+1)%4), offsetSlice(n, (off+2)%4)
		Deinterleave(a, b, pairs)
		for i := range n {
			if math.Float64bits(a[i]) != math.Float64bits(in[0][i]+ca) || math.Float64bits(b[i]) != math.Float64bits(in[1][i]+cb) {
				t.Fatalf("Interleave then Deinterleave(ca=%v, cb=%v): pair %d = %v, %v from %v, %v", ca, cb, i, a[i], b[i], in[0][i], in[1][i])
			}
		}
		if n > 0 {
			g := make([]float64, (n+1)/2)
			Gather(g, in[0], 2)
			for j := range g {
				if !same(g[j], in[0][2*j]) {
					t.Fatalf("Gather: element %d", j)
				}
			}
		}
	})
}
