package nn

import (
	"fmt"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// LayerNorm normalises each example over its last dimension and applies a
// learned gain and bias (Ba, Kiros & Hinton 2016, "Layer normalization"):
//
//	y = (x − mean(x)) / √(var(x) + Eps) ⊙ g + b,
//
// mean and (biased) variance taken over the last axis, of size Dim, g and b
// of shape [Dim] broadcast over the others. Each example is normalised on
// its own, so the layer behaves the same in training and evaluation. Its
// parameters are g ("gain", starting at 1) then b ("bias", starting at 0).
// It is written in graph operations, so its gradient and HVP are exact.
type LayerNorm struct {
	// Gain and Bias are g and b, of shape [Dim].
	Gain, Bias *Param
	// Eps is added to the variance. If Eps is 0, it is defaulted to 1e-5.
	Eps float64
}

var _ Model = (*LayerNorm)(nil)

// NewLayerNorm returns a layer normalisation over a last dimension of size
// dim, with gain 1 and bias 0.
func NewLayerNorm(dim int) *LayerNorm {
	if dim <= 0 {
		panic(fmt.Sprintf("nn: NewLayerNorm: dimension %d", dim))
	}
	return &LayerNorm{
		Gain: &Param{Name: "gain", Value: tensor.Ones(dim)},
		Bias: &Param{Name: "bias", Value: tensor.Zeros(dim)},
	}
}

// Dim returns the size of the normalised dimension.
func (l *LayerNorm) Dim() int { return l.Gain.Value.Size() }

// Params returns the gain and the bias.
func (l *LayerNorm) Params() []*Param { return []*Param{l.Gain, l.Bias} }

// Forward records the normalised x, of shape [..., Dim]. It costs about
// ten elementwise passes over x.
func (l *LayerNorm) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	checkNodes("LayerNorm.Forward", params, l.Params())
	if s := x.Shape(); len(s) == 0 || s[len(s)-1] != l.Dim() {
		panic(fmt.Sprintf("nn: LayerNorm.Forward: input shape %v, want [... %d]", s, l.Dim()))
	}
	eps := l.Eps
	if eps == 0 {
		eps = 1e-5
	}
	c := graph.Sub(x, graph.MeanAxis(x, -1, true))
	v := graph.MeanAxis(graph.Square(c), -1, true)
	y := graph.Mul(c, graph.Pow(graph.AddScalar(v, eps), -0.5))
	return graph.Add(graph.Mul(y, params[0]), params[1])
}
