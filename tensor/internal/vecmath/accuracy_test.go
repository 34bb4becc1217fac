package vecmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// unaryCase describes one unary kernel under test.
type unaryCase struct {
	name    string
	api     func(dst, x []float64) // the exported function (assembly when available)
	one     func(float64) float64  // the pure-Go kernel, one element
	generic func(dst, x []float64) // the pure-Go slice loop
	compat  func(dst, x []float64) // the kernel for amd64 without FMA
	math    func(float64) float64  // the math package's function; nil if none
	ref     func(float64) (dd, int)
	lo, hi  float64            // interval swept densely (where the function is not saturated)
	mathBug func(float64) bool // inputs on which the math package is known wrong here
}

func unaryCases() []unaryCase {
	return []unaryCase{
		{name: "Exp", api: Exp, one: exp1, generic: expGeneric, compat: expCompat, math: math.Exp, ref: refExp, lo: -746, hi: 710,
			mathBug: func(x float64) bool {
				// The amd64 assembly math.Exp overflows to +Inf for
				// x ∈ (1023.5·ln 2, 709.78], where e^x is finite.
				return runtime.GOARCH == "amd64" && x > 709.43 && x <= expOverflow
			}},
		{name: "Log", api: Log, one: log1, generic: logGeneric, compat: logCompat, math: math.Log, ref: refLog, lo: 0, hi: 4,
			mathBug: func(x float64) bool {
				// golang.org/issue/56600: the amd64 assembly math.Log does
				// not normalise subnormal inputs.
				return runtime.GOARCH == "amd64" && x > 0 && x < minNormal
			}},
		{name: "Tanh", api: Tanh, one: tanh1, generic: tanhGeneric, compat: tanhCompat, math: math.Tanh, ref: refTanh, lo: -22, hi: 22},
		{name: "Sigmoid", api: Sigmoid, one: sigmoid1, generic: sigmoidGeneric, compat: sigmoidCompat, ref: refSigmoid, lo: -750, hi: 45},
	}
}

// specialInputs are the values every kernel must treat exactly as the math
// package does, and the edges of the kernels' internal ranges.
func specialInputs() []float64 {
	edges := []float64{
		0, 1, 2, 0.5, math.Sqrt2, math.Sqrt2 / 2, math.Ln2 / 2, math.Ln2, 1e-300, 0x1p-28, 0x1p-27, 0x1p-54,
		math.SmallestNonzeroFloat64, minNormal, minNormal / 2, math.MaxFloat64,
		expFastMax, expOverflowClamp, expUnderflowClamp, 7.09782712893383973096e+02, 7.45133219101941108420e+02,
		708.3964185322641, 744.44, 0.625, 0.17328679513998632, tanhSat, 19.06, 44.014845965556525, sigmoidSat, 36.7, 37.5,
		sigmoidFastMin, 1e3, 1e300,
	}
	var xs []float64
	for _, e := range edges {
		for _, v := range []float64{e, math.Nextafter(e, math.Inf(1)), math.Nextafter(e, math.Inf(-1))} {
			xs = append(xs, v, -v)
		}
	}
	return append(xs, math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1),
		math.Float64frombits(0x7ff0000000000001), math.Float64frombits(0xfff8000000000123))
}

// sweepInputs returns n test inputs: magnitudes log-spaced over the whole
// float64 range with both signs, a dense uniform sweep of [lo, hi], random
// bit patterns, log-uniform random values in [lo, hi], and the special
// inputs.
func sweepInputs(n int, lo, hi float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	xs := make([]float64, 0, n+200)
	m := n / 8
	for i := 0; i < m; i++ {
		e := -1074 + 2098*float64(i)/float64(m) // log2 |x| ∈ [−1074, 1024)
		v := math.Ldexp(1+rng.Float64(), int(math.Floor(e)))
		xs = append(xs, v, -v)
	}
	m = n / 2
	for i := 0; i < m; i++ {
		xs = append(xs, lo+(hi-lo)*(float64(i)+rng.Float64())/float64(m))
	}
	for i := 0; i < n/8; i++ {
		xs = append(xs, math.Float64frombits(rng.Uint64()))
	}
	amax := math.Max(math.Abs(lo), math.Abs(hi))
	for len(xs) < n {
		v := amax * math.Exp2(-60*rng.Float64())
		if rng.IntN(2) == 0 {
			v = -v
		}
		if v >= lo && v <= hi {
			xs = append(xs, v)
		}
	}
	return append(xs, specialInputs()...)
}

func sweepSize() int {
	if testing.Short() {
		return 100_000
	}
	return 1_000_000
}

