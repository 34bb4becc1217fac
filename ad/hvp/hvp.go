// Package hvp computes exact Hessian-vector products by forward-over-reverse
// differentiation, in O(n) memory and never forming the n×n Hessian, and
// builds curvature tools on them: a dense Hessian for small n, extreme
// eigenvalues by Lanczos, critical-point classification, the second-order
// Taylor model, and an Objective that package optim can minimise.
//
// How: the function and its reverse sweep (its gradient) are recorded once
// on a tape. An HVP ∇²f(x)·v is the directional derivative of the gradient
// along v, so it is one forward-mode sweep over that recording with the
// input's tangent set to v: the tangent of the gradient node is H·v. Every
// op's JVP rule is used, and no op has a second-derivative rule of its own
// (Pearlmutter 1994, "Fast exact multiplication by the Hessian").
//
// Every tool works on a point of any function, through one interface:
// an Operator (Dim and Apply: a symmetric matrix known by its products),
// and for the tools that also need f and ∇f, a SecondOrder. A *Point is
// both, whether it comes from an ad.Func (At), a function of several
// tensors (AtN), an *Objective (Objective.At) or any objective of package
// optim's shape (Linearize); package nn returns one for a model's loss on a
// data set (nn.Curvature), and an Operator for its Gauss–Newton matrix.
//
// The tools, by file:
//
//   - operator.go: Operator, SecondOrder, Function, Linearize;
//   - hvp.go: HVP (one product), At and AtN (a Point: record once, then
//     any number of products at that point), Hessian and Dense (the dense
//     matrix, small n);
//   - lanczos.go: Lanczos (extreme or top-k eigenpairs of any Operator),
//     ExtremeEigenvalues (λ_min, λ_max and Extremes.Cond);
//   - classify.go: Classify, the second-derivative test at a point
//     (minimum, maximum, saddle or inconclusive, with an escape direction);
//   - taylor.go: Taylor, the quadratic model m(d) = f + gᵀd + ½dᵀHd, with
//     the optimal gradient step gᵀg/gᵀHg and the stability bound 2/λ_max;
//   - trace.go, hutchpp.go: Trace (Hutchinson) and TraceHutchPP (Hutch++),
//     estimates of tr(H); diagonal.go: Diagonal, an estimate of diag(H);
//   - density.go: Density, the eigenvalue density by stochastic Lanczos
//     quadrature (SpectralDensity);
//   - sharpness.go: Sharpness, λ_max tracked along training, warm-started;
//   - landscape.go: Line and Plane, the loss along directions through x;
//   - objective.go: Objective (NewObjective, NewObjectiveN), the value,
//     gradient and HessVec/Linearize that package optim minimises.
package hvp

import (
	"fmt"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/overlap"
	"github.com/curvature-go/curvature/tensor"
)

// Point is a scalar function fixed at a point x: its value, its gradient
// and its Hessian there as an Operator, ready for any number of
// Hessian-vector products. It is the one value every curvature tool of
// this package takes (through the interfaces Operator and SecondOrder),
// whatever the function came from:
//
//   - At(f, x) for an ad.Func of one flat vector;
//   - AtN(f, xs) for a function of several tensors, such as a network's
//     loss of its parameter tensors (package nn's Curvature builds it);
//   - Objective.At(x) for an *Objective;
//   - Linearize(obj, x) for any objective of the shape package optim
//     minimises (Dim, Eval, HessVec, and Linearize when it has one).
//
// A Point recorded on the tape (all but the last) costs one gradient to
// make; each HVP then costs one tangent sweep over the part of the
// recording the gradient depends on, about as much as one gradient or
// less, and allocates nothing after the first.
//
// The point may be one flat vector or several tensors; vectors passed to
// and returned by a Point are always flat: the inputs' elements
// concatenated in order.
//
// A Point is not safe for concurrent use; make one per goroutine.
type Point struct {
	n int

	// The recording, for a Point made on the tape.
	tp     *graph.Tape
	xs     []*graph.Node
	y      *graph.Node
	grads  []*graph.Node
	lo, hi int // the stretch of tape a tangent sweep covers
	// sweep lists, in recording order, the nodes of lo..hi whose tangents
	// a product needs: the gradient nodes and what they depend on, not the
	// nodes that only lead to f's own tangent. It is built by the first
	// product at a recording (swept says it is current); need is its
	// scratch.
	sweep []*graph.Node
	need  []bool
	swept bool
	out   []float64 // where a product writes when dst overlaps v or x

	// The value, gradient and product, for a Point made by Linearize from
	// an objective that is not recorded here (tp == nil).
	value float64
	grad  []float64
	apply func(v, hv []float64)

	// What the Point knows of its function, for products at nearby points
	// (HessVecAt): the recorded function and its input shapes, or the
	// Function it was linearized from; and the point itself.
	f      FuncN
	shapes [][]int
	fn     Function
	x      []float64
	xown   []float64 // the Point's own copy of x, when x is not a view
}

