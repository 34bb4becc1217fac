package vecmath

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

var (
	inf  = math.Inf(1)
	nan  = math.NaN()
	negZ = math.Copysign(0, -1)
	tiny = math.SmallestNonzeroFloat64
)

// TestSpecialValues checks the IEEE cases against their mathematical
// values (which are also what the math package returns), bit for bit,
// including the sign of zero, through the exported functions and the
// pure-Go kernels.
func TestSpecialValues(t *testing.T) {
	tests := []struct {
		name string
		f    func(dst, x []float64)
		one  func(float64) float64
		x    float64
		want float64
	}{
		{"Exp", Exp, exp1, 0, 1},
		{"Exp", Exp, exp1, negZ, 1},
		{"Exp", Exp, exp1, tiny, 1},
		{"Exp", Exp, exp1, -tiny, 1},
		{"Exp", Exp, exp1, inf, inf},
		{"Exp", Exp, exp1, -inf, 0},
		{"Exp", Exp, exp1, nan, nan},
		{"Exp", Exp, exp1, 710, inf},
		{"Exp", Exp, exp1, math.MaxFloat64, inf},
		{"Exp", Exp, exp1, -746, 0},
		{"Exp", Exp, exp1, -math.MaxFloat64, 0},
		{"Exp", Exp, exp1, -745.1332191019411, tiny}, // e^x just above 2^−1075
		{"Exp", Exp, exp1, 1, math.E},
		{"Log", Log, log1, 1, 0},
		{"Log", Log, log1, 0, -inf},
		{"Log", Log, log1, negZ, -inf},
		{"Log", Log, log1, -1, nan},
		{"Log", Log, log1, -tiny, nan},
		{"Log", Log, log1, -inf, nan},
		{"Log", Log, log1, inf, inf},
		{"Log", Log, log1, nan, nan},
		{"Log", Log, log1, math.E, 1},
		{"Log", Log, log1, tiny, -1074 * math.Ln2},                      // −744.44…, correctly rounded
		{"Log", Log, log1, 0x1p-1030, -1030 * math.Ln2},                 // subnormal input
		{"Log", Log, log1, math.MaxFloat64, 7.09782712893383973096e+02}, // ln(MaxFloat64)
		{"Tanh", Tanh, tanh1, 0, 0},
		{"Tanh", Tanh, tanh1, negZ, negZ},
		{"Tanh", Tanh, tanh1, tiny, tiny},
		{"Tanh", Tanh, tanh1, -tiny, -tiny},
		{"Tanh", Tanh, tanh1, 0x1p-1030, 0x1p-1030},
		{"Tanh", Tanh, tanh1, inf, 1},
		{"Tanh", Tanh, tanh1, -inf, -1},
		{"Tanh", Tanh, tanh1, nan, nan},
		{"Tanh", Tanh, tanh1, 20.5, 1},
		{"Tanh", Tanh, tanh1, -1e300, -1},
		{"Sigmoid", Sigmoid, sigmoid1, 0, 0.5},
		{"Sigmoid", Sigmoid, sigmoid1, negZ, 0.5},
		{"Sigmoid", Sigmoid, sigmoid1, tiny, 0.5},
		{"Sigmoid", Sigmoid, sigmoid1, -tiny, 0.5},
		{"Sigmoid", Sigmoid, sigmoid1, inf, 1},
		{"Sigmoid", Sigmoid, sigmoid1, -inf, 0},
		{"Sigmoid", Sigmoid, sigmoid1, nan, nan},
		{"Sigmoid", Sigmoid, sigmoid1, 40.5, 1},
		{"Sigmoid", Sigmoid, sigmoid1, -746, 0},
		{"Sigmoid", Sigmoid, sigmoid1, -745.1332191019411, tiny},
	}
	for _, tt := range tests {
		// Put the value in every lane of a vector and in the scalar tail.
		x := make([]float64, 7)
		for i := range x {
			x[i] = tt.x
		}
		dst := make([]float64, len(x))
		tt.f(dst, x)
		for i, got := range dst {
			if !sameFloat(got, tt.want) {
				t.Errorf("%s(%v)[%d] = %v (%#x), want %v (%#x)", tt.name, tt.x, i, got, math.Float64bits(got), tt.want, math.Float64bits(tt.want))
			}
		}
		if got := tt.one(tt.x); !sameFloat(got, tt.want) {
			t.Errorf("pure-Go %s(%v) = %v, want %v", tt.name, tt.x, got, tt.want)
		}
	}
}

