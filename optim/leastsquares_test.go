package optim_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/optim/mgh"
)

// funcResidual is a hand-written Residual for tests.
type funcResidual struct {
	m, n int
	r    func(x, r []float64)
	jac  func(x []float64, J *mat.Dense)
}

func (f funcResidual) Dims() (int, int)                   { return f.m, f.n }
func (f funcResidual) Residuals(x, r []float64)           { f.r(x, r) }
func (f funcResidual) Jacobian(x []float64, J *mat.Dense) { f.jac(x, J) }

// rosenbrockRes is Rosenbrock's function in residual form:
// r = (10(x₁ − x₀²), 1 − x₀), minimum 0 at (1, 1).
func rosenbrockRes() funcResidual {
	return funcResidual{2, 2,
		func(x, r []float64) { r[0], r[1] = 10*(x[1]-x[0]*x[0]), 1-x[0] },
		func(x []float64, J *mat.Dense) {
			J.Set(0, 0, -20*x[0])
			J.Set(0, 1, 10)
			J.Set(1, 0, -1)
			J.Set(1, 1, 0)
		}}
}

// shiftRes is r = x − c, whose bounded minimiser is the projection of c.
func shiftRes(c []float64) funcResidual {
	n := len(c)
	return funcResidual{n, n,
		func(x, r []float64) {
			for i := range r {
				r[i] = x[i] - c[i]
			}
		},
		func(x []float64, J *mat.Dense) {
			J.Zero()
			for i := 0; i < n; i++ {
				J.Set(i, i, 1)
			}
		}}
}

var lsMethods = []struct {
	name   string
	method optim.LeastSquaresMethod
}{
	{"LM", optim.LevenbergMarquardt{}},
	{"GN", optim.GaussNewton{}},
}

func TestLeastSquaresRosenbrock(t *testing.T) {
	for _, m := range lsMethods {
		t.Run(m.name, func(t *testing.T) {
			res, err := optim.LeastSquares(rosenbrockRes(), []float64{-1.2, 1}, m.method, nil)
			if err != nil || !res.Status.Success() {
				t.Fatalf("status %v, err %v", res.Status, err)
			}
			if e, _ := testutil.RelErr(res.X, []float64{1, 1}); e > 1e-10 {
				t.Errorf("X = %v, want [1 1]", res.X)
			}
			if res.Rank != 2 || res.GradNorm > 1e-10 {
				t.Errorf("Rank = %d, GradNorm = %g", res.Rank, res.GradNorm)
			}
		})
	}
}

// TestLeastSquaresBounds checks the active set, the projection of x0, the
// projected gradient, and a bounded Rosenbrock problem with a known
// solution.
func TestLeastSquaresBounds(t *testing.T) {
	inf := math.Inf(1)
	for _, m := range lsMethods {
		t.Run(m.name+"/shift", func(t *testing.T) {
			c := []float64{-2, 0.5, 3, 1}
			b := &optim.Bounds{Lower: []float64{-1, 0, -inf, 1}, Upper: []float64{1, 1, 2, inf}}
			// x0 outside the box: projected first.
			res, err := optim.LeastSquares(shiftRes(c), []float64{5, -5, 5, -5}, m.method, &optim.LeastSquaresSettings{Bounds: b})
			if err != nil || !res.Status.Success() {
				t.Fatalf("status %v, err %v", res.Status, err)
			}
			want := []float64{-1, 0.5, 2, 1}
			if e, _ := testutil.RelErr(res.X, want); e > 1e-12 {
				t.Errorf("X = %v, want %v", res.X, want)
			}
			if !slices.Equal(res.AtLower, []int{0, 3}) || !slices.Equal(res.AtUpper, []int{2}) {
				t.Errorf("AtLower = %v, AtUpper = %v; want [0 3], [2]", res.AtLower, res.AtUpper)
			}
			if res.GradNorm > 1e-12 {
				t.Errorf("projected gradient %g", res.GradNorm)
			}
		})
		t.Run(m.name+"/rosenbrock", func(t *testing.T) {
			// With x₀ ≤ 0.5 the minimiser is (0.5, 0.25), x₀ at its bound.
			b := &optim.Bounds{Upper: []float64{0.5, inf}}
			res, err := optim.LeastSquares(rosenbrockRes(), []float64{-1.2, 1}, m.method, &optim.LeastSquaresSettings{Bounds: b})
			if err != nil || !res.Status.Success() {
				t.Fatalf("status %v, err %v", res.Status, err)
			}
			if e, _ := testutil.RelErr(res.X, []float64{0.5, 0.25}); e > 1e-9 {
				t.Errorf("X = %v, want [0.5 0.25]", res.X)
			}
			if !slices.Equal(res.AtUpper, []int{0}) || res.AtLower != nil {
				t.Errorf("AtLower = %v, AtUpper = %v", res.AtLower, res.AtUpper)
			}
			if res.GradNorm > 1e-9 {
				t.Errorf("projected gradient %g", res.GradNorm)
			}
		})
	}
}