var (
	_ Operator    = (*Point)(nil)
	_ SecondOrder = (*Point)(nil)
)

// FuncN is a scalar function of several inputs, such as a network's loss
// as a function of its parameter tensors.
type FuncN func(xs []*graph.Node) *graph.Node

// At records f and its gradient at the flat vector x (copied, not
// retained) and returns the Point. It panics if x is empty or f's output is
// not a scalar.
func At(f ad.Func, x []float64) *Point {
	if len(x) == 0 {
		panic("hvp: At: empty x")
	}
	p := &Point{tp: graph.NewTape()}
	p.record(single(f), x, [][]int{{len(x)}})
	return p
}

// AtN records f and its gradient at the inputs xs (copied, not retained)
// and returns the Point. Recording each input as its own variable, rather
// than slicing one flat vector, keeps the reverse sweep O(n) however many
// inputs there are.
func AtN(f FuncN, xs []*tensor.Tensor) *Point {
	shapes := make([][]int, len(xs))
	size := 0
	for i, x := range xs {
		shapes[i] = x.Shape()
		size += x.Size()
	}
	if size == 0 {
		panic(fmt.Sprintf("hvp: AtN: inputs of shapes %v hold no elements", shapes))
	}
	flat := make([]float64, 0, size)
	for _, x := range xs {
		flat = append(flat, x.Data()...)
	}
	p := &Point{tp: graph.NewTape()}
	p.record(f, flat, shapes)
	return p
}

func single(f ad.Func) FuncN {
	return func(xs []*graph.Node) *graph.Node { return f(xs[0]) }
}

// record records f at the flat vector x split into inputs of the given
// shapes, and the gradient with respect to all of them.
func (p *Point) record(f FuncN, x []float64, shapes [][]int) {
	p.xown = append(p.xown[:0], x...)
	p.recordView(f, p.xown, shapes) // p.xown is the Point's own copy
}

// recordView is record over x itself, not a copy: x must not be modified
// while the recording is in use.
func (p *Point) recordView(f FuncN, x []float64, shapes [][]int) {
	p.f, p.shapes, p.x = f, shapes, x
	p.tp.Reset()
	p.n = len(x)
	p.xs = viewInputs(p.tp, x, shapes, p.xs[:0])
	p.y = f(p.xs)
	if p.y.Value().Size() != 1 {
		panic(fmt.Sprintf("hvp: the function returned %v, not a scalar", p.y))
	}
	p.grads = ad.Grad(p.y, p.xs...)
	p.lo, p.hi = p.xs[0].Index(), p.xs[0].Index()
	for _, g := range p.grads {
		p.hi = max(p.hi, g.Index())
	}
	p.swept = false
}