// TestPositions puts one value of each kind at every position of slices
// of length 0 to 19, among ordinary values, so the assembly's stop-and-
// resume protocol and the scalar tail are all exercised; every element must
// equal the pure-Go kernel's value (and the pure-Go slice loop's), and
// dst = x (aliasing) must give the same result.
func TestPositions(t *testing.T) {
	odd := []float64{nan, inf, -inf, 0, negZ, tiny, -tiny, 0x1p-1030, 709.5, -709, -710, 745, -745, -702, 30, 1e10, -1e10, 0.3, -0.7}
	for _, c := range unaryCases() {
		for n := 0; n < 20; n++ {
			for pos := 0; pos < n; pos++ {
				for _, v := range odd {
					x := make([]float64, n)
					for i := range x {
						x[i] = 0.37*float64(i) - 2.1
					}
					x[pos] = v
					dst := make([]float64, n)
					c.api(dst, x)
					for i := range x {
						if want := c.one(x[i]); !sameFloat(dst[i], want) {
							t.Fatalf("%s: n=%d, x[%d]=%v: dst[%d] = %v, want %v", c.name, n, pos, v, i, dst[i], want)
						}
					}
					gen := make([]float64, n)
					c.generic(gen, x)
					for i := range x {
						if !sameFloat(gen[i], dst[i]) {
							t.Fatalf("%s pure-Go loop: n=%d, x[%d]=%v: got %v at %d, want %v", c.name, n, pos, v, gen[i], i, dst[i])
						}
					}
					c.api(x, x)
					for i := range x {
						if !sameFloat(x[i], dst[i]) {
							t.Fatalf("%s in place: n=%d, x[%d]=%v: got %v at %d, want %v", c.name, n, pos, v, x[i], i, dst[i])
						}
					}
				}
			}
		}
	}
}

// TestPanics checks the misuse panics and their messages.
func TestPanics(t *testing.T) {
	x := make([]float64, 8)
	tests := []struct {
		name string
		f    func()
		msg  string
	}{
		{"Exp", func() { Exp(x[:3], x[3:7]) }, "vecmath: Exp: length mismatch dst 3, x 4"},
		{"Log", func() { Log(make([]float64, 2), x) }, "vecmath: Log: length mismatch dst 2, x 8"},
		{"Tanh", func() { Tanh(x[1:], x[:7]) }, "vecmath: Tanh: dst partially overlaps x"},
		{"Sigmoid", func() { Sigmoid(x[:0], x[:1]) }, "vecmath: Sigmoid: length mismatch dst 0, x 1"},
		{"TanhGrad", func() { TanhGrad(x[:2], x[2:4], x[4:7]) }, "vecmath: TanhGrad: length mismatch dst 2, g 2, y 3"},
		{"SigmoidGrad", func() { SigmoidGrad(x[:4], x[2:6], x[4:8]) }, "vecmath: SigmoidGrad: dst partially overlaps g"},
		{"SigmoidGrad", func() { SigmoidGrad(x[2:6], x[:4], x[4:8]) }, "vecmath: SigmoidGrad: dst partially overlaps g"},
		{"TanhGrad", func() { TanhGrad(x[:4], x[4:8], x[3:7]) }, "vecmath: TanhGrad: dst partially overlaps y"},
	}
	for _, tt := range tests {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic, want %q", tt.name, tt.msg)
					return
				}
				if s := fmt.Sprint(r); s != tt.msg {
					t.Errorf("%s: panic %q, want %q", tt.name, s, tt.msg)
				}
			}()
			tt.f()
		}()
	}
	// Permitted: dst is an input, inputs overlap each other, empty slices.
	TanhGrad(x[:4], x[:4], x[:4])
	SigmoidGrad(x[6:8], x[2:4], x[3:5])
	Exp(x[:0], x[3:3])
}

// binaryCase describes one gradient kernel.
type binaryCase struct {
	name   string
	api    func(dst, g, y []float64)
	one    func(g, y float64) float64
	compat func(dst, g, y []float64)
	naive  func(g, y float64) float64 // the textbook expression, for non-finite cases
	exact  func(g, y float64) dd      // the exact value (double-double)
}

func binaryCases() []binaryCase {
	return []binaryCase{
		{"TanhGrad", TanhGrad, tanhGrad1, tanhGradCompat,
			func(g, y float64) float64 { return g * (1 - y*y) },
			func(g, y float64) dd {
				p, e := twoProd(y, y)
				return ddMul(dd{g, 0}, ddSub(dd{1, 0}, dd{p, e}))
			}},
		{"SigmoidGrad", SigmoidGrad, sigmoidGrad1, sigmoidGradCompat,
			func(g, y float64) float64 { return g * (y - y*y) },
			func(g, y float64) dd {
				p, e := twoProd(y, y)
				return ddMul(dd{g, 0}, ddSub(dd{y, 0}, dd{p, e}))
			}},
	}
}

