package ad

import (
	"errors"
	"fmt"
	"math"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// ---- Implicit differentiation of a minimiser ----
//
// At a strict local minimum x* of f(·, θ) the gradient ∇ₓf(x*, θ) is zero
// and the Hessian H = ∇²ₓₓf(x*, θ) is positive definite, so by the implicit
// function theorem x*(θ) is differentiable with
//
//	dx*/dθ = −H⁻¹ ∇²ₓθ f(x*, θ).
//
// The forward rule solves H·ẋ = −∇²ₓθ f·θ̇ and the reverse rule H·u = x̄,
// then θ̄ = −∇²θₓ f·u, each by conjugate gradients on Hessian-vector
// products of one recording of f and its gradient at (x*, θ): no Hessian is
// formed, and the solver that found x* is never differentiated.

// InnerFunc is the inner objective f(x, θ) of ArgMin, written with graph
// operations: x is a vector node of the minimiser's dimension, θ a node of
// the parameter's shape, both on the same tape, and the result a scalar.
// It must be twice differentiable near the minimiser and must not keep
// the nodes it is given.
type InnerFunc func(x, theta *graph.Node) *graph.Node

// Solver returns a minimiser of the inner objective over x for the
// parameter values theta (θ's elements, row-major), or an error: any
// method, a user's own or optim.Minimize through a closure. It must not
// retain theta.
type Solver func(theta []float64) (x []float64, err error)

// ArgMinSettings configures ArgMin. A nil *ArgMinSettings, like the zero
// value, means every default.
type ArgMinSettings struct {
	// Tol is the relative residual at which the conjugate-gradient solves
	// of the derivative rules stop: ‖H·u − b‖ ≤ Tol·‖b‖. The derivative's
	// relative error is then about Tol times the condition number of H.
	// If Tol is 0, it is defaulted to 1e-10.
	Tol float64

	// MaxIter bounds the iterations of each conjugate-gradient solve. If
	// MaxIter is 0, it is defaulted to 10n + 10 for n unknowns (exact
	// arithmetic needs at most n).
	MaxIter int

	// GradTol is the stationarity ArgMin requires of the solver's result:
	// ‖∇ₓf(x*, θ)‖∞ ≤ GradTol·max(1, |f(x*, θ)|). If GradTol is 0, it is
	// defaulted to 1e-6; if it is negative, the check is skipped.
	GradTol float64
}

// The errors of ArgMin and of its derivative rules (see Minimizer.Err).
var (
	// ErrNotStationary: the solver's x is not a stationary point of
	// f(·, θ) to the tolerance GradTol, so the implicit function theorem
	// does not apply to it.
	ErrNotStationary = errors.New("ad: ArgMin: the solver's result is not a stationary point of f")
	// ErrNotPositiveDefinite: conjugate gradients met a direction p with
	// pᵀHp ≤ 0, so ∇²ₓₓf is indefinite or singular at x*: a saddle, a
	// maximum or a minimum that is not strict.
	ErrNotPositiveDefinite = errors.New("ad: ArgMin: the Hessian ∇²ₓₓf is not positive definite at x*")
	// ErrNoConvergence: conjugate gradients did not reach the tolerance
	// Tol within MaxIter iterations (H singular or badly conditioned, or
	// Tol below what rounding allows).
	ErrNoConvergence = errors.New("ad: ArgMin: conjugate gradients did not converge")
)

// Minimizer is the result of ArgMin: the node X holding x*(θ), and the
// recording of f at (x*, θ) that its derivative rules use.
type Minimizer struct {
	// X is x*(θ), a vector node on θ's tape whose only input is θ.
	X *graph.Node

	set    ArgMinSettings
	n      int
	tp     *graph.Tape // f and its gradient at (x*, θ)
	xv, tv *graph.Node // the leaves x and θ of the recording
	gx, gt *graph.Node // ∇ₓf and ∇θf
	lo, hi int
	fval   float64
	err    error
	f      InnerFunc
	x, th  []float64 // x* and θ
	op     *graph.Op // the rules of X

	r, p []float64 // conjugate-gradient work
}

// ArgMin records, on θ's tape, a node whose value is x*(θ) = argmin over x
// of f(x, θ), as found by solve, and whose derivatives with respect to θ
// come from the implicit function theorem, dx*/dθ = −(∇²ₓₓf)⁻¹ ∇²ₓθ f,
// with the linear systems solved by conjugate gradients on Hessian-vector
// products (never forming a Hessian). This is differentiation of the
// solution, not of the solver: any method may find x*, and its iterations
// are neither recorded nor differentiated.
//
// Requirements. The solver's x* must be a strict local minimum of f(·, θ):
// ∇ₓf(x*, θ) = 0 and ∇²ₓₓf(x*, θ) positive definite. ArgMin checks the
// first (see GradTol) and returns ErrNotStationary when it fails; the
// second is detected by the solves. The derivatives are exact for the
// exact minimiser: an inner solve that leaves a gradient of size ε moves
// them by O(ε) (relative to f's third derivatives and H's smallest
// eigenvalue), so solve the inner problem to a tolerance well below the
// accuracy wanted of the derivatives; the conjugate-gradient solves add a
// relative error of about Tol·cond(H).
//
// Supported derivatives. The node's JVP (θ carrying a tangent: ad.JVP,
// forward mode) solves H·ẋ = −∇²ₓθ f·θ̇. Its VJP (ad.Grad, ValueAndGrad,
// PullBack with respect to θ or anything θ depends on) solves H·u = x̄ and
// records θ̄ = −∇²θₓ f·u as a node whose JVP rule is defined too, so that
// Hessian-vector products by forward over reverse pass through x*
// (package ad/hvp, ad.Check): it solves H·u̇ = x̄̇ − Ḣu, with the third
// derivatives of f in Ḣu and in the tangent of ∇²θₓ f taken from a second
// recording of f, its gradient and its Hessian-vector product with u. That
// node's VJP rule is not defined: reverse-over-reverse (the gradient of a
// gradient through x*) and third derivatives panic with a message saying
// so rather than return a wrong value.
//
// Failures. A derivative rule cannot return an error, so when a solve
// fails (ErrNotPositiveDefinite, ErrNoConvergence) the rule's result is
// filled with NaN, which no later computation can mistake for a number
// (anomaly detection on the tape names the op), and the first such error
// is kept for Minimizer.Err. A singular H is detected when a solve needs
// its null space; a right-hand side in its range may still be solved.
// ArgMin returns the solver's error (wrapped), ErrNotStationary, or the
// error of an eager JVP (when θ already carries a tangent).
//
// Cost: one solve, one recording of f and its gradient, then per
// derivative rule one conjugate-gradient solve (each iteration one forward
// sweep over that recording, about one Hessian-vector product) and one
// more sweep; an HVP adds, per gradient it differentiates, one recording
// of f's Hessian-vector product and per direction one more solve. The Minimizer keeps the recording; it belongs to θ's
// goroutine. ArgMin panics if f does not return a scalar or if the solver
// returns an empty x.
func ArgMin(f InnerFunc, theta *graph.Node, solve Solver, s *ArgMinSettings) (*Minimizer, error) {
	theta.CheckLive("ad: ArgMin")
	var set ArgMinSettings
	if s != nil {
		set = *s
	}
	if set.Tol < 0 || math.IsNaN(set.Tol) || set.MaxIter < 0 || math.IsNaN(set.GradTol) {
		panic(fmt.Sprintf("ad: ArgMin: settings Tol = %v, MaxIter = %d, GradTol = %v", set.Tol, set.MaxIter, set.GradTol))
	}
	if set.Tol == 0 {
		set.Tol = 1e-10
	}
	if set.GradTol == 0 {
		set.GradTol = 1e-6
	}
	th := append([]float64(nil), theta.Value().Data()...)
	x, err := solve(append([]float64(nil), th...))
	if err != nil {
		return nil, fmt.Errorf("ad: ArgMin: the solver failed: %w", err)
	}
	if len(x) == 0 {
		panic("ad: ArgMin: the solver returned an empty x")
	}
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: the solver returned a non-finite x", ErrNotStationary)
		}
	}
	n := len(x)
	if set.MaxIter == 0 {
		set.MaxIter = 10*n + 10
	}
	m := &Minimizer{set: set, n: n, tp: graph.NewTape(), f: f, x: append([]float64(nil), x...), th: th,
		r: make([]float64, n), p: make([]float64, n)}
	m.xv = m.tp.VarVec(x)
	m.tv = m.tp.VarData(th, theta.Shape()...)
	y := f(m.xv, m.tv)
	if y.Value().Size() != 1 {
		panic(fmt.Sprintf("ad: ArgMin: f returned %v, not a scalar", y))
	}
	m.fval = y.Item()
	g := Grad(y, m.xv, m.tv)
	m.gx, m.gt = g[0], g[1]
	m.lo, m.hi = m.xv.Index(), max(m.gx.Index(), m.gt.Index())
	if set.GradTol > 0 {
		gn := 0.0
		for _, v := range m.gx.Value().Data() {
			gn = max(gn, math.Abs(v))
		}
		if !(gn <= set.GradTol*max(1, math.Abs(m.fval))) {
			return nil, fmt.Errorf("%w: ‖∇ₓf‖∞ = %.3g at f = %.6g (GradTol %.3g)", ErrNotStationary, gn, m.fval, set.GradTol)
		}
	}
	m.op = &graph.Op{Name: "ArgMin", JVP: m.jvp, VJP: m.vjp}
	m.X = graph.Record(m.op, tensor.FromSlice(x), theta)
	return m, m.err
}