// sameFloat reports whether a and b are the same value, telling −0 from +0
// and treating all NaNs as equal.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// TestUnaryAccuracy is the dense sweep. For each function it checks, on
// every input:
//   - the exported function (the assembly kernels on AVX2+FMA hardware)
//     equals the pure-Go kernel bit for bit;
//   - both are within 2 ulp of the math package (exactly equal on the
//     special inputs: NaN, ±Inf, ±0, subnormals, range edges);
//   - both are within maxTrueUlp of the exact value (double-double
//     reference); the compat kernels too.
func TestUnaryAccuracy(t *testing.T) {
	const maxMathUlp = 2
	const maxTrueUlp = 2.0
	for _, c := range unaryCases() {
		t.Run(c.name, func(t *testing.T) {
			xs := sweepInputs(sweepSize(), c.lo, c.hi, 1)
			got := make([]float64, len(xs))
			c.api(got, xs)
			comp := make([]float64, len(xs))
			c.compat(comp, xs)
			var maxMath uint64
			var maxTrue, maxTrueNormal, maxTrueCompat, maxTrueMath float64
			var worst, worstCompat float64
			fails := 0
			fail := func(format string, args ...any) {
				fails++
				if fails <= 10 {
					t.Errorf(format, args...)
				}
			}
			for i, x := range xs {
				g := got[i]
				if one := c.one(x); !sameFloat(g, one) {
					fail("%s(%v): exported %v, pure Go %v", c.name, x, g, one)
				}
				mathOK := c.math != nil && (c.mathBug == nil || !c.mathBug(x))
				var want float64
				if mathOK {
					want = c.math(x)
					d := ulpDist(g, want)
					if exactCase(x) || math.IsNaN(want) || math.IsInf(want, 0) || want == 0 {
						if !sameFloat(g, want) {
							fail("%s(%v) = %v, math gives %v", c.name, x, g, want)
						}
					} else if d > maxMathUlp {
						fail("%s(%v) = %v, math gives %v: %d ulp apart", c.name, x, g, want, d)
					}
					if !math.IsNaN(want) {
						maxMath = max(maxMath, d)
					}
				}
				if math.IsNaN(x) {
					if !math.IsNaN(g) || !math.IsNaN(comp[i]) {
						fail("%s(NaN) = %v, compat %v; want NaN", c.name, g, comp[i])
					}
					continue
				}
				if math.IsInf(x, 0) || c.name == "Log" && x <= 0 {
					continue // no finite exact value; compared with math above
				}
				m, k := c.ref(x)
				if !isFinite(m, k) {
					continue
				}
				e := ulpErr(g, m, k)
				if !(e <= maxTrue) {
					maxTrue, worst = e, x
				}
				if _, ex := math.Frexp(m.hi); ex+k > -1021 {
					maxTrueNormal = math.Max(maxTrueNormal, e)
				}
				if e := ulpErr(comp[i], m, k); !(e <= maxTrueCompat) {
					maxTrueCompat, worstCompat = e, x
				}
				if mathOK {
					maxTrueMath = math.Max(maxTrueMath, ulpErr(want, m, k))
				}
			}
			if maxTrue > maxTrueUlp || math.IsNaN(maxTrue) {
				t.Errorf("%s: max error %.3f ulp at x = %v, want ≤ %v", c.name, maxTrue, worst, maxTrueUlp)
			}
			if maxTrueCompat > maxTrueUlp || math.IsNaN(maxTrueCompat) {
				t.Errorf("%s compat: max error %.3f ulp at x = %v, want ≤ %v", c.name, maxTrueCompat, worstCompat, maxTrueUlp)
			}
			vsMath := "no math counterpart"
			if c.math != nil {
				vsMath = fmt.Sprintf("≤ %d ulp from math, whose own max error is %.3f ulp", maxMath, maxTrueMath)
			}
			t.Logf("%s: %d inputs; max error %.3f ulp (at %v), %.3f ulp on normal results; %s; compat kernel %.3f ulp",
				c.name, len(xs), maxTrue, worst, maxTrueNormal, vsMath, maxTrueCompat)
		})
	}
}

// isFinite reports whether m·2^k lies in the finite float64 range.
func isFinite(m dd, k int) bool {
	if math.IsNaN(m.hi) || math.IsInf(m.hi, 0) {
		return false
	}
	_, e := math.Frexp(m.hi)
	return e+k <= 1024 && !(e+k == 1024 && math.Abs(math.Ldexp(m.hi, -e)) >= 1-0x1p-54)
}

// exactCase reports whether x is an input on which a kernel must reproduce
// the math package exactly: NaN, ±Inf, ±0 and subnormals.
func exactCase(x float64) bool {
	return math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) < minNormal
}