// gradInputs returns pairs (g, y): y across [−1, 1] and close to ±1 and 0
// (where 1 − y² and y·(1 − y) cancel), g normal; random bit patterns; and
// all pairs of special values.
func gradInputs(n int) (gs, ys []float64) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < n; i++ {
		g := rng.NormFloat64() * math.Exp2(float64(rng.IntN(40)-20))
		var y float64
		switch i % 4 {
		case 0:
			y = 2*rng.Float64() - 1
		case 1:
			y = 1 - math.Ldexp(rng.Float64(), -rng.IntN(54))
			if rng.IntN(2) == 0 {
				y = -y
			}
		case 2:
			y = math.Ldexp(rng.Float64(), -rng.IntN(1100))
		default:
			g = math.Float64frombits(rng.Uint64())
			y = math.Float64frombits(rng.Uint64())
		}
		gs, ys = append(gs, g), append(ys, y)
	}
	sp := []float64{0, negZ, 1, -1, 0.5, 2, tiny, -tiny, inf, -inf, nan, math.MaxFloat64, 1e154, 1 - 0x1p-53, 1 + 0x1p-52}
	for _, g := range sp {
		for _, y := range sp {
			gs, ys = append(gs, g), append(ys, y)
		}
	}
	return gs, ys
}

// TestGradAccuracy checks the gradient kernels: exported equals pure Go bit
// for bit; within 1.5 ulp of the exact value (two roundings: the fused
// 1 − y² or y − y², then the product with g; the compat kernels within 2);
// where the exact value is not finite, or is zero, the same value as the
// textbook expression, sign of zero included.
func TestGradAccuracy(t *testing.T) {
	gs, ys := gradInputs(sweepSize() / 4)
	for _, c := range binaryCases() {
		got := make([]float64, len(gs))
		c.api(got, gs, ys)
		comp := make([]float64, len(gs))
		c.compat(comp, gs, ys)
		var maxErr, maxCompat float64
		fails := 0
		for i := range gs {
			g, y := gs[i], ys[i]
			if one := c.one(g, y); !sameFloat(got[i], one) {
				fails++
				if fails < 10 {
					t.Errorf("%s(%v, %v): exported %v, pure Go %v", c.name, g, y, got[i], one)
				}
			}
			ex := c.exact(g, y)
			if naive := c.naive(g, y); !isFinite(ex, 0) || ex.hi == 0 || math.IsNaN(naive) || math.IsInf(naive, 0) {
				if !sameFloat(got[i], naive) {
					fails++
					if fails < 10 {
						t.Errorf("%s(%v, %v) = %v, want %v", c.name, g, y, got[i], naive)
					}
				}
				continue
			}
			maxErr = math.Max(maxErr, ulpErr(got[i], ex, 0))
			maxCompat = math.Max(maxCompat, ulpErr(comp[i], ex, 0))
		}
		if maxErr > 1.5 {
			t.Errorf("%s: max error %.3f ulp, want ≤ 1.5", c.name, maxErr)
		}
		if maxCompat > 2 {
			t.Errorf("%s compat: max error %.3f ulp, want ≤ 2", c.name, maxCompat)
		}
		t.Logf("%s: %d inputs, max error %.3f ulp (compat kernel %.3f)", c.name, len(gs), maxErr, maxCompat)
	}
}

// TestGradPositions exercises every length and alias form of the gradient
// kernels against the pure-Go kernel.
func TestGradPositions(t *testing.T) {
	for _, c := range binaryCases() {
		for n := 0; n < 20; n++ {
			g := make([]float64, n)
			y := make([]float64, n)
			for i := range g {
				g[i] = 1.5 - 0.25*float64(i)
				y[i] = 0.9 - 0.1*float64(i)
			}
			want := make([]float64, n)
			for i := range want {
				want[i] = c.one(g[i], y[i])
			}
			for _, alias := range []string{"none", "g", "y"} {
				gc := append([]float64(nil), g...)
				yc := append([]float64(nil), y...)
				dst := make([]float64, n)
				switch alias {
				case "g":
					dst = gc
				case "y":
					dst = yc
				}
				c.api(dst, gc, yc)
				for i := range dst {
					if !sameFloat(dst[i], want[i]) {
						t.Fatalf("%s n=%d dst=%s: [%d] = %v, want %v", c.name, n, alias, i, dst[i], want[i])
					}
				}
			}
		}
	}
}

