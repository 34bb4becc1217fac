package hvp_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// Test functions for the curvature tools. Their names start with cv so as
// not to clash with helpers of the package's other test files.

// cvSeedHessian is the analytic Hessian of graphtest.SeedLoss at (a, b):
// [[2b², 4ab − 2], [4ab − 2, 2a²]].
func cvSeedHessian(a, b float64) *mat.SymDense {
	return mat.NewSymDense(2, []float64{2 * b * b, 4*a*b - 2, 4*a*b - 2, 2 * a * a})
}

// cvQuadratic returns f(x) = ½·xᵀAx written with graph.MatMul.
func cvQuadratic(a *mat.SymDense) ad.Func {
	n := a.SymmetricDim()
	at := tensor.FromDense(a)
	return func(x *graph.Node) *graph.Node {
		xc := graph.Reshape(x, n, 1)
		ax := graph.MatMul(x.Tape().Const(at), xc)
		return graph.Scale(graph.Sum(graph.Mul(xc, ax)), 0.5)
	}
}

// cvCond5 is the seeds' quadratic of condition number 5: eigenvalue 5
// along [1, 1] and 1 along [1, −1], that is A = [[3, 2], [2, 3]].
var cvCond5 = mat.NewSymDense(2, []float64{3, 2, 2, 3})

// cvRandomSym returns a random symmetric n×n matrix with N(0, 1) entries.
func cvRandomSym(n int, seed uint64) *mat.SymDense {
	return testutil.RandSym(rand.New(rand.NewPCG(seed, 11)), n)
}

// cvNonlinear returns a random smooth nonlinear function of n inputs with
// an indefinite Hessian: f(x) = cᵀtanh(Wx + b) + 0.05·Σxᵢ⁴, W m×n.
func cvNonlinear(n, m int, seed uint64) ad.Func {
	rng := rand.New(rand.NewPCG(seed, 12))
	w := tensor.RandNormal(rng, m, n)
	b := tensor.RandNormal(rng, m, 1)
	c := tensor.RandNormal(rng, m, 1)
	return func(x *graph.Node) *graph.Node {
		tp := x.Tape()
		h := graph.Tanh(graph.Add(graph.MatMul(tp.Const(w), graph.Reshape(x, n, 1)), tp.Const(b)))
		quartic := graph.Scale(graph.Sum(graph.Square(graph.Square(x))), 0.05)
		return graph.Add(graph.Sum(graph.Mul(tp.Const(c), h)), quartic)
	}
}

// cvRosenExtremes diagonalises the block-diagonal Hessian of
// graphtest.ExtRosenbrock at x
// analytically. Block i, at (a, b) = (x₂ᵢ, x₂ᵢ₊₁), is
// [[1200a² − 400b + 2, −400a], [−400a, 200]], with eigenvalues
// (p+r)/2 ± √(((p−r)/2)² + q²); the smaller is computed as det/larger
// to avoid cancellation.
func cvRosenExtremes(x []float64) (lmin, lmax float64) {
	lmin, lmax = math.Inf(1), math.Inf(-1)
	for i := 0; i+1 < len(x); i += 2 {
		a, b := x[i], x[i+1]
		p, q, r := 1200*a*a-400*b+2, -400*a, 200.0
		hi := (p+r)/2 + math.Hypot((p-r)/2, q)
		lo := (p*r - q*q) / hi
		lmin, lmax = math.Min(lmin, lo), math.Max(lmax, hi)
	}
	return lmin, lmax
}

// cvRosenPoint returns a point of dimension n (even, ≥ 4) at which the
// extended Rosenbrock Hessian has an isolated negative λ_min (block 0,
// off the parabola b = a²) and an isolated λ_max (block 1, at a = 1.3),
// while the other blocks, on the parabola with a ∈ [0.95, 1.05], have
// eigenvalues in [0.37, 0.44] and [924, 1084].
func cvRosenPoint(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 13))
	x := make([]float64, n)
	for i := 0; i+1 < n; i += 2 {
		a := 1 + 0.05*(2*rng.Float64()-1)
		x[i], x[i+1] = a, a*a
	}
	x[0], x[1] = 1, 1.05
	x[2], x[3] = 1.3, 1.69
	return x
}

// cvRosenPointPD is cvRosenPoint with block 0 moved only slightly off the
// parabola, so that H stays positive definite with an isolated λ_min.
func cvRosenPointPD(n int, seed uint64) []float64 {
	x := cvRosenPoint(n, seed)
	x[1] = 1.002
	return x
}

