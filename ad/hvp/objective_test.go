package hvp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// rosenHand returns the extended Rosenbrock gradient and H·v derived by
// hand, and for each component the sum of the magnitudes of the terms that
// make it up (the scale against which its rounding error is measured).
// With t = b − a²:
//
//	∂f/∂a = −400·a·t − 2(1 − a),  ∂f/∂b = 200·t,
//	∂²f/∂a² = 1200a² − 400b + 2,  ∂²f/∂a∂b = −400a,  ∂²f/∂b² = 200.
func rosenHand(x, v []float64) (g, gScale, hv, hvScale []float64) {
	n := len(x)
	g, gScale = make([]float64, n), make([]float64, n)
	hv, hvScale = make([]float64, n), make([]float64, n)
	for j := 0; j < n; j += 2 {
		a, b := x[j], x[j+1]
		va, vb := v[j], v[j+1]
		t := b - a*a
		tScale := math.Abs(b) + a*a
		g[j] = -400*a*t - 2*(1-a)
		gScale[j] = 400*math.Abs(a)*tScale + 2*(1+math.Abs(a))
		g[j+1] = 200 * t
		gScale[j+1] = 200 * tScale
		haa, hab := 1200*a*a-400*b+2, -400*a
		hv[j] = haa*va + hab*vb
		hvScale[j] = (1200*a*a+400*math.Abs(b)+2)*math.Abs(va) + 400*math.Abs(a*vb)
		hv[j+1] = hab*va + 200*vb
		hvScale[j+1] = 400*math.Abs(a*va) + 200*math.Abs(vb)
	}
	return g, gScale, hv, hvScale
}

// checkScaled reports whether |got_i − want_i| ≤ tol·scale_i for all i,
// and the worst ratio |got_i − want_i| / scale_i.
func checkScaled(got, want, scale []float64, tol float64) (float64, int, bool) {
	worst, at := 0.0, 0
	for i := range got {
		d := math.Abs(got[i] - want[i])
		if d == 0 {
			continue
		}
		r := d / scale[i]
		if !(r <= worst) {
			worst, at = r, i
		}
	}
	return worst, at, worst <= tol
}

