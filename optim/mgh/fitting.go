package mgh

import "math"

// Watson returns Watson's function (MGH 20) with n = 9, m = 31:
//
//	rᵢ = Σⱼ₌₂ⁿ (j−1)·xⱼ·tᵢʲ⁻² − (Σⱼ₌₁ⁿ xⱼ·tᵢʲ⁻¹)² − 1,  tᵢ = i/29,  i = 1, …, 29,
//	r₃₀ = x₁,  r₃₁ = x₂ − x₁² − 1,
//
// started at x0 = 0, where f = 30. The minimum is f* ≈ 1.39976e−6.
func Watson() Problem {
	return Problem{
		Name: "watson_9",
		// MGH 1981 prints 1.39976e-6 for n = 9; this is fstar_ref of
		// the reference table (Levenberg–Marquardt-polished, ‖∇f‖∞ ≈ 5e-13).
		FStar: 1.3997601380913425e-06,
		fn:    sumSquares{watson{n: 9}},
		x0:    make([]float64, 9),
	}
}

type watson struct{ n int }

func (w watson) dim() int { return w.n }
func (watson) rows() int  { return 31 }

// sums returns, for row i < 29, the linear forms s₁ = bᵀx, s₂ = cᵀx and, when
// d != nil, bᵀd and cᵀd, where bⱼ = (j−1)·tʲ⁻² and cⱼ = tʲ⁻¹. Then
// r = s₁ − s₂² − 1, ∇r = b − 2·s₂·c and ∇²r = −2·c·cᵀ.
func (w watson) sums(x, d []float64, i int) (s1, s2, bd, cd float64) {
	t := float64(i+1) / 29
	tp := 1.0 // t^j for 0-based j, that is cⱼ₊₁
	for j := range w.n {
		if j > 0 {
			bj := float64(j) * tp / t // j·t^(j−1)
			s1 += bj * x[j]
			if d != nil {
				bd += bj * d[j]
			}
		}
		s2 += tp * x[j]
		if d != nil {
			cd += tp * d[j]
		}
		tp *= t
	}
	return
}

func (w watson) res(x, d []float64, i int) (r, rd float64) {
	switch i {
	case 29:
		r = x[0]
		if d != nil {
			rd = d[0]
		}
	case 30:
		r = x[1] - x[0]*x[0] - 1
		if d != nil {
			rd = d[1] - 2*x[0]*d[0]
		}
	default:
		s1, s2, bd, cd := w.sums(x, d, i)
		r = s1 - s2*s2 - 1
		rd = bd - 2*s2*cd
	}
	return r, rd
}

func (w watson) add(x, d []float64, i int, a, b float64, out []float64) {
	switch i {
	case 29:
		out[0] += a
		return
	case 30:
		out[0] -= a * 2 * x[0]
		out[1] += a
		if d != nil {
			out[0] -= b * 2 * d[0]
		}
		return
	}
	_, s2, _, cd := w.sums(x, d, i)
	t := float64(i+1) / 29
	tp := 1.0
	for j := range w.n {
		var bj float64
		if j > 0 {
			bj = float64(j) * tp / t
		}
		out[j] += a*(bj-2*s2*tp) - b*2*cd*tp
		tp *= t
	}
}

// Box3D returns the Box three-dimensional function (MGH 12) with n = 3,
// m = 10:
//
//	rᵢ = exp(−tᵢ·x₁) − exp(−tᵢ·x₂) − x₃·(exp(−tᵢ) − exp(−10·tᵢ)),  tᵢ = i/10,
//
// started at x0 = (0, 10, 20). The minimum f* = 0 is attained at (1, 10, 1),
// at (10, 1, −1) and wherever x₁ = x₂ and x₃ = 0.
func Box3D() Problem {
	return Problem{
		Name:  "box_3d",
		FStar: 0, // MGH 1981; reference table, fstar_ref (exact)
		fn:    sumSquares{box3D{}},
		x0:    []float64{0, 10, 20},
	}
}

type box3D struct{}

func (box3D) dim() int  { return 3 }
func (box3D) rows() int { return 10 }

// terms returns t, e₁ = exp(−t·x₁), e₂ = exp(−t·x₂) and the x₃ coefficient
// c = exp(−t) − exp(−10t).
func (box3D) terms(x []float64, i int) (t, e1, e2, c float64) {
	t = float64(i+1) / 10
	return t, math.Exp(-t * x[0]), math.Exp(-t * x[1]), math.Exp(-t) - math.Exp(-10*t)
}

