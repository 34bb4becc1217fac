package optim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/optim/mgh"
)

// funcObj is an objective from closures, for the bound-constrained tests.
type funcObj struct {
	n    int
	eval func(x, g []float64) float64
	hv   func(x, v, hv []float64)
}

func (o funcObj) Dim() int                    { return o.n }
func (o funcObj) Eval(x, g []float64) float64 { return o.eval(x, g) }
func (o funcObj) HessVec(x, v, hv []float64)  { o.hv(x, v, hv) }

func inf(sign int) float64 { return math.Inf(sign) }

// filled returns a slice of n copies of v.
func filled(n int, v float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = v
	}
	return x
}

// boundsProblem is a bound-constrained problem with its solution derived in
// closed form (or, for hs2, as a root of a cubic) and its active set.
type boundsProblem struct {
	name         string
	obj          optim.Objective
	x0           []float64
	box          optim.Bounds
	xstar        []float64
	lower, upper []int // indices of the active lower and upper bounds at xstar
	xtol, gtol   float64
	note         string
}

// hs2Root returns the root near x of 400t³ − 598t − 2, the stationarity
// condition ∂f/∂x₁ = 0 of the Rosenbrock function on the face x₂ = 1.5.
func hs2Root(x float64) float64 {
	for range 50 {
		x -= (400*x*x*x - 598*x - 2) / (1200*x*x - 598)
	}
	return x
}