// reverseOverReverse is the VJP rule of the node that X's VJP records.
func reverseOverReverse(*graph.Node, *graph.Node, *graph.Adjoints) {
	panic("ad: ArgMin: second derivatives in reverse mode through an implicit minimiser " +
		"(the gradient of a gradient, or third derivatives) are not supported; " +
		"ArgMin gives gradients, JVPs and Hessian-vector products by forward over reverse")
}

// Err returns the first error of a derivative rule of m (a failed
// conjugate-gradient solve, whose result was filled with NaN), or nil.
func (m *Minimizer) Err() error { return m.err }

// Value returns f(x*, θ).
func (m *Minimizer) Value() float64 { return m.fval }

// jvp is X's forward rule: ẋ = −H⁻¹ ∇²ₓθ f·θ̇.
func (m *Minimizer) jvp(n *graph.Node, dst *tensor.Tensor) {
	b := m.push(nil, n.Input(0).Tangent().Data(), m.gx)
	m.solve(dst.Data(), b)
	tensor.ScaleTo(dst, dst, -1)
}

// vjp is X's reverse rule: θ̄ = −∇²θₓ f·u with u = H⁻¹ x̄, recorded as a
// node of x̄ (g), θ and X, whose JVP rule gives forward-over-reverse
// (Hessian-vector products) and whose VJP rule panics.
func (m *Minimizer) vjp(n, g *graph.Node, adj *graph.Adjoints) {
	if !adj.Need(0) {
		return
	}
	theta := n.Input(0)
	u := make([]float64, m.n)
	tb := tensor.ZerosLike(theta.Value())
	ok := m.solve(u, g.Value().Data())
	if ok {
		copy(tb.Data(), m.push(u, nil, m.gt))
		tensor.ScaleTo(tb, tb, -1)
	} else {
		tb.Fill(math.NaN())
	}
	t := &thirdOrder{m: m, u: u, ok: ok}
	op := &graph.Op{Name: "ArgMinVJP", JVP: t.jvp, VJP: reverseOverReverse}
	adj.Add(0, graph.Record(op, tb, g, theta, n))
}

