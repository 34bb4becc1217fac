package vecmath

import "math"

// This file is the pure-Go implementation of every kernel, one element at a
// time. It is the portable fallback, the path for the vector tails and for
// vectors holding values outside the fast range, and the specification of
// the assembly: vecmath_amd64.s performs the same floating-point operations
// in the same order, with fused multiply-adds exactly where math.FMA appears
// here, so the two agree bit for bit (the tests check this). Products that
// must not be fused are written as explicit float64 conversions.

// expReduce returns t, hi and lo with e^x = 2^k·(hi + lo) for
// |x| ≤ 745.2, where k = round(x·log2e) is held in the low bits of t (see
// expMagic). With r = x − k·ln 2 = rhi − kl (rhi exact by Cody–Waite,
// kl = k·ln2Lo tiny) and e^r = 1 + r + r²/2 + r³·Q′(r) (Q = 1/2 + r·Q′ is
// the Remez polynomial), hi = fl(1 + rhi) and lo gathers the rest: the
// rounding error of 1 + rhi (Fast2Sum), −kl, rhi²/2 split exactly with an
// FMA, the cross term −rhi·kl and r³·Q′(r). So hi + lo carries a relative
// error of about 2^−57, and fl(hi + lo) is within about 0.51 ulp.
func expReduce(x float64) (t, hi, lo float64) {
	t = math.FMA(x, log2e, expMagic)
	k := t - expMagic
	rhi := math.FMA(-k, ln2Hi, x) // exact: k·ln2Hi is exact and close to x
	kl := k * ln2Lo
	r := rhi - kl
	hi = 1 + rhi
	lo = (1 - hi) + rhi
	lo = lo - kl
	lo = math.FMA(-rhi, kl, lo)
	hr := 0.5 * rhi
	hh := hr * rhi
	hl := math.FMA(hr, rhi, -hh)
	lo = lo + hl
	// Q′(r) by Estrin's scheme (pairs, then powers r², r⁴, r⁸): a shorter
	// dependency chain than Horner's rule, which matters to the vector code.
	r2 := r * r
	r4 := r2 * r2
	p12 := math.FMA(expQ2, r, expQ1)
	p34 := math.FMA(expQ4, r, expQ3)
	p14 := math.FMA(p34, r2, p12)
	p56 := math.FMA(expQ6, r, expQ5)
	p78 := math.FMA(expQ8, r, expQ7)
	p58 := math.FMA(p78, r2, p56)
	p18 := math.FMA(p58, r4, p14)
	p910 := math.FMA(expQ10, r, expQ9)
	r8 := r4 * r4
	qp := math.FMA(p910, r8, p18)
	r3 := r2 * r
	lo = math.FMA(r3, qp, lo)
	lo = lo + hh
	return t, hi, lo
}

// expFast returns e^x for |x| ≤ expFastMax.
func expFast(x float64) float64 {
	t, hi, lo := expReduce(x)
	p := hi + lo
	return math.Float64frombits(math.Float64bits(p) + math.Float64bits(t)<<52)
}

// expSplit returns hi + lo = e^x for −expFastMax ≤ x ≤ expFastMax, with a
// relative error of about 2^−57 instead of the half ulp of a rounded result.
func expSplit(x float64) (hi, lo float64) {
	t, phi, plo := expReduce(x)
	hi = phi + plo
	lo = (phi - hi) + plo
	scale := math.Float64frombits(math.Float64bits(t)<<52 + oneBits) // 2^k
	return hi * scale, lo * scale
}

// expWide returns e^x for expFastMax < |x| ≤ 745.2, where 2^k is not a
// normal float64 or 2^k·p may leave the normal range: 2^k is applied in two
// steps, the second of which rounds once (into the subnormal range, or to
// +Inf beyond the largest float64).
func expWide(x float64) float64 {
	t, hi, lo := expReduce(x)
	p := hi + lo
	k := int(t - expMagic)
	if k > 0 {
		return math.Float64frombits(math.Float64bits(p)+uint64(k-1)<<52) * 2
	}
	return math.Float64frombits(math.Float64bits(p)+uint64(k+64)<<52) * 0x1p-64
}