func boundsProblems() []boundsProblem {
	hs2 := hs2Root(1.2)
	hs2local := hs2Root(-1.2)

	// Extended Rosenbrock, n = 100, with half the variables bounded away
	// from 1: in pairs of type A, x₁ ≤ 0.5, so (1 − x₁)² is least at x₁ =
	// 0.5 and the residual x₂ − x₁² vanishes at x₂ = 0.25 (∂f/∂x₁ = −1 < 0
	// there: the upper bound is strictly active); in pairs of type B, x₁ ≥
	// 1.5, giving (1.5, 2.25) with ∂f/∂x₁ = 1 > 0. Each such pair has no
	// other KKT point, so the solution is unique.
	const nr = 100
	rlo, rhi := filled(nr, inf(-1)), filled(nr, inf(1))
	rstar := make([]float64, nr)
	var rl, ru []int
	for k := 0; k < nr; k += 2 {
		if k%4 == 0 {
			rhi[k] = 0.5
			rstar[k], rstar[k+1] = 0.5, 0.25
			ru = append(ru, k)
		} else {
			rlo[k] = 1.5
			rstar[k], rstar[k+1] = 1.5, 2.25
			rl = append(rl, k)
		}
	}

	qp := designedQuadratic(40, 7)

	hs3 := funcObj{n: 2,
		eval: func(x, g []float64) float64 {
			d := x[1] - x[0]
			if g != nil {
				g[0], g[1] = -2e-5*d, 1+2e-5*d
			}
			return x[1] + 1e-5*d*d
		},
		hv: func(x, v, hv []float64) {
			hv[0] = 2e-5 * (v[0] - v[1])
			hv[1] = 2e-5 * (v[1] - v[0])
		}}
	hs4 := funcObj{n: 2,
		eval: func(x, g []float64) float64 {
			a := x[0] + 1
			if g != nil {
				g[0], g[1] = a*a, 1
			}
			return a*a*a/3 + x[1]
		},
		hv: func(x, v, hv []float64) { hv[0], hv[1] = 2*(x[0]+1)*v[0], 0 }}
	hs5 := funcObj{n: 2,
		eval: func(x, g []float64) float64 {
			s, c := math.Sincos(x[0] + x[1])
			d := x[0] - x[1]
			if g != nil {
				g[0] = c + 2*d - 1.5
				g[1] = c - 2*d + 2.5
			}
			return s + d*d - 1.5*x[0] + 2.5*x[1] + 1
		},
		hv: func(x, v, hv []float64) {
			s := math.Sin(x[0] + x[1])
			hv[0] = -s*(v[0]+v[1]) + 2*(v[0]-v[1])
			hv[1] = -s*(v[0]+v[1]) - 2*(v[0]-v[1])
		}}
	// HS45: f = 2 − x₁x₂x₃x₄x₅/120 on 0 ≤ xᵢ ≤ i. In the positive orthant
	// every ∂f/∂xᵢ < 0, so the minimiser is the upper corner, f* = 1.
	hs45 := funcObj{n: 5,
		eval: func(x, g []float64) float64 {
			p := 1.0
			for _, v := range x {
				p *= v
			}
			if g != nil {
				for i := range x {
					q := 1.0
					for j, v := range x {
						if j != i {
							q *= v
						}
					}
					g[i] = -q / 120
				}
			}
			return 2 - p/120
		},
		hv: func(x, v, hv []float64) {
			for i := range x {
				hv[i] = 0
				for j := range x {
					if j == i {
						continue
					}
					q := 1.0
					for k, xk := range x {
						if k != i && k != j {
							q *= xk
						}
					}
					hv[i] -= q / 120 * v[j]
				}
			}
		}}

	// Σ aᵢxᵢ − log xᵢ, undefined (NaN here) for xᵢ ≤ 0, on [0.5, 4]³: the
	// minimiser 1/aᵢ = (1, 0.25, 10) is clipped to (1, 0.5, 4), where ∇f =
	// a − 1/x = (0, 2, −0.15) holds x₂ on its lower and x₃ on its upper
	// bound. x0 = (−1, 3, 9) is outside the domain as well as the box.
	la := []float64{1, 4, 0.1}
	logObj := funcObj{n: 3,
		eval: func(x, g []float64) float64 {
			var f float64
			for i, v := range x {
				if v <= 0 {
					return math.NaN()
				}
				f += la[i]*v - math.Log(v)
				if g != nil {
					g[i] = la[i] - 1/v
				}
			}
			return f
		},
		hv: func(x, v, hv []float64) {
			for i := range x {
				hv[i] = v[i] / (x[i] * x[i])
			}
		}}

	return []boundsProblem{
		{name: "hs1 rosenbrock x2≥-1.5", obj: mgh.Rosenbrock(), x0: []float64{-2, 1},
			box:   optim.Bounds{Lower: []float64{inf(-1), -1.5}},
			xstar: []float64{1, 1}, xtol: 1e-5, note: "HS 1: bound inactive"},
		{name: "hs2 rosenbrock x2≥1.5", obj: mgh.Rosenbrock(), x0: []float64{2, 1},
			box:   optim.Bounds{Lower: []float64{inf(-1), 1.5}},
			xstar: []float64{hs2, 1.5}, lower: []int{1}, xtol: 1e-5,
			note: "HS 2 from (2, 1): the global minimiser, x1 the positive root of 400t³ − 598t − 2"},
		{name: "hs2 local", obj: mgh.Rosenbrock(), x0: []float64{-2, 1},
			box:   optim.Bounds{Lower: []float64{inf(-1), 1.5}},
			xstar: []float64{hs2local, 1.5}, lower: []int{1}, xtol: 1e-5,
			note: "HS 2 from its x0 (−2, 1): the KKT point with x1 < 0 (a local minimiser)"},
		{name: "hs3", obj: hs3, x0: []float64{10, 1},
			box:   optim.Bounds{Lower: []float64{inf(-1), 0}},
			xstar: []float64{0, 0}, lower: []int{1}, xtol: 1e-4, gtol: 1e-10, note: "HS 3"},
		{name: "hs4", obj: hs4, x0: []float64{1.125, 0.125},
			box:   optim.Bounds{Lower: []float64{1, 0}},
			xstar: []float64{1, 0}, lower: []int{0, 1}, xtol: 1e-12, note: "HS 4: every bound active"},
		{name: "hs5", obj: hs5, x0: []float64{0, 0},
			box:   optim.Bounds{Lower: []float64{-1.5, -3}, Upper: []float64{4, 3}},
			xstar: []float64{0.5 - math.Pi/3, -0.5 - math.Pi/3}, xtol: 1e-6, note: "HS 5: bounds inactive"},
		{name: "hs38 wood", obj: mgh.Wood(), x0: []float64{-3, -1, -3, -1},
			box:   optim.Bounds{Lower: filled(4, -10), Upper: filled(4, 10)},
			xstar: filled(4, 1), xtol: 1e-5, note: "HS 38: bounds inactive"},
		{name: "hs45", obj: hs45, x0: filled(5, 2),
			box:   optim.Bounds{Lower: filled(5, 0), Upper: []float64{1, 2, 3, 4, 5}},
			xstar: []float64{1, 2, 3, 4, 5}, upper: []int{0, 1, 2, 3, 4}, xtol: 1e-12, note: "HS 45: upper corner"},
		{name: "ext_rosenbrock_100 half bounded", obj: mgh.ExtendedRosenbrock(nr), x0: mgh.ExtendedRosenbrock(nr).X0(),
			box: optim.Bounds{Lower: rlo, Upper: rhi}, xstar: rstar, lower: rl, upper: ru, xtol: 1e-5,
			note: "x0 outside the box (x1 = −1.2 < 1.5) is projected"},
		qp,
		{name: "log domain", obj: logObj, x0: []float64{-1, 3, 9},
			box:   optim.Bounds{Lower: filled(3, 0.5), Upper: filled(3, 4)},
			xstar: []float64{1, 0.5, 4}, lower: []int{1}, upper: []int{2}, xtol: 1e-6,
			note: "f undefined outside the box; x0 outside it"},
	}
}

