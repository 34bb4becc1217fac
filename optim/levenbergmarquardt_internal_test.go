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
