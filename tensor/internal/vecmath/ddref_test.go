package vecmath

import (
	"math"
	"sync"
)

// A double-double reference (about 104 bits) for measuring the kernels'
// true error over millions of points, where math/big would be too slow.
// Every reference value is returned as a mantissa m (a double-double near 1)
// and a power of two k, value = m·2^k, so that subnormal, huge and tiny
// values are represented without loss. TestReferenceAgainstBig checks these
// functions against the math/big versions.

type dd struct{ hi, lo float64 }

func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return
}

// fastTwoSum requires |a| ≥ |b| (or a = 0).
func fastTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return
}

func twoProd(a, b float64) (p, e float64) {
	p = a * b
	e = math.FMA(a, b, -p)
	return
}

func ddAdd(x, y dd) dd {
	s, e := twoSum(x.hi, y.hi)
	t, f := twoSum(x.lo, y.lo)
	e += t
	s, e = fastTwoSum(s, e)
	e += f
	s, e = fastTwoSum(s, e)
	return dd{s, e}
}

func ddNeg(x dd) dd { return dd{-x.hi, -x.lo} }

func ddSub(x, y dd) dd { return ddAdd(x, ddNeg(y)) }

func ddMul(x, y dd) dd {
	p, e := twoProd(x.hi, y.hi)
	e += float64(x.hi*y.lo) + float64(x.lo*y.hi)
	p, e = fastTwoSum(p, e)
	return dd{p, e}
}

func ddMulF(x dd, f float64) dd { return ddMul(x, dd{f, 0}) }

func ddDiv(x, y dd) dd {
	q1 := x.hi / y.hi
	r := ddSub(x, ddMulF(y, q1))
	q2 := r.hi / y.hi
	r = ddSub(r, ddMulF(y, q2))
	q3 := r.hi / y.hi
	q1, q2 = fastTwoSum(q1, q2)
	return ddAdd(dd{q1, q2}, dd{q3, 0})
}

// ddLn2 is ln 2 to double-double precision, from bigLn2.
var ddLn2 = sync.OnceValue(func() dd {
	l := bigLn2()
	hi, _ := l.Float64()
	lo, _ := bnew().Sub(l, bf(hi)).Float64()
	return dd{hi, lo}
})

// refExpm1Scaled returns u and k with e^x = (1 + u)·2^k, |x| ≤ 746. For
// k = 0, u is e^x − 1 to full relative precision.
func refExpm1Scaled(x float64) (u dd, k int) {
	kf := math.RoundToEven(x / math.Ln2)
	r := ddSub(dd{x, 0}, ddMulF(ddLn2(), kf))
	const halvings = 10
	r = dd{math.Ldexp(r.hi, -halvings), math.Ldexp(r.lo, -halvings)}
	// expm1(r) = r·(1 + r/2·(1 + r/3·(1 + …))), |r| < 2^−11.
	u = dd{1, 0}
	for n := 12; n >= 2; n-- {
		u = ddAdd(dd{1, 0}, ddMul(u, ddDiv(r, dd{float64(n), 0})))
	}
	u = ddMul(u, r)
	for i := 0; i < halvings; i++ {
		u = ddMul(u, ddAdd(dd{2, 0}, u)) // (1+u)² − 1
	}
	return u, int(kf)
}

// refExp returns m, k with e^x = m·2^k.
func refExp(x float64) (dd, int) {
	switch {
	case x > 710:
		return dd{math.Inf(1), 0}, 0
	case x < -800:
		return dd{0, 0}, 0 // e^x < 2^−1154 rounds to 0
	}
	u, k := refExpm1Scaled(x)
	return ddAdd(dd{1, 0}, u), k
}