// cvResidual returns ‖H·u − θ·u‖₂ by a fresh HVP.
func cvResidual(op hvp.Operator, theta float64, u []float64) float64 {
	hu := make([]float64, len(u))
	op.Apply(u, hu)
	floats.AddScaled(hu, -theta, u)
	return floats.Norm(hu, 2)
}

// cvDenseEigen returns the ascending eigenvalues of a.
func cvDenseEigen(t *testing.T, a mat.Symmetric) []float64 {
	t.Helper()
	var eig mat.EigenSym
	if !eig.Factorize(a, false) {
		t.Fatal("mat.EigenSym failed")
	}
	return eig.Values(nil)
}

// cvWantedIdx returns the indices into n ascending eigenvalues that Lanczos
// should return for k and which.
func cvWantedIdx(n, k int, which hvp.Which) []int {
	var idx []int
	switch which {
	case hvp.Smallest:
		for i := 0; i < min(k, n); i++ {
			idx = append(idx, i)
		}
	case hvp.Largest:
		for i := n - min(k, n); i < n; i++ {
			idx = append(idx, i)
		}
	case hvp.BothEnds:
		lo := min(k, n)
		for i := 0; i < lo; i++ {
			idx = append(idx, i)
		}
		for i := max(n-k, lo); i < n; i++ {
			idx = append(idx, i)
		}
	}
	return idx
}

func TestLanczosMatchesDense(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    ad.Func
		n    int
		// reference, when not nil, gives the exact eigenvalues
		// independently of AD (the quadratic's own matrix).
		reference *mat.SymDense
		k         int
		which     hvp.Which
		maxBasis  int
	}{
		{name: "quadratic-n6-smallest2", f: cvQuadratic(cvRandomSym(6, 1)), n: 6, reference: cvRandomSym(6, 1), k: 2, which: hvp.Smallest},
		{name: "quadratic-n40-both3", f: cvQuadratic(cvRandomSym(40, 2)), n: 40, reference: cvRandomSym(40, 2), k: 3, which: hvp.BothEnds},
		{name: "quadratic-n150-largest4-restarts", f: cvQuadratic(cvRandomSym(150, 3)), n: 150, reference: cvRandomSym(150, 3), k: 4, which: hvp.Largest, maxBasis: 12},
		{name: "quadratic-n3-all", f: cvQuadratic(cvRandomSym(3, 4)), n: 3, reference: cvRandomSym(3, 4), k: 3, which: hvp.Smallest},
		{name: "cond5", f: cvQuadratic(cvCond5), n: 2, reference: cvCond5, k: 1, which: hvp.BothEnds},
		{name: "nonlinear-n12-both2", f: cvNonlinear(12, 9, 5), n: 12, k: 2, which: hvp.BothEnds},
		{name: "nonlinear-n30-smallest3", f: cvNonlinear(30, 20, 6), n: 30, k: 3, which: hvp.Smallest},
		{name: "nonlinear-n60-largest1-restarts", f: cvNonlinear(60, 40, 7), n: 60, k: 1, which: hvp.Largest, maxBasis: 6},
		{name: "rosenbrock-n8", f: graphtest.ExtRosenbrock, n: 8, k: 2, which: hvp.BothEnds},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.n), 14))
			x := make([]float64, tc.n)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			xCopy := append([]float64(nil), x...)
			h := tc.reference
			if h == nil {
				h = hvp.Hessian(tc.f, x)
			}
			want := cvDenseEigen(t, h)
			norm := math.Max(math.Abs(want[0]), math.Abs(want[tc.n-1]))

			p := hvp.At(tc.f, x)
			res, err := hvp.Lanczos(p, &hvp.LanczosSettings{K: tc.k, Which: tc.which, Tol: 1e-10, MaxBasis: tc.maxBasis, Seed: 9})
			if err != nil {
				t.Fatal(err)
			}
			if !floats.Equal(x, xCopy) {
				t.Fatal("x was modified")
			}
			if !res.Converged {
				t.Fatalf("not converged after %d HVPs", res.HVPs)
			}
			if res.HVPs < 1 || res.HVPs > 1000 {
				t.Errorf("HVPs = %d", res.HVPs)
			}
			idx := cvWantedIdx(tc.n, tc.k, tc.which)
			if len(res.Values) != len(idx) || len(res.Vectors) != len(idx) || len(res.Residuals) != len(idx) {
				t.Fatalf("got %d values, %d vectors, %d residuals; want %d", len(res.Values), len(res.Vectors), len(res.Residuals), len(idx))
			}
			for c, i := range idx {
				if d := math.Abs(res.Values[c] - want[i]); d > 1e-8*norm {
					t.Errorf("λ[%d] = %.15g, dense %.15g (diff %.2g, ‖H‖ %.3g)", i, res.Values[c], want[i], d, norm)
				}
				u := res.Vectors[c]
				if nu := floats.Norm(u, 2); math.Abs(nu-1) > 1e-12 {
					t.Errorf("‖u[%d]‖ = %v", c, nu)
				}
				if r := cvResidual(p, res.Values[c], u); r > 1e-7*norm {
					t.Errorf("pair %d: true residual %.3g > 1e-7·‖H‖", c, r)
				}
			}
		})
	}
}