// designedQuadratic returns f = ½xᵀAx − bᵀx with a random SPD A and b
// chosen so that a designed x* is the KKT point: b = Ax* − g* with g*ᵢ > 0
// at active lower bounds, < 0 at active upper ones and 0 at free variables,
// all |g*ᵢ| ≥ 0.5 where active (strict complementarity). f is strictly
// convex, so x* is the unique minimiser. The box mixes two-sided,
// one-sided (lower only) and absent bounds, and fixes x₂ (l = u).
func designedQuadratic(n int, seed uint64) boundsProblem {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := make([]float64, n*n)
	for i := range m {
		m[i] = rng.NormFloat64()
	}
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += m[k*n+i] * m[k*n+j]
			}
			a[i*n+j] = s / float64(n)
		}
		a[i*n+i] += 0.5
	}
	lo, hi := filled(n, inf(-1)), filled(n, inf(1))
	xs, gs := make([]float64, n), make([]float64, n)
	var lower, upper []int
	for i := 0; i < n; i++ {
		switch i % 5 {
		case 0: // [−1, 1], on the lower bound
			lo[i], hi[i], xs[i], gs[i] = -1, 1, -1, 0.5+rng.Float64()
			lower = append(lower, i)
		case 1: // [−1, 1], on the upper bound
			lo[i], hi[i], xs[i], gs[i] = -1, 1, 1, -0.5-rng.Float64()
			upper = append(upper, i)
		case 2: // [−1, 1], free
			lo[i], hi[i], xs[i] = -1, 1, rng.Float64()-0.5
		case 3: // [0, ∞), on the lower bound
			lo[i], xs[i], gs[i] = 0, 0, 0.5+rng.Float64()
			lower = append(lower, i)
		case 4: // unbounded
			xs[i] = 2 * rng.NormFloat64()
		}
	}
	// x₂ fixed at 0.25: both of its bounds are active whatever g*₂ is.
	lo[2], hi[2], xs[2], gs[2] = 0.25, 0.25, 0.25, -0.7
	lower = append([]int{lower[0], 2}, lower[1:]...)
	upper = append([]int{upper[0], 2}, upper[1:]...)
	b := make([]float64, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			b[i] += a[i*n+j] * xs[j]
		}
		b[i] -= gs[i]
	}
	x0 := make([]float64, n)
	for i := range x0 {
		x0[i] = 3 * (2*rng.Float64() - 1) // often outside the box
	}
	obj := funcObj{n: n,
		eval: func(x, g []float64) float64 {
			var f float64
			for i := 0; i < n; i++ {
				var ax float64
				for j := 0; j < n; j++ {
					ax += a[i*n+j] * x[j]
				}
				f += 0.5*x[i]*ax - b[i]*x[i]
				if g != nil {
					g[i] = ax - b[i]
				}
			}
			return f
		},
		hv: func(x, v, hv []float64) {
			for i := 0; i < n; i++ {
				hv[i] = 0
				for j := 0; j < n; j++ {
					hv[i] += a[i*n+j] * v[j]
				}
			}
		}}
	return boundsProblem{name: fmt.Sprintf("designed quadratic n=%d", n), obj: obj, x0: x0,
		box: optim.Bounds{Lower: lo, Upper: hi}, xstar: xs, lower: lower, upper: upper, xtol: 1e-5, gtol: 1e-6,
		note: "two-sided, one-sided, absent and fixed (l = u) bounds"}
}

