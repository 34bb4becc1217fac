package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Embedding is a lookup table that maps integer ids in [0, Vocab) to
// learned vectors of size Dim: the row of its weight W, of shape
// [Vocab, Dim], at each id. Its one parameter is W ("weight").
//
// The input holds the ids as float64 whole numbers (a constant: ids carry
// no derivative), of shape [N] or [N, T]; the output has shape [N, Dim] or
// [N, T, Dim]. It is recorded with graph.Gather, whose VJP adds the
// adjoint of each looked-up row into W's row, so an id that appears k
// times receives the sum of k adjoints.
type Embedding struct {
	// W is the table, of shape [Vocab, Dim].
	W *Param
}

var _ Model = (*Embedding)(nil)

// NewEmbedding returns a table of vocab vectors of size dim, drawn from
// the standard normal distribution by rng.
func NewEmbedding(rng *rand.Rand, vocab, dim int) *Embedding {
	if vocab <= 0 || dim <= 0 {
		panic(fmt.Sprintf("nn: NewEmbedding: %d ids × %d", vocab, dim))
	}
	if rng == nil {
		panic("nn: NewEmbedding: nil rng")
	}
	return &Embedding{W: &Param{Name: "weight", Value: tensor.RandNormal(rng, vocab, dim)}}
}

// Vocab returns the number of ids.
func (e *Embedding) Vocab() int { return e.W.Value.Dim(0) }

// Dim returns the size of each vector.
func (e *Embedding) Dim() int { return e.W.Value.Dim(1) }

// Params returns W.
func (e *Embedding) Params() []*Param { return []*Param{e.W} }

// Forward records the rows of W at the ids in x. It panics on an id that
// is not a whole number in [0, Vocab). It costs one copy of the output.
func (e *Embedding) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	checkNodes("Embedding.Forward", params, e.Params())
	s := x.Shape()
	if len(s) != 1 && len(s) != 2 {
		panic(fmt.Sprintf("nn: Embedding.Forward: ids of shape %v, want [N] or [N T]", s))
	}
	ids := make([]int, x.Value().Size())
	for i, v := range x.Value().Data() {
		if v != math.Trunc(v) || v < 0 || v >= float64(e.Vocab()) {
			panic(fmt.Sprintf("nn: Embedding.Forward: id %v at %d is not in [0, %d)", v, i, e.Vocab()))
		}
		ids[i] = int(v)
	}
	y := graph.Gather(params[0], ids)
	return graph.Reshape(y, append(append([]int(nil), s...), e.Dim())...)
}
