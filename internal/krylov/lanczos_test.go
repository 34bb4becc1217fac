package krylov

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/internal/testutil"
)

// denseOp returns the operator v ↦ A·v of a dense symmetric matrix.
func denseOp(a *mat.SymDense) Operator {
	n := a.SymmetricDim()
	return func(v, av []float64) {
		dst := mat.NewVecDense(n, av)
		dst.MulVec(a, mat.NewVecDense(n, v))
	}
}

// diagOp returns the operator of diag(d).
func diagOp(d []float64) Operator {
	return func(v, av []float64) {
		for i := range v {
			av[i] = d[i] * v[i]
		}
	}
}

// randomSym returns a random symmetric n×n matrix with entries N(0,1).
func randomSym(n int, seed uint64) *mat.SymDense {
	return testutil.RandSym(rand.New(rand.NewPCG(seed, 1)), n)
}

// trueResidual returns ‖A·u − θ·u‖₂ computed with a fresh operator call.
func trueResidual(op Operator, theta float64, u []float64) float64 {
	au := make([]float64, len(u))
	op(u, au)
	floats.AddScaled(au, -theta, u)
	return floats.Norm(au, 2)
}

func TestLanczosDense(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, k     int
		which    Which
		maxBasis int
	}{
		{"n1", 1, 1, Smallest, 0},
		{"n2", 2, 1, Smallest, 0},
		{"n5-all", 5, 5, Smallest, 0},
		{"n30-smallest", 30, 1, Smallest, 0},
		{"n30-largest3", 30, 3, Largest, 0},
		{"n60-both2", 60, 2, BothEnds, 0},
		{"n200-smallest-restart", 200, 1, Smallest, 8},
		{"n200-largest2-restart", 200, 2, Largest, 10},
		{"n200-both-restart", 200, 2, BothEnds, 12},
		{"n200-smallest4", 200, 4, Smallest, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := randomSym(tc.n, uint64(tc.n*7+tc.k))
			var eig mat.EigenSym
			if !eig.Factorize(a, true) {
				t.Fatal("dense factorisation failed")
			}
			want := eig.Values(nil)
			var q mat.Dense
			eig.VectorsTo(&q)
			anorm := math.Max(math.Abs(want[0]), math.Abs(want[tc.n-1]))

			op := denseOp(a)
			const tol = 1e-10
			res, err := Lanczos(op, tc.n, &Settings{K: tc.k, Which: tc.which, Tol: tol, MaxBasis: tc.maxBasis, MaxOps: 20000, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Converged {
				t.Fatalf("not converged after %d ops", res.Ops)
			}
			var idx []int // indices into want of the wanted eigenvalues
			switch tc.which {
			case Smallest:
				for i := 0; i < min(tc.k, tc.n); i++ {
					idx = append(idx, i)
				}
			case Largest:
				for i := tc.n - min(tc.k, tc.n); i < tc.n; i++ {
					idx = append(idx, i)
				}
			case BothEnds:
				for i := 0; i < tc.k; i++ {
					idx = append(idx, i)
				}
				for i := tc.n - tc.k; i < tc.n; i++ {
					idx = append(idx, i)
				}
			}
			if len(res.Values) != len(idx) {
				t.Fatalf("got %d values, want %d", len(res.Values), len(idx))
			}
			for c, i := range idx {
				if d := math.Abs(res.Values[c] - want[i]); d > 1e-8*anorm {
					t.Errorf("value %d = %.15g, dense %.15g (diff %.3g)", c, res.Values[c], want[i], d)
				}
				u := res.Vectors[c]
				if nu := floats.Norm(u, 2); math.Abs(nu-1) > 1e-12 {
					t.Errorf("vector %d has norm %v", c, nu)
				}
				r := trueResidual(op, res.Values[c], u)
				if r > 10*tol*anorm+1e-12 {
					t.Errorf("vector %d: true residual %.3g > %.3g", c, r, 10*tol*anorm)
				}
				if math.Abs(r-res.Residuals[c]) > 1e-9*anorm {
					t.Errorf("vector %d: residual estimate %.3g, true %.3g", c, res.Residuals[c], r)
				}
				// Random matrices have simple eigenvalues: the vector must
				// match the dense one up to sign.
				if dot := math.Abs(floats.Dot(u, mat.Col(nil, i, &q))); math.Abs(dot-1) > 1e-6 {
					t.Errorf("vector %d: |<u, q>| = %v, want 1", c, dot)
				}
			}
			if tc.maxBasis != 0 && res.Restarts == 0 {
				t.Errorf("expected restarts with MaxBasis %d", tc.maxBasis)
			}
		})
	}
}