func (b box3D) res(x, d []float64, i int) (r, rd float64) {
	t, e1, e2, c := b.terms(x, i)
	r = e1 - e2 - x[2]*c
	if d != nil {
		rd = -t*e1*d[0] + t*e2*d[1] - c*d[2]
	}
	return r, rd
}

func (bx box3D) add(x, d []float64, i int, a, b float64, out []float64) {
	t, e1, e2, c := bx.terms(x, i)
	out[0] -= a * t * e1
	out[1] += a * t * e2
	out[2] -= a * c
	if d != nil {
		out[0] += b * t * t * e1 * d[0]
		out[1] -= b * t * t * e2 * d[1]
	}
}

// Gaussian returns the Gaussian function (MGH 9), n = 3, m = 15:
//
//	rᵢ = x₁·exp(−x₂·(tᵢ − x₃)²/2) − yᵢ,  tᵢ = (8 − i)/2,
//
// with the yᵢ of the paper (0.0009, 0.0044, …, 0.3989, …, 0.0009), started at
// x0 = (0.4, 1, 0). The minimum is f* ≈ 1.12793e−8.
func Gaussian() Problem {
	return Problem{
		Name: "gaussian",
		// MGH 1981 prints 1.12793e-8; this is fstar_ref of the reference table
		// (Levenberg–Marquardt-polished, ‖∇f‖∞ ≈ 2e-12).
		FStar: 1.1279327696188851e-08,
		fn:    sumSquares{gaussian{}},
		x0:    []float64{0.4, 1, 0},
	}
}

type gaussian struct{}

var gaussianY = [15]float64{
	0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989,
	0.3521, 0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009,
}

func (gaussian) dim() int  { return 3 }
func (gaussian) rows() int { return 15 }

// terms writes rᵢ = x₁·E with E = exp(g), g = −x₂·w²/2, w = tᵢ − x₃, and
// returns E and the nonzero derivatives of g: g₂ = −w²/2, g₃ = x₂·w,
// g₂₃ = w, g₃₃ = −x₂ (g₁ = g₂₂ = 0).
func (gaussian) terms(x []float64, i int) (e, g2, g3, g23, g33 float64) {
	w := float64(7-i)/2 - x[2]
	e = math.Exp(-x[1] * w * w / 2)
	return e, -w * w / 2, x[1] * w, w, -x[1]
}

func (g gaussian) res(x, d []float64, i int) (r, rd float64) {
	e, g2, g3, _, _ := g.terms(x, i)
	r = x[0]*e - gaussianY[i]
	if d != nil {
		rd = e*d[0] + x[0]*e*(g2*d[1]+g3*d[2])
	}
	return r, rd
}

// add uses ∇r = (E, x₁E·g₂, x₁E·g₃) and ∇²r with r₁₁ = 0, r₁ⱼ = E·gⱼ and
// rⱼₖ = x₁E·(gⱼgₖ + gⱼₖ) for j, k ∈ {2, 3}.
func (g gaussian) add(x, d []float64, i int, a, b float64, out []float64) {
	e, g2, g3, g23, g33 := g.terms(x, i)
	xe := x[0] * e
	out[0] += a * e
	out[1] += a * xe * g2
	out[2] += a * xe * g3
	if d != nil {
		gd := g2*d[1] + g3*d[2]
		out[0] += b * e * gd
		out[1] += b * (e*g2*d[0] + xe*(g2*gd+g23*d[2]))
		out[2] += b * (e*g3*d[0] + xe*(g3*gd+g23*d[1]+g33*d[2]))
	}
}

// GulfRD returns the Gulf research and development function (MGH 11) with
// n = 3, m = 99:
//
//	rᵢ = exp(−|yᵢ − x₂|^x₃ / x₁) − tᵢ,  tᵢ = i/100,  yᵢ = 25 + (−50·ln tᵢ)^(2/3),
//
// started at x0 = (5, 2.5, 0.15). The minimum f* = 0 is at (50, 25, 1.5).
// (The paper prints "yᵢ mi x₂" for yᵢ − x₂; the minimiser it states fits
// only the minus sign.) f is not differentiable where x₂ = yᵢ for some i;
// where exp underflows to 0 the row's derivatives are taken as 0, their
// limit.
func GulfRD() Problem {
	return Problem{
		Name:  "gulf_rd",
		FStar: 0, // MGH 1981; reference table, fstar_ref (exact)
		fn:    sumSquares{newGulf(99)},
		x0:    []float64{5, 2.5, 0.15},
	}
}

// gulf holds the data yᵢ, computed once; it is never written after newGulf.
type gulf struct{ y []float64 }

