package vecmath

import "math"

// The compat kernels serve amd64 processors without FMA (before Haswell and
// Piledriver, and some low-power parts). There math.FMA is emulated in
// software at about 10 ns a call, which would make the pure-Go kernels
// (several dozen FMAs per element) slower than the math package, so these
// build on the math package instead. Exp and Tanh then equal math.Exp
// (except where the amd64 math.Exp overflows early) and math.Tanh; Log adds
// the subnormal scaling that math.Log on amd64 lacks; Sigmoid and the
// gradients recover rounding errors with Dekker's exact product. All are
// within 2 ulp (tested on every machine, whatever it selects).

func expCompat(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		if v > expFastMax && v <= expOverflow {
			// The amd64 math.Exp overflows early here; expWide's few
			// FMAs are emulated, but the range is narrow.
			dst[i] = expWide(v)
			continue
		}
		dst[i] = math.Exp(v)
	}
}

func logCompat(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		if v > 0 && v < minNormal {
			dst[i] = math.Log(v*0x1p52) - 52*math.Ln2
			continue
		}
		dst[i] = math.Log(v)
	}
}

func tanhCompat(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = math.Tanh(v)
	}
}

// sigmoidCompat computes σ(x) = n/d with E = e^{−|x|}, d = 1 + E (its
// rounding error kept in dlo) and n = 1 (x ≥ 0) or E (x < 0), correcting
// the quotient q with the exact residual n − q·d.
func sigmoidCompat(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		if v > sigmoidSat {
			dst[i] = 1
			continue
		}
		e := math.Exp(-math.Abs(v)) // NaN stays NaN
		d := 1 + e
		dlo := (1 - d) + e
		n := 1.0
		if v < 0 {
			n = e
		}
		q := n / d
		p, pe := mulExact(q, d)
		r := ((n - p) - pe) - float64(q*dlo)
		dst[i] = q + r/d
	}
}

// tanhGradCompat and sigmoidGradCompat form 1 − y² and y − y² from the
// exact square y² = p + pe, so that, as with the fused operation, the
// cancellation near |y| = 1 costs nothing.
func tanhGradCompat(dst, g, y []float64) {
	g, y = g[:len(dst)], y[:len(dst)]
	for i := range dst {
		v := y[i]
		if !(math.Abs(v) <= 0x1p500) { // also NaN, ±Inf
			dst[i] = g[i] * (1 - v*v)
			continue
		}
		p, pe := mulExact(v, v)
		dst[i] = g[i] * ((1 - p) - pe)
	}
}

func sigmoidGradCompat(dst, g, y []float64) {
	g, y = g[:len(dst)], y[:len(dst)]
	for i := range dst {
		v := y[i]
		if !(math.Abs(v) <= 0x1p500) {
			dst[i] = g[i] * (v - v*v)
			continue
		}
		p, pe := mulExact(v, v)
		dst[i] = g[i] * ((v - p) - pe)
	}
}

// mulExact returns p = fl(a·b) and e with a·b = p + e exactly, by Dekker's
// algorithm with Veltkamp splitting (no FMA); |a|, |b| ≤ 2^500 and a·b not
// in the subnormal range.
func mulExact(a, b float64) (p, e float64) {
	p = a * b
	ah, al := split(a)
	bh, bl := split(b)
	e = ((float64(ah*bh) - p) + float64(ah*bl) + float64(al*bh)) + float64(al*bl)
	return p, e
}

// split returns hi + lo = a with hi holding the leading 26 bits.
func split(a float64) (hi, lo float64) {
	t := float64((0x1p27 + 1) * a)
	hi = t - (t - a)
	return hi, a - hi
}
