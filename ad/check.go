package ad

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/curvature-go/curvature/graph"
)

// CheckSettings configures Check. A nil *CheckSettings, like the zero
// value, means every default.
type CheckSettings struct {
	// Step is the relative step of the central differences: coordinate i
	// is moved by ±Step·max(1, |x_i|) for the gradient check, and x is moved
	// by ±Step·max(1, ‖x‖∞) along a unit direction for the HVP check.
	// If Step is 0, it is defaulted to 1e-6.
	Step float64

	// Directions is the number of random directions v along which H·v is
	// checked. If Directions is 0, it is defaulted to 3; if it is negative,
	// no HVP is checked.
	Directions int

	// Seed seeds the generator (math/rand/v2 PCG) of the random unit
	// directions. Zero is a seed like any other: for given settings, Check
	// is deterministic.
	Seed uint64
}

// CheckResult reports the worst disagreements found by Check between the
// derivatives computed by automatic differentiation and their
// finite-difference estimates.
//
// Every error is elementwise: for a derivative component a and its
// estimate b it is
//
//	|a − b| / max(1, |a|, |b|),
//
// a relative error for components larger than 1 in magnitude and an
// absolute one for smaller components. An error is NaN when either side is
// NaN (the first NaN found is kept as the worst), +Inf when the sides
// differ and one is infinite, and 0 when both are the same infinity.
type CheckResult struct {
	// Value is f(x).
	Value float64

	// GradErr is the worst error over the components of ∇f(x), and
	// WorstGradIndex is the component where it occurs (0 when n = 0).
	GradErr        float64
	WorstGradIndex int

	// HVPErr is the worst error over the components of H·v and over the
	// directions v; WorstHVPDirection and WorstHVPIndex say where it
	// occurs. All three are 0 when no HVP was checked.
	HVPErr            float64
	WorstHVPDirection int
	WorstHVPIndex     int

	// JVPErr is the worst error, over the same directions v, of the
	// forward-mode directional derivative (the tangent of f(x) when x
	// carries the tangent v) against (f(x + h·v) − f(x − h·v)) / 2h, and
	// WorstJVPDirection is where it occurs. It checks the JVP rules of the
	// ops f uses, whose errors the HVP check misses when nothing after them
	// differentiates their output's tangent. Both are 0 when no HVP was
	// checked.
	JVPErr            float64
	WorstJVPDirection int
}

// Check compares the derivatives of the scalar function f at the flat
// vector x with central finite differences, as PyTorch's gradcheck and
// gradgradcheck do, and returns the worst errors (see CheckResult). Use it
// to test a function written with graph operations, in particular one that
// treats some values as constants or uses custom control flow.
//
// The gradient, from one reverse sweep, is compared per coordinate with
// (f(x + h·e_i) − f(x − h·e_i)) / 2h. Each Hessian-vector product H·v,
// computed forward-over-reverse (v is set as x's tangent before f runs, so
// tangents flow through f and through the reverse sweep, and the tangent
// of the gradient is H·v), is compared with (∇f(x + h·v) − ∇f(x − h·v)) / 2h
// for random unit directions v. The same recordings check forward mode:
// the tangent of f(x) itself, ∇f·v by the ops' JVP rules, is compared with
// (f(x + h·v) − f(x − h·v)) / 2h. A user-defined op (graph.Op) is checked
// by a function that uses it: a wrong VJP rule shows in GradErr, a wrong
// JVP rule in JVPErr (and usually HVPErr).
//
// With the default step, agreeing derivatives give errors near 1e-8 or
// below (central differences are accurate to about Step² in the
// derivative's third-order term and to about 1e-16·|f| / Step in rounding);
// a wrong derivative typically gives errors of order 1. When |f| is much
// larger than |∂f/∂x_i|·|x_i| the rounding term dominates; a larger Step
// (1e-5, say) then checks more tightly.
//
// The cost is 2n evaluations of f plus, per direction, three recordings of
// f and its gradient. x is neither modified nor retained. Check panics if
// f does not return a scalar.
func Check(f Func, x []float64, s *CheckSettings) CheckResult {
	var set CheckSettings
	if s != nil {
		set = *s
	}
	if set.Step == 0 {
		set.Step = 1e-6
	}
	if set.Directions == 0 {
		set.Directions = 3
	}
	if set.Step < 0 || math.IsNaN(set.Step) || math.IsInf(set.Step, 0) {
		panic(fmt.Sprintf("ad: Check: step %v", set.Step))
	}

	n := len(x)
	c := checker{f: f, tp: graph.NewTape(), xs: make([]float64, n)}
	var res CheckResult

	// Gradient against central differences per coordinate.
	grad := make([]float64, n)
	res.Value = c.valueAndGrad(x, grad, nil)
	copy(c.xs, x)
	for i := range n {
		h := set.Step * max(1, math.Abs(x[i]))
		xp, xm := x[i]+h, x[i]-h // divide by xp − xm, the step actually taken
		c.xs[i] = xp
		fp := c.value(c.xs)
		c.xs[i] = xm
		fm := c.value(c.xs)
		c.xs[i] = x[i]
		if e := checkErr(grad[i], (fp-fm)/(xp-xm)); worse(e, res.GradErr) {
			res.GradErr, res.WorstGradIndex = e, i
		}
	}
	if set.Directions < 0 || n == 0 {
		return res
	}

	// Hessian-vector products against central differences of the gradient.
	rng := rand.New(rand.NewPCG(set.Seed, 0x9e3779b97f4a7c15))
	v := make([]float64, n)
	hv := make([]float64, n)
	gp := make([]float64, n)
	gm := make([]float64, n)
	h := set.Step * max(1, infNorm(x))
	for d := range set.Directions {
		randomUnit(rng, v)
		c.valueAndGrad(x, nil, v)
		c.tangentOfGrad(hv)
		jv := 0.0
		if t := c.y.Tangent(); t != nil {
			jv = t.Data()[0]
		}
		for i := range n {
			c.xs[i] = x[i] + h*v[i]
		}
		fp := c.valueAndGrad(c.xs, gp, nil)
		for i := range n {
			c.xs[i] = x[i] - h*v[i]
		}
		fm := c.valueAndGrad(c.xs, gm, nil)
		if e := checkErr(jv, (fp-fm)/(2*h)); worse(e, res.JVPErr) {
			res.JVPErr, res.WorstJVPDirection = e, d
		}
		for i := range n {
			if e := checkErr(hv[i], (gp[i]-gm[i])/(2*h)); worse(e, res.HVPErr) {
				res.HVPErr, res.WorstHVPDirection, res.WorstHVPIndex = e, d, i
			}
		}
	}
	return res
}

