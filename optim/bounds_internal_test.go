package optim

import (
	"math"
	"testing"
)

// TestProjGradNorm checks the projected gradient on the cases that matter:
// a free variable, a variable on a bound with the gradient pushing out (0)
// or in (|g|), one near a bound (cut to the distance), a fixed variable, a
// gradient far below ε·|x| (kept, not rounded away), and non-finite input.
func TestProjGradNorm(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		name         string
		x, g, lo, hi float64
		want         float64
	}{
		{"free", 0.5, -0.3, 0, 1, 0.3},
		{"on lower, pushed out", 0, 2, 0, 1, 0},
		{"on lower, pushed in", 0, -2, 0, 1, 1},
		{"on upper, pushed out", 1, -2, 0, 1, 0},
		{"near lower", 0.1, 5, 0, 1, 0.1},
		{"fixed", 3, 7, 3, 3, 0},
		{"unbounded", 2, -1e300, -inf, inf, 1e300},
		{"large x", 1e10, 1e-5, -inf, inf, 1e-5},
		{"NaN gradient", 0.5, math.NaN(), 0, 1, math.NaN()},
		{"Inf gradient on bound", 0, inf, 0, 1, math.NaN()},
	} {
		b := &Bounds{Lower: []float64{-1, tc.lo}, Upper: []float64{1, tc.hi}}
		got := b.projGradNorm([]float64{0, tc.x}, []float64{0, tc.g})
		if !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("%s: projGradNorm = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestMaxStep checks the largest feasible step along d, with infinite
// bounds, a zero direction and the cap.
func TestMaxStep(t *testing.T) {
	inf := math.Inf(1)
	b := &Bounds{Lower: []float64{0, -inf, -1}, Upper: []float64{2, 4, inf}}
	for _, tc := range []struct {
		d     []float64
		limit float64
		want  float64
	}{
		{[]float64{1, 1, 1}, 10, 1},      // x₀ = 1 reaches 2 at α = 1
		{[]float64{-0.5, 0, 0}, 10, 2},   // x₀ reaches 0 at α = 2
		{[]float64{0, 1, -4}, 10, 0.5},   // x₂ = 1 reaches −1 at α = 0.5
		{[]float64{0, -1, 1}, 10, 10},    // only infinite bounds ahead: the cap
		{[]float64{0, 0, 0}, 1e10, 1e10}, // no direction
	} {
		if got := b.maxStep([]float64{1, 3, 1}, tc.d, tc.limit); got != tc.want {
			t.Errorf("maxStep(d = %v) = %v, want %v", tc.d, got, tc.want)
		}
	}
}
