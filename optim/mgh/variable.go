package mgh

import "math"

// Trigonometric returns the trigonometric function (MGH 26) with n = 10,
// m = n:
//
//	rᵢ = n − Σⱼ cos xⱼ + i·(1 − cos xᵢ) − sin xᵢ,  i = 1, …, n,
//
// started at x0 = (1/n, …, 1/n). The global minimum f* = 0 is at x = 0 (and
// its translates by 2π). Local methods started at x0 commonly stop at a
// local minimum with f ≈ 2.79506e−5; it is in AltFStar. Eval and HessVec
// cost O(n).
func Trigonometric() Problem {
	const n = 10
	x0 := make([]float64, n)
	for i := range x0 {
		x0[i] = 1.0 / n
	}
	return Problem{
		Name:  "trigonometric_10",
		FStar: 0, // exact, at x = 0; MGH 1981; reference table, fstar_ref
		AltFStar: []Stationary{{
			// reference table, alt_ref (alt_lit 2.79506e-5).
			F: 2.7950561218778473e-05,
			Note: "a local minimum, not the global one: every run behind " +
				"the project's reference table that started at x0 ended " +
				"there (polished to ‖∇f‖∞ ≈ 2e-10)",
		}},
		fn: trig{n: n},
		x0: x0,
	}
}

// trig evaluates the trigonometric function in O(n). With s = n − Σ cos xⱼ
// and kᵢ = i, rᵢ = s + kᵢ(1 − cos xᵢ) − sin xᵢ, ∇rᵢ = sin x + cᵢ·eᵢ with
// cᵢ = kᵢ sin xᵢ − cos xᵢ, and ∇²rᵢ = diag(cos x) + (kᵢ cos xᵢ + sin xᵢ)·eᵢeᵢᵀ.
type trig struct{ n int }

func (t trig) dim() int { return t.n }

func (t trig) s(x []float64) float64 {
	s := float64(t.n)
	for _, xj := range x {
		s -= math.Cos(xj)
	}
	return s
}

func (t trig) eval(x, grad []float64) float64 {
	s := t.s(x)
	var f, sumR float64
	for i, xi := range x {
		sn, cs := math.Sincos(xi)
		k := float64(i + 1)
		r := s + k*(1-cs) - sn
		f += r * r
		sumR += r
		if grad != nil {
			grad[i] = 2 * r * (k*sn - cs)
		}
	}
	if grad != nil {
		for i, xi := range x {
			grad[i] += 2 * sumR * math.Sin(xi)
		}
	}
	return f
}

// hessVec computes 2·Σᵢ [(∇rᵢ·v)·∇rᵢ + rᵢ·∇²rᵢ·v] in three passes using
// Σᵢ rᵢ and Σᵢ ∇rᵢ·v.
func (t trig) hessVec(x, v, hv []float64) {
	s := t.s(x)
	var sv float64 // sin x · v
	for j, xj := range x {
		sv += math.Sin(xj) * v[j]
	}
	var sumR, sumRV float64
	for i, xi := range x {
		sn, cs := math.Sincos(xi)
		k := float64(i + 1)
		sumR += s + k*(1-cs) - sn
		sumRV += sv + (k*sn-cs)*v[i]
	}
	for i, xi := range x {
		sn, cs := math.Sincos(xi)
		k := float64(i + 1)
		r := s + k*(1-cs) - sn
		c := k*sn - cs
		rv := sv + c*v[i]
		hv[i] = 2 * (sumRV*sn + rv*c + sumR*cs*v[i] + r*(k*cs+sn)*v[i])
	}
}

// VariablyDimensioned returns the variably dimensioned function (MGH 25)
// with n = 10, m = n + 2:
//
//	rᵢ = xᵢ − 1 (i = 1, …, n),  rₙ₊₁ = s,  rₙ₊₂ = s²,  s = Σⱼ j·(xⱼ − 1),
//
// so f(x) = Σ(xⱼ − 1)² + s² + s⁴, started at xⱼ = 1 − j/n. The minimum
// f* = 0 is at (1, …, 1). Eval and HessVec cost O(n).
func VariablyDimensioned() Problem {
	const n = 10
	x0 := make([]float64, n)
	for j := range x0 {
		x0[j] = 1 - float64(j+1)/n
	}
	return Problem{
		Name:  "variably_dimensioned_10",
		FStar: 0, // MGH 1981; reference table, fstar_ref (exact)
		fn:    varDim{n: n},
		x0:    x0,
	}
}

// varDim: ∇f = 2(x − 1) + (2s + 4s³)·w and ∇²f = 2I + (2 + 12s²)·w·wᵀ with
// wⱼ = j.
type varDim struct{ n int }

func (d varDim) dim() int { return d.n }

func (varDim) s(x []float64) float64 {
	var s float64
	for j, xj := range x {
		s += float64(j+1) * (xj - 1)
	}
	return s
}

