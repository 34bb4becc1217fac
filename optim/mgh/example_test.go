package mgh_test

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/optim/mgh"
)

// Example lists the Moré–Garbow–Hillstrom problems with their size, the value
// and gradient norm at the standard start, and the known minimum.
func Example() {
	for _, p := range mgh.Problems() {
		x := p.X0()
		g := make([]float64, p.Dim())
		f := p.Eval(x, g)
		var gmax float64
		for _, gi := range g {
			gmax = math.Max(gmax, math.Abs(gi))
		}
		fmt.Printf("%-24s n=%-4d f(x0)=%-12.6g |g|=%-10.4g f*=%.6g\n", p.Name, p.Dim(), f, gmax, p.FStar)
	}
	// Output:
	// rosenbrock               n=2    f(x0)=24.2         |g|=215.6      f*=0
	// ext_rosenbrock_100       n=100  f(x0)=1210         |g|=215.6      f*=0
	// ext_rosenbrock_1000      n=1000 f(x0)=12100        |g|=215.6      f*=0
	// beale                    n=2    f(x0)=14.2031      |g|=27.75      f*=0
	// powell_badly_scaled      n=2    f(x0)=1.13526      |g|=2e+04      f*=0
	// brown_badly_scaled       n=2    f(x0)=9.99998e+11  |g|=2e+06      f*=0
	// wood                     n=4    f(x0)=19192        |g|=1.201e+04  f*=0
	// helical_valley           n=3    f(x0)=2500         |g|=1592       f*=0
	// watson_9                 n=9    f(x0)=30           |g|=66.32      f*=1.39976e-06
	// trigonometric_10         n=10   f(x0)=0.00707576   |g|=0.04472    f*=0
	// variably_dimensioned_10  n=10   f(x0)=2.19855e+06  |g|=2.283e+06  f*=0
	// penalty_I_10             n=10   f(x0)=148033       |g|=1.539e+04  f*=7.08765e-05
	// penalty_II_10            n=10   f(x0)=162.653      |g|=255.6      f*=0.000293661
	// ext_powell_singular_12   n=12   f(x0)=645          |g|=310        f*=0
	// box_3d                   n=3    f(x0)=1031.15      |g|=112.4      f*=0
	// gaussian                 n=3    f(x0)=3.88811e-06  |g|=0.007414   f*=1.12793e-08
	// gulf_rd                  n=3    f(x0)=12.1107      |g|=39.68      f*=0
	// biggs_exp6               n=6    f(x0)=0.77907      |g|=1.484      f*=0
	// brown_dennis             n=4    f(x0)=7.92669e+06  |g|=1.779e+06  f*=85822.2
}

// ExampleSeedSaddle shows the exact Hessian-vector product detecting the
// negative curvature of the seed loss (1 − w₁w₂)² at its saddle (0, 0).
func ExampleSeedSaddle() {
	p := mgh.SeedSaddle()
	x := p.X0()
	g := make([]float64, 2)
	fmt.Println("f =", p.Eval(x, g), "grad =", g)
	u := []float64{1 / math.Sqrt2, 1 / math.Sqrt2}
	hu := make([]float64, 2)
	p.HessVec(x, u, hu)
	fmt.Printf("uᵀHu = %.3g along u = (1, 1)/√2\n", u[0]*hu[0]+u[1]*hu[1])
	// Output:
	// f = 1 grad = [0 0]
	// uᵀHu = -2 along u = (1, 1)/√2
}
