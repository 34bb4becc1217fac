package nn

import (
	"fmt"

	"github.com/curvature-go/curvature/graph"
)

// Activation is an elementwise nonlinearity applied between layers. The
// zero value is Identity.
type Activation uint8

// The activations. Each is one graph operation, with exact first and
// second derivatives (ReLU's second derivative is zero everywhere and its
// first is taken as 0 at 0).
const (
	Identity Activation = iota // x
	Tanh                       // tanh(x)
	Sigmoid                    // 1/(1+e⁻ˣ)
	ReLU                       // max(x, 0)
	Softplus                   // log(1+eˣ), computed without overflow
)

var activationNames = [...]string{"Identity", "Tanh", "Sigmoid", "ReLU", "Softplus"}

// String returns the activation's name.
func (a Activation) String() string {
	if int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", uint8(a))
}

// Apply records the activation of x elementwise (Identity returns x
// itself).
func (a Activation) Apply(x *graph.Node) *graph.Node {
	switch a {
	case Identity:
		return x
	case Tanh:
		return graph.Tanh(x)
	case Sigmoid:
		return graph.Sigmoid(x)
	case ReLU:
		return graph.Relu(x)
	case Softplus:
		return graph.Softplus(x)
	}
	panic(fmt.Sprintf("nn: Activation.Apply: unknown activation %d", uint8(a)))
}
