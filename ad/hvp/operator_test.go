package hvp_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// handSeed is the seed loss (1 − w₀w₁)² written by hand in the shape of an
// optimizer's objective, with an exact Hessian product; linearize selects
// whether it also offers Linearize.
type handSeed struct{ linearizations int }

func (handSeed) Dim() int { return 2 }

func (handSeed) Eval(x, grad []float64) float64 {
	r := 1 - x[0]*x[1]
	if grad != nil {
		grad[0], grad[1] = -2*r*x[1], -2*r*x[0]
	}
	return r * r
}

func (handSeed) HessVec(x, v, hv []float64) {
	a, b := x[0], x[1]
	h00, h11, h01 := 2*b*b, 2*a*a, 4*a*b-2
	hv[0] = h00*v[0] + h01*v[1]
	hv[1] = h01*v[0] + h11*v[1]
}

type linSeed struct{ handSeed }

func (l *linSeed) Linearize(x []float64) func(v, hv []float64) {
	l.linearizations++
	x = append([]float64(nil), x...)
	return func(v, hv []float64) { l.HessVec(x, v, hv) }
}

// TestOneOperator checks that every source of a point (an ad.Func, a
// function of several tensors, an *Objective, a hand-written objective with
// and without Linearize) gives the same value, gradient, products and
// classification at the seed loss's points.
func TestOneOperator(t *testing.T) {
	f := graphtest.SeedLoss
	split := func(xs []*graph.Node) *graph.Node {
		// The seed loss of two scalar inputs.
		return f(graph.Stack(0, xs[0], xs[1]))
	}
	for _, x := range [][]float64{{0, 0}, {0.5, -1.5}, {1, 1}} {
		want := hvp.Dense(hvp.At(f, x))
		wantV, wantG := ad.ValueAndGrad(f, x)
		lin := &linSeed{}
		obj := hvp.NewObjective(f, 2)
		for _, src := range []struct {
			name string
			p    *hvp.Point
		}{
			{"At", hvp.At(f, x)},
			{"AtN", hvp.AtN(split, []*tensor.Tensor{tensor.Scalar(x[0]), tensor.Scalar(x[1])})},
			{"Objective.At", obj.At(x)},
			{"Linearize(*Objective)", hvp.Linearize(obj, x)},
			{"Linearize(HessVec)", hvp.Linearize(handSeed{}, x)},
			{"Linearize(Linearizer)", hvp.Linearize(lin, x)},
		} {
			p := src.p
			if p.Dim() != 2 || math.Abs(p.Value()-wantV) > 1e-15 {
				t.Errorf("%s at %v: Dim %d, Value %v; want 2, %v", src.name, x, p.Dim(), p.Value(), wantV)
			}
			if e, _ := testutil.RelErr(p.Grad(nil), wantG); e > 1e-15 {
				t.Errorf("%s at %v: gradient %v, want %v", src.name, x, p.Grad(nil), wantG)
			}
			got := hvp.Dense(p)
			for i := 0; i < 2; i++ {
				for j := 0; j < 2; j++ {
					if math.Abs(got.At(i, j)-want.At(i, j)) > 1e-14 {
						t.Errorf("%s at %v: H[%d,%d] = %v, want %v", src.name, x, i, j, got.At(i, j), want.At(i, j))
					}
				}
			}
			c, cw := hvp.Classify(p, nil), hvp.Classify(hvp.At(f, x), nil)
			if c.Kind != cw.Kind || math.Abs(c.MinEigenvalue-cw.MinEigenvalue) > 1e-14 {
				t.Errorf("%s at %v: Classify %v (λ_min %v), want %v (%v)", src.name, x, c.Kind, c.MinEigenvalue, cw.Kind, cw.MinEigenvalue)
			}
			e, err := hvp.ExtremeEigenvalues(p, nil)
			if err != nil || math.Abs(e.Min-cw.MinEigenvalue) > 1e-12 || math.Abs(e.Max-cw.MaxEigenvalue) > 1e-12 {
				t.Errorf("%s at %v: ExtremeEigenvalues %v %v (%v), want %v %v", src.name, x, e.Min, e.Max, err, cw.MinEigenvalue, cw.MaxEigenvalue)
			}
		}
		if lin.linearizations != 1 {
			t.Errorf("Linearize(Linearizer) linearized %d times, want once", lin.linearizations)
		}
	}
}

// TestNonFiniteConsistent checks that every tool agrees on a point where f
// is not finite: Classify says NotFinite with NaN eigenvalues, the others
// return ErrNonFinite; and that Hessian of an empty x panics with an hvp
// message.
func TestNonFiniteConsistent(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    ad.Func
		x    []float64
	}{
		{"f = NaN", func(x *graph.Node) *graph.Node { return graph.Sum(graph.Log(x)) }, []float64{-1, 1}},
		{"f = +Inf", func(x *graph.Node) *graph.Node { return graph.Sum(graph.Neg(graph.Log(x))) }, []float64{0, 1}},
	} {
		for _, dm := range []int{0, -1} {
			c := hvp.Classify(hvp.At(tc.f, tc.x), &hvp.ClassifySettings{DenseMax: dm})
			if c.Kind != hvp.NotFinite || !math.IsNaN(c.MinEigenvalue) || !math.IsNaN(c.MaxEigenvalue) {
				t.Errorf("%s, DenseMax %d: Classify %v, λ = [%v, %v]; want not finite, NaN", tc.name, dm, c.Kind, c.MinEigenvalue, c.MaxEigenvalue)
			}
		}
		p := hvp.At(tc.f, tc.x)
		if _, err := hvp.Lanczos(p, nil); !errors.Is(err, hvp.ErrNonFinite) {
			t.Errorf("%s: Lanczos error %v, want ErrNonFinite", tc.name, err)
		}
		if _, err := hvp.Trace(p, nil); !errors.Is(err, hvp.ErrNonFinite) {
			t.Errorf("%s: Trace error %v, want ErrNonFinite", tc.name, err)
		}
		if _, err := hvp.TraceHutchPP(p, nil); !errors.Is(err, hvp.ErrNonFinite) {
			t.Errorf("%s: TraceHutchPP error %v, want ErrNonFinite", tc.name, err)
		}
		if _, err := hvp.Density(p, nil); !errors.Is(err, hvp.ErrNonFinite) {
			t.Errorf("%s: Density error %v, want ErrNonFinite", tc.name, err)
		}
		if _, err := hvp.Diagonal(p, nil); !errors.Is(err, hvp.ErrNonFinite) {
			t.Errorf("%s: Diagonal error %v, want ErrNonFinite", tc.name, err)
		}
	}
	for name, fn := range map[string]func(){
		"Hessian":  func() { hvp.Hessian(graphtest.SeedLoss, nil) },
		"At":       func() { hvp.At(graphtest.SeedLoss, []float64{}) },
		"Classify": func() { hvp.Classify(nil, nil) },
	} {
		if msg := testutil.PanicMessage(fn); !strings.HasPrefix(msg, "hvp: "+name) {
			t.Errorf("%s of an empty x: panic %q, want an hvp: %s message", name, msg, name)
		}
	}
}
