package nn

import (
	"fmt"

	"github.com/curvature-go/curvature/graph"
)

// Sequential is a model made of layers applied one after the other, such
// as a convolutional network:
//
//	NewSequential(conv1, ReLU, &MaxPool2D{Size: [2]int{2, 2}}, Flat{}, dense)
//
// Its parameters are the layers' parameters in layer order. An Activation
// is a layer without parameters. A Sequential literal works as well as one
// from NewSequential, which only renames the parameters.
type Sequential struct {
	// Layers are applied in order, inputs first.
	Layers []Model
}

var (
	_ Model        = (*Sequential)(nil)
	_ TrainingMode = (*Sequential)(nil)
)

// NewSequential returns the composition of layers, applied in order. It
// renames each layer's parameters by prefixing "layer<i>." (i counted from
// 0), so the names stay unique in parameter files.
func NewSequential(layers ...Model) *Sequential {
	if len(layers) == 0 {
		panic("nn: NewSequential: no layers")
	}
	s := &Sequential{Layers: layers}
	for i, l := range layers {
		if l == nil {
			panic(fmt.Sprintf("nn: NewSequential: layer %d is nil", i))
		}
		for _, p := range l.Params() {
			p.Name = fmt.Sprintf("layer%d.%s", i, p.Name)
		}
	}
	return s
}

// Params returns every layer's parameters, in layer order.
func (s *Sequential) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Forward records the layers applied in order to x.
func (s *Sequential) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	counts := make([]int, len(s.Layers))
	total := 0
	for i, l := range s.Layers {
		counts[i] = len(l.Params())
		total += counts[i]
	}
	if len(params) != total {
		panic(fmt.Sprintf("nn: Sequential.Forward: %d parameter nodes for %d parameters", len(params), total))
	}
	h := x
	for i, l := range s.Layers {
		h = l.Forward(params[:counts[i]], h)
		params = params[counts[i]:]
	}
	return h
}

// SetTraining passes the mode on to every layer that implements
// TrainingMode.
func (s *Sequential) SetTraining(training bool) {
	for _, l := range s.Layers {
		SetTraining(l, training)
	}
}

// Params returns nil: an activation has no parameters. With Forward, it
// makes an Activation a layer of a Sequential.
func (a Activation) Params() []*Param { return nil }

// Forward records the activation of x; params must be empty.
func (a Activation) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	checkNodes("Activation.Forward", params, nil)
	return a.Apply(x)
}
