package hvp

import (
	"fmt"

	"github.com/curvature-go/curvature/graph"
)

// Operator is a symmetric linear operator known only through products: a
// Hessian applied by Hessian-vector products, a Gauss–Newton matrix, or any
// hand-written product. Every curvature tool of this package takes one
// (Lanczos, ExtremeEigenvalues, Trace, TraceHutchPP, Diagonal, Density,
// Dense, Sharpness, and, with a value and gradient, Classify and Taylor),
// so a flat function, an optimizer's objective and a network are treated
// alike. *Point (At, AtN, Objective.At, Linearize) and *Model satisfy it,
// and package nn returns Operators for a model's Hessian and its
// Gauss–Newton matrix.
type Operator interface {
	// Dim returns the dimension n.
	Dim() int
	// Apply sets dst = A·v, for v and dst of length n. It must not modify
	// v nor retain either slice.
	Apply(v, dst []float64)
}

// SecondOrder is a function fixed at a point and known there to second
// order: its value f(x), its gradient ∇f(x), and, as an Operator, its
// Hessian (or a curvature matrix that stands in for it, such as a
// Gauss–Newton matrix). It is what Classify and Taylor need. *Point
// satisfies it.
//
// The curvature tools check a SecondOrder's value and gradient before the
// first product: where they are NaN or ±Inf the tools return ErrNonFinite
// (Classify: the Kind NotFinite).
type SecondOrder interface {
	Operator
	// Value returns f(x).
	Value() float64
	// Grad copies ∇f(x) into dst (allocated when nil) and returns it.
	Grad(dst []float64) []float64
}

// Function is the shape of an objective written by hand or in another
// package, such as one package optim minimises: its dimension, its value
// and gradient, and exact Hessian-vector products. Package hvp defines it
// so that it can consume such objectives without importing optim.
type Function interface {
	// Dim returns the number of parameters n.
	Dim() int
	// Eval returns f(x); it fills grad with ∇f(x) when grad != nil.
	Eval(x, grad []float64) float64
	// HessVec stores ∇²f(x)·v in hv.
	HessVec(x, v, hv []float64)
}

// Linearizer is optionally implemented by a Function that can fix a point
// once and then apply its Hessian there many times cheaply (as
// optim.Linearizer). *Objective implements it.
type Linearizer interface {
	// Linearize returns a function that sets hv = ∇²f(x)·v; it is valid
	// until the next call of Linearize.
	Linearize(x []float64) func(v, hv []float64)
}

// Linearize fixes the Function fn at x and returns the Point: f(x) and
// ∇f(x) from one call of fn.Eval, and products from fn.Linearize(x) when
// fn is a Linearizer (recorded once), else from fn.HessVec(x, ·, ·). For
// an *Objective it is fn.At(x), recorded on a tape of the Point's own.
// x is copied, not retained; the Point is valid until fn is next
// linearized (a Linearizer's own rule), except for an *Objective, whose
// Points stay valid. It costs one gradient and, for a Linearizer, one
// recording. It panics if len(x) ≠ fn.Dim() or fn.Dim() < 1.
func Linearize(fn Function, x []float64) *Point {
	if fn == nil {
		panic("hvp: Linearize: nil Function")
	}
	if o, ok := fn.(*Objective); ok {
		return o.At(x)
	}
	n := fn.Dim()
	if n < 1 || len(x) != n {
		panic(fmt.Sprintf("hvp: Linearize: len(x) = %d for a function of dimension %d", len(x), n))
	}
	xc := append([]float64(nil), x...)
	p := &Point{n: n, grad: make([]float64, n), fn: fn, x: xc}
	p.value = fn.Eval(xc, p.grad)
	if l, ok := fn.(Linearizer); ok {
		p.apply = l.Linearize(xc)
	} else {
		p.apply = func(v, hv []float64) { fn.HessVec(xc, v, hv) }
	}
	return p
}

// At records the objective's function and its gradient at x (copied, not
// retained) on a tape of the returned Point's own, so that the Point stays
// valid whatever the Objective does next. Each product at the Point costs
// one tangent sweep. It panics if len(x) ≠ o.Dim().
func (o *Objective) At(x []float64) *Point {
	o.check("At", x)
	p := &Point{tp: graph.NewTape()}
	p.record(o.f, x, o.shapes)
	return p
}

// finitePoint reports whether op, when it is a SecondOrder, has a finite
// value and gradient; an Operator without them counts as finite.
func finitePoint(op Operator) bool {
	p, ok := op.(SecondOrder)
	if !ok {
		return true
	}
	if !finite(p.Value()) {
		return false
	}
	for _, g := range p.Grad(nil) {
		if !finite(g) {
			return false
		}
	}
	return true
}