// projGrad returns ‖P(x − ∇f) − x‖∞ recomputed from the objective, and
// whether x lies in the box.
func projGrad(obj optim.Objective, box optim.Bounds, x []float64) (pg float64, inside bool) {
	g := make([]float64, len(x))
	obj.Eval(x, g)
	inside = true
	for i := range x {
		l, u := inf(-1), inf(1)
		if box.Lower != nil {
			l = box.Lower[i]
		}
		if box.Upper != nil {
			u = box.Upper[i]
		}
		inside = inside && x[i] >= l && x[i] <= u
		pg = math.Max(pg, math.Abs(min(max(x[i]-g[i], l), u)-x[i]))
	}
	return pg, inside
}

func indices(flags []bool) []int {
	var out []int
	for i, f := range flags {
		if f {
			out = append(out, i)
		}
	}
	return out
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBoundsTable solves each bound-constrained problem with L-BFGS-B
// (LBFGS with Settings.Bounds) and TRON (NewtonCG with Settings.Bounds) and
// checks, at the returned point: success, the point inside the box, the
// projected gradient recomputed here below the threshold, the point within
// xtol of the derived solution, the active set reported exactly, and the
// two methods agreeing. The table prints with -v.
func TestBoundsTable(t *testing.T) {
	var tab strings.Builder
	fmt.Fprintf(&tab, "%-34s %-8s %-18s %9s %9s %6s %6s %6s %s\n",
		"problem", "method", "status", "|x-x*|inf", "|Pg|inf", "iters", "evals", "HVPs", "active (lower+upper)")
	for _, p := range boundsProblems() {
		var xs [2][]float64
		for k, m := range []struct {
			name   string
			method optim.Method
		}{{"L-BFGS-B", optim.LBFGS{}}, {"TRON", optim.NewtonCG{}}} {
			gtol := p.gtol
			if gtol == 0 {
				gtol = 1e-8
			}
			x0 := append([]float64(nil), p.x0...)
			box := p.box
			res, err := optim.Minimize(p.obj, x0, m.method, &optim.Settings{Bounds: &box, GradientThreshold: gtol})
			what := p.name + " " + m.name
			if err != nil || !res.Status.Success() {
				t.Errorf("%s: %v, %v", what, res.Status, err)
				continue
			}
			for i := range x0 {
				if x0[i] != p.x0[i] {
					t.Fatalf("%s: x0 modified", what)
				}
			}
			pg, inside := projGrad(p.obj, p.box, res.X)
			if !inside {
				t.Errorf("%s: X outside the box", what)
			}
			if !(pg <= gtol) {
				t.Errorf("%s: recomputed projected gradient %g > %g", what, pg, gtol)
			}
			var xmax float64
			for _, v := range res.X {
				xmax = math.Max(xmax, math.Abs(v))
			}
			// The two formulas for the projected gradient differ by the
			// rounding of x − ∇f.
			if math.Abs(pg-res.GradNorm) > 4e-16*xmax+1e-15 {
				t.Errorf("%s: Result.GradNorm = %g, recomputed %g", what, res.GradNorm, pg)
			}
			var dx float64
			for i := range res.X {
				dx = math.Max(dx, math.Abs(res.X[i]-p.xstar[i]))
			}
			if !(dx <= p.xtol) {
				t.Errorf("%s: |X − x*|∞ = %g > %g", what, dx, p.xtol)
			}
			lo, up := indices(res.ActiveLower), indices(res.ActiveUpper)
			if !sameInts(lo, p.lower) || !sameInts(up, p.upper) {
				t.Errorf("%s: active lower %v upper %v, want %v %v", what, lo, up, p.lower, p.upper)
			}
			xs[k] = res.X
			fmt.Fprintf(&tab, "%-34s %-8s %-18v %9.2g %9.2g %6d %6d %6d %d+%d\n",
				p.name, m.name, res.Status, dx, pg, res.Iterations, res.FuncEvals, res.HessVecEvals, len(lo), len(up))
		}
		if xs[0] != nil && xs[1] != nil {
			var d float64
			for i := range xs[0] {
				d = math.Max(d, math.Abs(xs[0][i]-xs[1][i]))
			}
			if !(d <= p.xtol) {
				t.Errorf("%s: L-BFGS-B and TRON differ by %g", p.name, d)
			}
		}
	}
	t.Log("\n" + tab.String())
}

// boxWatch wraps an objective and records the largest distance outside the
// box of any point it is asked to evaluate.
type boxWatch struct {
	optim.Objective
	box     optim.Bounds
	outside float64
}

func (w *boxWatch) Eval(x, g []float64) float64 {
	for i, v := range x {
		if w.box.Lower != nil {
			w.outside = math.Max(w.outside, w.box.Lower[i]-v)
		}
		if w.box.Upper != nil {
			w.outside = math.Max(w.outside, v-w.box.Upper[i])
		}
	}
	return w.Objective.Eval(x, g)
}

// TestBoundsNeverOutside: from a start far outside the box, no method
// evaluates f outside it; the first evaluation is at the projection of x0.
func TestBoundsNeverOutside(t *testing.T) {
	p := designedQuadratic(30, 3)
	x0 := filled(30, 5)
	for _, m := range []optim.Method{optim.LBFGS{}, optim.NewtonCG{}} {
		w := &boxWatch{Objective: p.obj, box: p.box}
		var first []float64
		res, err := optim.Minimize(w, x0, m, &optim.Settings{Bounds: &p.box,
			Callback: func(it optim.Iteration) bool {
				if first == nil {
					first = append([]float64(nil), it.X...)
				}
				return false
			}})
		if err != nil {
			t.Fatalf("%T: %v", m, err)
		}
		if w.outside > 0 {
			t.Errorf("%T: evaluated f %g outside the box", m, w.outside)
		}
		if res.Iterations == 0 || first == nil {
			t.Errorf("%T: no iterations", m)
		}
	}
	// With no iteration allowed the result is the projected x0.
	res, _ := optim.Minimize(p.obj, x0, optim.LBFGS{}, &optim.Settings{Bounds: &p.box, MaxEvaluations: 1})
	for i, v := range res.X {
		want := min(max(x0[i], p.box.Lower[i]), p.box.Upper[i])
		if v != want {
			t.Fatalf("X[%d] = %v after one evaluation, want the projection %v", i, v, want)
		}
	}
}

// TestBoundsNaNRegion: a trial where f is NaN inside the box is a rejected
// step with bounds as without. f = √(1 + (x₁ − 2)²) + (x₂ − 2)² is NaN where
// x₁ > 2.2, inside the box [0, 10]²; its curvature along x₁ falls off, so the
// Newton and quasi-Newton steps overshoot into the NaN region. Both methods
// must meet NaN, reject it and reach (2, 2); with the bound x₁ ≤ 1.5 they
// reach (1.5, 2) with that bound active.
func TestBoundsNaNRegion(t *testing.T) {
	nans := 0
	obj := funcObj{n: 2,
		eval: func(x, g []float64) float64 {
			if x[0] > 2.2 {
				nans++
				return math.NaN()
			}
			z := x[0] - 2
			r := math.Sqrt(1 + z*z)
			if g != nil {
				g[0], g[1] = z/r, 2*(x[1]-2)
			}
			return r + (x[1]-2)*(x[1]-2)
		},
		hv: func(x, v, hv []float64) {
			z := x[0] - 2
			hv[0], hv[1] = v[0]/math.Pow(1+z*z, 1.5), 2*v[1]
		}}
	for _, tc := range []struct {
		upper float64
		want  []float64
	}{{10, []float64{2, 2}}, {1.5, []float64{1.5, 2}}} {
		for _, m := range []optim.Method{optim.LBFGS{}, optim.NewtonCG{InitialRadius: 50}} {
			nans = 0
			box := optim.Bounds{Lower: []float64{0, 0}, Upper: []float64{tc.upper, 10}}
			res, err := optim.Minimize(obj, []float64{0, 0}, m, &optim.Settings{Bounds: &box})
			if err != nil || math.Abs(res.X[0]-tc.want[0]) > 1e-5 || math.Abs(res.X[1]-tc.want[1]) > 1e-5 {
				t.Errorf("%T, x₁ ≤ %v: %v %v at %v, want %v", m, tc.upper, res.Status, err, res.X, tc.want)
				continue
			}
			if res.ActiveUpper[0] != (tc.upper == 1.5) {
				t.Errorf("%T, x₁ ≤ %v: ActiveUpper = %v", m, tc.upper, res.ActiveUpper)
			}
			if tc.upper == 10 && nans == 0 {
				t.Errorf("%T: no trial met the NaN region; the test does not test", m)
			}
			t.Logf("%T, x₁ ≤ %v: %d evaluations, %d NaN", m, tc.upper, res.FuncEvals, nans)
		}
	}
}

func TestBoundsPanics(t *testing.T) {
	q := mgh.Rosenbrock()
	x0 := []float64{-1.2, 1}
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		box    optim.Bounds
		method optim.Method
		want   string
	}{
		{"l > u", optim.Bounds{Lower: []float64{0, 2}, Upper: []float64{1, 1}}, optim.LBFGS{}, "optim: Minimize: invalid bounds on x[1]: [2, 1]"},
		{"short lower", optim.Bounds{Lower: []float64{0}}, optim.LBFGS{}, "len(Bounds.Lower) = 1, dimension 2"},
		{"long upper", optim.Bounds{Upper: []float64{0, 1, 2}}, optim.NewtonCG{}, "len(Bounds.Upper) = 3, dimension 2"},
		{"NaN lower", optim.Bounds{Lower: []float64{nan, 0}}, optim.NewtonCG{}, "invalid bounds on x[0]: [NaN, +Inf]"},
		{"NaN upper", optim.Bounds{Upper: []float64{0, nan}}, optim.LBFGS{}, "invalid bounds on x[1]: [-Inf, NaN]"},
		{"lower +Inf", optim.Bounds{Lower: []float64{inf(1), 0}}, optim.LBFGS{}, "invalid bounds on x[0]"},
		{"GradientDescent", optim.Bounds{Lower: []float64{0, 0}}, optim.GradientDescent{}, "optim: GradientDescent does not support Settings.Bounds"},
		{"SGD", optim.Bounds{Lower: []float64{0, 0}}, optim.SGD{}, "optim: SGD does not support Settings.Bounds"},
		{"Adam", optim.Bounds{Lower: []float64{0, 0}}, optim.Adam{}, "optim: Adam does not support Settings.Bounds"},
		{"SaddleEscape", optim.Bounds{Lower: []float64{0, 0}}, optim.SaddleEscape{}, "optim: SaddleEscape does not support Settings.Bounds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.MustPanic(t, tc.name, func() {
				optim.Minimize(q, x0, tc.method, &optim.Settings{Bounds: &tc.box})
			}, tc.want)
		})
	}
}

