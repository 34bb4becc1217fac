package hvp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// TestSharpnessWarmStart follows λ_max along a slowly changing sequence of
// operators (a fixed eigenbasis, eigenvalues drifting): every estimate is
// within the tolerance, and the warm-started ones take fewer products than
// a cold start.
func TestSharpnessWarmStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	n := 300
	base := make([]float64, n)
	for i := range base {
		base[i] = rng.Float64() * 10 // bulk in [0, 10)
	}
	base[17] = 12 // the top eigenvalue, 20% above the bulk
	var sh hvp.Sharpness
	coldHVPs := 0
	for step := 0; step < 10; step++ {
		d := make(diagOp, n)
		for i := range d {
			d[i] = base[i] * (1 + 0.01*float64(step))
		}
		want := 12 * (1 + 0.01*float64(step))
		e, err := sh.Estimate(d)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Converged || math.Abs(e.Value-want) > 1e-3*want || e.Value > want*(1+1e-15) {
			t.Errorf("step %d: λ_max ≈ %v (converged %v), want %v", step, e.Value, e.Converged, want)
		}
		var cold hvp.Sharpness
		c, _ := cold.Estimate(d)
		if step == 0 {
			coldHVPs = c.HVPs
			continue
		}
		if e.HVPs >= c.HVPs {
			t.Errorf("step %d: warm start took %d products, a cold start %d", step, e.HVPs, c.HVPs)
		}
	}
	t.Logf("cold start: %d products", coldHVPs)
	// At, on an objective: f = Σ cᵢxᵢ⁴/12 at x has H = diag(cᵢxᵢ²).
	f := func(x *graph.Node) *graph.Node {
		c := x.Tape().Const(tensor.FromSlice([]float64{1, 2, 3}))
		return graph.Scale(graph.Sum(graph.Mul(c, graph.Pow(x, 4))), 1.0/12)
	}
	e, err := sh.At(hvp.NewObjective(f, 3), []float64{1, 1, 2})
	if err != nil || math.Abs(e.Value-12) > 1e-2 {
		t.Errorf("At: λ_max ≈ %v (%v), want 12", e.Value, err)
	}
}

// TestSharpnessErrorEstimate runs cold estimates on spectra with the top
// eigenvalue at several distances from the next one, rotated by a random
// orthogonal matrix, over ten seeds each: the value never exceeds λ_max,
// a converged estimate is within its Residual of an eigenvalue and that
// within twice the tolerance, and the true error never exceeds the
// reported Error, except when λ_max − λ₂ is no more than the tolerance
// (the top pair then counts as one): then it stays within twice the
// tolerance.
func TestSharpnessErrorEstimate(t *testing.T) {
	for _, c := range []struct {
		name     string
		top, gap float64 // λ_max and its distance to λ₂
		lo       float64 // the bulk is uniform in [lo, top−gap]
		tol      float64
	}{
		{"separated", 10, 2, 0, 0},
		{"close", 10, 0.2, -3, 0},
		{"very close", 10, 0.01, -3, 0},
		{"indefinite", 2, 0.05, -1.5, 0},
		{"tight tolerance", 10, 0.5, 0, 1e-8},
		{"negative definite", -1, 0.3, -5, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			tol := c.tol
			if tol == 0 {
				tol = 1e-3
			}
			hvps := 0
			for seed := uint64(0); seed < 10; seed++ {
				rng := rand.New(rand.NewPCG(seed, 22))
				n := 120
				vals := make([]float64, n)
				vals[0] = c.top
				for i := 1; i < n; i++ {
					vals[i] = c.lo + (c.top-c.gap-c.lo)*rng.Float64()
				}
				vals[1] = c.top - c.gap
				sh := hvp.Sharpness{Tol: c.tol, MaxHVPs: n, Seed: seed}
				e, err := sh.Estimate(symOp{rotated(rng, vals)})
				if err != nil {
					t.Fatal(err)
				}
				hvps += e.HVPs
				nearest := math.Inf(1)
				for _, v := range vals {
					nearest = math.Min(nearest, math.Abs(v-e.Value))
				}
				trueErr := c.top - e.Value
				allowed := e.Error
				if c.gap <= tol*math.Abs(c.top) {
					allowed = 2 * tol * math.Abs(e.Value)
				}
				switch {
				case !e.Converged:
					t.Errorf("seed %d: not converged in %d products: %+v", seed, e.HVPs, e)
				case trueErr < -1e-12*math.Abs(c.top):
					t.Errorf("seed %d: value %v above λ_max %v", seed, e.Value, c.top)
				case nearest > e.Residual*(1+1e-6)+1e-13 || e.Residual > 2*tol*math.Abs(e.Value) || e.Error > tol*math.Abs(e.Value):
					t.Errorf("seed %d: nearest eigenvalue at %.3g, Residual %.3g, Error %.3g, tolerance %.3g", seed, nearest, e.Residual, e.Error, tol*math.Abs(e.Value))
				case trueErr > allowed+1e-12:
					t.Errorf("seed %d: true error %.3g, Error %.3g, allowed %.3g", seed, trueErr, e.Error, allowed)
				}
			}
			t.Logf("%.1f products on average", float64(hvps)/10)
		})
	}
}

