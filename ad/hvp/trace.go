package hvp

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// TraceSettings configures Trace. A nil *TraceSettings, like the zero
// value, takes 100 samples with seed 0.
type TraceSettings struct {
	// Samples is the number m of random probes, one HVP each. If Samples
	// is 0, it is defaulted to 100. With one sample the standard error is
	// +Inf.
	Samples int

	// Seed seeds the math/rand/v2 PCG source of the probes, so that a run
	// is reproducible.
	Seed uint64
}

// probes checks the operator and settings of the probing estimator name
// (Trace, TraceHutchPP, Diagonal) and returns the dimension n of op, the
// number m of probes (Samples, defaulted to 100) and the seed. A nil s is
// the zero value. It panics, naming the estimator, if op is nil, its
// dimension is below 1, or Samples is negative or, when it is set, below
// least.
func (s *TraceSettings) probes(name string, op Operator, least int) (n, m int, seed uint64) {
	if op == nil {
		panic("hvp: " + name + ": nil Operator")
	}
	n = op.Dim()
	if n < 1 {
		panic(fmt.Sprintf("hvp: %s: operator dimension %d < 1", name, n))
	}
	var set TraceSettings
	if s != nil {
		set = *s
	}
	switch {
	case set.Samples < 0 && least <= 1:
		panic(fmt.Sprintf("hvp: %s: Samples = %d < 0", name, set.Samples))
	case set.Samples < 0 || (set.Samples > 0 && set.Samples < least):
		panic(fmt.Sprintf("hvp: %s: Samples = %d, want 0 or at least %d", name, set.Samples, least))
	}
	m = set.Samples
	if m == 0 {
		m = 100
	}
	return n, m, set.Seed
}

// TraceEstimate is the result of Trace.
type TraceEstimate struct {
	// Trace is the estimate of tr(H): the mean of zᵀHz over the probes.
	Trace float64
	// StdErr is the standard error of that mean, s/√m with s the sample
	// standard deviation of the m values zᵀHz; the true trace is within
	// 2·StdErr of Trace about 95% of the time for moderate m. It is 0 when
	// every probe gave the same value (H diagonal, whose trace Rademacher
	// probes give exactly) and +Inf when m = 1.
	StdErr float64
	// Samples is the number of probes taken, equal to the HVPs used.
	Samples int
}

// Trace estimates the trace of the symmetric operator op by Hutchinson's
// method: for probes z with independent Rademacher (±1) entries,
// E[zᵀHz] = tr(H), so the mean over m probes is unbiased, with variance
// 2(‖H‖_F² − Σᵢ Hᵢᵢ²)/m, the smallest of any i.i.d. probe distribution
// (Hutchinson, Commun. Stat. Simul. Comput. 19, 1990; Avron & Toledo,
// J. ACM 58, 2011; as in PyHessian, Yao et al. 2020).
//
// Cost: m HVPs and O(n) memory. Trace panics if op.Dim() < 1 or a setting
// is negative, and returns ErrNonFinite if a product is NaN or Inf, or op
// is a SecondOrder whose value or gradient is. TraceHutchPP has a smaller
// error for the same number of products when H has a few large
// eigenvalues, as networks' Hessians do.
func Trace(op Operator, settings *TraceSettings) (TraceEstimate, error) {
	n, m, seed := settings.probes("Trace", op, 1)
	if !finitePoint(op) {
		return TraceEstimate{}, ErrNonFinite
	}
	rng := rand.New(rand.NewPCG(seed, 0x68757463680a)) // stream: "hutch"
	z := make([]float64, n)
	hz := make([]float64, n)
	var w welford
	for k := 1; k <= m; k++ {
		rademacher(rng, z)
		op.Apply(z, hz)
		q := dot(z, hz)
		if !finite(q) {
			return TraceEstimate{Samples: k}, ErrNonFinite
		}
		w.add(q)
	}
	return TraceEstimate{Trace: w.mean, StdErr: w.stdErr(), Samples: m}, nil
}

// welford is Welford's running mean of a sequence of values and the sum
// of their squared deviations from it, the probe average of Trace and
// TraceHutchPP.
type welford struct {
	n        int
	mean, m2 float64
}

// add takes the next value x.
func (w *welford) add(x float64) {
	w.n++
	d := x - w.mean
	w.mean += d / float64(w.n)
	w.m2 += d * (x - w.mean)
}

// stdErr returns the standard error of the mean, s/√n with s the sample
// standard deviation: +Inf for fewer than two values.
func (w *welford) stdErr() float64 {
	if w.n < 2 {
		return math.Inf(1)
	}
	return math.Sqrt(w.m2 / float64(w.n-1) / float64(w.n))
}