func TestLeastSquaresPanics(t *testing.T) {
	r := rosenbrockRes()
	for _, tc := range []struct {
		name string
		f    func()
		want []string
	}{
		{"nil residual", func() { optim.LeastSquares(nil, []float64{1}, nil, nil) }, []string{"nil residual"}},
		{"wrong x0", func() { optim.LeastSquares(r, []float64{1, 2, 3}, nil, nil) }, []string{"optim: LeastSquares", "len(x0) = 3", "n = 2"}},
		{"l > u", func() {
			optim.LeastSquares(r, []float64{0, 0}, nil, &optim.LeastSquaresSettings{Bounds: &optim.Bounds{Lower: []float64{1, 0}, Upper: []float64{0, 1}}})
		}, []string{"invalid bounds on x[0]: [1, 0]"}},
		{"bounds length", func() {
			optim.LeastSquares(r, []float64{0, 0}, nil, &optim.LeastSquaresSettings{Bounds: &optim.Bounds{Lower: []float64{1}}})
		}, []string{"len(Bounds.Lower) = 1"}},
		{"negative tolerance", func() {
			optim.LeastSquares(r, []float64{0, 0}, nil, &optim.LeastSquaresSettings{FunctionTolerance: -1})
		}, []string{"FunctionTolerance = -1"}},
		{"LM step bound", func() {
			optim.LeastSquares(r, []float64{0, 0}, optim.LevenbergMarquardt{InitialStepBound: -1}, nil)
		}, []string{"InitialStepBound = -1"}},
	} {
		t.Run(tc.name, func(t *testing.T) { testutil.MustPanic(t, tc.name, tc.f, tc.want...) })
	}
}