func (d varDim) eval(x, grad []float64) float64 {
	s := d.s(x)
	var f float64
	for _, xj := range x {
		f += (xj - 1) * (xj - 1)
	}
	s2 := s * s
	f += s2 + s2*s2
	if grad != nil {
		c := 2*s + 4*s*s2
		for j, xj := range x {
			grad[j] = 2*(xj-1) + c*float64(j+1)
		}
	}
	return f
}

func (d varDim) hessVec(x, v, hv []float64) {
	s := d.s(x)
	var wv float64
	for j, vj := range v {
		wv += float64(j+1) * vj
	}
	c := (2 + 12*s*s) * wv
	for j, vj := range v {
		hv[j] = 2*vj + c*float64(j+1)
	}
}

// penaltyA is the weight a of the penalty functions.
const penaltyA = 1e-5

// PenaltyI returns penalty function I (MGH 23) with n = 10, m = n + 1:
//
//	rᵢ = √a·(xᵢ − 1) (i = 1, …, n),  rₙ₊₁ = Σⱼ xⱼ² − 1/4,  a = 10⁻⁵,
//
// started at xⱼ = j. The minimum is f* ≈ 7.08765e−5. Eval and HessVec cost
// O(n).
func PenaltyI() Problem {
	const n = 10
	x0 := make([]float64, n)
	for j := range x0 {
		x0[j] = float64(j + 1)
	}
	return Problem{
		Name: "penalty_I_10",
		// MGH 1981 prints 7.08765e-5 for n = 10; this is fstar_ref of
		// the reference table (Levenberg–Marquardt-polished, ‖∇f‖∞ ≈ 2e-14).
		FStar: 7.087651467090369e-05,
		fn:    penaltyI{n: n},
		x0:    x0,
	}
}

// penaltyI: with q = Σ xⱼ² − 1/4, ∇f = 2a(x − 1) + 4q·x and
// ∇²f = (2a + 4q)·I + 8·x·xᵀ.
type penaltyI struct{ n int }

func (p penaltyI) dim() int { return p.n }

func (penaltyI) q(x []float64) float64 {
	q := -0.25
	for _, xj := range x {
		q += xj * xj
	}
	return q
}

func (p penaltyI) eval(x, grad []float64) float64 {
	q := p.q(x)
	var f float64
	for j, xj := range x {
		f += (xj - 1) * (xj - 1)
		if grad != nil {
			grad[j] = 2*penaltyA*(xj-1) + 4*q*xj
		}
	}
	return penaltyA*f + q*q
}

func (p penaltyI) hessVec(x, v, hv []float64) {
	q := p.q(x)
	var xv float64
	for j, xj := range x {
		xv += xj * v[j]
	}
	c := 2*penaltyA + 4*q
	for j, vj := range v {
		hv[j] = c*vj + 8*xv*x[j]
	}
}

// PenaltyII returns penalty function II (MGH 24) with n = 10, m = 2n:
//
//	r₁ = x₁ − 0.2,
//	rᵢ = √a·(exp(xᵢ/10) + exp(xᵢ₋₁/10) − yᵢ),  i = 2, …, n,
//	rᵢ = √a·(exp(xᵢ₋ₙ₊₁/10) − exp(−1/10)),    i = n+1, …, 2n−1,
//	r₂ₙ = Σⱼ (n − j + 1)·xⱼ² − 1,
//
// with a = 10⁻⁵ and yᵢ = exp(i/10) + exp((i−1)/10), started at
// x0 = (1/2, …, 1/2). The minimum is f* ≈ 2.93660e−4. Eval and HessVec
// cost O(n).
func PenaltyII() Problem {
	const n = 10
	x0 := make([]float64, n)
	for j := range x0 {
		x0[j] = 0.5
	}
	return Problem{
		Name: "penalty_II_10",
		// MGH 1981 prints 2.93660e-4 for n = 10; this is fstar_ref of
		// the reference table (Levenberg–Marquardt-polished, ‖∇f‖∞ ≈ 2e-12).
		FStar: 0.0002936605374567461,
		fn:    sumSquares{penaltyII{n: n}},
		x0:    x0,
	}
}

type penaltyII struct{ n int }

func (p penaltyII) dim() int  { return p.n }
func (p penaltyII) rows() int { return 2 * p.n }

var sqrtPenaltyA = math.Sqrt(penaltyA)

// row classifies 0-based row i: kind 0 is r₁, kind 1 the coupled
// exponential rows (variables j−1 and j), kind 2 the single exponential rows
// (variable j), kind 3 the last row.
func (p penaltyII) row(i int) (kind, j int) {
	switch {
	case i == 0:
		return 0, 0
	case i < p.n:
		return 1, i
	case i < 2*p.n-1:
		return 2, i - p.n + 1
	default:
		return 3, 0
	}
}

