package vecmath_test

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/tensor/internal/vecmath"
)

// A tanh layer forward and backward: y = tanh(x), then dL/dx = g·(1 − y²)
// from the output y and the upstream gradient g.
func ExampleTanh() {
	x := []float64{-2, -0.5, 0, 0.5, 2}
	y := make([]float64, len(x))
	vecmath.Tanh(y, x)

	g := []float64{1, 1, 1, 1, 1}
	dx := make([]float64, len(x))
	vecmath.TanhGrad(dx, g, y)
	for i := range x {
		fmt.Printf("tanh(%4.1f) = %8.5f   dtanh/dx = %.5f\n", x[i], y[i], dx[i])
	}
	// Output:
	// tanh(-2.0) = -0.96403   dtanh/dx = 0.07065
	// tanh(-0.5) = -0.46212   dtanh/dx = 0.78645
	// tanh( 0.0) =  0.00000   dtanh/dx = 1.00000
	// tanh( 0.5) =  0.46212   dtanh/dx = 0.78645
	// tanh( 2.0) =  0.96403   dtanh/dx = 0.07065
}

// Sigmoid stays accurate where the textbook formula 1/(1+e^(−x)) breaks
// down: for x < −709.78, e^(−x) overflows and the formula returns 0,
// although σ(x) ≈ e^x is still a (subnormal) float64 down to x ≈ −745.
func ExampleSigmoid() {
	x := []float64{-30, -710, -745, 0, 40}
	s := make([]float64, len(x))
	vecmath.Sigmoid(s, x)
	for i, v := range x {
		fmt.Printf("σ(%v) = %.6g   naive %.6g\n", v, s[i], 1/(1+math.Exp(-v)))
	}
	// Output:
	// σ(-30) = 9.35762e-14   naive 9.35762e-14
	// σ(-710) = 4.47629e-309   naive 0
	// σ(-745) = 4.94066e-324   naive 0
	// σ(0) = 0.5   naive 0.5
	// σ(40) = 1   naive 1
}

// Exp, Log and their use in place (dst may be the input slice).
func ExampleExp() {
	x := []float64{-1, 0, 1, 2}
	vecmath.Exp(x, x)
	fmt.Printf("%.6f\n", x)
	vecmath.Log(x, x)
	fmt.Printf("%.6f\n", x)
	// Output:
	// [0.367879 1.000000 2.718282 7.389056]
	// [-1.000000 0.000000 1.000000 2.000000]
}
