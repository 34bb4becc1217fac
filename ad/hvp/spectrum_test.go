package hvp_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/internal/testutil"
)

// diagOp is the diagonal operator diag(d).
type diagOp []float64

func (d diagOp) Dim() int { return len(d) }
func (d diagOp) Apply(v, dst []float64) {
	for i := range d {
		dst[i] = d[i] * v[i]
	}
}

// symOp applies a dense symmetric matrix.
type symOp struct{ a *mat.SymDense }

func (s symOp) Dim() int { return s.a.SymmetricDim() }
func (s symOp) Apply(v, dst []float64) {
	mat.NewVecDense(len(dst), dst).MulVec(s.a, mat.NewVecDense(len(v), v))
}

// randSym returns Q·diag(lambda)·Qᵀ for a random orthogonal Q.
func randSym(rng *rand.Rand, lambda []float64) *mat.SymDense {
	n := len(lambda)
	g := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	a := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += q.At(i, k) * lambda[k] * q.At(j, k)
			}
			a.SetSym(i, j, s)
		}
	}
	return a
}

// TestDensityExact checks the quadrature where it is exact: on a diagonal
// operator with few distinct eigenvalues, a Rademacher probe's Krylov
// space is invariant after as many steps, the nodes are the eigenvalues
// and the weights their multiplicities over n; the density integrates to 1
// and its moments are the traces.
func TestDensityExact(t *testing.T) {
	values := []float64{-2, 0.5, 1, 3, 10}
	mult := []int{3, 50, 20, 6, 1}
	var d diagOp
	for i, v := range values {
		for k := 0; k < mult[i]; k++ {
			d = append(d, v)
		}
	}
	n := float64(len(d))
	for _, probes := range []int{1, 4} {
		sd, err := hvp.Density(d, &hvp.DensitySettings{Probes: probes, Steps: 30, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if sd.HVPs != probes*len(values) {
			t.Errorf("%d probes: %d HVPs, want %d (an invariant space ends each run)", probes, sd.HVPs, probes*len(values))
		}
		for k, node := range sd.Nodes {
			i := sort.SearchFloat64s(values, node-1e-9)
			if i == len(values) || math.Abs(values[i]-node) > 1e-12 {
				t.Fatalf("node %v is not an eigenvalue", node)
			}
			if w := float64(mult[i]) / n / float64(probes); math.Abs(sd.Weights[k]-w) > 1e-12 {
				t.Errorf("weight of %v = %v, want %v", node, sd.Weights[k], w)
			}
		}
		var tr, tr2 float64
		for _, x := range d {
			tr, tr2 = tr+x, tr2+x*x
		}
		if e := math.Abs(sd.Moment(1)*n - tr); e > 1e-10*tr {
			t.Errorf("n·Moment(1) = %v, tr = %v", sd.Moment(1)*n, tr)
		}
		if e := math.Abs(sd.Moment(2)*n - tr2); e > 1e-10*tr2 {
			t.Errorf("n·Moment(2) = %v, tr(A²) = %v", sd.Moment(2)*n, tr2)
		}
		if e := math.Abs(trapezoid(sd.Grid, sd.Values) - 1); e > 1e-6 {
			t.Errorf("density integrates to 1%+g", e)
		}
	}
}

// trapezoid integrates y(x) on the grid x.
func trapezoid(x, y []float64) float64 {
	var s float64
	for i := 1; i < len(x); i++ {
		s += (x[i] - x[i-1]) * (y[i] + y[i-1]) / 2
	}
	return s
}

// TestHutchPPLowRank checks that Hutch++ is exact (to rounding) for a
// positive semi-definite operator whose rank is below its sketch size, and
// that Diagonal is exact for a diagonal operator.
func TestHutchPPLowRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	lambda := make([]float64, 40)
	lambda[0], lambda[1], lambda[2] = 50, 7, 0.25
	a := symOp{randSym(rng, lambda)}
	for _, m := range []int{12, 30} {
		e, err := hvp.TraceHutchPP(a, &hvp.TraceSettings{Samples: m, Seed: 1})
		if err != nil || math.Abs(e.Trace-57.25) > 1e-10 || e.StdErr > 1e-10 || e.Samples != m/3*2+3 {
			t.Errorf("Samples %d: trace %v ± %v (%d products, %v), want 57.25 exactly", m, e.Trace, e.StdErr, e.Samples, err)
		}
	}
	d := diagOp{1, -2, 3.5, 0, 8}
	de, err := hvp.Diagonal(d, &hvp.TraceSettings{Samples: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range d {
		if de.Diag[i] != d[i] || de.StdErr[i] != 0 {
			t.Errorf("Diagonal[%d] = %v ± %v, want %v", i, de.Diag[i], de.StdErr[i], d[i])
		}
	}
}

// TestDiagonalDense checks Diagonal on a dense operator against the exact
// diagonal: its error matches the stated standard errors.
func TestDiagonalDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	lambda := make([]float64, 60)
	for i := range lambda {
		lambda[i] = rng.NormFloat64() + 0.5
	}
	a := randSym(rng, lambda)
	de, err := hvp.Diagonal(symOp{a}, &hvp.TraceSettings{Samples: 400, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	// With 400 probes the per-entry errors are nearly Gaussian: count those
	// beyond 3.5 standard errors (expected 0.03 of 60).
	bad := 0
	for i := range lambda {
		if math.Abs(de.Diag[i]-a.At(i, i)) > 3.5*de.StdErr[i] {
			bad++
		}
	}
	if bad > 1 {
		t.Errorf("%d of 60 diagonal entries beyond 3.5 standard errors", bad)
	}
}

func TestSpectrumSettings(t *testing.T) {
	d := diagOp{1, 2}
	for name, fn := range map[string]func(){
		"Density: Probes":       func() { hvp.Density(d, &hvp.DensitySettings{Probes: -1}) },
		"Density: Points":       func() { hvp.Density(d, &hvp.DensitySettings{Points: 1}) },
		"Density: Sigma":        func() { hvp.Density(d, &hvp.DensitySettings{Sigma: math.NaN()}) },
		"Density: operator":     func() { hvp.Density(diagOp{}, nil) },
		"TraceHutchPP: Samples": func() { hvp.TraceHutchPP(d, &hvp.TraceSettings{Samples: 2}) },
		"Diagonal: Samples":     func() { hvp.Diagonal(d, &hvp.TraceSettings{Samples: -1}) },
		"Dense: operator":       func() { hvp.Dense(diagOp{}) },
	} {
		testutil.MustPanic(t, name, fn, "hvp: "+name)
	}
	nan := diagOp{1, math.NaN()}
	if _, err := hvp.Density(nan, nil); !errors.Is(err, hvp.ErrNonFinite) {
		t.Errorf("Density of a NaN operator: %v", err)
	}
	if _, err := hvp.TraceHutchPP(nan, &hvp.TraceSettings{Samples: 3}); !errors.Is(err, hvp.ErrNonFinite) {
		t.Errorf("TraceHutchPP of a NaN operator: %v", err)
	}
	if _, err := hvp.Diagonal(nan, nil); !errors.Is(err, hvp.ErrNonFinite) {
		t.Errorf("Diagonal of a NaN operator: %v", err)
	}
}