// TestBoundsCurvature: with bounds, CheckCurvature probes the Hessian on the
// free variables only. f = −x₁² + x₂² on [−1, 1]²: from (0.5, 0.5) both
// methods reach (1, 0), a strict local minimiser (the negative curvature is
// along x₁, which its upper bound holds), and no saddle may be reported; from
// (0, 0.5) ∇f₁ = 0 keeps x₁ = 0 inside the box, where the reduced Hessian
// has the eigenvalue −2, so the point is reported as a Saddle.
func TestBoundsCurvature(t *testing.T) {
	obj := funcObj{n: 2,
		eval: func(x, g []float64) float64 {
			if g != nil {
				g[0], g[1] = -2*x[0], 2*x[1]
			}
			return -x[0]*x[0] + x[1]*x[1]
		},
		hv: func(x, v, hv []float64) { hv[0], hv[1] = -2*v[0], 2*v[1] }}
	box := optim.Bounds{Lower: []float64{-1, -1}, Upper: []float64{1, 1}}
	for _, m := range []optim.Method{optim.LBFGS{}, optim.NewtonCG{}} {
		res, err := optim.Minimize(obj, []float64{0.5, 0.5}, m, &optim.Settings{Bounds: &box, CheckCurvature: true})
		if err != nil || res.Status != optim.GradientThreshold || res.X[0] != 1 || math.Abs(res.X[1]) > 1e-6 {
			t.Errorf("%T from (0.5, 0.5): %v %v at %v, want GradientThreshold at (1, 0)", m, res.Status, err, res.X)
		}
		if !(math.Abs(res.LambdaMin-2) < 1e-6) {
			t.Errorf("%T: LambdaMin = %v on the free variable x₂, want 2", m, res.LambdaMin)
		}
		res, err = optim.Minimize(obj, []float64{0, 0.5}, m, &optim.Settings{Bounds: &box, CheckCurvature: true})
		if res.Status != optim.Saddle || err == nil || !(math.Abs(res.LambdaMin+2) < 1e-6) {
			t.Errorf("%T from (0, 0.5): %v %v λ = %v, want Saddle with λ_min = −2", m, res.Status, err, res.LambdaMin)
		}
	}
}