func TestLanczosKnownSpectrum(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		diag  func(i, n int) float64
		k     int
		which Which
	}{
		// Eigenvalues −1, then 1..n−1 evenly: a saddle-like spectrum.
		{"saddle-1e3", 1000, func(i, n int) float64 {
			if i == 0 {
				return -1
			}
			return float64(i)
		}, 1, Smallest},
		// Evenly spaced: relative gap 1e-3 at each end, the slow case.
		{"uniform-1e3", 1000, func(i, n int) float64 { return float64(i + 1) }, 2, BothEnds},
		// One outlying negative eigenvalue and a cluster in [1, 2], n = 10^5.
		{"outlier-1e5", 100000, func(i, n int) float64 {
			if i == n/2 {
				return -0.5
			}
			return 1 + float64(i)/float64(n)
		}, 1, Smallest},
		// A bulk in [0, 1) with three outliers on top, as Hessians of trained
		// networks typically have.
		{"largest-1e5", 100000, func(i, n int) float64 {
			if i >= n-3 {
				return float64(i - n + 6)
			}
			return float64(i) / float64(n)
		}, 3, Largest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.n > 10000 {
				t.Skip("large operator")
			}
			d := make([]float64, tc.n)
			for i := range d {
				d[i] = tc.diag(i, tc.n)
			}
			sorted := append([]float64(nil), d...)
			sort.Float64s(sorted)
			var want []float64
			switch tc.which {
			case Smallest:
				want = sorted[:tc.k]
			case Largest:
				want = sorted[tc.n-tc.k:]
			case BothEnds:
				want = append(append(want, sorted[:tc.k]...), sorted[tc.n-tc.k:]...)
			}
			anorm := math.Max(math.Abs(sorted[0]), math.Abs(sorted[tc.n-1]))
			const tol = 1e-8
			op := diagOp(d)
			res, err := Lanczos(op, tc.n, &Settings{K: tc.k, Which: tc.which, Tol: tol, MaxOps: 5000})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Converged {
				t.Fatalf("not converged after %d ops", res.Ops)
			}
			for c := range want {
				if dv := math.Abs(res.Values[c] - want[c]); dv > tol*anorm {
					t.Errorf("value %d = %.15g, want %.15g", c, res.Values[c], want[c])
				}
				if r := trueResidual(op, res.Values[c], res.Vectors[c]); r > 10*tol*anorm {
					t.Errorf("value %d: residual %.3g", c, r)
				}
			}
			t.Logf("n=%d: %d ops, %d restarts", tc.n, res.Ops, res.Restarts)
		})
	}
}