// refTanh returns tanh x = −expm1(−2a)/(2 + expm1(−2a)), a = |x|, with the
// sign of x (k is always 0).
func refTanh(x float64) (dd, int) {
	a := math.Abs(x)
	if a < 0x1p-30 {
		// tanh a = a − a³/3 + 2a⁵/15 − …; the a⁵ term is below 2^−150·a.
		t := ddSub(dd{a, 0}, ddDiv(ddMul(dd{a, 0}, ddMul(dd{a, 0}, dd{a, 0})), dd{3, 0}))
		if x < 0 {
			t = ddNeg(t)
		}
		return t, 0
	}
	if a > 40 {
		// 1 − tanh a < 2e−35: 1 − 2e^{−2a} is exact to double-double.
		m, k := refExp(-2 * a)
		t := ddSub(dd{1, 0}, dd{math.Ldexp(2*m.hi, k), 0})
		return dd{math.Copysign(t.hi, x), math.Copysign(1, x) * t.lo}, 0
	}
	u, k := refExpm1Scaled(-2 * a)
	if k != 0 {
		e := ddAdd(dd{1, 0}, u)
		e = dd{math.Ldexp(e.hi, k), math.Ldexp(e.lo, k)}
		u = ddSub(e, dd{1, 0})
	}
	t := ddDiv(ddNeg(u), ddAdd(dd{2, 0}, u))
	if x < 0 {
		t = ddNeg(t)
	}
	return t, 0
}

// refLog returns m, k with ln x = m·2^k for finite x > 0, using
// x = 2^e·w, w ∈ [√2/2, √2), and ln w = 2·atanh(s), s = (w−1)/(w+1).
func refLog(x float64) (dd, int) {
	w, e := math.Frexp(x)
	if w < math.Sqrt2/2 {
		w *= 2
		e--
	}
	f := dd{w - 1, 0} // exact
	s := ddDiv(f, ddAdd(dd{2, 0}, f))
	z := ddMul(s, s)
	sum := dd{0, 0}
	for n := 30; n >= 1; n-- {
		sum = ddAdd(ddDiv(dd{1, 0}, dd{float64(2*n + 1), 0}), ddMul(sum, z))
	}
	// 2·atanh(s) = 2s·(1 + z·sum)
	l := ddMul(ddMulF(s, 2), ddAdd(dd{1, 0}, ddMul(z, sum)))
	l = ddAdd(l, ddMulF(ddLn2(), float64(e)))
	return l, 0
}

// refSigmoid returns m, k with 1/(1+e^{−x}) = m·2^k.
func refSigmoid(x float64) (dd, int) {
	if x >= 0 {
		if x > 746 {
			return dd{1, 0}, 0 // 1 − σ < 1e−324
		}
		m, k := refExp(-x)
		e := dd{math.Ldexp(m.hi, k), math.Ldexp(m.lo, k)}
		return ddDiv(dd{1, 0}, ddAdd(dd{1, 0}, e)), 0
	}
	if x < -1100 {
		// σ(x) = e^x·(1 − e^x + …); e^x = 2^k·m with k ≈ x/ln 2.
		return dd{0, 0}, 0
	}
	m, k := refExp(x)
	e := dd{math.Ldexp(m.hi, k), math.Ldexp(m.lo, k)}
	return ddDiv(m, ddAdd(dd{1, 0}, e)), k
}

// ulpErr returns |got − m·2^k| in ulps of the exact value m·2^k (the ulp
// of the float64 binade holding it, 2^−1074 in the subnormal range).
func ulpErr(got float64, m dd, k int) float64 {
	if m.hi == 0 {
		if got == 0 {
			return 0
		}
		return math.Abs(got) / 0x1p-1074
	}
	_, eh := math.Frexp(m.hi) // |m.hi| ∈ [2^(eh−1), 2^eh)
	e := eh - 1 + k           // exact value in [2^e, 2^(e+1)) (up to m.lo)
	ue := e - 52
	if ue < -1074 {
		ue = -1074
	}
	// Work in the scale of m: (got·2^−k − m) / 2^(ue−k).
	g := math.Ldexp(got, -k)
	d := (g - m.hi) - m.lo
	return math.Abs(math.Ldexp(d, k-ue))
}

// ulpDist returns the number of float64 values between a and b (+0 and −0
// count as equal; two NaNs are at distance 0, a NaN and a number at
// distance MaxUint64).
func ulpDist(a, b float64) uint64 {
	if math.IsNaN(a) || math.IsNaN(b) {
		if math.IsNaN(a) && math.IsNaN(b) {
			return 0
		}
		return math.MaxUint64
	}
	oa, ob := ordered(a), ordered(b)
	if oa > ob {
		return uint64(oa) - uint64(ob)
	}
	return uint64(ob) - uint64(oa)
}

// ordered maps float64 values to int64 preserving order.
func ordered(x float64) int64 {
	b := int64(math.Float64bits(x))
	if b < 0 {
		return math.MinInt64 - b
	}
	return b
}
