package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// SetTraining calls m.SetTraining(training) if m implements TrainingMode
// (a model with Dropout), and does nothing otherwise: for a training loop
// of one's own. Fit switches the mode itself.
func SetTraining(m Model, training bool) {
	if t, ok := m.(TrainingMode); ok {
		t.SetTraining(training)
	}
}

// Dropout is a layer that, in training mode, sets each element of its
// input to zero with probability Rate and scales the others by
// 1/(1 − Rate), so that every element keeps its expectation (inverted
// dropout; Srivastava et al. 2014, "Dropout: a simple way to prevent
// neural networks from overfitting"). In evaluation mode it is the
// identity. A new Dropout is in evaluation mode: call SetTraining(true)
// (directly, or through SetTraining on the model that holds it) before
// training. It has no parameters.
//
// Each Forward in training mode draws a new mask from the layer's own
// generator, seeded at construction, so a run is repeatable. The mask is
// a constant of the recording: gradients and HVPs are those of the
// network with that mask fixed.
type Dropout struct {
	rate     float64
	rng      *rand.Rand
	training bool
}

var (
	_ Model        = (*Dropout)(nil)
	_ TrainingMode = (*Dropout)(nil)
)

// NewDropout returns a dropout layer of the given rate in [0, 1), in
// evaluation mode, whose masks are drawn from a PCG generator seeded with
// seed.
func NewDropout(rate float64, seed uint64) *Dropout {
	if !(rate >= 0 && rate < 1) {
		panic(fmt.Sprintf("nn: NewDropout: rate %v outside [0, 1)", rate))
	}
	return &Dropout{rate: rate, rng: rand.New(rand.NewPCG(seed, 0x64726f70))} // "drop"
}

// Rate returns the probability of dropping an element.
func (d *Dropout) Rate() float64 { return d.rate }

// SetTraining switches training mode (dropping) on or off.
func (d *Dropout) SetTraining(training bool) { d.training = training }

// Training reports whether the layer is in training mode.
func (d *Dropout) Training() bool { return d.training }

// Params returns nil.
func (d *Dropout) Params() []*Param { return nil }

// Forward records x in evaluation mode, and x ⊙ mask/(1 − Rate) with a
// fresh random mask of x's shape in training mode (one draw per element);
// params must be empty.
func (d *Dropout) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	checkNodes("Dropout.Forward", params, nil)
	if !d.training || d.rate == 0 {
		return x
	}
	mask := tensor.Zeros(x.Shape()...)
	keep := 1 / (1 - d.rate)
	for i := range mask.Data() {
		if d.rng.Float64() >= d.rate {
			mask.Data()[i] = keep
		}
	}
	return graph.Mul(x, x.Tape().Const(mask))
}