// prune lists in p.sweep the nodes of lo..hi on which a gradient node
// depends (itself included), in recording order: the only tangents a
// product reads. A node left out keeps a stale tangent that nothing in
// the sweep reads, since its dependents are left out too.
func (p *Point) prune() {
	n := p.hi - p.lo + 1
	if cap(p.need) < n {
		p.need = make([]bool, n)
	}
	need := p.need[:n]
	clear(need)
	for _, g := range p.grads {
		if i := g.Index(); i >= p.lo {
			need[i-p.lo] = true
		}
	}
	clear(p.sweep)
	p.sweep = p.sweep[:0]
	for i := p.hi; i >= p.lo; i-- { // one pass: marked nodes, latest first
		if !need[i-p.lo] {
			continue
		}
		nd := p.tp.Node(i)
		p.sweep = append(p.sweep, nd)
		for _, in := range nd.Inputs() {
			if j := in.Index(); j >= p.lo {
				need[j-p.lo] = true
			}
		}
	}
	slices.Reverse(p.sweep) // recording order
	p.swept = true
}

// X returns the point x (read-only).
func (p *Point) X() []float64 { return p.x }

// canMove reports whether HessVecAt can evaluate products elsewhere.
func (p *Point) canMove() bool { return p.f != nil || p.fn != nil }

// HessVecAt sets hv = ∇²f(y)·v at another point y of the Point's function,
// leaving the Point as it is: one fresh recording at y (or the Function's
// HessVec for a Point made by Linearize). Classify uses it to estimate how
// fast the Hessian changes. It panics if len(y) ≠ Dim().
func (p *Point) HessVecAt(y, v, hv []float64) {
	if len(y) != p.n {
		panic(fmt.Sprintf("hvp: Point.HessVecAt: len(y) = %d for dimension %d", len(y), p.n))
	}
	switch {
	case p.f != nil:
		q := &Point{tp: graph.NewTape()}
		q.record(p.f, y, p.shapes)
		q.HVP(v, hv)
	case p.fn != nil:
		p.fn.HessVec(y, v, hv)
	default:
		panic("hvp: Point.HessVecAt: the Point does not know its function")
	}
}

// Dim returns the number of parameters.
func (p *Point) Dim() int { return p.n }

// Value returns f(x).
func (p *Point) Value() float64 {
	if p.tp == nil {
		return p.value
	}
	return p.y.Item()
}

// Grad copies ∇f(x) into dst (allocated when nil) and returns it.
func (p *Point) Grad(dst []float64) []float64 {
	dst = prepare("Grad", dst, p.n)
	if p.tp == nil {
		copy(dst, p.grad)
		return dst
	}
	off := 0
	for _, g := range p.grads {
		off += copy(dst[off:], g.Value().Data())
	}
	return dst
}

// HVP computes ∇²f(x)·v into dst (allocated when nil) and returns it.
// v is not retained.
func (p *Point) HVP(v, dst []float64) []float64 {
	if len(v) != p.n {
		panic(fmt.Sprintf("hvp: HVP: len(v) = %d for a point of dimension %d", len(v), p.n))
	}
	dst = prepare("HVP", dst, p.n)
	if p.tp == nil {
		p.apply(v, dst)
		return dst
	}
	p.setTangents(v)
	if !p.swept {
		p.prune()
	}
	// The sweep writes the gradient nodes' tangents into dst itself, so
	// that they need no copy afterwards (tangents skips what is in
	// place); but into the Point's own buffer when dst overlaps what the
	// sweep reads (v or x: HVP(v, v) is allowed), and in every case into
	// storage set for this product, never a dst of an earlier one.
	out := dst
	if !overlap.Disjoint(dst, v) || !overlap.Disjoint(dst, p.x) {
		if len(p.out) != p.n {
			p.out = make([]float64, p.n)
		}
		out = p.out
	}
	off := 0
	for _, g := range p.grads {
		size := tensor.SizeOf(g.Shape()) // the value itself is not needed
		g.SetTangentBuffer(out[off : off+size : off+size])
		off += size
	}
	for _, nd := range p.sweep {
		nd.PushTangent()
	}
	p.tangents(dst)
	return dst
}

// setTangents sets the inputs' tangents to views of the flat vector v.
func (p *Point) setTangents(v []float64) {
	off := 0
	for _, x := range p.xs {
		size := x.Value().Size()
		x.SetTangentView(v[off : off+size : off+size]) // read during the sweep only
		off += size
	}
}

