package mgh

import "fmt"

// Rosenbrock returns the Rosenbrock function (MGH 1), n = 2, m = 2:
//
//	r₁ = 10·(x₂ − x₁²),  r₂ = 1 − x₁,
//	f(x) = 100·(x₂ − x₁²)² + (1 − x₁)²,
//
// started at x0 = (−1.2, 1), where f = 24.2. The minimum f* = 0 is at (1, 1).
func Rosenbrock() Problem {
	return Problem{
		Name:  "rosenbrock",
		FStar: 0, // MGH 1981; reference table, fstar_ref (exact)
		fn:    extRosenbrock{n: 2},
		x0:    []float64{-1.2, 1},
	}
}

// ExtendedRosenbrock returns the extended Rosenbrock function (MGH 21) of
// n variables, n even, m = n: a sum of n/2 uncoupled Rosenbrock functions,
//
//	f(x) = Σₖ 100·(x₂ₖ − x₂ₖ₋₁²)² + (1 − x₂ₖ₋₁)²,  k = 1, …, n/2,
//
// started at x0 = (−1.2, 1, −1.2, 1, …). The minimum f* = 0 is at
// (1, …, 1). Eval and HessVec cost O(n). The Name is "ext_rosenbrock_<n>".
// It panics if n is not positive and even.
func ExtendedRosenbrock(n int) Problem {
	if n <= 0 || n%2 != 0 {
		panic(fmt.Sprintf("mgh: ExtendedRosenbrock: n = %d, want a positive even number", n))
	}
	x0 := make([]float64, n)
	for i := 0; i < n; i += 2 {
		x0[i], x0[i+1] = -1.2, 1
	}
	return Problem{
		Name:  fmt.Sprintf("ext_rosenbrock_%d", n),
		FStar: 0, // MGH 1981; reference table, fstar_ref (exact)
		fn:    extRosenbrock{n: n},
		x0:    x0,
	}
}

// extRosenbrock is written out directly rather than through sumSquares: it is
// the problem used to time optimizers at large n.
type extRosenbrock struct{ n int }

func (e extRosenbrock) dim() int { return e.n }

func (e extRosenbrock) eval(x, grad []float64) float64 {
	var f float64
	for i := 0; i < e.n; i += 2 {
		a, b := x[i], x[i+1]
		u := b - a*a
		f += 100*u*u + (1-a)*(1-a)
		if grad != nil {
			grad[i] = -400*a*u - 2*(1-a)
			grad[i+1] = 200 * u
		}
	}
	return f
}

// hessVec uses the 2×2 diagonal blocks
// [[1200a² − 400b + 2, −400a], [−400a, 200]].
func (e extRosenbrock) hessVec(x, v, hv []float64) {
	for i := 0; i < e.n; i += 2 {
		a, b := x[i], x[i+1]
		haa := 1200*a*a - 400*b + 2
		hab := -400 * a
		hv[i] = haa*v[i] + hab*v[i+1]
		hv[i+1] = hab*v[i] + 200*v[i+1]
	}
}