// rotated returns Q·diag(vals)·Qᵀ for a random orthogonal Q.
func rotated(rng *rand.Rand, vals []float64) *mat.SymDense {
	n := len(vals)
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
	var qd mat.Dense
	qd.Mul(&q, mat.NewDiagDense(n, vals))
	var a mat.Dense
	a.Mul(&qd, q.T())
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return s
}

// quadPoint is the quadratic f(x) = ½ xᵀDx at a point x, as a
// SecondOrder: its gradient is Dx.
type quadPoint struct {
	diagOp
	x []float64
}

func (q quadPoint) Value() float64 {
	var f float64
	for i, d := range q.diagOp {
		f += d * q.x[i] * q.x[i] / 2
	}
	return f
}

func (q quadPoint) Grad(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(q.x))
	}
	for i, d := range q.diagOp {
		dst[i] = d * q.x[i]
	}
	return dst
}

// TestSharpnessGradientStart checks the cold start from the gradient: on a
// quadratic whose gradient lies near the top eigenvector, the first
// estimate of a SecondOrder takes fewer products than the same operator
// without its gradient, and at a critical point (zero gradient) it falls
// back to the random start.
func TestSharpnessGradientStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 500
	d := make(diagOp, n)
	for i := range d {
		d[i] = rng.Float64() * 10
	}
	d[7] = 10.5 // λ_max, 5% above the bulk's edge
	x := make([]float64, n)
	for i := range x {
		x[i] = 1e-3 * rng.NormFloat64()
	}
	x[7] = 1
	plain, grad, zero := hvp.Sharpness{MaxHVPs: 200}, hvp.Sharpness{MaxHVPs: 200}, hvp.Sharpness{MaxHVPs: 200}
	ep, err1 := plain.Estimate(d)
	eg, err2 := grad.Estimate(quadPoint{d, x})
	ez, err3 := zero.Estimate(quadPoint{d, make([]float64, n)})
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}
	for _, e := range []hvp.SharpnessEstimate{ep, eg, ez} {
		if !e.Converged || math.Abs(e.Value-10.5) > 1e-3*10.5 {
			t.Errorf("λ_max ≈ %v after %d products, want 10.5", e.Value, e.HVPs)
		}
	}
	if eg.HVPs >= ep.HVPs || ez.HVPs != ep.HVPs {
		t.Errorf("products: gradient start %d, random start %d, zero gradient %d (want fewer, equal)", eg.HVPs, ep.HVPs, ez.HVPs)
	}
	t.Logf("products: gradient start %d, random start %d", eg.HVPs, ep.HVPs)
}