// thirdOrder is the forward rule of θ̄ = −∇θ(∇ₓf(x*, θ)·u), u = H⁻¹ x̄,
// for one u. Along the tangents (ẋ*, θ̇, x̄̇) of its inputs,
//
//	u̇  = H⁻¹ (x̄̇ − Ḣu),
//	θ̄̇ = −(d/dε ∇²θₓ f)·u − ∇²θₓ f·u̇,
//
// where Ḣu and (d/dε ∇²θₓ f)·u, third derivatives of f, are the tangents
// along (ẋ*, θ̇) of the two halves of ∇(∇ₓf·u): a second recording of f,
// made the first time they are needed and reused for later tangents.
type thirdOrder struct {
	m      *Minimizer
	u      []float64
	ok     bool
	tp     *graph.Tape
	xv, tv *graph.Node // the leaves of the second recording
	hx, ht *graph.Node // H·u and ∇²θₓ f·u
}

func (t *thirdOrder) jvp(n *graph.Node, dst *tensor.Tensor) {
	m := t.m
	if !t.ok {
		dst.Fill(math.NaN())
		return
	}
	g, theta, x := n.Input(0), n.Input(1), n.Input(2)
	rhs := make([]float64, m.n)
	out := dst.Data()
	clear(out)
	if dx, dth := x.Tangent(), theta.Tangent(); dx != nil || dth != nil {
		if t.tp == nil {
			t.record()
		}
		setTangent(t.xv, dx)
		setTangent(t.tv, dth)
		PushTangents(t.tp, t.xv.Index(), max(t.hx.Index(), t.ht.Index()))
		if hu := t.hx.Tangent(); hu != nil {
			for i, v := range hu.Data() {
				rhs[i] = -v
			}
		}
		if bu := t.ht.Tangent(); bu != nil {
			for i, v := range bu.Data() {
				out[i] = -v
			}
		}
	}
	if dg := g.Tangent(); dg != nil {
		for i, v := range dg.Data() {
			rhs[i] += v
		}
	}
	du := make([]float64, m.n)
	if !m.solve(du, rhs) {
		dst.Fill(math.NaN())
		return
	}
	for i, v := range m.push(du, nil, m.gt) {
		out[i] -= v
	}
}