// TestBoundsNoBoundsUnchanged: infinite bounds on every side give the same
// iterates as no bounds for LBFGS (the L-BFGS-B iteration reduces to the
// L-BFGS one when no bound is near), and the solution for NewtonCG.
func TestBoundsInfinite(t *testing.T) {
	p := mgh.ExtendedRosenbrock(20)
	box := optim.Bounds{Lower: filled(20, inf(-1)), Upper: filled(20, inf(1))}
	for _, m := range []optim.Method{optim.LBFGS{}, optim.NewtonCG{}} {
		free, err1 := optim.Minimize(p, p.X0(), m, nil)
		boxed, err2 := optim.Minimize(p, p.X0(), m, &optim.Settings{Bounds: &box})
		if err1 != nil || err2 != nil {
			t.Fatalf("%T: %v, %v", m, err1, err2)
		}
		for i := range free.X {
			if math.Abs(free.X[i]-1) > 1e-6 || math.Abs(boxed.X[i]-1) > 1e-6 {
				t.Fatalf("%T: X[%d] = %v without, %v with infinite bounds; want 1", m, i, free.X[i], boxed.X[i])
			}
		}
		if _, ok := m.(optim.LBFGS); ok && (free.Iterations != boxed.Iterations || free.FuncEvals != boxed.FuncEvals) {
			t.Errorf("LBFGS: %d iterations, %d evaluations without bounds; %d, %d with infinite ones",
				free.Iterations, free.FuncEvals, boxed.Iterations, boxed.FuncEvals)
		}
		if len(boxed.ActiveLower) != 20 || len(indices(boxed.ActiveLower))+len(indices(boxed.ActiveUpper)) != 0 || free.ActiveLower != nil {
			t.Errorf("%T: active flags %v %v (and %v without bounds)", m, boxed.ActiveLower, boxed.ActiveUpper, free.ActiveLower)
		}
	}
}

