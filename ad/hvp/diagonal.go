package hvp

import (
	"math"
	"math/rand/v2"
)

// DiagonalEstimate is the result of Diagonal.
type DiagonalEstimate struct {
	// Diag[i] estimates Aᵢᵢ: the mean of zᵢ(Az)ᵢ over the probes.
	Diag []float64
	// StdErr[i] is the standard error of Diag[i] over the probes (0 when
	// every probe agreed, as for a diagonal A; +Inf with one probe).
	StdErr []float64
	// Samples is the number of probes, equal to the products used.
	Samples int
}

// Diagonal estimates the diagonal of the symmetric operator op from
// products alone (Bekas, Kokiopoulou & Saad, "An estimator for the
// diagonal of a matrix", Appl. Numer. Math. 57, 2007; the Hessian diagonal
// of AdaHessian and of BackPACK's diag_h approximations): for Rademacher
// probes z, E[z ⊙ Az] = diag(A), since zᵢ(Az)ᵢ = Aᵢᵢ + Σ_{j≠i} Aᵢⱼzᵢzⱼ; the
// error of entry i over m probes is (Σ_{j≠i} Aᵢⱼ²/m)^{1/2}, small where A
// is diagonally dominant. Settings as Trace: Samples (default 100) probes
// and a Seed.
//
// Cost: m products and 3n float64s. It panics if op.Dim() < 1 or Samples
// is negative, and returns ErrNonFinite if a product is NaN or Inf, or op
// is a SecondOrder whose value or gradient is.
func Diagonal(op Operator, settings *TraceSettings) (DiagonalEstimate, error) {
	n, m, seed := settings.probes("Diagonal", op, 1)
	if !finitePoint(op) {
		return DiagonalEstimate{}, ErrNonFinite
	}
	rng := rand.New(rand.NewPCG(seed, 0x64696167)) // stream: "diag"
	z, hz := make([]float64, n), make([]float64, n)
	mean, m2 := make([]float64, n), make([]float64, n)
	for k := 1; k <= m; k++ {
		rademacher(rng, z)
		op.Apply(z, hz)
		for i := range z {
			x := z[i] * hz[i]
			if !finite(x) {
				return DiagonalEstimate{Samples: k}, ErrNonFinite
			}
			d := x - mean[i]
			mean[i] += d / float64(k)
			m2[i] += d * (x - mean[i])
		}
	}
	for i := range m2 {
		if m > 1 {
			m2[i] = math.Sqrt(m2[i] / float64(m-1) / float64(m))
		} else {
			m2[i] = math.Inf(1)
		}
	}
	return DiagonalEstimate{Diag: mean, StdErr: m2, Samples: m}, nil
}
