package tensor

import (
	"fmt"
	"github.com/curvature-go/curvature/internal/testutil"
	"math"
	"testing"
)

var (
	negZero = math.Copysign(0, -1)
	inf     = math.Inf(1)
	nan     = math.NaN()
)

// specialValues are the IEEE special cases and extremes every unary op is
// checked on, besides a random sample.
var specialValues = []float64{
	nan, inf, -inf, 0, negZero,
	1, -1, 0.5, -0.5, 2, -2, 1e-10, -1e-10, 1e-300, -1e-300,
	math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
	math.MaxFloat64, -math.MaxFloat64,
	20, -20, 40, -40, 100, -100, 700, -700, 710, -710, 745, -745, 1000, -1000,
}

type unaryCase struct {
	op UnaryOp
	f  func(*Tensor) *Tensor // the named shortcut, if any
	// ref is the reference, from package math or written out plainly.
	ref func(float64) float64
	// ulps is the allowed distance from ref for finite results; NaN, ±Inf
	// and the sign of zero must always match exactly. The transcendental
	// kernels may be replaced by vectorised ones accurate to 2 ulp of
	// package math; Sigmoid and Softplus are compared against
	// reference formulas that themselves round several times.
	ulps uint64
}

var unaryCases = []unaryCase{
	{OpNeg, Neg, func(x float64) float64 { return -x }, 0},
	{OpExp, Exp, math.Exp, 2},
	{OpLog, Log, refLog, 2},
	{OpSqrt, Sqrt, math.Sqrt, 0},
	{OpTanh, Tanh, math.Tanh, 2},
	{OpSigmoid, Sigmoid, refSigmoid, 8},
	{OpRelu, Relu, func(x float64) float64 { return math.Max(x, 0) }, 0},
	{OpSoftplus, Softplus, refSoftplus, 8},
	{OpSin, Sin, math.Sin, 0},
	{OpCos, Cos, math.Cos, 0},
	{OpAbs, Abs, math.Abs, 0},
	{OpSquare, Square, func(x float64) float64 { return x * x }, 0},
	{OpSign, nil, refSign, 0},
	{OpStep, nil, refStep, 0},
	{OpRecip, nil, func(x float64) float64 { return 1 / x }, 0},
	{OpAtan, nil, math.Atan, 0},
	{OpLog1p, nil, math.Log1p, 0},
	{OpExpm1, nil, math.Expm1, 0},
	{OpErf, nil, math.Erf, 0},
}

// refSigmoid is 1/(1+e⁻ˣ) as written, except far in the left tail, where
// e⁻ˣ overflows although the result (eˣ to within e⁻⁷⁰⁰ relative) may still
// be a subnormal number.
func refSigmoid(x float64) float64 {
	if x < -700 {
		return math.Exp(x)
	}
	return 1 / (1 + math.Exp(-x))
}

// refSoftplus is log1p(eˣ), accurate wherever eˣ is finite; beyond that
// log(1+eˣ) equals x to within e⁻⁷⁰⁰ relative.
func refSoftplus(x float64) float64 {
	if x > 700 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

// refSign follows the documentation: −1, 0 or 1, NaN for NaN.
func refSign(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x == 0:
		return 0
	}
	return math.Copysign(1, x)
}

// refStep follows the documentation: 1 where x > 0, else 0 (so 0 for NaN).
func refStep(x float64) float64 {
	if x > 0 {
		return 1
	}
	return 0
}

func checkUnaryValue(t *testing.T, what string, x, got, want float64, ulps uint64) {
	t.Helper()
	switch {
	case math.IsNaN(want) || math.IsInf(want, 0) || want == 0:
		if !sameBits(got, want) {
			t.Errorf("%s(%v) = %v, want %v", what, x, got, want)
		}
	case math.IsNaN(got) || math.IsInf(got, 0) || ulpDiff(got, want) > ulps:
		t.Errorf("%s(%v) = %v, want %v (%d ulp apart, %d allowed)", what, x, got, want, ulpDiff(got, want), ulps)
	}
}

func TestUnary(t *testing.T) {
	rng := newRNG(5)
	in := append([]float64(nil), specialValues...)
	for range 200 {
		in = append(in, 10*rng.NormFloat64())
	}
	x := FromSlice(in)
	x0 := x.Clone()
	for _, c := range unaryCases {
		name := c.op.String()
		results := map[string]*Tensor{
			"Apply":        Apply(c.op, x),
			"ApplyTo(nil)": ApplyTo(c.op, nil, x),
		}
		dst := nanFilled(x.Shape()...)
		if ApplyTo(c.op, dst, x) != dst {
			t.Fatalf("ApplyTo(%v) did not return dst", c.op)
		}
		results["ApplyTo(dst)"] = dst
		self := x.Clone()
		ApplyTo(c.op, self, self)
		results["ApplyTo(x, x)"] = self
		if c.f != nil {
			results[name] = c.f(x)
		}
		for form, got := range results {
			checkShapeIs(t, name+" "+form, got.Shape(), x.Shape())
			for i, v := range in {
				checkUnaryValue(t, name+" "+form, v, got.Data()[i], c.ref(v), c.ulps)
			}
		}
		if !sameBitsSlice(x.Data(), x0.Data()) {
			t.Fatalf("%s modified its input", name)
		}
	}
}