// TestBoundsMGHInfinite runs the 19 Moré–Garbow–Hillstrom problems with
// infinite bounds on every variable. L-BFGS-B must take exactly the
// iterates of LBFGS (its iteration reduces to the L-BFGS one when no bound is
// near), and TRON, a different algorithm from NewtonCG's, must meet
// NewtonCG's goals on the set (17 solved, fewer than 5066 HVPs in all).
func TestBoundsMGHInfinite(t *testing.T) {
	solved, hvps := 0, 0
	for _, p := range mgh.Problems() {
		n := p.Dim()
		box := &optim.Bounds{Lower: filled(n, inf(-1)), Upper: filled(n, inf(1))}
		settings := &optim.Settings{Bounds: box, MaxIterations: 100000}
		free, _ := optim.Minimize(p, p.X0(), optim.LBFGS{}, &optim.Settings{MaxIterations: 100000})
		boxed, _ := optim.Minimize(p, p.X0(), optim.LBFGS{}, settings)
		if free.Iterations != boxed.Iterations || free.FuncEvals != boxed.FuncEvals || free.F != boxed.F || free.Status != boxed.Status {
			t.Errorf("%s: LBFGS %v after %d iterations, %d evaluations, f = %v; L-BFGS-B with infinite bounds %v, %d, %d, f = %v",
				p.Name, free.Status, free.Iterations, free.FuncEvals, free.F, boxed.Status, boxed.Iterations, boxed.FuncEvals, boxed.F)
		}
		res, _ := optim.Minimize(p, p.X0(), optim.NewtonCG{}, settings)
		ok, _, gn := mghSolved(p, res.X)
		if res.Status.Success() && !(gn <= 1e-6) {
			t.Errorf("TRON on %s: %v but ‖∇f‖∞ = %g", p.Name, res.Status, gn)
		}
		if ok {
			solved++
		}
		hvps += res.HessVecEvals
	}
	if solved < 17 || hvps >= 5066 {
		t.Errorf("TRON with infinite bounds solved %d of 19 with %d HVPs; goal ≥ 17 with < 5066", solved, hvps)
	}
	t.Logf("TRON with infinite bounds: %d of 19 solved, %d HVPs", solved, hvps)
}

