package ad

import (
	"fmt"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// JVP evaluates f at the flat vector x and returns f(x) and the directional
// derivative J_f(x)·v (forward mode: tangents are carried alongside values
// as f runs, at a small constant multiple of f's cost). The outputs have
// f's output shape; neither x nor v is retained.
func JVP(f Func, x, v []float64) (value, tangent *tensor.Tensor) {
	if len(x) != len(v) {
		panic(fmt.Sprintf("ad: JVP: len(x) = %d, len(v) = %d", len(x), len(v)))
	}
	tp := getTape()
	defer putTape(tp)
	w := tp.VarVec(x)
	w.SetTangentData(v)
	y := f(w)
	value = y.Value().Clone()
	if t := y.Tangent(); t != nil {
		tangent = t.Clone()
	} else {
		tangent = tensor.ZerosLike(value)
	}
	return value, tangent
}

// PushTangents re-runs forward mode over the recorded nodes from..to
// (inclusive, by tape index) for the tangents currently set on the leaves,
// recomputing every tangent and no value. Set new leaf tangents with
// Node.SetTangentData, then call PushTangents from the first leaf onwards.
// It is how a point is "linearized": record once, then push as many tangent
// directions through the same recording as needed. Large element-wise
// tangents are only marked for computation, which happens when they are
// read (see graph's "Deferred evaluation"): read the tangents a sweep
// gives before setting the leaves' tangents for the next one.
func PushTangents(tp *graph.Tape, from, to int) {
	for i := from; i <= to; i++ {
		tp.Node(i).PushTangent()
	}
}