// tangents copies the gradient nodes' tangents, flat, into dst.
func (p *Point) tangents(dst []float64) {
	off := 0
	for _, g := range p.grads {
		size := tensor.SizeOf(g.Shape()) // the value itself is not needed
		if t := g.Tangent(); t != nil {
			if d := t.Data(); size > 0 && &d[0] != &dst[off] { // not already written in place
				copy(dst[off:off+size], d)
			}
		} else {
			clear(dst[off : off+size]) // this gradient does not depend on x
		}
		off += size
	}
}

// Apply sets dst = ∇²f(x)·v (one HVP): it makes a Point an Operator.
func (p *Point) Apply(v, dst []float64) {
	if len(dst) != p.n {
		panic(fmt.Sprintf("hvp: Point.Apply: len(dst) = %d for a point of dimension %d", len(dst), p.n))
	}
	p.HVP(v, dst)
}

func prepare(op string, dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("hvp: %s: len(dst) = %d, want %d", op, len(dst), n))
	}
	return dst
}

// HVP returns ∇²f(x)·v, exact to rounding, in O(n) memory: about twice
// the cost of one gradient. To take several HVPs at one x, use At and
// Point.HVP, which record f once.
func HVP(f ad.Func, x, v []float64) []float64 {
	if len(x) != len(v) {
		panic(fmt.Sprintf("hvp: HVP: len(x) = %d, len(v) = %d", len(x), len(v)))
	}
	p := pooledAt(f, x)
	defer releasePoint(p)
	return p.HVP(v, nil)
}

// pointPool keeps Points for HVP and Hessian, which copy their results out
// before they return, so that calling them in a loop reuses the tape's
// storage instead of allocating it again.
var pointPool = sync.Pool{New: func() any { return &Point{tp: graph.NewTape()} }}

func pooledAt(f ad.Func, x []float64) *Point {
	p := pointPool.Get().(*Point)
	p.tp.DetectAnomalies(false)
	p.record(single(f), x, [][]int{{len(x)}})
	return p
}

// releasePoint drops the point's recording, so that the pool holds no
// references into it, and returns p to the pool.
func releasePoint(p *Point) {
	p.tp.Reset()
	clear(p.xs)
	clear(p.grads)
	clear(p.sweep)
	p.xs, p.grads, p.y, p.sweep, p.swept = p.xs[:0], nil, nil, p.sweep[:0], false
	pointPool.Put(p)
}

// Hessian returns the dense Hessian ∇²f(x) as a symmetric matrix: it is
// Dense(At(f, x)), n HVPs against the unit vectors, symmetrised. It costs
// n HVPs and n² memory: meant for small n (tests, classification of small
// problems), never for networks. It panics if x is empty.
func Hessian(f ad.Func, x []float64) *mat.SymDense {
	if len(x) == 0 {
		panic("hvp: Hessian: empty x")
	}
	p := pooledAt(f, x)
	defer releasePoint(p)
	return Dense(p)
}

// Dense returns the matrix of the symmetric operator op (a Hessian, a
// Gauss–Newton matrix) as a *mat.SymDense, from op.Dim() products against
// the unit vectors, symmetrised as (A+Aᵀ)/2 so that rounding in the
// products cannot make it unsymmetric. It costs n products and n² memory:
// for small n only. It panics if op.Dim() < 1.
func Dense(op Operator) *mat.SymDense {
	if op == nil {
		panic("hvp: Dense: nil Operator")
	}
	n := op.Dim()
	if n < 1 {
		panic(fmt.Sprintf("hvp: Dense: operator dimension %d < 1", n))
	}
	cols := mat.NewDense(n, n, nil)
	e := make([]float64, n)
	col := make([]float64, n)
	for j := 0; j < n; j++ {
		e[j] = 1
		op.Apply(e, col)
		e[j] = 0
		cols.SetCol(j, col)
	}
	h := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			h.SetSym(i, j, (cols.At(i, j)+cols.At(j, i))/2)
		}
	}
	return h
}