// TestLanczosRosenbrock1e5 checks λ_min and λ_max of the extended
// Rosenbrock Hessian at n = 10⁵, from HVPs only, against the analytic
// diagonalisation of its 2×2 blocks.
func TestLanczosRosenbrock1e5(t *testing.T) {
	const n = 100000
	mgh := make([]float64, n) // the standard start: every block alike
	for i := 0; i < n; i += 2 {
		mgh[i], mgh[i+1] = -1.2, 1
	}
	for _, pt := range []struct {
		name string
		x    []float64
	}{
		{"isolated", cvRosenPoint(n, 1)},
		// Block 0 at (1, 1.002): positive definite, λ_min ≈ 0.24 just below
		// the cluster [0.37, 0.44]; the condition number is checked too.
		{"positive-definite", cvRosenPointPD(n, 1)},
		{"standard-start", mgh},
	} {
		x := pt.x
		lmin, lmax := cvRosenExtremes(x)
		p := hvp.At(graphtest.ExtRosenbrock, x)
		for _, tc := range []struct {
			name string
			run  func() (lo, hi float64, hvps int, conv bool, err error)
		}{
			{"ExtremeEigenvalues", func() (float64, float64, int, bool, error) {
				e, err := hvp.ExtremeEigenvalues(p, nil)
				return e.Min, e.Max, e.HVPs, e.Converged, err
			}},
			{"Lanczos-Smallest", func() (float64, float64, int, bool, error) {
				r, err := hvp.Lanczos(p, &hvp.LanczosSettings{Seed: 2})
				if err != nil {
					return 0, 0, r.HVPs, false, err
				}
				return r.Values[0], lmax, r.HVPs, r.Converged, nil
			}},
			{"Lanczos-Largest", func() (float64, float64, int, bool, error) {
				r, err := hvp.Lanczos(p, &hvp.LanczosSettings{Which: hvp.Largest, Seed: 3})
				if err != nil {
					return 0, 0, r.HVPs, false, err
				}
				return lmin, r.Values[0], r.HVPs, r.Converged, nil
			}},
		} {
			t.Run(pt.name+"/"+tc.name, func(t *testing.T) {
				start := time.Now()
				lo, hi, hvps, conv, err := tc.run()
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("λ_min %.12g (exact %.12g), λ_max %.12g (exact %.12g), %d HVPs, %v",
					lo, lmin, hi, lmax, hvps, time.Since(start).Round(time.Millisecond))
				if !conv {
					t.Errorf("not converged after %d HVPs", hvps)
				}
				if d := math.Abs(lo-lmin) / math.Abs(lmin); d > 1e-6 {
					t.Errorf("λ_min = %.12g, exact %.12g: relative error %.2g", lo, lmin, d)
				}
				if d := math.Abs(hi-lmax) / math.Abs(lmax); d > 1e-6 {
					t.Errorf("λ_max = %.12g, exact %.12g: relative error %.2g", hi, lmax, d)
				}
				cond := hvp.Extremes{Min: lo, Max: hi}.Cond()
				if lmin <= 0 {
					if !math.IsInf(cond, 1) {
						t.Errorf("indefinite H: Cond = %v, want +Inf", cond)
					}
				} else if want := lmax / lmin; math.Abs(cond-want) > 2e-6*want {
					t.Errorf("Cond = %.12g, exact %.12g", cond, want)
				}
			})
		}
	}
}

