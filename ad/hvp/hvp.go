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
// The tools, by file:
//
//   - hvp.go: HVP (one product), At and AtN (a Point: record once, then
//     any number of products at that point), Hessian (dense, small n);
//   - lanczos.go: Lanczos and LanczosAt (extreme eigenpairs of any
//     Operator), ExtremeEigenvalues (λ_min, λ_max and Extremes.Cond);
//   - classify.go: Classify, the second-derivative test at a point
//     (minimum, maximum, saddle or inconclusive, with an escape direction);
//   - taylor.go: Taylor, the quadratic model m(d) = f + gᵀd + ½dᵀHd, with
//     the optimal gradient step gᵀg/gᵀHg and the stability bound 2/λ_max;
//   - trace.go: Trace and TraceAt, Hutchinson's estimate of tr(H);
//   - objective.go: Objective (NewObjective, NewObjectiveN), the value,
//     gradient and HessVec/Linearize that package optim minimises.
package hvp

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Point is a scalar function fixed at a point x: its value, gradient and
// the recording of both, ready for any number of Hessian-vector products.
// Each HVP at a Point costs one tangent sweep over the recording, about as
// much as one gradient, and allocates nothing after the first.
//
// The point may be one flat vector (At) or several tensors (AtN, for a
// network's parameters); vectors passed to and returned by a Point are
// always flat: the inputs' elements concatenated in order.
//
// A Point is not safe for concurrent use; make one per goroutine.
type Point struct {
	tp     *graph.Tape
	xs     []*graph.Node
	y      *graph.Node
	grads  []*graph.Node
	n      int
	lo, hi int // the stretch of tape a tangent sweep covers
}

// FuncN is a scalar function of several inputs, such as a network's loss
// as a function of its parameter tensors.
type FuncN func(xs []*graph.Node) *graph.Node

// At records f and its gradient at the flat vector x (copied, not
// retained) and returns the Point. It panics if f's output is not a scalar.
func At(f ad.Func, x []float64) *Point {
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
	p.tp.Reset()
	p.n = len(x)
	p.xs = recordInputs(p.tp, x, shapes, p.xs[:0])
	p.y = f(p.xs)
	if p.y.Value().Size() != 1 {
		panic(fmt.Sprintf("hvp: the function returned %v, not a scalar", p.y))
	}
	p.grads = ad.Grad(p.y, p.xs...)
	p.lo, p.hi = p.xs[0].Index(), p.xs[0].Index()
	for _, g := range p.grads {
		p.hi = max(p.hi, g.Index())
	}
}

// recordInputs records the flat vector x as one variable per shape, in
// order, appending them to dst.
func recordInputs(tp *graph.Tape, x []float64, shapes [][]int, dst []*graph.Node) []*graph.Node {
	off := 0
	for _, s := range shapes {
		size := tensor.SizeOf(s)
		if off+size > len(x) {
			panic(fmt.Sprintf("hvp: %d values for inputs of shapes %v", len(x), shapes))
		}
		dst = append(dst, tp.VarData(x[off:off+size], s...))
		off += size
	}
	if off != len(x) {
		panic(fmt.Sprintf("hvp: %d values for inputs of shapes %v", len(x), shapes))
	}
	return dst
}

// Dim returns the number of parameters.
func (p *Point) Dim() int { return p.n }

// Value returns f(x).
func (p *Point) Value() float64 { return p.y.Item() }

// Grad copies ∇f(x) into dst (allocated when nil) and returns it.
func (p *Point) Grad(dst []float64) []float64 {
	dst = prepare("Grad", dst, p.n)
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
	off := 0
	for _, x := range p.xs {
		size := x.Value().Size()
		x.SetTangentData(v[off : off+size])
		off += size
	}
	ad.PushTangents(p.tp, p.lo, p.hi)
	off = 0
	for _, g := range p.grads {
		size := g.Value().Size()
		if t := g.Tangent(); t != nil {
			copy(dst[off:off+size], t.Data())
		} else {
			clear(dst[off : off+size]) // this gradient does not depend on x
		}
		off += size
	}
	return dst
}

// HessVec sets hv = ∇²f(x)·v; it makes a Point a symmetric linear
// operator (see Lanczos).
func (p *Point) HessVec(v, hv []float64) { p.HVP(v, hv) }

func prepare(op string, dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("hvp: %s: len(dst) = %d, want %d", op, len(dst), n))
	}
	return dst
}

// HVP returns ∇²f(x)·v, exact to rounding, in O(n) memory: about 2–3 times
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
	p.xs, p.grads, p.y = p.xs[:0], nil, nil
	pointPool.Put(p)
}

// Hessian returns the dense Hessian ∇²f(x) as a symmetric matrix, built
// from n HVPs against the unit vectors and symmetrised as (H+Hᵀ)/2. It
// costs n HVPs and n² memory: meant for small n (tests, classification of
// small problems), never for networks.
func Hessian(f ad.Func, x []float64) *mat.SymDense {
	p := pooledAt(f, x)
	defer releasePoint(p)
	n := p.Dim()
	cols := mat.NewDense(n, n, nil)
	e := make([]float64, n)
	col := make([]float64, n)
	for j := 0; j < n; j++ {
		e[j] = 1
		p.HVP(e, col)
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