// TestLeastSquaresBadData covers the data conditions that are reported, not
// panicked on.
func TestLeastSquaresBadData(t *testing.T) {
	// m < n: two residuals for three parameters.
	under := funcResidual{2, 3,
		func(x, r []float64) { r[0], r[1] = x[0]+x[1], x[2] },
		func(x []float64, J *mat.Dense) { J.Zero() }}
	// A zero Jacobian column: x₁ does not enter r.
	zeroCol := funcResidual{3, 2,
		func(x, r []float64) { r[0], r[1], r[2] = x[0]-1, 2*(x[0]-1), 3 },
		func(x []float64, J *mat.Dense) {
			J.Zero()
			J.Set(0, 0, 1)
			J.Set(1, 0, 2)
		}}
	// NaN residuals for x₀ > 1.5: the first steps from x0 = 1 toward the
	// minimum at 3 are rejected until the trust region is small enough,
	// and the run ends at the boundary of the finite region.
	rosen := rosenbrockRes()
	nanRegion := funcResidual{2, 2,
		func(x, r []float64) {
			if x[0] > 1.5 || x[0] < -1.5 {
				r[0], r[1] = math.NaN(), math.NaN()
				return
			}
			rosen.r(x, r)
		}, rosen.jac}
	nanAtX0 := funcResidual{2, 2, func(x, r []float64) { r[0], r[1] = math.NaN(), 0 }, rosen.jac}
	nanJac := funcResidual{2, 2, rosen.r, func(x []float64, J *mat.Dense) { J.Set(0, 0, math.Inf(1)) }}
	alwaysNaNAfterX0 := func() funcResidual {
		calls := 0
		return funcResidual{2, 2, func(x, r []float64) {
			calls++
			if calls > 1 {
				r[0], r[1] = math.NaN(), math.NaN()
				return
			}
			rosen.r(x, r)
		}, rosen.jac}
	}
	for _, m := range lsMethods {
		for _, tc := range []struct {
			name   string
			res    optim.Residual
			x0     []float64
			status optim.Status
			err    error
			xNil   bool
			check  func(t *testing.T, r optim.LeastSquaresResult)
		}{
			{"m < n", under, []float64{1, 2, 3}, optim.RankDeficient, optim.ErrRankDeficient, false, nil},
			{"zero column", zeroCol, []float64{5, 7}, optim.RankDeficient, optim.ErrRankDeficient, false,
				func(t *testing.T, r optim.LeastSquaresResult) {
					if math.Abs(r.X[0]-1) > 1e-12 || r.X[1] != 7 || r.Rank != 1 {
						t.Errorf("X = %v, Rank = %d; want [1 7], 1", r.X, r.Rank)
					}
				}},
			{"NaN in x0", rosen, []float64{math.NaN(), 1}, optim.NonFinite, optim.ErrNonFinite, true, nil},
			{"NaN at x0", nanAtX0, []float64{0, 1}, optim.NonFinite, optim.ErrNonFinite, true, nil},
			{"NaN Jacobian", nanJac, []float64{0, 1}, optim.NonFinite, optim.ErrNonFinite, false, nil},
			{"NaN after x0", alwaysNaNAfterX0(), []float64{-1.2, 1}, optim.NonFinite, optim.ErrNonFinite, false,
				func(t *testing.T, r optim.LeastSquaresResult) {
					if !slices.Equal(r.X, []float64{-1.2, 1}) {
						t.Errorf("X = %v, want x0", r.X)
					}
				}},
			{"NaN region", nanRegion, []float64{-1.2, 1}, 0, nil, false,
				func(t *testing.T, r optim.LeastSquaresResult) {
					if e, _ := testutil.RelErr(r.X, []float64{1, 1}); e > 1e-8 {
						t.Errorf("X = %v, want [1 1] (NaN trials must only shorten steps)", r.X)
					}
				}},
		} {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				r, err := optim.LeastSquares(tc.res, tc.x0, m.method, nil)
				if tc.err == nil {
					if err != nil || !r.Status.Success() {
						t.Fatalf("status %v, err %v", r.Status, err)
					}
				} else {
					if r.Status != tc.status || !errors.Is(err, tc.err) {
						t.Fatalf("status %v, err %v; want %v, %v", r.Status, err, tc.status, tc.err)
					}
					if r.Status.Success() {
						t.Errorf("%v reported as success", r.Status)
					}
				}
				if (r.X == nil) != tc.xNil {
					t.Fatalf("X = %v, want nil: %v", r.X, tc.xNil)
				}
				for _, v := range r.X {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("X = %v is not finite", r.X)
					}
				}
				if r.X != nil && (math.IsNaN(r.Cost) || r.Cost < 0) {
					t.Errorf("Cost = %v", r.Cost)
				}
				if tc.check != nil {
					tc.check(t, r)
				}
			})
		}
	}
}

// mghNamed returns the MGH problems of the given names, in that order; a
// name that is not a problem fails the test.
func mghNamed(t *testing.T, names ...string) []mgh.Problem {
	t.Helper()
	var out []mgh.Problem
	for _, name := range names {
		found := false
		for _, p := range mgh.Problems() {
			if p.Name == name {
				out, found = append(out, p), true
				break
			}
		}
		if !found {
			t.Fatalf("no MGH problem %q", name)
		}
	}
	return out
}

