package testutil

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// RelErr returns the worst elementwise error between a and b,
//
//	|a_i − b_i| / max(1, |a_i|, |b_i|),
//
// a relative error for components larger than 1 in magnitude and an
// absolute one for smaller components, and the index where it occurs (0
// when a and b agree). Equal components, equal infinities included, count
// as 0; the first NaN error is returned at once. RelErr panics if a and b
// differ in length. It costs O(len(a)).
func RelErr(a, b []float64) (worst float64, at int) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("testutil: RelErr: lengths %d and %d", len(a), len(b)))
	}
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		e := math.Abs(a[i]-b[i]) / max(1, math.Abs(a[i]), math.Abs(b[i]))
		if math.IsNaN(e) {
			return e, i
		}
		if e > worst {
			worst, at = e, i
		}
	}
	return worst, at
}

// FDStep is the step h of the five-point central differences of
// DirectionalDeriv and FiniteGrad. Their truncation error is O(h⁴) ≈ 1e-12
// for smooth functions and their rounding error about 1e-16·|g| / h ≈
// 1e-13·|g|.
const FDStep = 1e-3

// DirectionalDeriv returns the derivative at t = 0 of the vector function
// t ↦ g(x + t·v), by the five-point central stencil
//
//	(−g(x + 2hv) + 8g(x + hv) − 8g(x − hv) + g(x − 2hv)) / 12h,  h = FDStep.
//
// It costs four calls of g, made in that order on one reused buffer that g
// must not retain. x and v are not modified.
func DirectionalDeriv(g func(x []float64) []float64, x, v []float64) []float64 {
	const h = FDStep
	xs := make([]float64, len(x))
	at := func(t float64) []float64 {
		for i := range x {
			xs[i] = x[i] + t*v[i]
		}
		return g(xs)
	}
	p2, p1, m1, m2 := at(2*h), at(h), at(-h), at(-2*h)
	out := make([]float64, len(p1))
	for i := range out {
		out[i] = (-p2[i] + 8*p1[i] - 8*m1[i] + m2[i]) / (12 * h)
	}
	return out
}

// FiniteGrad returns the gradient of the scalar function f at x, one
// coordinate at a time: component i is DirectionalDeriv along the unit
// vector e_i. It costs 4·len(x) calls of f, whose argument f must not
// retain. x is not modified.
func FiniteGrad(f func(x []float64) float64, x []float64) []float64 {
	e := make([]float64, len(x))
	g := make([]float64, len(x))
	val := func(x []float64) []float64 { return []float64{f(x)} }
	for i := range x {
		e[i] = 1
		g[i] = DirectionalDeriv(val, x, e)[0]
		e[i] = 0
	}
	return g
}

// RandVec returns n standard normal values drawn from rng.
func RandVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// RandSym returns a random symmetric n×n matrix whose entries on and above
// the diagonal are standard normal values drawn from rng, row by row.
func RandSym(rng *rand.Rand, n int) *mat.SymDense {
	a := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			a.SetSym(i, j, rng.NormFloat64())
		}
	}
	return a
}
