package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Init is a scheme for drawing the initial weights of a Linear layer. The
// zero value is GlorotUniform.
type Init uint8

// The initialisation schemes; biases always start at zero.
const (
	// GlorotUniform draws weights uniformly from [−a, a) with
	// a = √(6/(in+out)), which keeps the variance of activations and
	// gradients roughly constant through tanh and sigmoid layers (Glorot &
	// Bengio 2010, "Understanding the difficulty of training deep
	// feedforward neural networks").
	GlorotUniform Init = iota
	// HeNormal draws weights from a normal distribution with mean 0 and
	// variance 2/in, suited to ReLU layers (He et al. 2015, "Delving deep
	// into rectifiers").
	HeNormal
)

// String returns the scheme's name.
func (i Init) String() string {
	switch i {
	case GlorotUniform:
		return "GlorotUniform"
	case HeNormal:
		return "HeNormal"
	}
	return fmt.Sprintf("Init(%d)", uint8(i))
}

// Linear is a fully connected layer: y = x·W + b for an input x of shape
// [batch, In], with weights W of shape [In, Out] and bias b of shape [Out]
// (broadcast over the rows). Its parameters are W then b.
type Linear struct {
	// W is the weight matrix, of shape [In, Out], and B the bias, of
	// shape [Out].
	W, B *Param
}

var _ Model = (*Linear)(nil)

// NewLinear returns a layer with in inputs and out outputs, its weights
// drawn from rng by the scheme init and its bias zero; the parameters are
// named "weight" and "bias". A seeded rng makes the layer repeatable. It
// costs in·out draws.
func NewLinear(rng *rand.Rand, in, out int, init Init) *Linear {
	if in <= 0 || out <= 0 {
		panic(fmt.Sprintf("nn: NewLinear: sizes %d×%d", in, out))
	}
	if rng == nil {
		panic("nn: NewLinear: nil rng")
	}
	l := &Linear{
		W: &Param{Name: "weight", Value: tensor.Zeros(in, out)},
		B: &Param{Name: "bias", Value: tensor.Zeros(out)},
	}
	l.Reset(rng, init)
	return l
}

// Reset redraws the weights from rng by the scheme init and zeroes the
// bias, in place.
func (l *Linear) Reset(rng *rand.Rand, init Init) {
	init.fill("Linear.Reset", l.W.Value.Data(), rng, l.In(), l.Out())
	l.B.Value.Fill(0)
}

// fill draws w by the scheme for a layer of the given fan-in and fan-out
// (for a convolution, channels times the kernel's size); op names the
// caller in the panic for an unknown scheme.
func (init Init) fill(op string, w []float64, rng *rand.Rand, fanIn, fanOut int) {
	switch init {
	case GlorotUniform:
		a := math.Sqrt(6 / float64(fanIn+fanOut))
		for i := range w {
			w[i] = a * (2*rng.Float64() - 1)
		}
	case HeNormal:
		s := math.Sqrt(2 / float64(fanIn))
		for i := range w {
			w[i] = s * rng.NormFloat64()
		}
	default:
		panic(fmt.Sprintf("nn: %s: unknown init %d", op, uint8(init)))
	}
}

// In returns the number of inputs.
func (l *Linear) In() int { return l.W.Value.Dim(0) }

// Out returns the number of outputs.
func (l *Linear) Out() int { return l.W.Value.Dim(1) }

// Params returns W and b.
func (l *Linear) Params() []*Param { return []*Param{l.W, l.B} }

// Forward records x·W + b for x of shape [batch, In]; params are the nodes
// of W and b. It costs one matrix product, 2·batch·In·Out flops, into which
// the bias is accumulated (graph.MatMulAdd).
func (l *Linear) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	checkNodes("Linear.Forward", params, l.Params())
	if s := x.Shape(); len(s) != 2 || s[1] != l.In() {
		panic(fmt.Sprintf("nn: Linear.Forward: input shape %v, want [batch %d]", s, l.In()))
	}
	return graph.MatMulAdd(x, params[0], params[1])
}
