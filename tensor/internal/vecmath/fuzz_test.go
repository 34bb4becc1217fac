package vecmath

import (
	"math"
	"testing"
)

// FuzzKernels checks every kernel on fuzzed values placed among derived
// values in slices of fuzzed length (so the assembly, its stop-and-resume
// path and the scalar tail all see them): the exported functions equal the
// pure-Go kernels bit for bit, agree with the math package to 2 ulp (exactly
// on NaN, ±Inf, ±0 and subnormals), and are within 2 ulp of the exact value;
// the gradient kernels are within 1.5 ulp of theirs.
//
//	go test -run XXX -fuzz FuzzKernels ./tensor/internal/vecmath
func FuzzKernels(f *testing.F) {
	for i, v := range specialInputs() {
		f.Add(v, 1.5, uint8(i))
	}
	f.Add(0.5, -2.0, uint8(7))
	f.Add(-3.7, 1e-300, uint8(200))
	f.Add(709.6, 1.0, uint8(13))
	f.Add(-744.9, 0.25, uint8(64))
	f.Fuzz(func(t *testing.T, x, g float64, shape uint8) {
		n := 1 + int(shape%23)
		pos := int(shape/23) % n
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = x * (0.5 + 0.125*float64(i))
			if i%3 == 1 {
				xs[i] = -xs[i]
			}
		}
		xs[pos] = x
		dst := make([]float64, n)
		for _, c := range unaryCases() {
			c.api(dst, xs)
			for i, v := range xs {
				got := dst[i]
				if one := c.one(v); !sameFloat(got, one) {
					t.Fatalf("%s(%v): exported %v, pure Go %v", c.name, v, got, one)
				}
				if c.math != nil && (c.mathBug == nil || !c.mathBug(v)) {
					want := c.math(v)
					if exactCase(v) || math.IsNaN(want) || math.IsInf(want, 0) || want == 0 {
						if !sameFloat(got, want) {
							t.Fatalf("%s(%v) = %v, math gives %v", c.name, v, got, want)
						}
					} else if d := ulpDist(got, want); d > 2 {
						t.Fatalf("%s(%v) = %v, math gives %v: %d ulp apart", c.name, v, got, want, d)
					}
				}
				if math.IsNaN(v) || math.IsInf(v, 0) || c.name == "Log" && v <= 0 {
					continue
				}
				if m, k := c.ref(v); isFinite(m, k) {
					if e := ulpErr(got, m, k); !(e <= 2) {
						t.Fatalf("%s(%v) = %v: %.3g ulp from the exact value", c.name, v, got, e)
					}
				}
			}
		}
		gs := make([]float64, n)
		ys := make([]float64, n)
		for i := range gs {
			gs[i] = g * float64(i+1)
		}
		Tanh(ys, xs)
		for _, c := range binaryCases() {
			c.api(dst, gs, ys)
			for i := range dst {
				gi, yi := gs[i], ys[i]
				if one := c.one(gi, yi); !sameFloat(dst[i], one) {
					t.Fatalf("%s(%v, %v): exported %v, pure Go %v", c.name, gi, yi, dst[i], one)
				}
				ex := c.exact(gi, yi)
				if naive := c.naive(gi, yi); !isFinite(ex, 0) || ex.hi == 0 || math.IsNaN(naive) || math.IsInf(naive, 0) {
					if !sameFloat(dst[i], naive) {
						t.Fatalf("%s(%v, %v) = %v, want %v", c.name, gi, yi, dst[i], naive)
					}
				} else if e := ulpErr(dst[i], ex, 0); e > 1.5 {
					t.Fatalf("%s(%v, %v) = %v: %.3g ulp from the exact value", c.name, gi, yi, dst[i], e)
				}
			}
		}
	})
}
