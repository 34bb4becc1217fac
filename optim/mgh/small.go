package mgh

import "math"

// Beale returns Beale's function (MGH 5), n = 2, m = 3:
//
//	rᵢ = yᵢ − x₁·(1 − x₂ⁱ),  i = 1, 2, 3,  y = (1.5, 2.25, 2.625),
//
// started at x0 = (1, 1), where f = 14.203125. The minimum f* = 0 is at
// (3, 0.5).
func Beale() Problem {
	return Problem{
		Name:  "beale",
		FStar: 0, // MGH 1981; reference table, fstar_ref (exact)
		fn:    sumSquares{beale{}},
		x0:    []float64{1, 1},
	}
}

type beale struct{}

var bealeY = [3]float64{1.5, 2.25, 2.625}

func (beale) dim() int  { return 2 }
func (beale) rows() int { return 3 }

// partials returns r and its partial derivatives rⱼ, rⱼₖ (r₁₁ = 0),
// with powers of x₂ written out so that x₂ = 0 is not a special case.
func (beale) partials(x []float64, i int) (r, r1, r2, r12, r22 float64) {
	x1, x2 := x[0], x[1]
	var pk float64 // x₂ⁱ
	switch i {
	case 0:
		pk, r12, r22 = x2, 1, 0
	case 1:
		pk, r12, r22 = x2*x2, 2*x2, 2*x1
	default:
		pk, r12, r22 = x2*x2*x2, 3*x2*x2, 6*x1*x2
	}
	r = bealeY[i] - x1*(1-pk)
	r1 = pk - 1
	r2 = x1 * r12
	return
}

func (b beale) res(x, d []float64, i int) (r, rd float64) {
	r, r1, r2, _, _ := b.partials(x, i)
	if d != nil {
		rd = r1*d[0] + r2*d[1]
	}
	return r, rd
}

func (b beale) add(x, d []float64, i int, a, c float64, out []float64) {
	_, r1, r2, r12, r22 := b.partials(x, i)
	out[0] += a * r1
	out[1] += a * r2
	if d != nil {
		out[0] += c * r12 * d[1]
		out[1] += c * (r12*d[0] + r22*d[1])
	}
}

// PowellBadlyScaled returns Powell's badly scaled function (MGH 3), n = 2,
// m = 2:
//
//	r₁ = 10⁴·x₁·x₂ − 1,  r₂ = exp(−x₁) + exp(−x₂) − 1.0001,
//
// started at x0 = (0, 1). The minimum f* = 0 is at about
// (1.098e−5, 9.106).
func PowellBadlyScaled() Problem {
	return Problem{
		Name:  "powell_badly_scaled",
		FStar: 0, // MGH 1981; reference table, fstar_ref (exact)
		fn:    sumSquares{powellBS{}},
		x0:    []float64{0, 1},
	}
}

type powellBS struct{}

func (powellBS) dim() int  { return 2 }
func (powellBS) rows() int { return 2 }

func (powellBS) res(x, d []float64, i int) (r, rd float64) {
	if i == 0 {
		r = 1e4*x[0]*x[1] - 1
		if d != nil {
			rd = 1e4 * (x[1]*d[0] + x[0]*d[1])
		}
		return r, rd
	}
	e1, e2 := math.Exp(-x[0]), math.Exp(-x[1])
	r = e1 + e2 - 1.0001
	if d != nil {
		rd = -e1*d[0] - e2*d[1]
	}
	return r, rd
}

func (powellBS) add(x, d []float64, i int, a, b float64, out []float64) {
	if i == 0 {
		out[0] += a * 1e4 * x[1]
		out[1] += a * 1e4 * x[0]
		if d != nil {
			out[0] += b * 1e4 * d[1]
			out[1] += b * 1e4 * d[0]
		}
		return
	}
	e1, e2 := math.Exp(-x[0]), math.Exp(-x[1])
	out[0] -= a * e1
	out[1] -= a * e2
	if d != nil {
		out[0] += b * e1 * d[0]
		out[1] += b * e2 * d[1]
	}
}