func (p penaltyII) res(x, d []float64, i int) (r, rd float64) {
	switch kind, j := p.row(i); kind {
	case 0:
		r = x[0] - 0.2
		if d != nil {
			rd = d[0]
		}
	case 1:
		e1, e0 := math.Exp(x[j]/10), math.Exp(x[j-1]/10)
		y := math.Exp(float64(j+1)/10) + math.Exp(float64(j)/10)
		r = sqrtPenaltyA * (e1 + e0 - y)
		if d != nil {
			rd = sqrtPenaltyA * (e1*d[j] + e0*d[j-1]) / 10
		}
	case 2:
		e := math.Exp(x[j] / 10)
		r = sqrtPenaltyA * (e - math.Exp(-0.1))
		if d != nil {
			rd = sqrtPenaltyA * e * d[j] / 10
		}
	default:
		r = -1
		for k, xk := range x {
			w := float64(p.n - k)
			r += w * xk * xk
			if d != nil {
				rd += 2 * w * xk * d[k]
			}
		}
	}
	return r, rd
}

func (p penaltyII) add(x, d []float64, i int, a, b float64, out []float64) {
	switch kind, j := p.row(i); kind {
	case 0:
		out[0] += a
	case 1:
		e1, e0 := math.Exp(x[j]/10), math.Exp(x[j-1]/10)
		out[j] += a * sqrtPenaltyA * e1 / 10
		out[j-1] += a * sqrtPenaltyA * e0 / 10
		if d != nil {
			out[j] += b * sqrtPenaltyA * e1 * d[j] / 100
			out[j-1] += b * sqrtPenaltyA * e0 * d[j-1] / 100
		}
	case 2:
		e := math.Exp(x[j] / 10)
		out[j] += a * sqrtPenaltyA * e / 10
		if d != nil {
			out[j] += b * sqrtPenaltyA * e * d[j] / 100
		}
	default:
		for k, xk := range x {
			w := float64(p.n - k)
			out[k] += a * 2 * w * xk
			if d != nil {
				out[k] += b * 2 * w * d[k]
			}
		}
	}
}

// ExtendedPowellSingular returns the extended Powell singular function
// (MGH 22) with n = 12, m = n: for each block (x₁, x₂, x₃, x₄) of four
// consecutive variables,
//
//	r₁ = x₁ + 10x₂,  r₂ = √5·(x₃ − x₄),  r₃ = (x₂ − 2x₃)²,  r₄ = √10·(x₁ − x₄)²,
//
// started at (3, −1, 0, 1, 3, −1, 0, 1, …). The minimum f* = 0 is at the
// origin, where the Hessian is singular. Eval and HessVec cost O(n).
func ExtendedPowellSingular() Problem {
	const n = 12
	x0 := make([]float64, n)
	for i := 0; i < n; i += 4 {
		copy(x0[i:], []float64{3, -1, 0, 1})
	}
	return Problem{
		Name:  "ext_powell_singular_12",
		FStar: 0, // MGH 1981; reference table, fstar_ref (exact)
		fn:    sumSquares{powellSingular{n: n}},
		x0:    x0,
	}
}

type powellSingular struct{ n int }

func (p powellSingular) dim() int  { return p.n }
func (p powellSingular) rows() int { return p.n }

var sqrt5 = math.Sqrt(5)

// lin describes row i as c·u (sq false) or c·u² (sq true), where
// u = x[j] + wk·x[k] is a linear form in two variables.
func (powellSingular) lin(i int) (sq bool, c float64, j, k int, wk float64) {
	b := i - i%4
	switch i % 4 {
	case 0:
		return false, 1, b, b + 1, 10
	case 1:
		return false, sqrt5, b + 2, b + 3, -1
	case 2:
		return true, 1, b + 1, b + 2, -2
	default:
		return true, sqrt10, b, b + 3, -1
	}
}

func (p powellSingular) res(x, d []float64, i int) (r, rd float64) {
	sq, c, j, k, wk := p.lin(i)
	u := x[j] + wk*x[k]
	var ud float64
	if d != nil {
		ud = d[j] + wk*d[k]
	}
	if sq {
		return c * u * u, 2 * c * u * ud
	}
	return c * u, c * ud
}

// add: for r = c·u, ∇r = c·w and ∇²r = 0; for r = c·u², ∇r = 2cu·w and
// ∇²r = 2c·w·wᵀ.
func (p powellSingular) add(x, d []float64, i int, a, b float64, out []float64) {
	sq, c, j, k, wk := p.lin(i)
	g := a * c // coefficient of w in the update
	if sq {
		g = 2 * a * c * (x[j] + wk*x[k])
		if d != nil {
			g += 2 * b * c * (d[j] + wk*d[k])
		}
	}
	out[j] += g
	out[k] += g * wk
}
