package mgh

// SeedSaddle returns the saddle loss of the motivating example,
//
//	f(w) = (1 − w₁·w₂)²,
//
// the squared error of the one-sample, two-weight linear network
// ŷ = w₁·w₂·x at x = 1, y = 1. It is started exactly at the saddle point
// (0, 0), where ∇f = 0, f = 1 and ∇²f = [[0, −2], [−2, 0]] with eigenvalues
// ±2; the direction of negative curvature is ±(1, 1)/√2. Every point of the
// hyperbola w₁·w₂ = 1 is a minimiser with f* = 0 and a Hessian that is
// singular along the hyperbola. Use WithStart for other starts (the
// project's optimizer tests also use (0.01, −0.01)).
func SeedSaddle() Problem {
	return Problem{
		Name:  "seed_saddle",
		FStar: 0, // analytic: attained wherever w₁·w₂ = 1
		fn:    sumSquares{saddle{}},
		x0:    []float64{0, 0},
	}
}

type saddle struct{}

func (saddle) dim() int  { return 2 }
func (saddle) rows() int { return 1 }

// r = 1 − w₁w₂, ∇r = −(w₂, w₁), ∇²r = [[0, −1], [−1, 0]].
func (saddle) res(x, d []float64, _ int) (r, rd float64) {
	r = 1 - x[0]*x[1]
	if d != nil {
		rd = -x[1]*d[0] - x[0]*d[1]
	}
	return r, rd
}

func (saddle) add(x, d []float64, _ int, a, b float64, out []float64) {
	out[0] -= a * x[1]
	out[1] -= a * x[0]
	if d != nil {
		out[0] -= b * d[1]
		out[1] -= b * d[0]
	}
}

// Quadratic5 returns the ill-conditioned quadratic of the project's seed
// notes (after Goodfellow, Bengio and Courville, Deep Learning, §4.3.1),
//
//	f(x) = ½·xᵀAx,  A = [[3, 2], [2, 3]],
//
// whose Hessian A has eigenvalue 5 along (1, 1)/√2 and 1 along (1, −1)/√2:
// condition number 5. The minimum f* = 0 is at the origin. The start
// x0 = (2, −1) has components 1/√2 along (1, 1)/√2 and 3/√2 along
// (1, −1)/√2, so gradient descent with a fixed step zigzags across the
// steep direction while creeping along the shallow one; f(x0) = 3.5.
func Quadratic5() Problem {
	return Problem{
		Name:  "quad_k5",
		FStar: 0, // analytic
		fn:    quad5{},
		x0:    []float64{2, -1},
	}
}

type quad5 struct{}

func (quad5) dim() int { return 2 }

func (quad5) eval(x, grad []float64) float64 {
	g0, g1 := 3*x[0]+2*x[1], 2*x[0]+3*x[1]
	if grad != nil {
		grad[0], grad[1] = g0, g1
	}
	return (x[0]*g0 + x[1]*g1) / 2
}

func (quad5) hessVec(_, v, hv []float64) {
	hv[0], hv[1] = 3*v[0]+2*v[1], 2*v[0]+3*v[1]
}