func sameBitsSlice(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameBits(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestUnaryDocumented checks the behaviours that the documentation spells
// out, independently of the reference functions above.
func TestUnaryDocumented(t *testing.T) {
	cases := []struct {
		op      UnaryOp
		x, want float64
		why     string
	}{
		{OpRelu, nan, nan, "Relu propagates NaN"},
		{OpRelu, -3, 0, "Relu clamps negatives"},
		{OpRelu, 3, 3, "Relu keeps positives"},
		{OpSign, nan, nan, "Sign is NaN for NaN"},
		{OpSign, -1e-300, -1, "Sign of a tiny negative"},
		{OpSign, negZero, 0, "Sign of -0"},
		{OpStep, nan, 0, "Step is 0 for NaN"},
		{OpStep, 0, 0, "Step is 0 at 0"},
		{OpStep, math.SmallestNonzeroFloat64, 1, "Step is 1 above 0"},
		{OpSoftplus, 1000, 1000, "Softplus(1000) does not overflow"},
		{OpSoftplus, -1000, 0, "Softplus(-1000) underflows to 0"},
		{OpSoftplus, inf, inf, "Softplus(+Inf)"},
		{OpSoftplus, -inf, 0, "Softplus(-Inf)"},
		{OpSigmoid, 1000, 1, "Sigmoid(1000)"},
		{OpSigmoid, -1000, 0, "Sigmoid(-1000)"},
		{OpSigmoid, inf, 1, "Sigmoid(+Inf)"},
		{OpSigmoid, -inf, 0, "Sigmoid(-Inf)"},
		{OpSigmoid, 0, 0.5, "Sigmoid(0)"},
	}
	for _, c := range cases {
		got := Apply(c.op, Scalar(c.x)).Item()
		if !sameFloat(got, c.want) {
			t.Errorf("%s: %v(%v) = %v, want %v", c.why, c.op, c.x, got, c.want)
		}
	}
	// Far in the tails the results are e^x to full relative accuracy, not
	// merely 0 or 1: no cancellation.
	for _, x := range []float64{-40, -100, -700} {
		e := math.Exp(x)
		if got := Softplus(Scalar(x)).Item(); ulpDiff(got, e) > 8 {
			t.Errorf("Softplus(%v) = %v, want ≈ %v", x, got, e)
		}
		if got := Sigmoid(Scalar(x)).Item(); ulpDiff(got, e) > 8 {
			t.Errorf("Sigmoid(%v) = %v, want ≈ %v", x, got, e)
		}
		if got := 1 - Sigmoid(Scalar(-x)).Item(); x > -36 && math.Abs(got-e) > 1e-16 {
			t.Errorf("1-Sigmoid(%v) = %v, want ≈ %v", -x, got, e)
		}
		if got := Softplus(Scalar(-x)).Item(); got != -x {
			t.Errorf("Softplus(%v) = %v, want %v", -x, got, -x)
		}
	}
}

func TestUnaryOpString(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range unaryCases {
		s := c.op.String()
		if s == "" || s == "UnaryOp(?)" || seen[s] {
			t.Errorf("UnaryOp(%d).String() = %q", c.op, s)
		}
		seen[s] = true
	}
	if s := UnaryOp(200).String(); s != "UnaryOp(?)" {
		t.Errorf("UnaryOp(200).String() = %q", s)
	}
	testutil.MustPanic(t, "Apply unknown op", func() { Apply(UnaryOp(200), Zeros(2)) }, "tensor:")
	testutil.MustPanic(t, "ApplyTo wrong dst", func() { ApplyTo(OpExp, Zeros(3), Zeros(2)) },
		"tensor: Exp", "destination shape", "[3]", "[2]")
}

func TestPow(t *testing.T) {
	in := []float64{nan, inf, -inf, 0, negZero, 1, -1, 0.5, -0.5, 2, -2, 3, -3, 1e-10, 1e10,
		1e-100, 1e100, 1e200, -1e200, math.MaxFloat64, 0.1, 7.25}
	x := FromSlice(in)
	for _, p := range []float64{2, 1, 0, -1, 0.5, 3, -2, 1.5, -0.5, 0.25, nan, inf, -inf} {
		got := Pow(x, p)
		dst := nanFilled(len(in))
		PowTo(dst, x, p)
		self := x.Clone()
		PowTo(self, self, p)
		for i, v := range in {
			want := math.Pow(v, p)
			for form, g := range map[string]float64{"Pow": got.Data()[i], "PowTo": dst.Data()[i], "PowTo(x,x)": self.Data()[i]} {
				if !sameBits(g, want) {
					t.Errorf("%s(%v, %v) = %v, math.Pow gives %v", form, v, p, g, want)
				}
			}
		}
	}
	// Where x² and 1/x are subnormal, math.Pow rounds twice; the fast paths
	// are the correctly rounded x·x and 1/x.
	for _, v := range []float64{3.965669371649251e-155, 1e-160, 6.970687938966334e+307} {
		if got := Pow(Scalar(v), 2).Item(); got != v*v {
			t.Errorf("Pow(%v, 2) = %v, want %v", v, got, v*v)
		}
		if got := Pow(Scalar(v), -1).Item(); got != 1/v {
			t.Errorf("Pow(%v, -1) = %v, want %v", v, got, 1/v)
		}
	}
	testutil.MustPanic(t, "PowTo wrong dst", func() { PowTo(Zeros(3), Zeros(2), 2) }, "tensor: Pow", "[3]", "[2]")
}

func TestScaleAddScalar(t *testing.T) {
	rng := newRNG(6)
	for _, shape := range [][]int{nil, {0}, {5}, {2, 3}} {
		x := randTensor(rng, shape...)
		for _, c := range []float64{0, 1, -2.5, inf} {
			wantS, wantA := make([]float64, x.Size()), make([]float64, x.Size())
			for i, v := range x.Data() {
				wantS[i], wantA[i] = c*v, v+c
			}
			what := fmt.Sprintf("%v c=%v", shape, c)
			got := Scale(x, c)
			checkShapeIs(t, "Scale "+what, got.Shape(), shape)
			checkData(t, "Scale "+what, got.Data(), wantS)
			got = AddScalar(x, c)
			checkShapeIs(t, "AddScalar "+what, got.Shape(), shape)
			checkData(t, "AddScalar "+what, got.Data(), wantA)
			dst := nanFilled(shape...)
			if ScaleTo(dst, x, c) != dst {
				t.Fatal("ScaleTo did not return dst")
			}
			checkData(t, "ScaleTo "+what, dst.Data(), wantS)
			if AddScalarTo(dst, x, c) != dst {
				t.Fatal("AddScalarTo did not return dst")
			}
			checkData(t, "AddScalarTo "+what, dst.Data(), wantA)
			y := x.Clone()
			ScaleTo(y, y, c)
			checkData(t, "ScaleTo(x, x) "+what, y.Data(), wantS)
			y = x.Clone()
			AddScalarTo(y, y, c)
			checkData(t, "AddScalarTo(x, x) "+what, y.Data(), wantA)
		}
	}
	testutil.MustPanic(t, "ScaleTo", func() { ScaleTo(Zeros(2, 3), Zeros(3, 2), 1) }, "tensor: Scale", "[2 3]", "[3 2]")
	testutil.MustPanic(t, "ScalarSubTo", func() { ScalarSubTo(Zeros(6), 1, Zeros(3, 2)) }, "tensor: ScalarSub", "[6]", "[3 2]")
	testutil.MustPanic(t, "AddScalarTo", func() { AddScalarTo(Zeros(6), Zeros(3, 2), 1) }, "tensor: AddScalar", "[6]", "[3 2]")
}

// TestScalarSub checks c − x against a plain loop over shapes, lengths
// around the vector width and the parallel split, special values (−0 stays
// distinguishable: 0 − 0 is +0, 0 − (−0) is +0, −0 − 0 is −0), and dst
// aliasing x.
func TestScalarSub(t *testing.T) {
	rng := newRNG(7)
	for _, shape := range [][]int{nil, {0}, {5}, {2, 3}, {67}, {1<<17 + 3}} {
		x := randTensor(rng, shape...)
		if d := x.Data(); len(d) >= 6 {
			copy(d, []float64{math.NaN(), inf, -inf, 0, math.Copysign(0, -1), 1e-310})
		}
		for _, c := range []float64{0, math.Copysign(0, -1), 1, -2.5, inf} {
			want := make([]float64, x.Size())
			for i, v := range x.Data() {
				want[i] = c - v
			}
			what := fmt.Sprintf("%v c=%v", shape, c)
			got := ScalarSubTo(nil, c, x)
			checkShapeIs(t, "ScalarSubTo "+what, got.Shape(), shape)
			checkData(t, "ScalarSubTo "+what, got.Data(), want)
			for i, w := range want {
				if math.Signbit(got.Data()[i]) != math.Signbit(w) && !math.IsNaN(w) {
					t.Fatalf("ScalarSubTo %s: element %d = %v, want %v (sign)", what, i, got.Data()[i], w)
				}
			}
			y := x.Clone()
			if ScalarSubTo(y, c, y) != y {
				t.Fatal("ScalarSubTo did not return dst")
			}
			checkData(t, "ScalarSubTo(x, x) "+what, y.Data(), want)
		}
	}
}

// refLog is math.Log made exact for subnormal inputs, where the amd64
// math.Log of Go 1.26 is wrong (golang.org/issue/56600): the input is
// scaled into the normal range first, which is exact.
func refLog(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return math.Log(x*0x1p54) - 54*math.Ln2
	}
	return math.Log(x)
}