// checker evaluates f on one reused tape.
type checker struct {
	f    Func
	tp   *graph.Tape
	xs   []float64 // perturbed point
	y    *graph.Node
	grad *graph.Node
}

// record records f at x on the reused tape, with tangent v on x when v is
// not nil, and returns the input and output nodes.
func (c *checker) record(x, v []float64) (w, y *graph.Node) {
	c.tp.Reset()
	w = c.tp.VarVec(x)
	if v != nil {
		w.SetTangentData(v)
	}
	y = c.f(w)
	if y.Value().Size() != 1 {
		panic(fmt.Sprintf("ad: Check: f returned %v, not a scalar", y))
	}
	return w, y
}

func (c *checker) value(x []float64) float64 {
	_, y := c.record(x, nil)
	return y.Item()
}

// valueAndGrad records f at x, with tangent v on x when v is not nil, and
// its gradient, which it copies into grad when grad is not nil.
func (c *checker) valueAndGrad(x, grad, v []float64) float64 {
	w, y := c.record(x, v)
	c.y = y
	c.grad = Grad(y, w)[0]
	if grad != nil {
		copy(grad, c.grad.Value().Data())
	}
	return y.Item()
}

// tangentOfGrad copies the tangent of the last recorded gradient (H·v)
// into dst; a gradient without a tangent does not depend on x, so H·v = 0.
func (c *checker) tangentOfGrad(dst []float64) {
	if t := c.grad.Tangent(); t != nil {
		copy(dst, t.Data())
	} else {
		clear(dst)
	}
}

// checkErr is the error measure documented on CheckResult.
func checkErr(a, b float64) float64 {
	switch {
	case a == b:
		return 0
	case math.IsInf(a, 0) || math.IsInf(b, 0):
		return math.Inf(1)
	}
	return math.Abs(a-b) / max(1, math.Abs(a), math.Abs(b))
}

// worse reports whether error e should replace the worst so far: a larger
// error, or the first NaN (which then stays).
func worse(e, worst float64) bool {
	if math.IsNaN(worst) {
		return false
	}
	return math.IsNaN(e) || e > worst
}

func infNorm(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}

// randomUnit fills v with a random direction of unit Euclidean norm.
func randomUnit(rng *rand.Rand, v []float64) {
	for {
		s := 0.0
		for i := range v {
			v[i] = rng.NormFloat64()
			s += v[i] * v[i]
		}
		if s > 0 {
			s = math.Sqrt(s)
			for i := range v {
				v[i] /= s
			}
			return
		}
	}
}