func newGulf(m int) gulf {
	y := make([]float64, m)
	for i := range y {
		y[i] = 25 + math.Pow(-50*math.Log(float64(i+1)/100), 2.0/3)
	}
	return gulf{y: y}
}

func (gulf) dim() int    { return 3 }
func (g gulf) rows() int { return len(g.y) }

// terms writes rᵢ = exp(u) − t with u = −p/x₁, p = a^x₃, a = |yᵢ − x₂|, and
// returns t, E = exp(u) and the first and second partial derivatives of u.
// With s = sign(yᵢ − x₂) and L = ln a:
//
//	p₂ = −s·x₃·a^(x₃−1),  p₃ = p·L,
//	p₂₂ = x₃(x₃−1)·a^(x₃−2),  p₂₃ = −s·a^(x₃−1)·(1 + x₃L),  p₃₃ = p·L²,
//	u₁ = p/x₁²,  u₂ = −p₂/x₁,  u₃ = −p₃/x₁,
//	u₁₁ = −2p/x₁³,  u₁₂ = p₂/x₁²,  u₁₃ = p₃/x₁²,  u₂₂ = −p₂₂/x₁, …
//
// so that ∇r = E·∇u and ∇²r = E·(∇u∇uᵀ + ∇²u).
func (g gulf) terms(x []float64, i int) (t, e float64, u [3]float64, uu [3][3]float64) {
	t = float64(i+1) / 100
	diff := g.y[i] - x[1]
	s := 1.0
	if diff < 0 {
		s = -1
	}
	a := math.Abs(diff)
	x1, x3 := x[0], x[2]
	p := math.Pow(a, x3)
	e = math.Exp(-p / x1)
	if e == 0 {
		return t, 0, u, uu
	}
	l := math.Log(a)
	am1 := p / a // a^(x₃−1); a = 0 only where f is not differentiable
	p2 := -s * x3 * am1
	p3 := p * l
	p22 := x3 * (x3 - 1) * am1 / a
	p23 := -s * am1 * (1 + x3*l)
	p33 := p * l * l
	u = [3]float64{p / (x1 * x1), -p2 / x1, -p3 / x1}
	uu = [3][3]float64{
		{-2 * p / (x1 * x1 * x1), p2 / (x1 * x1), p3 / (x1 * x1)},
		{p2 / (x1 * x1), -p22 / x1, -p23 / x1},
		{p3 / (x1 * x1), -p23 / x1, -p33 / x1},
	}
	return t, e, u, uu
}

func (g gulf) res(x, d []float64, i int) (r, rd float64) {
	t, e, u, _ := g.terms(x, i)
	r = e - t
	if d != nil && e != 0 {
		rd = e * (u[0]*d[0] + u[1]*d[1] + u[2]*d[2])
	}
	return r, rd
}

func (g gulf) add(x, d []float64, i int, a, b float64, out []float64) {
	_, e, u, uu := g.terms(x, i)
	if e == 0 {
		return
	}
	var ud float64
	if d != nil {
		ud = u[0]*d[0] + u[1]*d[1] + u[2]*d[2]
	}
	for j := range 3 {
		out[j] += a * e * u[j]
		if d != nil {
			out[j] += b * e * (u[j]*ud + uu[j][0]*d[0] + uu[j][1]*d[1] + uu[j][2]*d[2])
		}
	}
}

// BiggsEXP6 returns the Biggs EXP6 function (MGH 18) with n = 6, m = 13:
//
//	rᵢ = x₃·exp(−tᵢx₁) − x₄·exp(−tᵢx₂) + x₆·exp(−tᵢx₅) − yᵢ,  tᵢ = i/10,
//	yᵢ = exp(−tᵢ) − 5·exp(−10tᵢ) + 3·exp(−4tᵢ),
//
// started at x0 = (1, 2, 1, 1, 1, 1). The global minimum f* = 0 is at
// (1, 10, 1, 5, 4, 3). The paper lists f = 5.65565e−3 for m = 13, a
// stationary value that local methods often reach from x0; it is in
// AltFStar.
func BiggsEXP6() Problem {
	return Problem{
		Name:  "biggs_exp6",
		FStar: 0, // exact, at (1, 10, 1, 5, 4, 3); reference table, fstar_ref
		AltFStar: []Stationary{{
			// reference table, alt_ref (alt_lit 5.65565e-3).
			F: 0.005655649925498251,
			Note: "the value MGH 1981 lists for m = 13: a stationary point " +
				"with f > 0 (polished to ‖∇f‖∞ ≈ 2e-10), not the global minimum",
		}},
		fn: sumSquares{biggs{m: 13}},
		x0: []float64{1, 2, 1, 1, 1, 1},
	}
}

