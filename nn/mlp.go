package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/curvature-go/curvature/graph"
)

// MLP is a multilayer perceptron: Linear layers with Activation applied
// after every layer but the last, whose output is linear (logits for a
// classification loss, values for regression). Its parameters are the
// layers' W and b in order, named "layer0.weight", "layer0.bias", ….
type MLP struct {
	// Layers are the Linear layers, inputs first.
	Layers []*Linear
	// Activation follows every layer but the last.
	Activation Activation
}

var _ Model = (*MLP)(nil)

// NewMLP returns an MLP with the given layer sizes (inputs first, outputs
// last; at least two) and activation, its weights drawn from rng: He-normal
// for layers followed by ReLU, Glorot-uniform for the others (see Init).
// Biases start at zero.
func NewMLP(rng *rand.Rand, act Activation, sizes ...int) *MLP {
	if len(sizes) < 2 {
		panic(fmt.Sprintf("nn: NewMLP: sizes %v: need inputs and outputs", sizes))
	}
	if int(act) >= len(activationNames) {
		panic(fmt.Sprintf("nn: NewMLP: unknown activation %d", uint8(act)))
	}
	m := &MLP{Activation: act}
	for i := 0; i+1 < len(sizes); i++ {
		if sizes[i] <= 0 || sizes[i+1] <= 0 {
			panic(fmt.Sprintf("nn: NewMLP: sizes %v", sizes))
		}
		init := GlorotUniform
		if act == ReLU && i+2 < len(sizes) {
			init = HeNormal
		}
		l := NewLinear(rng, sizes[i], sizes[i+1], init)
		l.W.Name = fmt.Sprintf("layer%d.weight", i)
		l.B.Name = fmt.Sprintf("layer%d.bias", i)
		m.Layers = append(m.Layers, l)
	}
	return m
}

// Params returns every layer's W and b, in layer order.
func (m *MLP) Params() []*Param {
	ps := make([]*Param, 0, 2*len(m.Layers))
	for _, l := range m.Layers {
		ps = append(ps, l.W, l.B)
	}
	return ps
}

// Forward records the network's output for x of shape [batch, inputs].
// It costs 2·batch·Σ in·out flops plus the activations.
func (m *MLP) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	if len(params) != 2*len(m.Layers) {
		panic(fmt.Sprintf("nn: MLP.Forward: %d parameter nodes for %d layers", len(params), len(m.Layers)))
	}
	h := x
	for i, l := range m.Layers {
		h = l.Forward(params[2*i:2*i+2], h)
		if i+1 < len(m.Layers) {
			h = m.Activation.Apply(h)
		}
	}
	return h
}