// exp1 returns e^x.
func exp1(x float64) float64 {
	switch {
	case math.Abs(x) <= expFastMax:
		return expFast(x)
	case x >= expUnderflow && x <= expOverflow:
		// (The amd64 assembly math.Exp returns +Inf already for
		// x > 1023.5·ln 2 ≈ 709.44, although e^x is finite up to 709.78.)
		return expWide(x)
	default:
		return math.Exp(x) // NaN, ±Inf, certain overflow or underflow
	}
}

// tanhFast returns tanh a = u/(u + 2), u = e^{2a} − 1, for 0 ≤ a ≤ tanhSat.
// One formula serves the whole range: e^{2a} = eh + el from expSplit gives
// u = uh + ul with uh = eh − 1 exact (so no cancellation as a → 0),
// d = u + 2 = dh + dl (Knuth's TwoSum), and the quotient q0 = uh·fl(1/dh)
// is corrected by the residual u − q0·d, formed exactly with FMAs; only the
// final fused multiply-add rounds at full weight.
func tanhFast(a float64) float64 {
	eh, el := expSplit(2 * a)
	uh := eh - 1 // exact: eh ∈ [0.7, 2] (Sterbenz), or an integer step with ulp(eh) ≤ 1
	ul := el
	dh := uh + 2
	bb := dh - uh
	dl := ((uh - (dh - bb)) + (2 - bb)) + ul
	rcp := 1 / dh
	q0 := uh * rcp
	e := math.FMA(-q0, dh, uh)
	e = math.FMA(-q0, dl, e+ul)
	return math.FMA(e, rcp, q0)
}

// tanh1 returns tanh x.
func tanh1(x float64) float64 {
	a := math.Abs(x)
	var y float64
	switch {
	case a <= tanhSat:
		y = tanhFast(a)
	case a > tanhSat:
		y = 1
	default:
		return math.Tanh(x) // NaN
	}
	return math.Copysign(y, x)
}

// sigmoidFast returns 1/(1 + e^{−x}) for sigmoidFastMin ≤ x ≤ sigmoidSat.
// With E = e^{−|x|} = ehi + elo ≤ 1 and d = 1 + E = dhi + dlo,
// q0 = fl(1/dhi) and e = 1 − q0·d (exact residual, then the dlo term),
// σ(|x|) = 1/d ≈ q0 + q0·e and σ(−|x|) = E/d ≈ ehi·q0 + q0·(ehi·e + elo).
func sigmoidFast(x float64) float64 {
	ehi, elo := expSplit(-math.Abs(x))
	dhi := 1 + ehi
	dlo := ((1 - dhi) + ehi) + elo
	q0 := 1 / dhi
	e := math.FMA(-q0, dhi, 1)
	e = math.FMA(-q0, dlo, e)
	if math.Signbit(x) { // σ(−0) = σ(+0) = 1/2 on either branch
		return math.FMA(ehi, q0, q0*math.FMA(ehi, e, elo))
	}
	return math.FMA(q0, e, q0)
}

// sigmoid1 returns 1/(1 + e^{−x}).
func sigmoid1(x float64) float64 {
	switch {
	case x > sigmoidSat:
		return 1
	case x >= sigmoidFastMin:
		return sigmoidFast(x)
	case x < sigmoidFastMin:
		// e^x < 1e−304, so σ(x) = e^x·(1 − e^x + …) is e^x after
		// rounding: the relative correction is far below an ulp.
		return exp1(x)
	default:
		return x // NaN
	}
}