// TestLevenbergMarquardtAugmentedModel checks the default augmented
// (secant) model on the Brown–Dennis problem, whose large residual at the
// solution (f* ≈ 85822) makes Gauss–Newton's model converge linearly: with
// it the minimum is reached, to ‖∇f‖∞ ≤ 1e-6 recomputed at X, within 40
// Jacobians, where the Gauss–Newton model alone (GaussNewtonOnly) needs
// more than 200 and stops short of that. On zero-residual problems it must
// still converge.
func TestLevenbergMarquardtAugmentedModel(t *testing.T) {
	for _, p := range mghNamed(t, "brown_dennis", "rosenbrock", "wood", "helical_valley") {
		r, _ := p.Residual()
		aug, _ := optim.LeastSquares(r, p.X0(), optim.LevenbergMarquardt{}, nil)
		gn, _ := optim.LeastSquares(r, p.X0(), optim.LevenbergMarquardt{GaussNewtonOnly: true}, nil)
		if !aug.Status.Success() {
			t.Errorf("%s: augmented model stopped with %v", p.Name, aug.Status)
		}
		f := 2 * aug.Cost // the problems' f is Σrᵢ²
		if math.Abs(f-p.FStar) > 1e-10*math.Max(1, math.Abs(p.FStar)) {
			t.Errorf("%s: f = %.12g, f* = %.12g", p.Name, f, p.FStar)
		}
		if p.Name == "brown_dennis" {
			g := make([]float64, p.Dim())
			p.Eval(aug.X, g)
			if gi := floats.Norm(g, math.Inf(1)); gi > 1e-6 {
				t.Errorf("brown_dennis: ‖∇f‖∞ = %g at X, want ≤ 1e-6", gi)
			}
			if aug.JacobianEvals > 40 || gn.JacobianEvals <= 200 {
				t.Errorf("brown_dennis: %d Jacobians with the augmented model, %d without; want ≤ 40 and > 200",
					aug.JacobianEvals, gn.JacobianEvals)
			}
		}
	}
}

// scaledLinear is the linear residual r(x) = A·x − b whose two columns
// differ in norm by a factor 1e16 (as a Jacobian can when one parameter
// enters through an exponential; the parameter is then correspondingly
// small), with the exact solution x = (1e-16, 1).
type scaledLinear struct{}

var scaledLinearA = [3][2]float64{{1e16, 1}, {2e16, 2}, {4e16, 3}}

func (scaledLinear) Dims() (int, int) { return 3, 2 }
func (scaledLinear) Residuals(x, r []float64) {
	for i, a := range scaledLinearA {
		r[i] = a[0]*x[0] + a[1]*x[1] - (a[0]*1e-16 + a[1])
	}
}
func (scaledLinear) Jacobian(x []float64, J *mat.Dense) {
	for i, a := range scaledLinearA {
		J.Set(i, 0, a[0])
		J.Set(i, 1, a[1])
	}
}

// TestLeastSquaresColumnScaling checks that the Gauss–Newton step does not
// depend on the scaling of the variables: a column 1e16 times shorter than
// another is still independent of it (the sine of their angle is 0.1), so
// the dense methods must solve this linear problem in a few steps instead
// of dropping the short column as numerically dependent (which a rank test
// relative to the largest pivot does) and creeping towards x₂ = 1 by
// damped steps.
func TestLeastSquaresColumnScaling(t *testing.T) {
	for _, m := range []struct {
		name   string
		method optim.LeastSquaresMethod
	}{{"LM", optim.LevenbergMarquardt{}}, {"GN", optim.GaussNewton{}}} {
		res, err := optim.LeastSquares(scaledLinear{}, []float64{0, 0}, m.method, nil)
		if err != nil || !res.Status.Success() {
			t.Errorf("%s: %v, %v", m.name, res.Status, err)
			continue
		}
		if math.Abs(res.X[0]-1e-16) > 1e-24 || math.Abs(res.X[1]-1) > 1e-8 {
			t.Errorf("%s: x = %v, want (1e-16, 1)", m.name, res.X)
		}
		if res.JacobianEvals > 5 {
			t.Errorf("%s: %d Jacobians for a linear problem, want ≤ 5", m.name, res.JacobianEvals)
		}
	}
}

