package vecmath

import (
	"math"
	"math/big"
)

// This file holds arbitrary-precision (math/big) versions of the functions
// the kernels approximate. They are slow and exist only for the tests: they
// drive the Remez derivation of the polynomial coefficients (remez_test.go)
// and they validate the faster double-double reference (ddref_test.go).

// bigPrec is the working precision, in bits, of the math/big references.
const bigPrec = 192

func bnew() *big.Float { return new(big.Float).SetPrec(bigPrec) }

func bf(x float64) *big.Float { return bnew().SetFloat64(x) }

func bint(n int) *big.Float { return bnew().SetInt64(int64(n)) }

// negligible reports whether term no longer changes sum at bigPrec bits.
func negligible(term, sum *big.Float) bool {
	if term.Sign() == 0 {
		return true
	}
	if sum.Sign() == 0 {
		return false
	}
	return term.MantExp(nil) < sum.MantExp(nil)-bigPrec-8
}

// bigLn2 returns ln 2 = 2·atanh(1/3) = 2·Σ (1/3)^(2n+1)/(2n+1).
func bigLn2() *big.Float {
	third := bnew().Quo(bint(1), bint(3))
	ninth := bnew().Mul(third, third)
	pow := bnew().Set(third)
	sum := bnew()
	for n := 0; ; n++ {
		term := bnew().Quo(pow, bint(2*n+1))
		sum.Add(sum, term)
		if negligible(term, sum) {
			break
		}
		pow.Mul(pow, ninth)
	}
	return sum.Mul(sum, bint(2))
}

// bigExp returns e^x: x = k·ln2 + r with |r| ≤ ln2/2, then e^(r/2^16) by its
// Taylor series, squared 16 times, and scaled by 2^k.
func bigExp(x *big.Float) *big.Float {
	ln2 := bigLn2()
	kf, _ := bnew().Quo(x, ln2).Float64()
	k := math.RoundToEven(kf)
	r := bnew().Sub(x, bnew().Mul(bf(k), ln2))
	const sq = 16
	r.SetMantExp(r, -sq)
	// expm1(r) by Taylor series.
	sum := bnew()
	term := bnew().Set(r)
	for n := 2; ; n++ {
		sum.Add(sum, term)
		term.Mul(term, r)
		term.Quo(term, bint(n))
		if negligible(term, sum) {
			break
		}
	}
	// (1+u)² − 1 = u·(2+u), applied sq times, keeps the small quantity.
	for i := 0; i < sq; i++ {
		t := bnew().Add(bint(2), sum)
		sum.Mul(sum, t)
	}
	sum.Add(sum, bint(1))
	return sum.SetMantExp(sum, int(k))
}

// bigExpm1 returns e^x − 1 without cancellation for small |x|.
func bigExpm1(x *big.Float) *big.Float {
	if x.Sign() == 0 {
		return bnew()
	}
	if x.MantExp(nil) < -4 {
		// Direct series: |x| < 1/16.
		sum := bnew()
		term := bnew().Set(x)
		for n := 2; ; n++ {
			sum.Add(sum, term)
			term.Mul(term, x)
			term.Quo(term, bint(n))
			if negligible(term, sum) {
				break
			}
		}
		return sum
	}
	e := bigExp(x)
	return e.Sub(e, bint(1))
}

// bigLog returns ln x for x > 0 by Newton's method on e^y = x, started from
// math.Log on the float64 value of x (with its binary exponent split off).
func bigLog(x *big.Float) *big.Float {
	mant := bnew()
	exp := x.MantExp(mant) // x = mant · 2^exp, mant in [0.5, 1)
	mf, _ := mant.Float64()
	y := bf(math.Log(mf))
	for i := 0; i < 6; i++ {
		// y ← y + (mant·e^(−y) − 1)
		e := bigExp(bnew().Neg(y))
		e.Mul(e, mant)
		e.Sub(e, bint(1))
		y.Add(y, e)
	}
	return y.Add(y, bnew().Mul(bint(exp), bigLn2()))
}

// bigTanh returns tanh x = −expm1(−2|x|)/(2 + expm1(−2|x|)), with the sign of x.
func bigTanh(x *big.Float) *big.Float {
	a := bnew().Abs(x)
	m := bigExpm1(bnew().Mul(a, bint(-2)))
	den := bnew().Add(bint(2), m)
	t := bnew().Quo(m.Neg(m), den)
	if x.Sign() < 0 {
		t.Neg(t)
	}
	return t
}

// bigSigmoid returns 1/(1+e^(−x)).
func bigSigmoid(x *big.Float) *big.Float {
	e := bigExp(bnew().Neg(x))
	e.Add(e, bint(1))
	return bnew().Quo(bint(1), e)
}

// Targets of the polynomial approximations (see doc.go).

// expQTarget returns Q(r) = (e^r − 1 − r)/r² = Σ_{n≥0} r^n/(n+2)!.
func expQTarget(r *big.Float) *big.Float {
	sum := bnew()
	term := bf(0.5)
	for n := 3; ; n++ {
		sum.Add(sum, term)
		term.Mul(term, r)
		term.Quo(term, bint(n))
		if negligible(term, sum) {
			break
		}
	}
	return sum
}

// logSTarget returns S(z) = (2·atanh(s)/s − 2)/z with z = s², that is
// Σ_{n≥1} 2·z^(n−1)/(2n+1).
func logSTarget(z *big.Float) *big.Float {
	sum := bnew()
	zp := bf(1)
	for n := 1; ; n++ {
		term := bnew().Quo(bnew().Mul(zp, bint(2)), bint(2*n+1))
		sum.Add(sum, term)
		if negligible(term, sum) {
			break
		}
		zp.Mul(zp, z)
	}
	return sum
}
