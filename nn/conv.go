package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Conv2D is a 2-D convolutional layer over images of shape [N, C, H, W]
// (NCHW): y = conv(x, W) + b, with filters W of shape [Out, In, KH, KW]
// (OIHW) and one bias per output channel, b of shape [Out], broadcast over
// the image. Its parameters are W then b. See graph.Conv2D for the
// convolution, its output shape and its cost.
type Conv2D struct {
	// W holds the filters, of shape [Out, In, KH, KW], and B the biases,
	// of shape [Out].
	W, B *Param
	// Stride is the step of the window along rows and columns. A zero
	// entry means 1.
	Stride [2]int
	// Pad is the number of zero rows and columns added on each side of
	// the image.
	Pad [2]int
}

var _ Model = (*Conv2D)(nil)

// NewConv2D returns a convolution from in to out channels with kernels of
// size kernel (rows, columns), stride 1 and no padding (set the fields to
// change them), its filters drawn from rng by init with the fan-in
// in·KH·KW and fan-out out·KH·KW, and its biases zero. The parameters are
// named "weight" and "bias".
func NewConv2D(rng *rand.Rand, in, out int, kernel [2]int, init Init) *Conv2D {
	if in <= 0 || out <= 0 || kernel[0] <= 0 || kernel[1] <= 0 {
		panic(fmt.Sprintf("nn: NewConv2D: %d→%d channels, kernel %v", in, out, kernel))
	}
	if rng == nil {
		panic("nn: NewConv2D: nil rng")
	}
	c := &Conv2D{
		W: &Param{Name: "weight", Value: tensor.Zeros(out, in, kernel[0], kernel[1])},
		B: &Param{Name: "bias", Value: tensor.Zeros(out)},
	}
	c.Reset(rng, init)
	return c
}

// Reset redraws the filters from rng by the scheme init and zeroes the
// biases, in place.
func (c *Conv2D) Reset(rng *rand.Rand, init Init) {
	k := c.W.Value.Dim(2) * c.W.Value.Dim(3)
	fanIn, fanOut := c.In()*k, c.Out()*k
	init.fill("Conv2D.Reset", c.W.Value.Data(), rng, fanIn, fanOut)
	c.B.Value.Fill(0)
}

// In returns the number of input channels.
func (c *Conv2D) In() int { return c.W.Value.Dim(1) }

// Out returns the number of output channels.
func (c *Conv2D) Out() int { return c.W.Value.Dim(0) }

// Params returns W and b.
func (c *Conv2D) Params() []*Param { return []*Param{c.W, c.B} }

// stride returns Stride with its defaults.
func (c *Conv2D) stride() [2]int { return defaultStride(c.Stride, [2]int{1, 1}) }

// Forward records conv(x, W) + b for x of shape [N, In, H, W]; params are
// the nodes of W and b.
func (c *Conv2D) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	checkNodes("Conv2D.Forward", params, c.Params())
	if s := x.Shape(); len(s) != 4 || s[1] != c.In() {
		panic(fmt.Sprintf("nn: Conv2D.Forward: input shape %v, want [N %d H W]", s, c.In()))
	}
	y := graph.Conv2D(x, params[0], c.stride(), c.Pad)
	return graph.Add(y, graph.Reshape(params[1], c.Out(), 1, 1))
}

// defaultStride returns s with each zero entry replaced by the matching
// entry of def.
func defaultStride(s, def [2]int) [2]int {
	for i := range s {
		if s[i] == 0 {
			s[i] = def[i]
		}
	}
	return s
}