// TestExtendedRosenbrock checks, at n = 1000, the gradient and HVPs of the
// extended Rosenbrock function written with strided slices against the
// analytic formulas to 1e-12 relative to each component's terms, through
// ad.ValueAndGrad, hvp.HVP, hvp.At and hvp.Objective.
func TestExtendedRosenbrock(t *testing.T) {
	const n = 1000
	const tol = 1e-12
	rng := rand.New(rand.NewPCG(11, 11))
	start := make([]float64, n) // the standard start (−1.2, 1, −1.2, 1, ...)
	ones := make([]float64, n)  // the minimum
	for i := range start {
		start[i] = 1
		ones[i] = 1
		if i%2 == 0 {
			start[i] = -1.2
		}
	}
	points := map[string][]float64{"start": start, "minimum": ones, "random": testutil.RandVec(rng, n)}
	wide := testutil.RandVec(rng, n)
	for i := range wide {
		wide[i] *= 10
	}
	points["random×10"] = wide

	obj := hvp.NewObjective(graphtest.ExtRosenbrock, n)
	if obj.Dim() != n {
		t.Fatalf("Objective.Dim = %d", obj.Dim())
	}
	for name, x := range points {
		v := testutil.RandVec(rng, n)
		g, gs, hv, hs := rosenHand(x, v)

		// Value and gradient.
		f, grad := ad.ValueAndGrad(graphtest.ExtRosenbrock, x)
		if e, i, ok := checkScaled(grad, g, gs, tol); !ok {
			t.Errorf("%s: gradient error %.3g at %d: %v vs %v", name, e, i, grad[i], g[i])
		}
		wantF := 0.0
		for j := 0; j < n; j += 2 {
			wantF += 100*math.Pow(x[j+1]-x[j]*x[j], 2) + math.Pow(1-x[j], 2)
		}
		if math.Abs(f-wantF) > tol*max(1, math.Abs(wantF)) {
			t.Errorf("%s: f = %v, formula %v", name, f, wantF)
		}

		// HVP.
		got := hvp.HVP(graphtest.ExtRosenbrock, x, v)
		if e, i, ok := checkScaled(got, hv, hs, tol); !ok {
			t.Errorf("%s: HVP error %.3g at %d: %v vs %v", name, e, i, got[i], hv[i])
		}
		eg, _, _ := checkScaled(grad, g, gs, tol)
		eh, _, _ := checkScaled(got, hv, hs, tol)
		t.Logf("%s: worst scaled error: gradient %.2g, HVP %.2g", name, eg, eh)

		// The Objective: Eval with and without a gradient, HessVec.
		og := make([]float64, n)
		if of := obj.Eval(x, og); of != f {
			t.Errorf("%s: Objective.Eval = %v, ValueAndGrad %v", name, of, f)
		}
		if e, _ := testutil.RelErr(og, grad); e != 0 {
			t.Errorf("%s: Objective gradient differs from ValueAndGrad", name)
		}
		if of := obj.Eval(x, nil); of != f {
			t.Errorf("%s: Objective.Eval(x, nil) = %v, want %v", name, of, f)
		}
		ohv := make([]float64, n)
		obj.HessVec(x, v, ohv)
		if e, _ := testutil.RelErr(ohv, got); e != 0 {
			t.Errorf("%s: Objective.HessVec differs from hvp.HVP", name)
		}

		// Linearize once, then several directions: each equals a fresh HVP.
		xc := append([]float64(nil), x...)
		lin := obj.Linearize(xc)
		xc[0] = math.NaN() // the linearization must have copied x
		for k := range 4 {
			u := testutil.RandVec(rng, n)
			lhv := make([]float64, n)
			lin(u, lhv)
			fresh := make([]float64, n)
			obj.HessVec(x, u, fresh) // note: invalidates lin; re-linearize below
			if e, i := testutil.RelErr(lhv, fresh); e != 0 {
				t.Errorf("%s: direction %d: linearized HVP differs from a fresh one at %d: %v vs %v", name, k, i, lhv[i], fresh[i])
			}
			_, _, want, scale := rosenHand(x, u)
			if e, i, ok := checkScaled(lhv, want, scale, tol); !ok {
				t.Errorf("%s: direction %d: linearized HVP error %.3g at %d", name, k, e, i)
			}
			lin = obj.Linearize(x)
		}
	}
}

// TestLinearizeReuse checks that one linearization serves many directions
// without being disturbed by Eval calls at other points in between, and
// that a new linearization moves to the new point.
func TestLinearizeReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	const n = 28
	obj := hvp.NewObjective(engNet, n)
	x, y := testutil.RandVec(rng, n), testutil.RandVec(rng, n)
	lin := obj.Linearize(x)
	g := make([]float64, n)
	for k := range 5 {
		obj.Eval(y, g) // another point: must not disturb the linearization at x
		v := testutil.RandVec(rng, n)
		hv := make([]float64, n)
		lin(v, hv)
		if e, i := testutil.RelErr(hv, hvp.HVP(engNet, x, v)); e != 0 {
			t.Errorf("direction %d: linearized HVP differs from a fresh one at %d", k, i)
		}
	}
	lin = obj.Linearize(y)
	v := testutil.RandVec(rng, n)
	hv := make([]float64, n)
	lin(v, hv)
	if e, _ := testutil.RelErr(hv, hvp.HVP(engNet, y, v)); e != 0 {
		t.Errorf("after Linearize(y): HVP is not the one at y")
	}
}

