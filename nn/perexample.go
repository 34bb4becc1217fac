package nn

import (
	"fmt"
	"math"
	"sync"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// PerExampleGrads returns the gradient of the loss of each example of the
// batch (x, y) with respect to all parameters of m: dst[i], in the order
// of Flatten, is ∇θ loss(m(x_i), y_i), the gradient one would get from the
// batch made of example i alone. Their mean is the batch gradient.
//
// It takes one forward pass and one reverse sweep over the whole batch,
// not one per example, by the outer-product identity: a Linear layer
// z = a·W + b gives example i the weight gradient a_iᵀ ⊗ ḡ_i and the bias
// gradient ḡ_i, where a_i is the layer's input row and ḡ_i = N·∂L/∂z_i the
// back-propagated adjoint of its output row (N is the batch size: the
// batch loss L is the mean of the example losses); a Conv2D layer gives
// ḡ_i·cols_i, with cols_i the Im2Col rows of example i's input (Goodfellow
// 2015, "Efficient per-example gradient computations"; Rochette et al.
// 2019 for convolutions). Beyond the batch gradient it costs the writing
// of the N·len(θ) results (the outer products) and, for Conv2D, one
// small product per example.
//
// m must be a *Linear, an *MLP, or a *Sequential whose layers with
// parameters are *Linear or *Conv2D and whose other layers treat the
// examples independently (activations, pooling, Flat, Dropout in
// evaluation mode); loss must be the mean over the examples of a
// per-example loss, as are MSE, CrossEntropy and BCEWithLogits. It panics
// otherwise. dst is reused when it holds N slices of len(θ) floats, and
// allocated otherwise; it is returned.
func PerExampleGrads(m Model, loss Loss, x, y *tensor.Tensor, dst [][]float64) [][]float64 {
	if x.Dims() == 0 {
		panic("nn: PerExampleGrads: scalar input, want a batch")
	}
	n := x.Dim(0)
	params := m.Params()
	size := NumParams(params)
	if len(dst) != n {
		dst = make([][]float64, n)
	}
	for i := range dst {
		if len(dst[i]) != size {
			dst[i] = make([]float64, size)
		}
	}
	tp := getTape()
	defer tapePool.Put(tp)
	taps, adj := tappedAdjoints(tp, "PerExampleGrads", m, loss, x, y)
	offset := 0
	for i, t := range taps {
		g := adj[i].Value().Data()
		switch layer := t.layer.(type) {
		case *Linear:
			linearPerExample(dst, offset, t.in.Value().Data(), g, layer.In(), layer.Out(), float64(n))
		case *Conv2D:
			convPerExample(tp, dst, offset, layer, t.in, g, float64(n))
		}
		offset += NumParams(t.layer.Params())
	}
	return dst
}

// PerExampleGradNorms returns the Euclidean norm of the gradient of the
// loss of each example of (x, y) with respect to all parameters of m:
// dst[i] = ‖∇θ loss(m(x_i), y_i)‖, the norms of PerExampleGrads, without
// writing the gradients themselves (what per-example clipping needs). For
// a Linear layer the squared norm of example i's weight gradient is
// N²‖a_i‖²‖∂L/∂z_i‖², so the cost is that of the batch gradient plus
// O(N·(in + out)) per layer; a Conv2D layer still forms each example's
// small filter gradient. The requirements on m and loss are those of
// PerExampleGrads. dst is reused when it has N elements, and allocated
// otherwise; it is returned.
func PerExampleGradNorms(m Model, loss Loss, x, y *tensor.Tensor, dst []float64) []float64 {
	if x.Dims() == 0 {
		panic("nn: PerExampleGradNorms: scalar input, want a batch")
	}
	n := x.Dim(0)
	if len(dst) != n {
		dst = make([]float64, n)
	}
	clear(dst)
	tp := getTape()
	defer tapePool.Put(tp)
	taps, adj := tappedAdjoints(tp, "PerExampleGradNorms", m, loss, x, y)
	fn := float64(n)
	for k, t := range taps {
		g := adj[k].Value().Data()
		switch layer := t.layer.(type) {
		case *Linear:
			in, out := layer.In(), layer.Out()
			a := t.in.Value().Data()
			for i := range dst {
				aa := sumSquares(a[i*in : (i+1)*in])
				gg := sumSquares(g[i*out : (i+1)*out])
				dst[i] += fn * fn * gg * (aa + 1) // weights, then bias
			}
		case *Conv2D:
			per := perExampleConvSquares(tp, layer, t.in, g, fn)
			for i := range dst {
				dst[i] += per[i]
			}
		}
	}
	for i, v := range dst {
		dst[i] = math.Sqrt(v)
	}
	return dst
}

func sumSquares(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return s
}

// perExampleConvSquares returns the squared norms of every example's
// filter and bias gradients of the layer c.
func perExampleConvSquares(tp *graph.Tape, c *Conv2D, in *graph.Node, g []float64, n float64) []float64 {
	n0 := in.Shape()[0]
	buf := make([][]float64, n0)
	size := NumParams(c.Params())
	flat := make([]float64, n0*size)
	for i := range buf {
		buf[i] = flat[i*size : (i+1)*size]
	}
	convPerExample(tp, buf, 0, c, in, g, n)
	out := make([]float64, n0)
	for i, b := range buf {
		out[i] = sumSquares(b)
	}
	return out
}

// tappedAdjoints records m and loss on (x, y), on tp, with a tap on every layer
// with parameters and returns the taps and the adjoints ∂L/∂z of the
// layers' outputs z, from one reverse sweep. op names the caller.
func tappedAdjoints(tp *graph.Tape, op string, m Model, loss Loss, x, y *tensor.Tensor) ([]layerTap, []*graph.Node) {
	nodes := Vars(tp, m.Params())
	var taps []layerTap
	out := forwardTapped(m, nodes, tp.Const(x), &taps)
	l := loss(out, y)
	if l.Value().Size() != 1 {
		panic(fmt.Sprintf("nn: %s: loss returned %v, not a scalar", op, l))
	}
	outs := make([]*graph.Node, len(taps))
	for i, t := range taps {
		outs[i] = t.out
	}
	n := x.Dim(0)
	size := 0
	for _, t := range taps {
		if s := t.in.Shape(); len(s) == 0 || s[0] != n {
			panic(fmt.Sprintf("nn: %s: layer input of shape %v for a batch of %d: the model must keep the examples apart", op, s, n))
		}
		size += NumParams(t.layer.Params())
	}
	if total := NumParams(m.Params()); size != total {
		panic(fmt.Sprintf("nn: %s: %d of %d parameters belong to layers it can handle", op, size, total))
	}
	return taps, ad.Grad(l, outs...)
}

// tapePool keeps tapes between calls of PerExampleGrads and
// PerExampleGradNorms, so that a training loop calling them every step
// reuses the tape's buffers instead of allocating and faulting in
// megabytes each time (as package ad pools its scratch arrays). A tape
// goes back to the pool only when its nodes are no longer read.
var tapePool = sync.Pool{New: func() any { return graph.NewTape() }}

// getTape returns a reset tape from tapePool.
func getTape() *graph.Tape {
	tp := tapePool.Get().(*graph.Tape)
	tp.Reset()
	return tp
}

// layerTap records, for one layer with parameters, its input and output
// nodes in a forward pass.
type layerTap struct {
	layer   Model
	in, out *graph.Node
}

// forwardTapped records m's output on x, as Forward does, and appends a
// tap for every layer with parameters, in the order of m's Params.
func forwardTapped(m Model, nodes []*graph.Node, x *graph.Node, taps *[]layerTap) *graph.Node {
	switch m := m.(type) {
	case *Linear, *Conv2D:
		y := m.Forward(nodes, x)
		*taps = append(*taps, layerTap{layer: m, in: x, out: y})
		return y
	case *MLP:
		if len(nodes) != 2*len(m.Layers) {
			panic(fmt.Sprintf("nn: PerExampleGrads: %d parameter nodes for %d layers", len(nodes), len(m.Layers)))
		}
		h := x
		for i, l := range m.Layers {
			h = forwardTapped(l, nodes[2*i:2*i+2], h, taps)
			if i+1 < len(m.Layers) {
				h = m.Activation.Apply(h)
			}
		}
		return h
	case *Sequential:
		h := x
		for _, l := range m.Layers {
			k := len(l.Params())
			if k > len(nodes) {
				panic(fmt.Sprintf("nn: PerExampleGrads: too few parameter nodes for %T", l))
			}
			h = forwardTapped(l, nodes[:k], h, taps)
			nodes = nodes[k:]
		}
		return h
	}
	if len(m.Params()) != 0 {
		panic(fmt.Sprintf("nn: PerExampleGrads: layer %T has parameters: only Linear and Conv2D are supported", m))
	}
	if d, ok := m.(*Dropout); ok && d.training && d.rate > 0 {
		panic("nn: PerExampleGrads: Dropout in training mode")
	}
	return m.Forward(nodes, x)
}

// linearPerExample writes N·(a_iᵀ ⊗ g_i) and N·g_i, the weight and bias
// gradients of example i, at offset of dst[i]; a is [N, in], g is
// [N, out] (∂L/∂z).
func linearPerExample(dst [][]float64, offset int, a, g []float64, in, out int, n float64) {
	scaled := make([]float64, out)
	for i, d := range dst {
		for j, gv := range g[i*out : (i+1)*out] {
			scaled[j] = n * gv
		}
		w := d[offset : offset+in*out]
		for k, av := range a[i*in : (i+1)*in] {
			scaleRow(w[k*out:(k+1)*out], av, scaled)
		}
		copy(d[offset+in*out:offset+in*out+out], scaled)
	}
}

// scaleRow sets dst = c·x; len(dst) = len(x); dst may be x.
func scaleRow(dst []float64, c float64, x []float64) {
	dst = dst[:len(x)]
	j := 0
	for ; j+4 <= len(x); j += 4 {
		dst[j] = c * x[j]
		dst[j+1] = c * x[j+1]
		dst[j+2] = c * x[j+2]
		dst[j+3] = c * x[j+3]
	}
	for ; j < len(x); j++ {
		dst[j] = c * x[j]
	}
}

// convPerExample writes the filter and bias gradients of every example:
// N·g_i·cols_i, of shape [O, C·KH·KW] (the filters' OIHW order), and
// N·Σ_p g_i[o, p]. g is [N, O, OH, OW] (∂L/∂z).
func convPerExample(tp *graph.Tape, dst [][]float64, offset int, c *Conv2D, in *graph.Node, g []float64, n float64) {
	ws := c.W.Value.Shape()
	o, ckk := ws[0], ws[1]*ws[2]*ws[3]
	// The layer's input is a node of tp: unfold it there, as a constant.
	cols := graph.Im2Col(tp.Const(in.Value()), [2]int{ws[2], ws[3]}, c.stride(), c.Pad).Value() // [N·P, C·KH·KW]
	p := cols.Dim(0) / len(dst)
	var gi, ci, wi tensor.Tensor
	for i, d := range dst {
		gi.Wrap(g[i*o*p:(i+1)*o*p], []int{o, p})
		ci.Wrap(cols.Data()[i*p*ckk:(i+1)*p*ckk], []int{p, ckk})
		wi.Wrap(d[offset:offset+o*ckk], []int{o, ckk})
		tensor.MatMulTo(&wi, &gi, &ci, false, false)
		tensor.ScaleTo(&wi, &wi, n)
		b := d[offset+o*ckk : offset+o*ckk+o]
		for k := range b {
			s := 0.0
			for _, v := range gi.Data()[k*p : (k+1)*p] {
				s += v
			}
			b[k] = n * s
		}
	}
}
