package mgh

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// refCSV is the reference table of minimum values shipped with the package
// (testdata/mgh_fstar.csv): the literature's f*, the polished reference
// values and how each was obtained.
const refCSV = "testdata/mgh_fstar.csv"

// allProblems returns the 19 MGH problems followed by the seed problems.
func allProblems() []Problem { return append(Problems(), SeedProblems()...) }

func byName(t *testing.T, name string) Problem {
	t.Helper()
	for _, p := range allProblems() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no problem named %q", name)
	return Problem{}
}

// fields parses a space-separated list of numbers.
func fields(t *testing.T, s string) []float64 {
	t.Helper()
	var x []float64
	for _, f := range strings.Fields(s) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatalf("parse %q: %v", f, err)
		}
		x = append(x, v)
	}
	return x
}

// minimizers lists, per problem, points where f attains FStar: exact for the
// problems with f* = 0 (from MGH 1981 or analytic), and the reference table's
// ref_x (rounded to 12 digits) for the others.
var minimizers = map[string][]string{
	"rosenbrock":              {"1 1"},
	"ext_rosenbrock_100":      {strings.Repeat("1 ", 100)},
	"ext_rosenbrock_1000":     {strings.Repeat("1 ", 1000)},
	"beale":                   {"3 0.5"},
	"brown_badly_scaled":      {"1e6 2e-6"},
	"wood":                    {"1 1 1 1"},
	"helical_valley":          {"1 0 0"},
	"watson_9":                {"-1.53070160346e-05 0.999789703656 0.0147639762275 0.146342205547 1.00082162614 -2.61773229349 4.10440453886 -3.14361312036 1.05262661584"},
	"trigonometric_10":        {strings.Repeat("0 ", 10)},
	"variably_dimensioned_10": {strings.Repeat("1 ", 10)},
	"penalty_I_10":            {"0.158122301148 0.15812230114 0.158122301133 0.158122301125 0.158122301117 0.158122301109 0.158122301101 0.158122301094 0.158122301086 0.158122301078"},
	"penalty_II_10":           {"0.199983605197 0.0103506604045 0.0196049329842 0.0320890653956 0.0499326747707 0.0765139911718 0.118624066445 0.19214486065 0.347320555043 0.369164465687"},
	"ext_powell_singular_12":  {strings.Repeat("0 ", 12)},
	"box_3d":                  {"1 10 1", "10 1 -1", "2.5 2.5 0"},
	"gaussian":                {"0.398956137837 1.00001908447 -1.8202047884e-20"},
	"gulf_rd":                 {"50 25 1.5"},
	"biggs_exp6":              {"1 10 1 5 4 3", "4 10 3 5 1 1"},
	"brown_dennis":            {"-11.5944399048 13.2036300512 -0.403439488206 0.236778774506"},
	"seed_saddle":             {"1 1", "-2 -0.5"},
	"quad_k5":                 {"0 0"},
	// powell_badly_scaled is solved for in TestPowellBadlyScaledMinimizer.
}

func TestProblemsOrderAndShape(t *testing.T) {
	want := []struct {
		name string
		n    int
	}{
		{"rosenbrock", 2}, {"ext_rosenbrock_100", 100}, {"ext_rosenbrock_1000", 1000},
		{"beale", 2}, {"powell_badly_scaled", 2}, {"brown_badly_scaled", 2},
		{"wood", 4}, {"helical_valley", 3}, {"watson_9", 9}, {"trigonometric_10", 10},
		{"variably_dimensioned_10", 10}, {"penalty_I_10", 10}, {"penalty_II_10", 10},
		{"ext_powell_singular_12", 12}, {"box_3d", 3}, {"gaussian", 3}, {"gulf_rd", 3},
		{"biggs_exp6", 6}, {"brown_dennis", 4},
	}
	ps := Problems()
	if len(ps) != len(want) {
		t.Fatalf("len(Problems()) = %d, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if p.Name != want[i].name || p.Dim() != want[i].n || len(p.X0()) != want[i].n {
			t.Errorf("Problems()[%d] = %s (n=%d, len(X0)=%d), want %s (n=%d)",
				i, p.Name, p.Dim(), len(p.X0()), want[i].name, want[i].n)
		}
	}
	seeds := SeedProblems()
	if len(seeds) != 2 || seeds[0].Name != "seed_saddle" || seeds[1].Name != "quad_k5" {
		t.Errorf("SeedProblems() names wrong: %v", seeds)
	}
}

