package optim

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// cgls solves the damped least-squares problem min ‖A·p − b‖² + λ‖p‖² by
// CGLS (conjugate gradients on the normal equations (AᵀA + λI)p = Aᵀb,
// written so that AᵀA is never formed), given the products av = A·v and
// atu = Aᵀu. It stops when ‖Aᵀ(b − Ap) − λp‖ ≤ tol·‖Aᵀb‖ or after
// maxIter iterations, and returns the iterations used (each one A·v and
// one Aᵀu). p is overwritten; s, q, d, w are work vectors (n, m, n, m).
//
// Reference: Å. Björck, Numerical Methods for Least Squares Problems,
// SIAM, 1996, §7.4.
func cgls(av, atu func(v, dst []float64), b []float64, lambda, tol float64, maxIter int, p, s, q, d, w []float64) int {
	clear(p)
	copy(w, b) // w = b − A·p
	atu(w, s)  // s = Aᵀw − λp
	copy(d, s) // search direction
	gamma := floats.Dot(s, s)
	stop := tol * tol * gamma
	for it := 1; it <= maxIter; it++ {
		if gamma <= stop || gamma == 0 {
			return it - 1
		}
		av(d, q)
		delta := floats.Dot(q, q) + lambda*floats.Dot(d, d)
		if !(delta > 0) || math.IsInf(delta, 0) {
			return it - 1
		}
		alpha := gamma / delta
		floats.AddScaled(p, alpha, d)
		floats.AddScaled(w, -alpha, q)
		atu(w, s)
		floats.AddScaled(s, -lambda, p)
		next := floats.Dot(s, s)
		beta := next / gamma
		gamma = next
		for i := range d {
			d[i] = s[i] + beta*d[i]
		}
	}
	return maxIter
}