type biggs struct{ m int }

func (biggs) dim() int    { return 6 }
func (b biggs) rows() int { return b.m }

// terms returns t, y and the three exponentials exp(−t·x₁), exp(−t·x₂),
// exp(−t·x₅).
func (biggs) terms(x []float64, i int) (t, y, e1, e2, e5 float64) {
	t = float64(i+1) / 10
	y = math.Exp(-t) - 5*math.Exp(-10*t) + 3*math.Exp(-4*t)
	return t, y, math.Exp(-t * x[0]), math.Exp(-t * x[1]), math.Exp(-t * x[4])
}

func (bg biggs) res(x, d []float64, i int) (r, rd float64) {
	t, y, e1, e2, e5 := bg.terms(x, i)
	r = x[2]*e1 - x[3]*e2 + x[5]*e5 - y
	if d != nil {
		rd = -t*x[2]*e1*d[0] + t*x[3]*e2*d[1] + e1*d[2] - e2*d[3] - t*x[5]*e5*d[4] + e5*d[5]
	}
	return r, rd
}

// add: each exponential term ±c·exp(−t·z) couples a coefficient c with a
// rate z; its Hessian block in (z, c) is ±[[t²c·e, −t·e], [−t·e, 0]].
func (bg biggs) add(x, d []float64, i int, a, b float64, out []float64) {
	t, _, e1, e2, e5 := bg.terms(x, i)
	for _, k := range [3]struct {
		z, c    int // indices of the rate and the coefficient
		sign, e float64
	}{{0, 2, 1, e1}, {1, 3, -1, e2}, {4, 5, 1, e5}} {
		se := k.sign * k.e
		out[k.z] -= a * t * x[k.c] * se
		out[k.c] += a * se
		if d != nil {
			out[k.z] += b * se * (t*t*x[k.c]*d[k.z] - t*d[k.c])
			out[k.c] -= b * se * t * d[k.z]
		}
	}
}

// BrownDennis returns the Brown and Dennis function (MGH 16) with n = 4,
// m = 20:
//
//	rᵢ = (x₁ + tᵢx₂ − exp(tᵢ))² + (x₃ + x₄·sin tᵢ − cos tᵢ)²,  tᵢ = i/5,
//
// started at x0 = (25, 5, −5, −1). The minimum is f* ≈ 85822.2.
func BrownDennis() Problem {
	return Problem{
		Name: "brown_dennis",
		// MGH 1981 prints 85822.2 for m = 20; this is fstar_ref of
		// the reference table (Levenberg–Marquardt-polished, ‖∇f‖∞ ≈ 7e-8,
		// relative to |f| ≈ 1e5).
		FStar: 85822.20162635625,
		fn:    sumSquares{brownDennis{m: 20}},
		x0:    []float64{25, 5, -5, -1},
	}
}

type brownDennis struct{ m int }

func (brownDennis) dim() int    { return 4 }
func (b brownDennis) rows() int { return b.m }

// terms writes rᵢ = p² + q² with p = x₁ + t·x₂ − eᵗ and
// q = x₃ + sin t·x₄ − cos t; returns t, sin t, p and q. Then
// ∇r = 2p·(1, t, 0, 0) + 2q·(0, 0, 1, sin t) and
// ∇²r = 2·(1, t, 0, 0)(1, t, 0, 0)ᵀ + 2·(0, 0, 1, sin t)(0, 0, 1, sin t)ᵀ.
func (brownDennis) terms(x []float64, i int) (t, st, p, q float64) {
	t = float64(i+1) / 5
	st = math.Sin(t)
	p = x[0] + t*x[1] - math.Exp(t)
	q = x[2] + st*x[3] - math.Cos(t)
	return
}

func (bd brownDennis) res(x, d []float64, i int) (r, rd float64) {
	t, st, p, q := bd.terms(x, i)
	r = p*p + q*q
	if d != nil {
		rd = 2*p*(d[0]+t*d[1]) + 2*q*(d[2]+st*d[3])
	}
	return r, rd
}

func (bd brownDennis) add(x, d []float64, i int, a, b float64, out []float64) {
	t, st, p, q := bd.terms(x, i)
	cp, cq := 2*a*p, 2*a*q
	if d != nil {
		cp += 2 * b * (d[0] + t*d[1])
		cq += 2 * b * (d[2] + st*d[3])
	}
	out[0] += cp
	out[1] += cp * t
	out[2] += cq
	out[3] += cq * st
}