// TestReferenceTable checks FStar, AltFStar and the minimizers of the
// non-zero problems against testdata/mgh_fstar.csv.
func TestReferenceTable(t *testing.T) {
	fh, err := os.Open(refCSV)
	if err != nil {
		t.Skipf("reference table not available: %v", err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	seen := 0
	for _, row := range rows[1:] {
		name := row[col["problem"]]
		var p Problem
		found := false
		for _, q := range Problems() {
			if q.Name == name {
				p, found = q, true
			}
		}
		if !found {
			continue // seed rows use other names and starts
		}
		seen++
		num := func(c string) float64 {
			v, err := strconv.ParseFloat(row[col[c]], 64)
			if err != nil {
				t.Fatalf("%s: column %s: %v", name, c, err)
			}
			return v
		}
		if n := int(num("n")); n != p.Dim() {
			t.Errorf("%s: Dim = %d, table n = %d", name, p.Dim(), n)
		}
		if want := num("fstar_ref"); p.FStar != want {
			t.Errorf("%s: FStar = %v, table fstar_ref = %v", name, p.FStar, want)
		}
		if alt := row[col["alt_ref"]]; alt != "" {
			if len(p.AltFStar) != 1 || p.AltFStar[0].F != num("alt_ref") || p.AltFStar[0].Note == "" {
				t.Errorf("%s: AltFStar = %v, table alt_ref = %s", name, p.AltFStar, alt)
			}
		} else if p.AltFStar != nil {
			t.Errorf("%s: AltFStar = %v, table has none", name, p.AltFStar)
		}
		if refx := row[col["ref_x"]]; refx != "" {
			if got := minimizers[name]; len(got) != 1 || !slices.Equal(fields(t, got[0]), fields(t, refx)) {
				t.Errorf("%s: test minimizer %v differs from table ref_x %q", name, got, refx)
			}
		}
	}
	if seen != 19 {
		t.Errorf("matched %d problems in the table, want 19", seen)
	}
}

// TestMinimizers checks f(x*) = FStar at the known minimizers (absolutely
// when f* = 0, relatively otherwise) and that the gradient is small there.
func TestMinimizers(t *testing.T) {
	for _, p := range allProblems() {
		for _, s := range minimizers[p.Name] {
			x := fields(t, s)
			g := make([]float64, p.Dim())
			f := p.Eval(x, g)
			var ok bool
			if p.FStar == 0 {
				ok = math.Abs(f) <= 1e-20
			} else {
				ok = math.Abs(f-p.FStar) <= 1e-9*p.FStar
			}
			if !ok {
				t.Errorf("%s: f(%s) = %.17g, want FStar = %.17g", p.Name, short(s), f, p.FStar)
			}
			// The 12-digit ref_x leave a gradient of order ‖H‖·1e-12.
			if gi := normInf(g); gi > 1e-6*math.Max(1, p.FStar) {
				t.Errorf("%s: ‖∇f(%s)‖∞ = %g", p.Name, short(s), gi)
			}
		}
	}
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// TestPowellBadlyScaledMinimizer solves r(x) = 0 by Newton's method from the
// paper's rounded minimizer and checks f = 0 there.
func TestPowellBadlyScaledMinimizer(t *testing.T) {
	p := PowellBadlyScaled()
	x1, x2 := 1.098e-5, 9.106
	for range 20 {
		r1 := 1e4*x1*x2 - 1
		r2 := math.Exp(-x1) + math.Exp(-x2) - 1.0001
		a, b := 1e4*x2, 1e4*x1
		c, d := -math.Exp(-x1), -math.Exp(-x2)
		det := a*d - b*c
		x1 -= (d*r1 - b*r2) / det
		x2 -= (a*r2 - c*r1) / det
	}
	if math.Abs(x1/1.098e-5-1) > 1e-3 || math.Abs(x2/9.106-1) > 1e-3 {
		t.Fatalf("Newton root (%g, %g) does not round to the paper's (1.098e-5, 9.106)", x1, x2)
	}
	g := make([]float64, 2)
	if f := p.Eval([]float64{x1, x2}, g); f > 1e-24 {
		t.Errorf("f(%g, %g) = %g, want 0", x1, x2, f)
	}
	// Near the rounded point f is small but not 0.
	if f := p.Eval([]float64{1.098e-5, 9.106}, nil); f > 1e-6 {
		t.Errorf("f(1.098e-5, 9.106) = %g, want < 1e-6", f)
	}
}

// TestValueAtX0 checks f(X0) against values printed in the literature or
// derived by hand from the definitions.
func TestValueAtX0(t *testing.T) {
	for _, tc := range []struct {
		name   string
		want   float64
		relTol float64
		source string
	}{
		{"rosenbrock", 24.2, 1e-14, "MGH 1981"},
		{"ext_rosenbrock_100", 50 * 24.2, 1e-14, "50 copies of Rosenbrock"},
		{"ext_rosenbrock_1000", 500 * 24.2, 1e-14, "500 copies of Rosenbrock"},
		{"beale", 14.203125, 1e-15, "MGH 1981"},
		{"powell_badly_scaled", 1 + (math.Exp(-1)-1e-4)*(math.Exp(-1)-1e-4), 1e-15, "r = (−1, e⁻¹ − 10⁻⁴)"},
		{"powell_badly_scaled", 1.13526, 1e-5, "printed to 6 digits"},
		{"brown_badly_scaled", (1-1e6)*(1-1e6) + (1-2e-6)*(1-2e-6) + 1, 1e-15, "r = (1 − 10⁶, 1 − 2·10⁻⁶, −1)"},
		{"wood", 19192, 1e-15, "MGH 1981"},
		{"helical_valley", 2500, 1e-15, "r = (−50, 0, 0)"},
		{"watson_9", 30, 1e-15, "r = −1 for 30 of 31 rows"},
		{"variably_dimensioned_10", 3.85 + 38.5*38.5 + math.Pow(38.5, 4), 1e-14, "Σ(j/10)² = 3.85, s = −38.5"},
		{"penalty_I_10", 1e-5*285 + (385-0.25)*(385-0.25), 1e-14, "Σ(j−1)² = 285, Σj² = 385"},
		{"ext_powell_singular_12", 3 * 215, 1e-15, "per block r = (−7, −√5, 1, 4√10): 49 + 5 + 1 + 160"},
		{"seed_saddle", 1, 0, "the saddle"},
		{"quad_k5", 3.5, 1e-15, "½·(2, −1)A(2, −1)ᵀ"},
	} {
		p := byName(t, tc.name)
		got := p.Eval(p.X0(), nil)
		if math.Abs(got-tc.want) > tc.relTol*math.Abs(tc.want) {
			t.Errorf("%s: f(X0) = %.17g, want %.17g (%s)", tc.name, got, tc.want, tc.source)
		}
	}
}

// TestSeedCurvature checks the seeds' analytic Hessians: the saddle at (0, 0)
// has H = [[0, −2], [−2, 0]], eigenvalues ±2 with eigenvectors (1, ±1); the
// quadratic has eigenvalues 5 along (1, 1) and 1 along (1, −1).
func TestSeedCurvature(t *testing.T) {
	hv := make([]float64, 2)
	for _, tc := range []struct {
		p       Problem
		x, v, w []float64
	}{
		{SeedSaddle(), []float64{0, 0}, []float64{1, 0}, []float64{0, -2}},
		{SeedSaddle(), []float64{0, 0}, []float64{0, 1}, []float64{-2, 0}},
		{SeedSaddle(), []float64{0, 0}, []float64{1, 1}, []float64{-2, -2}},
		{SeedSaddle(), []float64{0, 0}, []float64{1, -1}, []float64{2, -2}},
		// At (1, 1): H = [[2, 2], [2, 2]], singular along (1, −1).
		{SeedSaddle(), []float64{1, 1}, []float64{1, -1}, []float64{0, 0}},
		{SeedSaddle(), []float64{1, 1}, []float64{1, 1}, []float64{4, 4}},
		{Quadratic5(), []float64{0.3, -7}, []float64{1, 1}, []float64{5, 5}},
		{Quadratic5(), []float64{0.3, -7}, []float64{1, -1}, []float64{1, -1}},
	} {
		tc.p.HessVec(tc.x, tc.v, hv)
		if !slices.Equal(hv, tc.w) {
			t.Errorf("%s: H(%v)·%v = %v, want %v", tc.p.Name, tc.x, tc.v, hv, tc.w)
		}
	}
	g := []float64{1, 1}
	if f := SeedSaddle().Eval([]float64{0, 0}, g); f != 1 || g[0] != 0 || g[1] != 0 {
		t.Errorf("seed saddle at (0, 0): f = %v, ∇f = %v, want 1, (0, 0)", f, g)
	}
}

// TestHelicalValleyBranch checks θ against the paper's definition with
// arctan, and that f is smooth across the negative x₁-axis (through x0).
func TestHelicalValleyBranch(t *testing.T) {
	p := HelicalValley()
	paper := func(x []float64) float64 {
		th := math.Atan(x[1]/x[0]) / (2 * math.Pi)
		if x[0] < 0 {
			th += 0.5
		}
		r1 := 10 * (x[2] - 10*th)
		r2 := 10 * (math.Sqrt(x[0]*x[0]+x[1]*x[1]) - 1)
		return r1*r1 + r2*r2 + x[2]*x[2]
	}
	for _, x := range [][]float64{
		{1, 0.5, 0.2}, {1, -0.5, 0.2}, {-1, 0.5, 0.2}, {-1, -0.5, 0.2},
		{-1, 0, 0}, {-1, math.Copysign(0, -1), 0}, {-0.3, -2, 1}, {0.3, -2, 1},
	} {
		if got, want := p.Eval(x, nil), paper(x); math.Abs(got-want) > 1e-12*want {
			t.Errorf("f(%v) = %v, paper's definition gives %v", x, got, want)
		}
	}
	const h = 1e-7
	fm := p.Eval([]float64{-1, -h, 0.1}, nil)
	fp := p.Eval([]float64{-1, h, 0.1}, nil)
	if math.Abs(fp-fm) > 1e-3 {
		t.Errorf("f jumps across the negative x₁-axis: %v vs %v", fm, fp)
	}
	g := make([]float64, 3)
	p.Eval([]float64{0, 0, 1}, g)
	if !math.IsNaN(g[0]) {
		t.Errorf("gradient on the x₃-axis = %v, want NaN (not differentiable)", g)
	}
}

// pt formats a point for a test message, abbreviated when long.
func pt(x []float64) string {
	if len(x) > 12 {
		return fmt.Sprintf("%.4g… (n=%d)", x[:4], len(x))
	}
	return fmt.Sprintf("%.4g", x)
}

// normInf returns ‖x‖∞.
func normInf(x []float64) float64 {
	var m float64
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// relErr returns ‖a − b‖∞ / max(‖a‖∞, ‖b‖∞), or 0 when a = b.
func relErr(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	if d == 0 {
		return 0
	}
	return d / math.Max(normInf(a), normInf(b))
}

// relErrFloor is relErr with the denominator at least floor.
func relErrFloor(a, b []float64, floor float64) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	if d == 0 {
		return 0
	}
	return d / math.Max(math.Max(normInf(a), normInf(b)), floor)
}

// fdGrad approximates ∇f(x) with the fourth-order central difference
// (f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h))/(12h), hⱼ = 1e-3·max(|xⱼ|, 1).
func fdGrad(p Problem, x []float64) []float64 {
	g := make([]float64, len(x))
	y := slices.Clone(x)
	f := func(j int, s float64) float64 {
		y[j] = x[j] + s
		v := p.Eval(y, nil)
		y[j] = x[j]
		return v
	}
	for j := range x {
		h := 1e-3 * math.Max(math.Abs(x[j]), 1)
		g[j] = (f(j, -2*h) - 8*f(j, -h) + 8*f(j, h) - f(j, 2*h)) / (12 * h)
	}
	return g
}

// fdHessVec approximates ∇²f(x)·v by the same fourth-order central
// difference of the exact gradient along v, with step 1e-3.
func fdHessVec(p Problem, x, v []float64) []float64 {
	n := len(x)
	hv := make([]float64, n)
	y, g := make([]float64, n), make([]float64, n)
	const h = 1e-3
	for _, st := range []struct{ s, w float64 }{{-2, 1}, {-1, -8}, {1, 8}, {2, -1}} {
		for i := range y {
			y[i] = x[i] + st.s*h*v[i]
		}
		p.Eval(y, g)
		for i := range hv {
			hv[i] += st.w * g[i] / (12 * h)
		}
	}
	return hv
}

// testPoints returns X0, three random points near X0 and, when a minimizer
// is known, three random points near it: each coordinate is perturbed by
// 0.1·max(|xⱼ|, 1)·N(0, 1).
func testPoints(t *testing.T, p Problem, rng *rand.Rand) [][]float64 {
	bases := [][]float64{p.X0()}
	if s := minimizers[p.Name]; len(s) > 0 {
		bases = append(bases, fields(t, s[0]))
	}
	pts := [][]float64{p.X0()}
	for _, b := range bases {
		for range 3 {
			x := slices.Clone(b)
			for j := range x {
				x[j] += 0.1 * math.Max(math.Abs(x[j]), 1) * rng.NormFloat64()
			}
			pts = append(pts, x)
		}
	}
	return pts
}

func TestDerivatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range allProblems() {
		t.Run(p.Name, func(t *testing.T) {
			n := p.Dim()
			g, hv, v := make([]float64, n), make([]float64, n), make([]float64, n)
			for _, x := range testPoints(t, p, rng) {
				f := p.Eval(x, g)
				if f2 := p.Eval(x, nil); f2 != f {
					t.Errorf("Eval with and without grad differ: %v vs %v", f, f2)
				}
				if e := relErr(g, fdGrad(p, x)); e > 1e-6 || math.IsNaN(e) {
					t.Errorf("x = %s: gradient relative error %.3g > 1e-6", pt(x), e)
				}
				for range 2 {
					for i := range v {
						v[i] = math.Max(math.Abs(x[i]), 1) * rng.NormFloat64()
					}
					p.HessVec(x, v, hv)
					if e := relErr(hv, fdHessVec(p, x, v)); e > 1e-5 || math.IsNaN(e) {
						t.Errorf("x = %s: Hessian-vector relative error %.3g > 1e-5", pt(x), e)
					}
				}
			}
		})
	}
}

// TestHessVecSymmetric checks uᵀ(H·v) = vᵀ(H·u), which a wrong cross term
// would break even where finite differences are loose.
func TestHessVecSymmetric(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, p := range allProblems() {
		n := p.Dim()
		u, v, hu, hv := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for _, x := range testPoints(t, p, rng) {
			for i := range u {
				u[i], v[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			p.HessVec(x, u, hu)
			p.HessVec(x, v, hv)
			var a, b, s float64
			for i := range u {
				a += v[i] * hu[i]
				b += u[i] * hv[i]
				s += math.Abs(v[i]*hu[i]) + math.Abs(u[i]*hv[i])
			}
			if math.Abs(a-b) > 1e-12*s {
				t.Errorf("%s: vᵀHu = %v, uᵀHv = %v", p.Name, a, b)
			}
		}
	}
}

func TestNoAllocations(t *testing.T) {
	for _, p := range allProblems() {
		x := p.X0()
		n := len(x)
		g, v, hv := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range v {
			v[i] = 1
		}
		if a := testing.AllocsPerRun(10, func() { p.Eval(x, g) }); a != 0 {
			t.Errorf("%s: Eval allocates %v times", p.Name, a)
		}
		if a := testing.AllocsPerRun(10, func() { p.HessVec(x, v, hv) }); a != 0 {
			t.Errorf("%s: HessVec allocates %v times", p.Name, a)
		}
	}
}

func TestX0IsFresh(t *testing.T) {
	p := Wood()
	x := p.X0()
	x[0] = 42
	if p.X0()[0] != -3 {
		t.Error("X0 returned a slice shared with the Problem")
	}
	start := []float64{0.01, -0.01}
	q := SeedSaddle().WithStart(start)
	start[0] = 7
	if got := q.X0(); !slices.Equal(got, []float64{0.01, -0.01}) {
		t.Errorf("WithStart retained the caller's slice: X0 = %v", got)
	}
	if SeedSaddle().X0()[0] != 0 {
		t.Error("WithStart changed the original problem")
	}
}

func TestPanics(t *testing.T) {
	p := Beale()
	for name, f := range map[string]func(){
		"Eval x":               func() { p.Eval(make([]float64, 3), nil) },
		"Eval grad":            func() { p.Eval(make([]float64, 2), make([]float64, 1)) },
		"HessVec v":            func() { p.HessVec(make([]float64, 2), make([]float64, 3), make([]float64, 2)) },
		"HessVec hv":           func() { p.HessVec(make([]float64, 2), make([]float64, 2), nil) },
		"WithStart":            func() { p.WithStart([]float64{1}) },
		"ExtendedRosenbrock":   func() { ExtendedRosenbrock(7) },
		"ExtendedRosenbrock 0": func() { ExtendedRosenbrock(0) },
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "mgh: ") {
					t.Errorf("%s: recovered %v, want a panic message starting with \"mgh: \"", name, r)
				}
			}()
			f()
		}()
	}
}

// TestResidualRows checks each least-squares row on its own: ∇rᵢ·v from res
// and ∇rᵢ from add against central differences of rᵢ, and ∇²rᵢ·v from add
// against central differences of ∇rᵢ. Whole-problem checks cannot see an
// error in a term weighted by a small residual or a small constant (the
// √a rows of Penalty II, the rᵢ·∇²rᵢ terms of Gaussian near its fit).
func TestResidualRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	rows := 0
	for _, p := range allProblems() {
		ss, ok := p.fn.(sumSquares)
		if !ok {
			continue
		}
		n := p.Dim()
		grad := func(x []float64, i int) []float64 {
			g := make([]float64, n)
			ss.add(x, nil, i, 1, 0, g)
			return g
		}
		for _, x := range testPoints(t, p, rng) {
			v := make([]float64, n)
			for j := range v {
				v[j] = math.Max(math.Abs(x[j]), 1) * rng.NormFloat64()
			}
			for i := range ss.rows() {
				// Gulf's rows have a kink where x₂ = yᵢ (|yᵢ − x₂|^x₃ is
				// not C² there): skip rows whose kink lies within reach
				// of the differences.
				if g, ok := ss.residuals.(gulf); ok && math.Abs(g.y[i]-x[1]) < 10*2e-3*math.Abs(v[1]) {
					continue
				}
				rows++
				// Fourth-order central differences along v, step 1e-3.
				const h = 1e-3
				y := make([]float64, n)
				var fdR float64
				fdG := make([]float64, n)
				for _, st := range []struct{ s, w float64 }{{-2, 1}, {-1, -8}, {1, 8}, {2, -1}} {
					for j := range y {
						y[j] = x[j] + st.s*h*v[j]
					}
					r, _ := ss.res(y, nil, i)
					fdR += st.w * r / (12 * h)
					for j, gj := range grad(y, i) {
						fdG[j] += st.w * gj / (12 * h)
					}
				}
				r, rd := ss.res(x, v, i)
				g := grad(x, i)
				var gv float64
				for j := range g {
					gv += g[j] * v[j]
				}
				// Relative errors, with a floor for rows whose second
				// derivatives vanish (linear rows), where the differences
				// are rounding noise of order 1e-13·(|r| + ‖∇r‖)·‖v‖.
				floor := 1e-6 * (math.Abs(r) + normInf(g)) * normInf(v)
				if e := relErrFloor([]float64{rd, gv}, []float64{fdR, fdR}, floor); e > 1e-6 {
					t.Errorf("%s row %d at %s: ∇r·v = %g (res), %g (add), differences %g",
						p.Name, i, pt(x), rd, gv, fdR)
				}
				hv := make([]float64, n)
				ss.add(x, v, i, 0, 1, hv)
				if e := relErrFloor(hv, fdG, floor/math.Max(normInf(x), 1)); e > 1e-5 {
					t.Errorf("%s row %d at %s: ∇²r·v relative error %.3g", p.Name, i, pt(x), e)
				}
			}
		}
	}
	if rows == 0 {
		t.Fatal("no least-squares rows checked")
	}
}
