package hvp

import (
	"math"
	"math/rand/v2"
)

// TraceHutchPP estimates the trace of the symmetric operator op by Hutch++
// (Meyer, Musco, Musco & Woodruff, "Hutch++: optimal stochastic trace
// estimation", SOSA 2021). Of the m = Samples products (default 100;
// rounded down to a multiple of 3, at least 3), a third go to a sketch
// Y = A·S of k = m/3 Rademacher columns, whose orthonormal basis Q captures
// the top of the spectrum; tr(QᵀAQ) is taken exactly with k more products;
// Hutchinson's estimate, with the last k Rademacher probes projected
// away from Q, adds the trace of the rest:
//
//	tr(A) ≈ tr(QᵀAQ) + (1/k) Σⱼ gⱼᵀ(I−QQᵀ)A(I−QQᵀ)gⱼ.
//
// It is unbiased, and where Hutchinson's error is O(‖A‖_F/√m) its error is
// O(‖A‖_*/m) for positive semi-definite A: much smaller when the spectrum
// has a few large eigenvalues, as a network's Hessian or Gauss–Newton
// matrix has. StdErr is the standard error of the Hutchinson part (the
// exact part has none), +Inf when k = 1. Samples is the number of
// products used: fewer than m when A has rank below k, as only the
// independent columns of Q are applied.
//
// Cost: m products, O(k²·n) flops to orthonormalise and project, and 2k·n
// float64s of memory. Settings as Trace. It panics if op.Dim() < 1 or
// Samples is negative or below 3, and returns ErrNonFinite if a product is
// NaN or Inf, or op is a SecondOrder whose value or gradient is.
func TraceHutchPP(op Operator, settings *TraceSettings) (TraceEstimate, error) {
	n, m, seed := settings.probes("TraceHutchPP", op, 3)
	k := m / 3
	if !finitePoint(op) {
		return TraceEstimate{}, ErrNonFinite
	}
	rng := rand.New(rand.NewPCG(seed, 0x68757463682b2b)) // stream: "hutch++"
	used := 0
	apply := func(v, dst []float64) bool {
		op.Apply(v, dst)
		used++
		for _, x := range dst {
			if !finite(x) {
				return false
			}
		}
		return true
	}
	// The sketch Y = A·S and its orthonormal basis Q (columns dropped when
	// they are numerically dependent: then A has rank below k).
	z := make([]float64, n)
	var q [][]float64
	for j := 0; j < k; j++ {
		rademacher(rng, z)
		y := make([]float64, n)
		if !apply(z, y) {
			return TraceEstimate{Samples: used}, ErrNonFinite
		}
		q = appendOrthonormal(q, y)
	}
	// tr(QᵀAQ), exactly.
	hz := make([]float64, n)
	var exact float64
	for _, qj := range q {
		if !apply(qj, hz) {
			return TraceEstimate{Samples: used}, ErrNonFinite
		}
		exact += dot(qj, hz)
	}
	// Hutchinson on (I−QQᵀ)A(I−QQᵀ).
	var w welford
	for j := 1; j <= k; j++ {
		rademacher(rng, z)
		project(q, z)
		if !apply(z, hz) {
			return TraceEstimate{Samples: used}, ErrNonFinite
		}
		w.add(dot(z, hz)) // zᵀ(I−QQᵀ)A(I−QQᵀ)z, as (I−QQᵀ) is symmetric
	}
	return TraceEstimate{Trace: exact + w.mean, StdErr: w.stdErr(), Samples: used}, nil
}

// appendOrthonormal orthogonalises y against the unit vectors q (modified
// Gram–Schmidt, twice) and appends it normalised, unless little of it is
// left, in which case q is returned unchanged. y is overwritten.
func appendOrthonormal(q [][]float64, y []float64) [][]float64 {
	before := math.Sqrt(dot(y, y))
	if before == 0 {
		return q
	}
	for pass := 0; pass < 2; pass++ {
		project(q, y)
	}
	after := math.Sqrt(dot(y, y))
	if after <= 1e-10*before {
		return q
	}
	scaleVec(1/after, y)
	return append(q, y)
}

// project removes from z its components along the orthonormal vectors q.
func project(q [][]float64, z []float64) {
	for _, qj := range q {
		axpy(-dot(qj, z), qj, z)
	}
}