// BrownBadlyScaled returns Brown's badly scaled function (MGH 4), n = 2,
// m = 3:
//
//	r₁ = x₁ − 10⁶,  r₂ = x₂ − 2·10⁻⁶,  r₃ = x₁·x₂ − 2,
//
// started at x0 = (1, 1), where f ≈ 0.999998e12. The minimum f* = 0 is at
// (10⁶, 2·10⁻⁶).
func BrownBadlyScaled() Problem {
	return Problem{
		Name:  "brown_badly_scaled",
		FStar: 0, // MGH 1981; reference table, fstar_ref (exact)
		fn:    sumSquares{brownBS{}},
		x0:    []float64{1, 1},
	}
}

type brownBS struct{}

func (brownBS) dim() int  { return 2 }
func (brownBS) rows() int { return 3 }

func (brownBS) res(x, d []float64, i int) (r, rd float64) {
	switch i {
	case 0:
		r = x[0] - 1e6
		if d != nil {
			rd = d[0]
		}
	case 1:
		r = x[1] - 2e-6
		if d != nil {
			rd = d[1]
		}
	default:
		r = x[0]*x[1] - 2
		if d != nil {
			rd = x[1]*d[0] + x[0]*d[1]
		}
	}
	return r, rd
}

func (brownBS) add(x, d []float64, i int, a, b float64, out []float64) {
	switch i {
	case 0:
		out[0] += a
	case 1:
		out[1] += a
	default:
		out[0] += a * x[1]
		out[1] += a * x[0]
		if d != nil {
			out[0] += b * d[1]
			out[1] += b * d[0]
		}
	}
}

// Wood returns Wood's function (MGH 14), n = 4, m = 6:
//
//	r₁ = 10·(x₂ − x₁²),   r₂ = 1 − x₁,
//	r₃ = √90·(x₄ − x₃²),  r₄ = 1 − x₃,
//	r₅ = √10·(x₂ + x₄ − 2),  r₆ = (x₂ − x₄)/√10,
//
// started at x0 = (−3, −1, −3, −1), where f = 19192. The minimum f* = 0 is
// at (1, 1, 1, 1).
func Wood() Problem {
	return Problem{
		Name:  "wood",
		FStar: 0, // MGH 1981; reference table, fstar_ref (exact)
		fn:    sumSquares{wood{}},
		x0:    []float64{-3, -1, -3, -1},
	}
}

type wood struct{}

func (wood) dim() int  { return 4 }
func (wood) rows() int { return 6 }

var (
	sqrt90 = math.Sqrt(90)
	sqrt10 = math.Sqrt(10)
)

// woodQuad describes the Rosenbrock-like rows c·(x[j] − x[i]²) used by Wood.
func woodQuad(i int) (c float64, ia, ib int) {
	if i == 0 {
		return 10, 0, 1
	}
	return sqrt90, 2, 3
}

func (wood) res(x, d []float64, i int) (r, rd float64) {
	switch i {
	case 0, 2:
		c, ia, ib := woodQuad(i)
		r = c * (x[ib] - x[ia]*x[ia])
		if d != nil {
			rd = c * (d[ib] - 2*x[ia]*d[ia])
		}
	case 1, 3:
		k := i - 1 // x₁ or x₃
		r = 1 - x[k]
		if d != nil {
			rd = -d[k]
		}
	case 4:
		r = sqrt10 * (x[1] + x[3] - 2)
		if d != nil {
			rd = sqrt10 * (d[1] + d[3])
		}
	default:
		r = (x[1] - x[3]) / sqrt10
		if d != nil {
			rd = (d[1] - d[3]) / sqrt10
		}
	}
	return r, rd
}

func (wood) add(x, d []float64, i int, a, b float64, out []float64) {
	switch i {
	case 0, 2:
		c, ia, ib := woodQuad(i)
		out[ia] -= a * 2 * c * x[ia]
		out[ib] += a * c
		if d != nil {
			out[ia] -= b * 2 * c * d[ia]
		}
	case 1, 3:
		out[i-1] -= a
	case 4:
		out[1] += a * sqrt10
		out[3] += a * sqrt10
	default:
		out[1] += a / sqrt10
		out[3] -= a / sqrt10
	}
}

