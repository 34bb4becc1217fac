package graph

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor"
)

// Op is the definition of an operation: its name and its two derivative
// rules. Every operation of this package is an Op, and so is a user's:
// define one as a package-level variable, compute the forward value on
// tensors, and record it with Record. Gradients, JVPs and Hessian-vector
// products then pass through it exactly as through the built-in ops.
//
// The rules see the recorded node n: n.Input(i) are the inputs (their
// values by Value, their current tangents by Tangent, nil meaning zero),
// and n.Value() is the output.
//
// JVP writes into dst (of the output's shape) the output's tangent given
// the inputs' tangents; at least one input tangent is non-nil. It works on
// tensors and must overwrite all of dst.
//
// VJP receives the output's adjoint g (a node of the output's shape) and
// adds each input's adjoint contribution with adj.Add(i, node); it may skip
// inputs for which adj.Need(i) is false. It must be written with recorded
// graph operations (not on tensors), because the reverse sweep is itself
// differentiated: forward for Hessian-vector products, in reverse for
// higher derivatives. Check the two rules against finite differences with
// ad.Check.
type Op struct {
	// Name names the operation in panics, anomaly reports and String.
	Name string
	// JVP is the forward-mode rule.
	JVP func(n *Node, dst *tensor.Tensor)
	// VJP is the reverse-mode rule.
	VJP func(n, g *Node, adj *Adjoints)

	// eval computes the value of an element-wise op from its inputs'
	// values into n.value: every element from the same element of each
	// input, an input having the output's shape or one element. Its ops
	// are recorded through Tape.elementwise, which may defer the call and
	// make it on views of one block at a time (see fuse.go); the JVP rule
	// of such an op must be element-wise too.
	eval func(n *Node)
	// linearJVP marks the element-wise ops whose JVP reads no value (the
	// tangent is a linear function of the inputs' tangents alone), and
	// jvpReadsOutput those whose JVP reads the node's own value: a
	// deferred tangent then skips the values nobody reads (see
	// fusePlan.valuesRead).
	linearJVP, jvpReadsOutput bool
	// productJVP marks the products of two inputs (Mul, MulScaled), whose
	// JVP reads an input's value only when the other carries a tangent.
	productJVP bool
	// heavy marks the ops whose kernel costs several nanoseconds an
	// element (the transcendental functions): a plan that evaluates one
	// is shared among goroutines from the length at which package tensor
	// splits such a kernel, not from that of memory-bound ones.
	heavy bool

	// inPlace marks the accumulation ops of a reverse sweep, whose value
	// and tangent share their first input's storage.
	inPlace bool
	// readsDeferred marks the built-in ops whose VJP rule takes the output
	// adjoint in its deferred form (Adjoints.deferred: a coefficient, and a
	// single element standing for its broadcast), so that the sweep does
	// not first record the Scale or the BroadcastTo that the form stands
	// for: the rule folds them into the nodes it records anyway.
	readsDeferred bool
}

// Record records a node for op with the given inputs and value, which the
// caller computed from the inputs' values: the forward half of a
// user-defined operation. The value is copied into the tape's storage, so
// the caller may reuse it. If an input carries a tangent the output's
// tangent is computed by op.JVP at once (forward mode).
//
// Record panics if op lacks a name or a rule, if there are no inputs, or if
// an input is on another tape or was recorded before the tape's Reset.
func Record(op *Op, value *tensor.Tensor, inputs ...*Node) *Node {
	if op == nil || op.Name == "" || op.JVP == nil || op.VJP == nil {
		panic("graph: Record: an Op needs a Name, a JVP rule and a VJP rule")
	}
	if len(inputs) == 0 {
		panic(fmt.Sprintf("graph: Record: %s has no inputs (use Tape.Const for a constant)", op.Name))
	}
	for i, x := range inputs {
		if x == nil {
			panic(fmt.Sprintf("graph: Record: %s: input %d is nil", op.Name, i))
		}
	}
	n := naryNode(op, inputs, value.Shape(), false)
	copy(n.val().Data(), value.Data())
	return n.tape.record(n)
}