// TestLanczosInvariantSubspace checks the continuation after an exact
// invariant subspace: diag(5,1,5,1) has two distinct eigenvalues, so the
// Krylov space of any start vector is 2-dimensional, but the three smallest
// eigenvalues (1, 1, 5) are asked for. (A third copy of a triple eigenvalue
// would not be found: see the Lanczos doc comment.)
func TestLanczosInvariantSubspace(t *testing.T) {
	d := []float64{5, 1, 5, 1}
	res, err := Lanczos(diagOp(d), len(d), &Settings{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Converged {
		t.Fatal("not converged")
	}
	want := []float64{1, 1, 5}
	if !floats.EqualApprox(res.Values, want, 1e-12) {
		t.Errorf("values %v, want %v", res.Values, want)
	}
	// The vectors must be orthonormal.
	for i := range res.Vectors {
		for j := range res.Vectors {
			want := 0.0
			if i == j {
				want = 1
			}
			if got := floats.Dot(res.Vectors[i], res.Vectors[j]); math.Abs(got-want) > 1e-10 {
				t.Errorf("<u%d,u%d> = %v", i, j, got)
			}
		}
	}
}

// TestLanczosSeedHessian uses the Hessian [[0,−2],[−2,0]] of the seed loss
// (1 − w1·w2)² at the saddle (0,0): eigenvalues ±2, λ_min along [1,1]/√2.
func TestLanczosSeedHessian(t *testing.T) {
	op := func(v, hv []float64) { hv[0], hv[1] = -2*v[1], -2*v[0] }
	res, err := Lanczos(op, 2, &Settings{Which: BothEnds})
	if err != nil {
		t.Fatal(err)
	}
	if !floats.EqualApprox(res.Values, []float64{-2, 2}, 1e-14) {
		t.Fatalf("values %v, want [-2 2]", res.Values)
	}
	u := res.Vectors[0]
	if c := math.Abs(u[0]+u[1]) / math.Sqrt2; math.Abs(c-1) > 1e-14 {
		t.Errorf("λ_min vector %v not along [1,1]/√2", u)
	}
	if res.Ops != 2 {
		t.Errorf("ops = %d, want 2 (whole space)", res.Ops)
	}
}

func TestLanczosDeterministic(t *testing.T) {
	a := randomSym(50, 9)
	s := &Settings{K: 2, Seed: 42, Tol: 1e-6, MaxBasis: 10}
	r1, err1 := Lanczos(denseOp(a), 50, s)
	r2, err2 := Lanczos(denseOp(a), 50, s)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if r1.Ops != r2.Ops || !floats.Equal(r1.Values, r2.Values) || !floats.Equal(r1.Vectors[0], r2.Vectors[0]) {
		t.Error("same seed gave different results")
	}
	r3, _ := Lanczos(denseOp(a), 50, &Settings{K: 2, Seed: 43, Tol: 1e-6, MaxBasis: 10})
	if floats.Equal(r1.Vectors[0], r3.Vectors[0]) {
		t.Error("different seeds gave bit-identical vectors")
	}
	// An explicit start vector along an eigenvector converges at once.
	d := []float64{3, -1, 2, 7}
	res, err := Lanczos(diagOp(d), 4, &Settings{Start: []float64{0, 2, 0, 0}})
	if err != nil || res.Values[0] != -1 || res.Ops != 1 {
		t.Errorf("start on eigenvector: %v after %d ops, err %v", res.Values, res.Ops, err)
	}
}

func TestLanczosMaxOps(t *testing.T) {
	d := make([]float64, 5000)
	for i := range d {
		d[i] = float64(i) / 5000
	}
	res, err := Lanczos(diagOp(d), len(d), &Settings{Tol: 1e-14, MaxOps: 30})
	if err != nil {
		t.Fatal(err)
	}
	if res.Converged || res.Ops != 30 {
		t.Errorf("converged=%v ops=%d, want false and 30", res.Converged, res.Ops)
	}
	// Unconverged Ritz values still bound λ_min = 0 from above.
	if res.Values[0] < 0 {
		t.Errorf("Ritz value %v below λ_min", res.Values[0])
	}
}

func TestLanczosNonFinite(t *testing.T) {
	calls := 0
	d := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	op := func(v, hv []float64) {
		calls++
		diagOp(d)(v, hv)
		if calls == 3 {
			hv[1] = math.Inf(1)
		}
	}
	if _, err := Lanczos(op, 10, &Settings{Tol: 1e-15}); !errors.Is(err, ErrNonFinite) {
		t.Errorf("err = %v, want ErrNonFinite", err)
	}
}

func TestLanczosPanics(t *testing.T) {
	op := diagOp([]float64{1, 2, 3, 4, 5, 6})
	for _, tc := range []struct {
		name string
		n    int
		s    *Settings
		msg  string
	}{
		{"n0", 0, nil, "dimension"},
		{"negK", 6, &Settings{K: -1}, "K = -1"},
		{"negTol", 6, &Settings{Tol: -1}, "Tol"},
		{"negBasis", 6, &Settings{MaxBasis: -2}, "MaxBasis"},
		{"smallBasis", 6, &Settings{K: 3, MaxBasis: 4}, "too small"},
		{"negOps", 6, &Settings{MaxOps: -1}, "MaxOps"},
		{"which", 6, &Settings{Which: 7}, "Which"},
		{"startLen", 6, &Settings{Start: []float64{1}}, "len(Start)"},
		{"startZero", 6, &Settings{Start: make([]float64, 6)}, "zero"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, "krylov: ") || !strings.Contains(msg, tc.msg) {
					t.Errorf("panic %q, want krylov: ...%s...", r, tc.msg)
				}
			}()
			Lanczos(op, tc.n, tc.s)
		})
	}
}

// BenchmarkLanczosMin1e5 computes λ_min of diagonal operators of dimension
// 10^5 (the operator itself is cheap, so the time is Lanczos' own:
// reorthogonalisation and restarts) and reports the operator applications.
func BenchmarkLanczosMin1e5(b *testing.B) {
	const n = 100000
	for _, tc := range []struct {
		name string
		diag func(i int) float64
	}{
		// λ_min = −0.5 well separated from a bulk in [1, 2).
		{"outlier", func(i int) float64 {
			if i == n/2 {
				return -0.5
			}
			return 1 + float64(i)/n
		}},
		// Evenly spaced in [−1, 1): relative gap 2e-5 at λ_min, the hard
		// case for any Krylov method.
		{"uniform", func(i int) float64 { return -1 + 2*float64(i)/n }},
		// A bulk piling up at 0, (i/n)², with 20 negative eigenvalues in
		// [−0.1, −0.05] and outliers up to 50, like a Hessian near a saddle.
		{"hessian-like", func(i int) float64 {
			switch {
			case i < 20:
				return -0.1 + 0.05*float64(i)/20
			case i >= n-5:
				return 10 * float64(i-n+6)
			}
			x := float64(i) / n
			return x * x
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			d := make([]float64, n)
			for i := range d {
				d[i] = tc.diag(i)
			}
			b.ReportAllocs()
			var res Result
			for b.Loop() {
				var err error
				res, err = Lanczos(diagOp(d), n, &Settings{Tol: 1e-6, MaxOps: 20000})
				if err != nil {
					b.Fatal(err)
				}
			}
			if !res.Converged {
				b.Logf("not converged after %d ops", res.Ops)
			}
			b.ReportMetric(float64(res.Ops), "ops")
			b.ReportMetric(res.Values[0], "λmin")
		})
	}
}