// HelicalValley returns the helical valley function (MGH 7), n = 3, m = 3:
//
//	r₁ = 10·(x₃ − 10·θ(x₁, x₂)),  r₂ = 10·(√(x₁² + x₂²) − 1),  r₃ = x₃,
//	θ = arctan(x₂/x₁)/(2π)        if x₁ > 0,
//	θ = arctan(x₂/x₁)/(2π) + 1/2  if x₁ < 0,
//
// started at x0 = (−1, 0, 0), where f = 2500. The minimum f* = 0 is at
// (1, 0, 0).
//
// θ follows the paper, not atan2: it takes values in (−1/4, 3/4), is smooth
// across the negative x₁-axis (so at x0), and jumps by 1 across the
// half-line x₁ = 0, x₂ < 0, where θ = −1/4 is used; there f is
// discontinuous. On the x₃-axis (x₁ = x₂ = 0) θ = 0 and f is not
// differentiable: the gradient and Hessian-vector product are NaN.
func HelicalValley() Problem {
	return Problem{
		Name:  "helical_valley",
		FStar: 0, // MGH 1981; reference table, fstar_ref (exact)
		fn:    sumSquares{helical{}},
		x0:    []float64{-1, 0, 0},
	}
}

type helical struct{}

func (helical) dim() int  { return 3 }
func (helical) rows() int { return 3 }

// helicalTheta returns θ(x₁, x₂) with the paper's branch and its first and
// second partial derivatives. θ's derivatives do not depend on the branch:
// θ₁ = −x₂/(2πρ²), θ₂ = x₁/(2πρ²), θ₁₁ = −θ₂₂ = 2x₁x₂/(2πρ⁴),
// θ₁₂ = (x₂² − x₁²)/(2πρ⁴).
func helicalTheta(x1, x2 float64) (t, t1, t2, t11, t12, t22 float64) {
	// atan2 agrees with the paper except for x₁ < 0, x₂ ≤ 0 (including
	// x₂ = −0 at x0), where it is lower by exactly π.
	t = math.Atan2(x2, x1) / (2 * math.Pi)
	if t < -0.25 {
		t++
	}
	rho2 := x1*x1 + x2*x2
	c := 1 / (2 * math.Pi * rho2)
	t1, t2 = -x2*c, x1*c
	t11 = 2 * x1 * x2 * c / rho2
	t12 = (x2*x2 - x1*x1) * c / rho2
	t22 = -t11
	return
}

func (helical) res(x, d []float64, i int) (r, rd float64) {
	switch i {
	case 0:
		t, t1, t2, _, _, _ := helicalTheta(x[0], x[1])
		r = 10 * (x[2] - 10*t)
		if d != nil {
			rd = 10*d[2] - 100*(t1*d[0]+t2*d[1])
		}
	case 1:
		rho := math.Hypot(x[0], x[1])
		r = 10 * (rho - 1)
		if d != nil {
			rd = 10 * (x[0]*d[0] + x[1]*d[1]) / rho
		}
	default:
		r = x[2]
		if d != nil {
			rd = d[2]
		}
	}
	return r, rd
}

func (helical) add(x, d []float64, i int, a, b float64, out []float64) {
	switch i {
	case 0:
		_, t1, t2, t11, t12, t22 := helicalTheta(x[0], x[1])
		out[0] -= a * 100 * t1
		out[1] -= a * 100 * t2
		out[2] += a * 10
		if d != nil {
			out[0] -= b * 100 * (t11*d[0] + t12*d[1])
			out[1] -= b * 100 * (t12*d[0] + t22*d[1])
		}
	case 1:
		// ∇ρ = (x₁, x₂)/ρ, ∇²ρ = [[x₂², −x₁x₂], [−x₁x₂, x₁²]]/ρ³.
		rho := math.Hypot(x[0], x[1])
		out[0] += a * 10 * x[0] / rho
		out[1] += a * 10 * x[1] / rho
		if d != nil {
			s := b * 10 / (rho * rho * rho)
			out[0] += s * (x[1]*x[1]*d[0] - x[0]*x[1]*d[1])
			out[1] += s * (x[0]*x[0]*d[1] - x[0]*x[1]*d[0])
		}
	default:
		out[2] += a
	}
}
