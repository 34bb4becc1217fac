package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/internal/testutil"
)

// TestBroydenUpdate checks broydenUpdate against its two defining
// properties: the updated J satisfies the secant equation J₊·s = r1 − r0,
// and it acts as the old J on every direction orthogonal to s (the least
// change). A zero step leaves J as it was.
func TestBroydenUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 7))
	for _, tc := range []struct{ m, n int }{{5, 3}, {4, 4}, {9, 1}} {
		m, n := tc.m, tc.n
		J := mat.NewDense(m, n, testutil.RandVec(rng, m*n))
		J0 := mat.DenseCopyOf(J)
		s := testutil.RandVec(rng, n)
		r0, r1 := testutil.RandVec(rng, m), testutil.RandVec(rng, m)
		w := make([]float64, m)
		broydenUpdate(J, s, r0, r1, w)
		js := make([]float64, m)
		jacVec(J, s, js)
		for i := range js {
			if want := r1[i] - r0[i]; math.Abs(js[i]-want) > 1e-13*(1+math.Abs(want)) {
				t.Errorf("%d×%d: (J₊s)[%d] = %v, want r1 − r0 = %v", m, n, i, js[i], want)
			}
		}
		// v ⊥ s: J₊v = Jv.
		v := testutil.RandVec(rng, n)
		var vs, ss float64
		for j := range v {
			vs += v[j] * s[j]
			ss += s[j] * s[j]
		}
		for j := range v {
			v[j] -= vs / ss * s[j]
		}
		jv, j0v := make([]float64, m), make([]float64, m)
		jacVec(J, v, jv)
		jacVec(J0, v, j0v)
		for i := range jv {
			if math.Abs(jv[i]-j0v[i]) > 1e-13*(1+math.Abs(j0v[i])) {
				t.Errorf("%d×%d: (J₊v)[%d] = %v, want Jv = %v for v ⊥ s", m, n, i, jv[i], j0v[i])
			}
		}
		J1 := mat.DenseCopyOf(J)
		broydenUpdate(J, make([]float64, n), r0, r1, w)
		if !mat.Equal(J, J1) {
			t.Errorf("%d×%d: a zero step changed J", m, n)
		}
	}
}

// TestParallelSteps checks the test that arms LevenbergMarquardt's doubled
// step: parallel steps that shrink at most fivefold (linear convergence)
// or grow arm it; a quadratic shrink, an angle, or a reversal do not; the
// scaling D enters both the cosine and the lengths.
func TestParallelSteps(t *testing.T) {
	one := []float64{1, 1}
	for _, tc := range []struct {
		name    string
		d, s, t []float64
		want    bool
	}{
		{"halving", one, []float64{0.5, 1}, []float64{1, 2}, true},
		{"growing", one, []float64{3, 6}, []float64{1, 2}, true},
		{"quadratic shrink", one, []float64{0.01, 0.02}, []float64{1, 2}, false},
		{"just above a fifth", one, []float64{0.21, 0.42}, []float64{1, 2}, true},
		{"below a fifth", one, []float64{0.19, 0.38}, []float64{1, 2}, false},
		{"angle", one, []float64{1, 0}, []float64{1, 1}, false},
		{"reversal", one, []float64{-1, -2}, []float64{1, 2}, false},
		// In D-norm (1000·s₀, s₁) the second pair is nearly parallel, the
		// first is not.
		{"scaled apart", []float64{1, 1000}, []float64{1, 0.01}, []float64{1, 0}, false},
		{"scaled parallel", []float64{1000, 1}, []float64{1, 0.01}, []float64{1, 0}, true},
		{"zero step", one, []float64{0, 0}, []float64{1, 2}, false},
	} {
		if got := parallelSteps(tc.d, tc.s, tc.t); got != tc.want {
			t.Errorf("%s: parallelSteps = %v, want %v", tc.name, got, tc.want)
		}
	}
}