func TestObjectivePanics(t *testing.T) {
	obj := hvp.NewObjective(graphtest.ExtRosenbrock, 4)
	x4, x3 := make([]float64, 4), make([]float64, 3)
	testutil.MustPanic(t, "NewObjective(0)", func() { hvp.NewObjective(graphtest.ExtRosenbrock, 0) }, "hvp: NewObjective", "0")
	testutil.MustPanic(t, "Eval x", func() { obj.Eval(x3, nil) }, "hvp: Objective.Eval", "3", "4")
	testutil.MustPanic(t, "Eval grad", func() { obj.Eval(x4, x3) }, "hvp: Objective.Eval", "3", "4")
	testutil.MustPanic(t, "HessVec v", func() { obj.HessVec(x4, x3, x4) }, "hvp: Objective.HessVec", "3", "4")
	testutil.MustPanic(t, "HessVec hv", func() { obj.HessVec(x4, x4, x3) }, "hvp: Objective.HessVec", "3", "4")
	testutil.MustPanic(t, "Linearize", func() { obj.Linearize(x3) }, "hvp: Objective.Linearize", "3", "4")
	vec := hvp.NewObjective(graph.Square, 2)
	testutil.MustPanic(t, "non-scalar f", func() { vec.Eval([]float64{1, 2}, nil) }, "hvp: Objective", "not a scalar")
}

// TestHessVecInPlace checks that HessVec, which records over x in place,
// gives bit for bit the product of a linearization (which copies x), for
// one input and for several, with a Linearize and an Eval in between; and
// that it neither writes x or v nor lets a later Linearize write the x it
// read in place.
func TestHessVecInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	cases := []struct {
		name string
		obj  *hvp.Objective
	}{
		{"engNet", hvp.NewObjective(engNet, 28)},
		{"rosenbrock", hvp.NewObjective(graphtest.ExtRosenbrock, 10)},
		{"multi", hvp.NewObjectiveN(multiLoss, []int{3, 4}, []int{4})},
	}
	for _, c := range cases {
		n := c.obj.Dim()
		for k := range 3 {
			x, v := testutil.RandVec(rng, n), testutil.RandVec(rng, n)
			x0, v0 := append([]float64(nil), x...), append([]float64(nil), v...)
			want := make([]float64, n)
			c.obj.Linearize(x)(v, want)
			c.obj.Eval(testutil.RandVec(rng, n), make([]float64, n))
			got := make([]float64, n)
			c.obj.HessVec(x, v, got)
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("%s, point %d: HessVec[%d] = %v, linearized product %v", c.name, k, i, got[i], want[i])
				}
			}
			y := testutil.RandVec(rng, n)
			c.obj.Linearize(y)(v, make([]float64, n)) // must copy y into the Point's own storage, not into x
			for i := range x {
				if x[i] != x0[i] || v[i] != v0[i] {
					t.Fatalf("%s, point %d: HessVec or the Linearize after it wrote x or v at %d", c.name, k, i)
				}
			}
			again := make([]float64, n)
			c.obj.HessVec(x, v, again)
			for i := range again {
				if math.Float64bits(again[i]) != math.Float64bits(want[i]) {
					t.Fatalf("%s, point %d: a second HessVec[%d] = %v, want %v", c.name, k, i, again[i], want[i])
				}
			}
		}
	}
}

// TestHVPAliasing checks products whose output is also their direction or
// their point, after products written elsewhere (a product writes the
// gradient's tangent straight into its output when that is safe): each
// equals, bit for bit, the product into a fresh slice. threeUses fails it
// if a product writes into an output that overlaps v.
func TestHVPAliasing(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	for _, obj := range []*hvp.Objective{
		hvp.NewObjective(engNet, 28),
		hvp.NewObjective(graphtest.ExtRosenbrock, 10),
		hvp.NewObjectiveN(multiLoss, []int{3, 4}, []int{4}),
		hvp.NewObjective(quadForm, 5),
		hvp.NewObjective(cubes, 7),
		hvp.NewObjective(cubesSwapped, 7),
		hvp.NewObjective(threeUses, 6),
	} {
		n := obj.Dim()
		x := testutil.RandVec(rng, n)
		p := obj.At(x)
		same := func(what string, got, want []float64) {
			t.Helper()
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("n = %d, %s: [%d] = %v, want %v", n, what, i, got[i], want[i])
				}
			}
		}
		for k := range 3 {
			v := testutil.RandVec(rng, n)
			want := p.HVP(v, nil)
			prev := p.HVP(testutil.RandVec(rng, n), nil) // an earlier product's output...
			copy(prev, v)
			same("HVP(v, v) after a product into v's slice", p.HVP(prev, prev), want) // ...reused as direction and output
			w := append([]float64(nil), v...)
			same("HVP(v, v)", p.HVP(w, w), want)
			same("HVP into a fresh slice", p.HVP(v, make([]float64, n)), want)

			// HessVec reads x in place; an output that is x must not disturb it.
			xk := testutil.RandVec(rng, n)
			wantx := make([]float64, n)
			obj.HessVec(xk, v, wantx)
			xa := append([]float64(nil), xk...)
			obj.HessVec(xa, v, xa)
			same("HessVec(x, v, x)", xa, wantx)
			va := append([]float64(nil), v...)
			obj.HessVec(xk, va, va)
			same("HessVec(x, v, v)", va, wantx)
			_ = k
		}
	}
}