// TestLevenbergMarquardtSecantSteps checks the secant steps on problems
// that converge superlinearly: the default takes fewer Jacobians than
// accepted steps (so some steps used the Broyden-updated J), still stops
// with a success that holds at X (f = f* and the gradient recomputed from
// the exact Jacobian at X below 1e-6, and equal to Result.GradNorm, which
// must come from J at X and not from an updated J), and takes fewer
// Jacobians than MINPACK's loop (GaussNewtonOnly), which evaluates one per
// step.
func TestLevenbergMarquardtSecantSteps(t *testing.T) {
	for _, p := range mghNamed(t, "helical_valley", "box_3d", "variably_dimensioned_10", "ext_powell_singular_12") {
		r, _ := p.Residual()
		res, err := optim.LeastSquares(r, p.X0(), optim.LevenbergMarquardt{}, nil)
		gn, _ := optim.LeastSquares(r, p.X0(), optim.LevenbergMarquardt{GaussNewtonOnly: true}, nil)
		// ext_powell_singular_12 is singular at its solution: RankDeficient
		// is the truthful verdict there.
		if !res.Status.Success() && res.Status != optim.RankDeficient {
			t.Errorf("%s: stopped with %v (%v)", p.Name, res.Status, err)
		}
		if res.JacobianEvals >= res.Iterations || res.JacobianEvals >= gn.JacobianEvals {
			t.Errorf("%s: %d Jacobians for %d steps (GaussNewtonOnly %d): no secant steps taken",
				p.Name, res.JacobianEvals, res.Iterations, gn.JacobianEvals)
		}
		g := make([]float64, p.Dim())
		f := p.Eval(res.X, g)
		gi := floats.Norm(g, math.Inf(1))
		if math.Abs(f-p.FStar) > 1e-10 || gi > 1e-6 {
			t.Errorf("%s: f = %g (f* = %g), ‖∇f‖∞ = %g at X", p.Name, f, p.FStar, gi)
		}
		// Result.GradNorm is ‖Jᵀr‖∞ for ½‖r‖², half the gradient of f = ‖r‖².
		if d := math.Abs(res.GradNorm - gi/2); d > 1e-12*math.Max(1, gi) {
			t.Errorf("%s: Result.GradNorm %g, ‖Jᵀr‖∞ at X %g", p.Name, res.GradNorm, gi/2)
		}
	}
}

// TestLevenbergMarquardtNoProgress checks the stop at the rounding level:
// from its standard start the trigonometric problem (n = 10) goes to a
// local minimum (f ≈ 2.795e-5) where J is singular, so the Gauss–Newton
// step stays large while the trust region shrinks below ε·‖D·x‖; the run
// must then stop with NoProgress and ErrNoProgress, not a success and not
// after further steps that rounding alone decides.
func TestLevenbergMarquardtNoProgress(t *testing.T) {
	p := mgh.Trigonometric()
	r, _ := p.Residual()
	res, err := optim.LeastSquares(r, p.X0(), optim.LevenbergMarquardt{}, nil)
	if res.Status != optim.NoProgress || !errors.Is(err, optim.ErrNoProgress) {
		t.Fatalf("status %v, error %v; want NoProgress", res.Status, err)
	}
	if res.Status.Success() {
		t.Errorf("NoProgress counted as success")
	}
	g := make([]float64, p.Dim())
	if f := p.Eval(res.X, g); math.Abs(f-2.79506e-5) > 1e-9 || floats.Norm(g, math.Inf(1)) > 1e-8 {
		t.Errorf("stopped at f = %g, ‖∇f‖∞ = %g; want the local minimum f ≈ 2.79506e-5", f, floats.Norm(g, math.Inf(1)))
	}
	if res.JacobianEvals > 25 {
		t.Errorf("%d Jacobians, want ≤ 25", res.JacobianEvals)
	}
}

// TestLevenbergMarquardtDoubledStep checks the doubled step at a singular
// root: the extended Powell singular function has J of rank n/2 at its
// solution x* = 0, where full steps only halve the error (MINPACK's loop,
// GaussNewtonOnly, takes about 50 Jacobians to f ≈ 1e-59); the default
// must get there in at most 10, to f ≤ 1e-30 and ‖∇f‖∞ ≤ 1e-20, and report
// RankDeficient (the minimiser is not isolated to working precision in J).
func TestLevenbergMarquardtDoubledStep(t *testing.T) {
	p := mgh.ExtendedPowellSingular()
	r, _ := p.Residual()
	res, _ := optim.LeastSquares(r, p.X0(), optim.LevenbergMarquardt{}, nil)
	gn, _ := optim.LeastSquares(r, p.X0(), optim.LevenbergMarquardt{GaussNewtonOnly: true}, nil)
	g := make([]float64, p.Dim())
	f := p.Eval(res.X, g)
	if gi := floats.Norm(g, math.Inf(1)); f > 1e-30 || gi > 1e-20 {
		t.Errorf("f = %g, ‖∇f‖∞ = %g at X", f, gi)
	}
	if res.Status != optim.RankDeficient {
		t.Errorf("status %v, want RankDeficient", res.Status)
	}
	if res.JacobianEvals > 10 || gn.JacobianEvals <= 40 {
		t.Errorf("%d Jacobians by default, %d with GaussNewtonOnly; want ≤ 10 and > 40", res.JacobianEvals, gn.JacobianEvals)
	}
}