// TestGradFiniteDifference checks that TanhGrad and SigmoidGrad are the
// derivatives of Tanh and Sigmoid: with y = f(x), g·f'(x) computed from y
// must match g·(f(x+h) − f(x−h))/(2h).
func TestGradFiniteDifference(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(dst, x []float64)
		grad func(dst, g, y []float64)
	}{{"Tanh", Tanh, TanhGrad}, {"Sigmoid", Sigmoid, SigmoidGrad}} {
		xs := []float64{-6, -2.5, -1, -0.3, 0, 0.1, 0.7, 1.9, 4}
		const h = 1e-5
		y := make([]float64, len(xs))
		c.f(y, xs)
		g := make([]float64, len(xs))
		for i := range g {
			g[i] = 0.5 + float64(i)
		}
		got := make([]float64, len(xs))
		c.grad(got, g, y)
		xp, xm := make([]float64, len(xs)), make([]float64, len(xs))
		for i, x := range xs {
			xp[i], xm[i] = x+h, x-h
		}
		fp, fm := make([]float64, len(xs)), make([]float64, len(xs))
		c.f(fp, xp)
		c.f(fm, xm)
		for i := range xs {
			fd := g[i] * (fp[i] - fm[i]) / (2 * h)
			if d := math.Abs(got[i] - fd); d > 1e-8*math.Max(1, math.Abs(fd)) {
				t.Errorf("%sGrad at x=%v: %v, central difference %v", c.name, xs[i], got[i], fd)
			}
		}
	}
}

// TestReferenceAgainstBig validates the double-double reference used by the
// sweeps against the math/big implementations on a spread of points.
func TestReferenceAgainstBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	type refFn struct {
		name string
		dd   func(float64) (dd, int)
		big  func(*big.Float) *big.Float
		lo   float64
		hi   float64
	}
	fns := []refFn{
		{"exp", refExp, bigExp, -745, 709},
		{"log", refLog, bigLog, -1070, 1020}, // log2 of the input
		{"tanh", refTanh, bigTanh, -30, 30},
		{"sigmoid", refSigmoid, bigSigmoid, -745, 40},
	}
	n := 300
	if testing.Short() {
		n = 60
	}
	for _, f := range fns {
		worst := 0.0
		for i := 0; i < n; i++ {
			x := f.lo + (f.hi-f.lo)*rng.Float64()
			if i%5 == 0 {
				x = math.Copysign(math.Ldexp(1+rng.Float64(), -rng.IntN(60)), x) // small arguments
			}
			if f.name == "log" {
				x = math.Ldexp(1+rng.Float64(), int(x))
				if i%7 == 0 {
					x = 1 + math.Ldexp(rng.Float64()-0.5, -rng.IntN(50)) // near 1
				}
			}
			m, k := f.dd(x)
			want := f.big(bf(x))
			got := bnew().SetMantExp(bnew().Add(bf(m.hi), bf(m.lo)), k)
			if want.Sign() == 0 {
				if got.Sign() != 0 {
					t.Errorf("%s(%v): reference %v, want 0", f.name, x, got)
				}
				continue
			}
			rel, _ := bnew().Quo(bnew().Sub(got, want), want).Float64()
			worst = math.Max(worst, math.Abs(rel))
		}
		if worst > 0x1p-90 {
			t.Errorf("%s: double-double reference off by 2^%.1f relative", f.name, math.Log2(worst))
		}
		t.Logf("%s: double-double reference within 2^%.1f of math/big", f.name, math.Log2(worst))
	}
}

// TestMathPackageDeviations documents, and pins down, the two places where
// this package deliberately differs from the amd64 math package: math.Exp
// overflows early and math.Log mishandles subnormals. Both kernels must
// give the correctly rounded value there.
func TestMathPackageDeviations(t *testing.T) {
	x := []float64{709.5, 709.78, 0x1p-1070, 3e-320}
	got := make([]float64, 2)
	Exp(got, x[:2])
	for i, v := range got {
		m, k := refExp(x[i])
		if e := ulpErr(v, m, k); !(e <= 1) {
			t.Errorf("Exp(%v) = %v: %.3g ulp from the exact value", x[i], v, e)
		}
	}
	Log(got, x[2:])
	for i, v := range got {
		m, k := refLog(x[2+i])
		if e := ulpErr(v, m, k); !(e <= 1) {
			t.Errorf("Log(%v) = %v: %.3g ulp from the exact value", x[2+i], v, e)
		}
	}
	if d := math.Exp(709.5); math.IsInf(d, 1) {
		t.Logf("note: math.Exp(709.5) = %v here (the exact value is finite)", d)
	}
	if d := math.Log(0x1p-1070); math.Abs(d-(-1070*math.Ln2)) > 1e-9 {
		t.Logf("note: math.Log(2^-1070) = %v here, exact %v (golang.org/issue/56600)", d, -1070*math.Ln2)
	}
}

// TestDispatch reports which kernels run, so a test log records whether the
// assembly was exercised.
func TestDispatch(t *testing.T) {
	t.Logf("kernels: %s", kernelName())
	if kernelName() == "" {
		t.Error("no kernel selection reported")
	}
}