// record records f at (x*, θ), its gradient, and ∇(∇ₓf·u) by reverse over
// reverse.
func (t *thirdOrder) record() {
	m := t.m
	t.tp = graph.NewTape()
	t.xv = t.tp.VarVec(m.x)
	t.tv = t.tp.VarData(m.th, m.tv.Shape()...)
	g := Grad(m.f(t.xv, t.tv), t.xv, t.tv)
	s := graph.Sum(graph.Mul(g[0], t.tp.Const(tensor.FromSlice(t.u))))
	h := Grad(s, t.xv, t.tv)
	t.hx, t.ht = h[0], h[1]
}

// setTangent sets a leaf's tangent to t (nil clears it).
func setTangent(leaf *graph.Node, t *tensor.Tensor) {
	if t == nil {
		leaf.SetTangent(nil)
	} else {
		leaf.SetTangentData(t.Data())
	}
}

// push sets the recording's leaf tangents to vx and vt (nil meaning zero),
// re-runs forward mode over it, and returns the tangent of out (∇ₓf or
// ∇θf), zeros when it has none. The result is valid until the next push.
func (m *Minimizer) push(vx, vt []float64, out *graph.Node) []float64 {
	set := func(leaf *graph.Node, v []float64) {
		if v == nil {
			leaf.SetTangent(nil)
		} else {
			leaf.SetTangentData(v)
		}
	}
	set(m.xv, vx)
	set(m.tv, vt)
	PushTangents(m.tp, m.lo, m.hi)
	if t := out.Tangent(); t != nil {
		return t.Data()
	}
	return make([]float64, out.Value().Size())
}

// solve sets u to the solution of H·u = b by conjugate gradients (Hestenes
// & Stiefel 1952; Nocedal & Wright, Numerical Optimization, Algorithm
// 5.2) and reports success; on failure it sets u to NaN and records the
// error. A non-finite b gives a NaN u without an error of m's own.
func (m *Minimizer) solve(u, b []float64) bool {
	clear(u)
	r, p := m.r, m.p
	copy(r, b)
	copy(p, b)
	rr := dot(r, r)
	bn := math.Sqrt(rr)
	if bn == 0 {
		return true
	}
	fail := func(err error) {
		for i := range u {
			u[i] = math.NaN()
		}
		if err != nil && m.err == nil {
			m.err = err
		}
	}
	if math.IsNaN(bn) || math.IsInf(bn, 0) {
		fail(nil)
		return false
	}
	for k := range m.set.MaxIter {
		hp := m.push(p, nil, m.gx)
		php := dot(p, hp)
		if !(php > 0) {
			fail(fmt.Errorf("%w: pᵀHp/pᵀp = %.3g at iteration %d", ErrNotPositiveDefinite, php/dot(p, p), k))
			return false
		}
		alpha := rr / php
		for i := range u {
			u[i] += alpha * p[i]
			r[i] -= alpha * hp[i]
		}
		rrNew := dot(r, r)
		if math.Sqrt(rrNew) <= m.set.Tol*bn {
			return true
		}
		beta := rrNew / rr
		for i := range p {
			p[i] = r[i] + beta*p[i]
		}
		rr = rrNew
	}
	fail(fmt.Errorf("%w: relative residual %.3g after %d iterations (Tol %.3g)", ErrNoConvergence, math.Sqrt(rr)/bn, m.set.MaxIter, m.set.Tol))
	return false
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
