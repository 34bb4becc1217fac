package tensor

import (
	"math"
	"math/rand/v2"
)

// RandNormal returns a tensor of the given shape with independent standard
// normal elements drawn from rng; a seeded rng makes the result repeatable.
func RandNormal(rng *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = rng.NormFloat64()
	}
	return t
}

// RandUniform returns a tensor of the given shape with independent elements
// uniform on [lo, hi), drawn from rng.
func RandUniform(rng *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	top := math.Nextafter(hi, math.Inf(-1))
	for i := range t.data {
		v := lo + (hi-lo)*rng.Float64()
		if v >= hi && hi > lo {
			// Rounding can carry lo + (hi−lo)·u up to hi when u is just
			// below 1; keep the interval half-open.
			v = top
		}
		t.data[i] = v
	}
	return t
}
