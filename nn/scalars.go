package nn

import (
	"fmt"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// ScalarFunc computes a model's output from scalar parameter nodes w and
// an input x, with graph operations.
type ScalarFunc func(w []*graph.Node, x *graph.Node) *graph.Node

// Scalars is a model whose parameters are scalars w1, w2, … and whose
// output is a function of them written by the caller: the small models of
// textbooks and of tests, such as ŷ = w1·w2·x (see NewProduct).
type Scalars struct {
	params []*Param
	f      ScalarFunc
}

var _ Model = (*Scalars)(nil)

// NewScalars returns the model ŷ = f(w, x) with one scalar parameter per
// initial value, named "w1", "w2", ….
func NewScalars(f ScalarFunc, init ...float64) *Scalars {
	if f == nil {
		panic("nn: NewScalars: nil function")
	}
	s := &Scalars{f: f, params: make([]*Param, len(init))}
	for i, v := range init {
		s.params[i] = &Param{Name: fmt.Sprintf("w%d", i+1), Value: tensor.Scalar(v)}
	}
	return s
}

// NewProduct returns the model ŷ = w1·w2·…·wk·x, one scalar parameter per
// initial value (at least one): NewProduct(0, 0) is the two-weight model
// whose squared loss on (x, y) = (1, 1) has its saddle point at the origin.
func NewProduct(init ...float64) *Scalars {
	if len(init) == 0 {
		panic("nn: NewProduct: no parameters")
	}
	return NewScalars(func(w []*graph.Node, x *graph.Node) *graph.Node {
		p := w[0]
		for _, wi := range w[1:] {
			p = graph.Mul(p, wi)
		}
		return graph.Mul(p, x)
	}, init...)
}

// Params returns the scalar parameters w1, w2, … in order.
func (s *Scalars) Params() []*Param { return s.params }

// Forward records f(w, x).
func (s *Scalars) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	checkNodes("Scalars.Forward", params, s.params)
	return s.f(params, x)
}