// TestBoundsFailures: the failure statuses of bounded runs, each with X the
// best finite point, inside the box, and the active flags of X: an
// evaluation budget; a gradient of the wrong sign (f rises along every
// direction the method tries); and an f that is NaN everywhere but at x0.
func TestBoundsFailures(t *testing.T) {
	wood := mgh.Wood()
	woodBox := optim.Bounds{Lower: filled(4, -10), Upper: filled(4, 10)}
	q := designedQuadratic(10, 1)
	wrong := funcObj{n: 10,
		eval: func(x, g []float64) float64 {
			f := q.obj.Eval(x, g)
			for i := range g {
				g[i] = -g[i]
			}
			return f
		},
		hv: func(x, v, hv []float64) {
			q.obj.HessVec(x, v, hv)
			for i := range hv {
				hv[i] = -hv[i]
			}
		}}
	x0nan := append([]float64(nil), q.xstar...)
	x0nan[3] += 0.5 // the designed x*, moved off a bound
	nanAway := funcObj{n: 10,
		eval: func(x, g []float64) float64 {
			for i := range x {
				if x[i] != x0nan[i] {
					return math.NaN()
				}
			}
			return q.obj.Eval(x, g)
		},
		hv: q.obj.HessVec}
	for _, tc := range []struct {
		name     string
		obj      optim.Objective
		x0       []float64
		box      optim.Bounds
		settings optim.Settings
		want     []optim.Status
	}{
		{"evaluation budget", wood, wood.X0(), woodBox, optim.Settings{MaxEvaluations: 5}, []optim.Status{optim.EvaluationLimit}},
		{"iteration budget", wood, wood.X0(), woodBox, optim.Settings{MaxIterations: 3}, []optim.Status{optim.IterationLimit}},
		{"wrong gradient", wrong, q.x0, q.box, optim.Settings{}, []optim.Status{optim.NonDescent, optim.LineSearchFailure, optim.NoProgress}},
		{"NaN away from x0", nanAway, x0nan, q.box, optim.Settings{}, []optim.Status{optim.NonFinite}},
	} {
		for _, m := range []optim.Method{optim.LBFGS{}, optim.NewtonCG{}} {
			s := tc.settings
			s.Bounds = &tc.box
			res, err := optim.Minimize(tc.obj, tc.x0, m, &s)
			ok := false
			for _, w := range tc.want {
				ok = ok || res.Status == w
			}
			if !ok || err == nil {
				t.Errorf("%s, %T: %v (%v), want one of %v", tc.name, m, res.Status, err, tc.want)
				continue
			}
			if res.X == nil || res.ActiveLower == nil {
				t.Errorf("%s, %T: X = %v, ActiveLower = %v", tc.name, m, res.X, res.ActiveLower)
				continue
			}
			if _, inside := projGrad(tc.obj, tc.box, res.X); !inside {
				t.Errorf("%s, %T: X outside the box", tc.name, m)
			}
			if tc.name == "NaN away from x0" {
				for i := range res.X {
					if res.X[i] != x0nan[i] {
						t.Errorf("%s, %T: X = %v, want x0", tc.name, m, res.X)
						break
					}
				}
			}
		}
	}
}
