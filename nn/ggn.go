package nn

import (
	"fmt"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// GGN is the generalised Gauss–Newton matrix of a model's loss at fixed
// parameters θ,
//
//	G = Jᵀ H_L J,
//
// where J = ∂f/∂θ is the Jacobian of the model's output f(θ) on the whole
// data set with respect to all its parameters and H_L = ∂²L/∂f² is the
// Hessian of the loss with respect to that output (Schraudolph 2002; Martens
// 2010). It drops from the Hessian ∇²L = Jᵀ H_L J + Σₖ (∂L/∂fₖ) ∇²fₖ the
// second term, the curvature of the network itself; so G is positive
// semi-definite whenever the loss is convex in the output, as MSE,
// CrossEntropy and BCEWithLogits are, which is what a second-order training
// method (Hessian-free, K-FAC) needs, and it equals the Hessian when the
// model is linear in θ or the residuals vanish.
//
// For the losses of this package H_L has a closed form: 2/N·I for MSE over
// N output elements; per row i of B, (diag pᵢ − pᵢpᵢᵀ)/B for CrossEntropy,
// with pᵢ = softmax of the row's logits; and diag σ(z)(1−σ(z))/N for
// BCEWithLogits. A GGN does not use the closed forms: it differentiates the
// loss itself, exactly, so it serves any Loss; the tests check it against
// them.
//
// # Fisher information
//
// For a loss that is the negative log-likelihood of an exponential family
// whose natural parameter is the model's output (a canonical link:
// softmax cross-entropy, sigmoid with BCE, and the identity with MSE, a
// Gaussian of fixed variance), H_L is the Fisher information of that
// distribution with respect to f, and it does not depend on the targets.
// Then G is exactly the Fisher information matrix F =
// E_{y∼p(y|x,θ)}[∇θ log p · ∇θ log pᵀ] of the model (for MSE up to the
// constant factor that fixes the variance), the matrix of the natural
// gradient (Martens, "New insights and perspectives on the natural gradient
// method", JMLR 21, 2020). The "empirical Fisher" Σᵢ ∇ℓᵢ∇ℓᵢᵀ, built from
// the gradients at the data's own targets instead of targets drawn from
// the model, is not F: it has rank at most the number of examples, it
// vanishes where the model fits the data (where F and G do not), and its
// preconditioning can point the wrong way (Kunstner, Balles & Hennig,
// "Limitations of the empirical Fisher approximation", NeurIPS 2019). It is
// not offered here.
//
// # Cost
//
// Each product G·v is one forward tangent sweep (J·v), the loss's own HVP
// at the output (H_L·Jv) and one reverse product (Jᵀu), taken as a tangent
// sweep over a recording of the reverse pass made once: about one
// gradient, and J is never formed. Making a GGN costs one recording of the
// model and two reverse sweeps. A GGN is an hvp.Operator and an
// hvp.SecondOrder (with the loss's value and gradient), so every curvature
// tool of package hvp takes it, and hvp.Taylor of it is the Gauss–Newton
// model. It is not safe for concurrent use.
type GGN struct {
	n     int
	tp    *graph.Tape
	ws    []*graph.Node // the parameters, one variable per tensor
	out   *graph.Node   // the model's output f(θ)
	o     *graph.Node   // a variable holding f(θ), the loss's input
	gl    *graph.Node   // ∂L/∂f at o
	w     *graph.Node   // a variable of value 0, the adjoint seed
	gw    []*graph.Node // Jᵀw, one per parameter tensor
	value float64
	grad  []float64
	hi    int // the last node of the reverse recording
}

var (
	_ hvp.Operator    = (*GGN)(nil)
	_ hvp.SecondOrder = (*GGN)(nil)
)

// GaussNewton records the model m and the loss on the whole of d at the
// model's current parameters and returns their Gauss–Newton matrix (see
// GGN). The parameters and data are copied: later changes to the model do
// not affect it. It panics on a nil model or loss, a bad dataset, or a loss
// that does not return a scalar.
func GaussNewton(m Model, loss Loss, d *Dataset) *GGN {
	if m == nil || loss == nil {
		panic("nn: GaussNewton: nil model or loss")
	}
	d.check("GaussNewton")
	params := m.Params()
	if NumParams(params) == 0 {
		panic("nn: GaussNewton: the model has no parameters")
	}
	return newGGN("GaussNewton", m, loss, d.X, d.Y, Flatten(params))
}

// newGGN records the Gauss–Newton matrix of m at the flat parameters theta
// on the inputs x and targets y. op names the caller in panics.
func newGGN(op string, m Model, loss Loss, x, y *tensor.Tensor, theta []float64) *GGN {
	params := m.Params()
	g := &GGN{n: len(theta), tp: graph.NewTape()}
	tp := g.tp
	off := 0
	for _, p := range params {
		size := p.Value.Size()
		g.ws = append(g.ws, tp.VarData(theta[off:off+size], p.Value.Shape()...))
		off += size
	}
	g.out = m.Forward(g.ws, tp.Const(x))
	// The loss as a function of the output alone, on a variable of its own,
	// so that its second derivative H_L can be applied by a tangent sweep.
	g.o = tp.Var(g.out.Value())
	l := loss(g.o, y)
	if l.Value().Size() != 1 {
		panic(fmt.Sprintf("nn: %s: loss returned %v, not a scalar", op, l))
	}
	g.value = l.Item()
	g.gl = ad.Grad(l, g.o)[0]
	// Jᵀw for a variable w of value 0: linear in w, so its tangent along
	// δw = u is Jᵀu, and, because every node of this reverse recording has
	// value 0, the tangents of the forward nodes add nothing to it.
	g.w = tp.Var(tensor.ZerosLike(g.out.Value()))
	g.gw = ad.Grad(graph.Sum(graph.Mul(g.out, g.w)), g.ws...)
	g.hi = g.w.Index()
	for _, n := range g.gw {
		g.hi = max(g.hi, n.Index())
	}
	// ∇L(θ) = Jᵀ·∂L/∂f.
	g.grad = make([]float64, g.n)
	g.pullBack(g.gl.Value(), g.grad)
	return g
}

// Dim returns the number of parameters.
func (g *GGN) Dim() int { return g.n }

// Value returns the loss L(θ).
func (g *GGN) Value() float64 { return g.value }

// Grad copies ∇L(θ) into dst (allocated when nil) and returns it.
func (g *GGN) Grad(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, g.n)
	}
	checkLen("GGN.Grad", "dst", dst, g.n)
	copy(dst, g.grad)
	return dst
}

