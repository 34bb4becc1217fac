package nn

import (
	"fmt"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// MaxPool2D is a layer that takes the maximum of each Size window of
// images of shape [N, C, H, W], channel by channel (see graph.MaxPool2D,
// which documents the subgradient at ties: the first maximum in row-major
// order). It has no parameters.
type MaxPool2D struct {
	// Size is the window (rows, columns).
	Size [2]int
	// Stride is the step of the window. A zero entry means the matching
	// entry of Size (non-overlapping windows).
	Stride [2]int
	// Pad is the padding on each side; padded positions never win.
	Pad [2]int
}

var _ Model = (*MaxPool2D)(nil)

// Params returns nil: pooling has no parameters.
func (p *MaxPool2D) Params() []*Param { return nil }

// Forward records the pooled images; params must be empty.
func (p *MaxPool2D) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	checkNodes("MaxPool2D.Forward", params, nil)
	return graph.MaxPool2D(x, p.Size, defaultStride(p.Stride, p.Size), p.Pad)
}

// AvgPool2D is a layer that takes the mean of each Size window of images
// of shape [N, C, H, W], channel by channel, padding counted as zeros
// (see graph.AvgPool2D). It has no parameters.
type AvgPool2D struct {
	// Size is the window (rows, columns).
	Size [2]int
	// Stride is the step of the window. A zero entry means the matching
	// entry of Size (non-overlapping windows).
	Stride [2]int
	// Pad is the zero padding on each side.
	Pad [2]int
}

var _ Model = (*AvgPool2D)(nil)

// Params returns nil: pooling has no parameters.
func (p *AvgPool2D) Params() []*Param { return nil }

// Forward records the pooled images; params must be empty.
func (p *AvgPool2D) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	checkNodes("AvgPool2D.Forward", params, nil)
	return graph.AvgPool2D(x, p.Size, defaultStride(p.Stride, p.Size), p.Pad)
}

// Flat is a layer that reshapes an input of shape [N, d₁, d₂, …] to
// [N, d₁·d₂·…], between convolutional and dense layers. It copies nothing
// and has no parameters. (The function Flatten, by contrast, flattens
// parameter values.)
type Flat struct{}

var _ Model = Flat{}

// Params returns nil.
func (Flat) Params() []*Param { return nil }

// Forward records x reshaped to [N, rest]; params must be empty.
func (Flat) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	checkNodes("Flat.Forward", params, nil)
	s := x.Shape()
	if len(s) < 1 {
		panic(fmt.Sprintf("nn: Flat.Forward: input shape %v has no batch dimension", s))
	}
	return graph.Reshape(x, s[0], tensor.SizeOf(s[1:]))
}