func TestExtremes(t *testing.T) {
	inv := 1 / math.Sqrt2
	for _, tc := range []struct {
		name             string
		f                ad.Func
		x                []float64
		wantMin, wantMax float64
		wantCond         float64
		maxVec           []float64 // ± this, when not nil
	}{
		{"cond5", cvQuadratic(cvCond5), []float64{0.3, -2}, 1, 5, 5, []float64{inv, inv}},
		{"seed-saddle", graphtest.SeedLoss, []float64{0, 0}, -2, 2, math.Inf(1), []float64{-inv, inv}},
		{"concave", func(x *graph.Node) *graph.Node { return graph.Neg(graph.Sum(graph.Square(x))) }, []float64{1, 2, 3}, -2, -2, math.Inf(1), nil},
		{"n1", func(x *graph.Node) *graph.Node { return graph.Sum(graph.Pow(x, 3)) }, []float64{0.5}, 3, 3, 1, []float64{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := hvp.ExtremeEigenvalues(hvp.At(tc.f, tc.x), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !e.Converged {
				t.Error("not converged")
			}
			if math.Abs(e.Min-tc.wantMin) > 1e-12 || math.Abs(e.Max-tc.wantMax) > 1e-12 {
				t.Errorf("Min, Max = %.15g, %.15g; want %v, %v", e.Min, e.Max, tc.wantMin, tc.wantMax)
			}
			cond := e.Cond()
			if math.IsInf(tc.wantCond, 1) != math.IsInf(cond, 1) || (!math.IsInf(cond, 1) && math.Abs(cond-tc.wantCond) > 1e-11) {
				t.Errorf("Cond = %v, want %v", cond, tc.wantCond)
			}
			if tc.maxVec != nil {
				s := floats.Dot(e.MaxVector, tc.maxVec)
				if math.Abs(math.Abs(s)-1) > 1e-12 {
					t.Errorf("MaxVector = %v, want ±%v", e.MaxVector, tc.maxVec)
				}
			}
			if len(tc.x) == 1 && &e.MinVector[0] == &e.MaxVector[0] {
				t.Error("MinVector and MaxVector share storage")
			}
		})
	}
}

// cvNaNOp is an Operator whose products are NaN from the given call on.
type cvNaNOp struct {
	n, from, calls int
}

func (o *cvNaNOp) Dim() int { return o.n }
func (o *cvNaNOp) Apply(v, hv []float64) {
	o.calls++
	for i := range v {
		hv[i] = float64(i+1) * v[i]
		if o.calls >= o.from {
			hv[i] = math.NaN()
		}
	}
}

func TestLanczosNonFinite(t *testing.T) {
	_, err := hvp.Lanczos(&cvNaNOp{n: 10, from: 3}, nil)
	if !errors.Is(err, hvp.ErrNonFinite) {
		t.Errorf("Lanczos: err = %v, want ErrNonFinite", err)
	}
	_, err = hvp.ExtremeEigenvalues(&cvNaNOp{n: 10, from: 1}, nil)
	if !errors.Is(err, hvp.ErrNonFinite) {
		t.Errorf("ExtremeEigenvalues: err = %v, want ErrNonFinite", err)
	}
	// The same operator without NaN converges: the failure above is the
	// NaN's doing.
	r, err := hvp.Lanczos(&cvNaNOp{n: 10, from: math.MaxInt}, nil)
	if err != nil || !r.Converged || math.Abs(r.Values[0]-1) > 1e-10 {
		t.Errorf("finite operator: %v, %v", r, err)
	}
}

func TestLanczosBudget(t *testing.T) {
	// A clustered diagonal spectrum cannot converge in 6 products: the
	// result must say so, and its Ritz value must still bound λ_min above.
	const n = 500
	d := make([]float64, n)
	for i := range d {
		d[i] = 1 + float64(i)/n
	}
	f := func(x *graph.Node) *graph.Node {
		return graph.Scale(graph.Sum(graph.Mul(x.Tape().Const(tensor.FromSlice(d)), graph.Square(x))), 0.5)
	}
	r, err := hvp.Lanczos(hvp.At(f, make([]float64, n)), &hvp.LanczosSettings{MaxHVPs: 6, MaxBasis: 4, Tol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	if r.Converged || r.HVPs != 6 {
		t.Errorf("Converged = %v after %d HVPs, want false after 6", r.Converged, r.HVPs)
	}
	if r.Values[0] < d[0] || r.Values[0] > d[n-1] {
		t.Errorf("Ritz value %v outside [λ_min, λ_max] = [%v, %v]", r.Values[0], d[0], d[n-1])
	}
}

func TestLanczosPanics(t *testing.T) {
	p := hvp.At(cvQuadratic(cvCond5), []float64{1, 1})
	for _, tc := range []struct {
		name string
		s    hvp.LanczosSettings
		want string
	}{
		{"negative K", hvp.LanczosSettings{K: -1}, "K = -1"},
		{"negative Tol", hvp.LanczosSettings{Tol: -1e-3}, "Tol"},
		{"NaN Tol", hvp.LanczosSettings{Tol: math.NaN()}, "Tol"},
		{"negative MaxBasis", hvp.LanczosSettings{MaxBasis: -2}, "MaxBasis"},
		{"negative MaxHVPs", hvp.LanczosSettings{MaxHVPs: -2}, "MaxHVPs"},
		{"unknown Which", hvp.LanczosSettings{Which: 7}, "Which 7"},
		{"Start length", hvp.LanczosSettings{Start: []float64{1}}, "len(Start) = 1"},
		{"Start zero", hvp.LanczosSettings{Start: []float64{0, 0}}, "zero"},
		{"Start NaN", hvp.LanczosSettings{Start: []float64{math.NaN(), 1}}, "NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := testutil.PanicMessage(func() { hvp.Lanczos(p, &tc.s) })
			if !strings.HasPrefix(msg, "hvp: Lanczos: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("panic %q, want hvp: Lanczos: ...%s...", msg, tc.want)
			}
		})
	}
	big := hvp.At(cvNonlinear(30, 5, 1), make([]float64, 30))
	if msg := testutil.PanicMessage(func() { hvp.Lanczos(big, &hvp.LanczosSettings{K: 3, Which: hvp.BothEnds, MaxBasis: 7}) }); !strings.Contains(msg, "MaxBasis = 7 too small") {
		t.Errorf("small MaxBasis: panic %q", msg)
	}
	if msg := testutil.PanicMessage(func() { hvp.Lanczos(hvp.At(graphtest.SeedLoss, nil), nil) }); !strings.HasPrefix(msg, "hvp: At: empty x") {
		t.Errorf("empty x: panic %q", msg)
	}
	// A user-supplied Start is honoured and not modified.
	start := []float64{1, -1}
	r, err := hvp.Lanczos(p, &hvp.LanczosSettings{Start: start})
	if err != nil || start[0] != 1 || start[1] != -1 || math.Abs(r.Values[0]-1) > 1e-12 {
		t.Errorf("Start [1 −1] (an eigenvector of λ = 1): values %v, err %v, start now %v", r.Values, err, start)
	}
	if r.HVPs > 2 {
		t.Errorf("starting at an eigenvector took %d HVPs, want ≤ 2", r.HVPs)
	}
}

func TestWhichString(t *testing.T) {
	for w, want := range map[hvp.Which]string{hvp.Smallest: "Smallest", hvp.Largest: "Largest", hvp.BothEnds: "BothEnds", 9: "Which(9)"} {
		if got := w.String(); got != want {
			t.Errorf("Which(%d).String() = %q, want %q", int(w), got, want)
		}
	}
}

// BenchmarkLanczosMin1e5 finds λ_min of the extended Rosenbrock Hessian at
// n = 10⁵ (an isolated negative eigenvalue; see cvRosenPoint) with the
// default settings, recording f once per run. Reported: HVPs per run, the
// wall time per HVP, and the share of the time spent in HVPs.
//
//	GOMAXPROCS=1 go test ./ad/hvp -run '^$' -bench LanczosMin1e5 -benchtime=3x
func BenchmarkLanczosMin1e5(b *testing.B) {
	const n = 100000
	x := cvRosenPoint(n, 1)
	lmin, _ := cvRosenExtremes(x)
	b.ReportAllocs()
	var hvps int
	var hvpTime time.Duration
	for b.Loop() {
		p := hvp.At(graphtest.ExtRosenbrock, x)
		op := &cvTimedOp{p: p}
		r, err := hvp.Lanczos(op, nil)
		if err != nil || !r.Converged || math.Abs(r.Values[0]-lmin) > 1e-6*math.Abs(lmin) {
			b.Fatalf("λ_min = %v (exact %v), converged %v, err %v", r.Values, lmin, r.Converged, err)
		}
		hvps += r.HVPs
		hvpTime += op.d
	}
	b.ReportMetric(float64(hvps)/float64(b.N), "HVPs/op")
	b.ReportMetric(float64(hvpTime.Nanoseconds())/float64(hvps), "ns/HVP")
	b.ReportMetric(hvpTime.Seconds()/b.Elapsed().Seconds(), "HVP-share")
}

// cvTimedOp times the products of a Point.
type cvTimedOp struct {
	p *hvp.Point
	d time.Duration
}

func (o *cvTimedOp) Dim() int { return o.p.Dim() }
func (o *cvTimedOp) Apply(v, hv []float64) {
	t := time.Now()
	o.p.Apply(v, hv)
	o.d += time.Since(t)
}