// Apply sets dst = G·v = Jᵀ H_L J v, exactly, in about the time of one
// gradient, without forming J. v is neither modified nor retained.
func (g *GGN) Apply(v, dst []float64) {
	checkLen("GGN.Apply", "v", v, g.n)
	checkLen("GGN.Apply", "dst", dst, g.n)
	// J·v: a forward tangent sweep over the model.
	off := 0
	for _, x := range g.ws {
		size := x.Value().Size()
		x.SetTangentData(v[off : off+size])
		off += size
	}
	g.o.SetTangent(nil)
	g.w.SetTangent(nil)
	lo, out := g.ws[0].Index(), g.out.Index()
	ad.PushTangents(g.tp, lo, out)
	jv := g.out.Tangent()
	if jv == nil { // the output does not depend on θ
		clear(dst)
		return
	}
	// H_L·Jv: the loss's HVP at the output.
	g.o.SetTangent(jv)
	ad.PushTangents(g.tp, g.o.Index(), g.gl.Index())
	u := g.gl.Tangent()
	// Clear the forward tangents (cheap: no op runs), so that the reverse
	// sweep does only the work of Jᵀu.
	for _, x := range g.ws {
		x.SetTangent(nil)
	}
	ad.PushTangents(g.tp, lo, out)
	if u == nil {
		clear(dst)
		return
	}
	g.pullBack(u, dst)
}

// pullBack sets dst = Jᵀu by a tangent sweep over the reverse recording.
// The forward nodes must carry no tangent (or any: see GaussNewton).
func (g *GGN) pullBack(u *tensor.Tensor, dst []float64) {
	g.w.SetTangent(u)
	ad.PushTangents(g.tp, g.w.Index(), g.hi)
	off := 0
	for _, n := range g.gw {
		size := n.Value().Size()
		if t := n.Tangent(); t != nil {
			copy(dst[off:off+size], t.Data())
		} else {
			clear(dst[off : off+size])
		}
		off += size
	}
	g.w.SetTangent(nil)
}

// GaussNewtonObjective is the loss of a model on a data set as an objective
// over the flat parameter vector, as NewObjective returns (value, gradient,
// HVPs and Linearize for package optim), with Gauss–Newton products as
// well: its GaussNewton method satisfies optim.GaussNewtoner, which
// optim.HessianFree uses. It is not safe for concurrent use.
type GaussNewtonObjective struct {
	*hvp.Objective
	m    Model
	loss Loss
	x, y *tensor.Tensor
}

// NewGaussNewtonObjective returns the objective of m's loss on the whole
// of d (copied), over the flat parameters in the order of Flatten; start
// the optimizer from Flatten(m.Params()) and copy the result back with
// Unflatten. It does not read or change the model's parameter values, only
// their shapes.
func NewGaussNewtonObjective(m Model, loss Loss, d *Dataset) *GaussNewtonObjective {
	if m == nil || loss == nil {
		panic("nn: NewGaussNewtonObjective: nil model or loss")
	}
	d.check("NewGaussNewtonObjective")
	return &GaussNewtonObjective{Objective: NewObjective(m, loss, d), m: m, loss: loss, x: d.X.Clone(), y: d.Y.Clone()}
}

// GaussNewton records the model at the parameters x (copied) and returns a
// function that sets gv = G(x)·v, the Gauss–Newton product (see GGN), at
// about the cost of one gradient per product. The function is valid until
// the next call of GaussNewton; the recording costs one forward pass and
// two reverse sweeps.
func (o *GaussNewtonObjective) GaussNewton(x []float64) func(v, gv []float64) {
	checkLen("GaussNewtonObjective.GaussNewton", "x", x, o.Dim())
	g := newGGN("GaussNewtonObjective", o.m, o.loss, o.x, o.y, x)
	return g.Apply
}