// threeUses is Σ eˣ + Σ x³ + Σ sin x: x receives three adjoint
// contributions, and the third's tangent (from cos x) reads x's tangent
// after the sweep has written the root of x's accumulated adjoint, which a
// product writes into its output: with the output over v and no safeguard,
// that read would see the output instead of v.
func threeUses(x *graph.Node) *graph.Node {
	return graph.Add(graph.Add(graph.Sum(graph.Exp(x)), graph.Sum(graph.Mul(graph.Square(x), x))), graph.Sum(graph.Sin(x)))
}

// quadForm is xᵀ(A x) for a fixed unsymmetric 5×5 A: a gradient that ends
// in a Reshape of the sum of two terms, one of them a product by A, whose
// tangent reads all of the direction's.
func quadForm(x *graph.Node) *graph.Node {
	tp := x.Tape()
	a := make([]float64, 25)
	for i := range a {
		a[i] = float64((i*7)%11) - 5
	}
	A := tp.Const(tensor.New(a, 5, 5))
	xc := graph.Reshape(x, 5, 1)
	return graph.Sum(graph.Mul(xc, graph.MatMul(A, xc)))
}

// cubes and cubesSwapped are Σ x³ written as x²·x and x·x²: x's gradient
// gathers two terms, one of whose tangents reads x's value and tangent.
func cubes(x *graph.Node) *graph.Node { return graph.Sum(graph.Mul(graph.Square(x), x)) }

func cubesSwapped(x *graph.Node) *graph.Node { return graph.Sum(graph.Mul(x, graph.Square(x))) }

// TestEvalGradientInPlace checks Eval(x, x), which overwrites x with the
// gradient: at a size whose gradient is deferred (computed straight into
// the caller's slice otherwise), it must equal the gradient written into
// a separate slice, bit for bit; with two inputs, the second's gradient
// reads the first's values, which the first's gradient overwrites.
func TestEvalGradientInPlace(t *testing.T) {
	two := func(xs []*graph.Node) *graph.Node { // Σ a²·b + Σ sin(b)
		a, b := xs[0], xs[1]
		return graph.Add(graph.Sum(graph.Mul(graph.Square(a), b)), graph.Sum(graph.Sin(b)))
	}
	for _, n := range []int{10, 100000} {
		for _, obj := range []*hvp.Objective{
			hvp.NewObjective(graphtest.ExtRosenbrock, n),
			hvp.NewObjectiveN(two, []int{n / 2}, []int{n / 2}),
		} {
			testEvalInPlace(t, obj, n)
		}
	}
}

func testEvalInPlace(t *testing.T, obj *hvp.Objective, n int) {
	t.Helper()
	{
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Sin(float64(i))
		}
		want := make([]float64, n)
		f := obj.Eval(x, want)
		got := append([]float64(nil), x...)
		if g := obj.Eval(got, got); g != f {
			t.Fatalf("n=%d: f = %v in place, %v", n, g, f)
		}
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("n=%d: gradient in place differs at %d: %v, want %v", n, i, got[i], want[i])
			}
		}
	}
}
