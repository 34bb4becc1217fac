package hvp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/curvature-go/curvature/ad/hvp"
)

// TestDensityGhosts checks what Density's documentation says of the
// default, plain Lanczos: on a diagonal operator with two outliers far
// above a bulk, 100 steps repeat the converged outliers as ghost nodes,
// whose weights add up to the outlier's true weight 1/n (a Rademacher
// probe on a diagonal operator weighs every eigenvalue 1/n exactly), the
// moments are the exact traces tr(Aᵖ)/n, and the broadened density is
// that of the run with Reorth, which has one node per outlier.
func TestDensityGhosts(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 400
	d := make(diagOp, n)
	for i := range d {
		d[i] = rng.Float64()
	}
	d[10], d[20] = 100, 30
	plain, err1 := hvp.Density(d, &hvp.DensitySettings{Steps: 100, Seed: 2, Sigma: 0.02, Points: 20000})
	full, err2 := hvp.Density(d, &hvp.DensitySettings{Steps: 100, Seed: 2, Reorth: true, Sigma: 0.02, Points: 20000})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	near := func(sd hvp.SpectralDensity, x float64) (count int, weight float64) {
		for k, v := range sd.Nodes {
			if math.Abs(v-x) < 1e-6*x {
				count++
				weight += sd.Weights[k]
			}
		}
		return count, weight
	}
	for _, x := range []float64{100, 30} {
		cp, wp := near(plain, x)
		cf, wf := near(full, x)
		if cp < 2 || cf != 1 || math.Abs(wp-1.0/n) > 1e-6/n || math.Abs(wf-1.0/n) > 1e-10/n {
			t.Errorf("λ = %v: %d nodes of weight %.6g without reorthogonalisation, %d of weight %.6g with; want ≥ 2 and 1, of weight %v",
				x, cp, wp*n, cf, wf*n, 1.0/n)
		}
		t.Logf("λ = %v: %d nodes without reorthogonalisation", x, cp)
	}
	for p := 1; p <= 4; p++ {
		var want float64
		for _, v := range d {
			want += math.Pow(v, float64(p)) / n
		}
		if e := math.Abs(plain.Moment(p) - want); e > 1e-10*want {
			t.Errorf("Moment(%d) = %v without reorthogonalisation, want %v", p, plain.Moment(p), want)
		}
	}
	// Both densities on the grid of the run with Reorth.
	broadened := func(sd hvp.SpectralDensity, x float64) float64 {
		var v float64
		for k, w := range sd.Weights {
			z := (x - sd.Nodes[k]) / sd.Sigma
			v += w * math.Exp(-z*z/2) / (sd.Sigma * math.Sqrt(2*math.Pi))
		}
		return v
	}
	var l1 float64
	for _, x := range full.Grid {
		l1 += math.Abs(broadened(full, x) - broadened(plain, x))
	}
	l1 *= full.Grid[1] - full.Grid[0]
	if l1 > 1e-3 {
		t.Errorf("L1 distance between the densities without and with reorthogonalisation %v", l1)
	}
	t.Logf("L1 distance %.2g", l1)
}