// logFast returns log x + eoff·ln 2 for a positive normal x. With
// x = 2^e·m, m ∈ [√2/2, √2), f = m − 1, s = f/(2+f), z = s², hfsq = f²/2 and
// R = z·S(z) ≈ 2·atanh(s)/s − 2:
//
//	log x = e·ln2Hi + f − (hfsq − s·(hfsq + R)) + e·ln2Lo,
//
// in which hfsq − s·(hfsq + R) is a small correction. Each of the three
// large additions keeps its rounding error (Fast2Sum, and an FMA for
// f²/2), and the errors are added back in one small tail, so the result
// carries little more than the final rounding.
func logFast(x, eoff float64) float64 {
	bits := math.Float64bits(x)
	t := bits + logOffset
	m := math.Float64frombits(bits - t&logExpMask + oneBits)
	ed := math.Float64frombits(twoP52Bits|t>>52) - logTwoP52Bias
	ed += eoff
	f := m - 1
	s := f / (2 + f)
	z := s * s
	z2 := z * z
	z4 := z2 * z2
	p01 := math.FMA(logS1, z, logS0)
	p23 := math.FMA(logS3, z, logS2)
	p03 := math.FMA(p23, z2, p01)
	p45 := math.FMA(logS5, z, logS4)
	p67 := math.FMA(logS7, z, logS6)
	p47 := math.FMA(p67, z2, p45)
	p := math.FMA(p47, z4, p03) // S(z), Estrin's scheme
	r := z * p
	// hfsq = f²/2 = hh + hl exactly (0.5·f is exact).
	hf := 0.5 * f
	hh := hf * f
	hl := math.FMA(hf, f, -hh)
	// w = hh − s·(hfsq + R) = wh + wl (Fast2Sum: |s·(hh + R)| < hh).
	u := s * (hh + r)
	wh := hh - u
	wl := (hh - wh) - u
	// e·ln2Hi + f = s1 + e1 (Fast2Sum: e·ln2Hi is exact, and |e·ln2Hi| ≥ |f|
	// unless e = 0, when the sum is exact).
	h := ed * ln2Hi
	s1 := h + f
	e1 := (h - s1) + f
	// s1 − wh = t2 + t2e (Fast2Sum: |wh| < |s1|).
	t2 := s1 - wh
	t2e := (s1 - t2) - wh
	tail := math.FMA(ed, ln2Lo, (t2e+e1)-(wl+hl))
	return t2 + tail
}

// log1 returns log x.
func log1(x float64) float64 {
	switch {
	case x >= minNormal && x <= math.MaxFloat64:
		return logFast(x, 0)
	case x > 0 && x < minNormal:
		// Subnormal: scale into the normal range. (math.Log on amd64 does
		// not normalise subnormals, golang.org/issue/56600; this matches the
		// portable math.Log and the true logarithm.)
		return logFast(x*0x1p52, -52)
	default:
		return math.Log(x) // ±0, negative, +Inf, NaN
	}
}

// tanhGrad1 returns g·(1 − y²); the fused 1 − y·y is exact before its one
// rounding, so there is no cancellation as |y| → 1.
func tanhGrad1(g, y float64) float64 {
	return g * math.FMA(-y, y, 1)
}

// sigmoidGrad1 returns g·y·(1 − y), as g·fl(y − y·y) with a fused y − y·y.
func sigmoidGrad1(g, y float64) float64 {
	return g * math.FMA(-y, y, y)
}

// The slice loops of the pure-Go path. Each reads x[i] before writing
// dst[i], so dst may be x.

func expGeneric(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = exp1(v)
	}
}

func logGeneric(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = log1(v)
	}
}

func tanhGeneric(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = tanh1(v)
	}
}

func sigmoidGeneric(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = sigmoid1(v)
	}
}

func tanhGradGeneric(dst, g, y []float64) {
	g, y = g[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = tanhGrad1(g[i], y[i])
	}
}

func sigmoidGradGeneric(dst, g, y []float64) {
	g, y = g[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = sigmoidGrad1(g[i], y[i])
	}
}
