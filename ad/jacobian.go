package ad

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Linear is a vector function f: ℝⁿ → ℝᵐ fixed at a point x: its value
// and the recording of f there, ready for any number of Jacobian-vector
// products J·v and vector-Jacobian products Jᵀu. Each product costs one
// tangent sweep over the recording (about one forward evaluation of f),
// and allocates nothing after the first.
//
// The reverse products use the recording of one reverse sweep, made the
// first time one is asked for: the pullback of a cotangent input u through
// f (PullBack) is Jᵀu, and is linear in u; so a tangent sweep with u's
// tangent set to a new cotangent (and x's to zero) yields Jᵀ times that
// cotangent without recording anything again.
//
// A Linear is not safe for concurrent use; make one per goroutine.
type Linear struct {
	tp   *graph.Tape
	x, y *graph.Node
	u, g *graph.Node // the cotangent input and Jᵀu; nil until first needed
	m, n int
}

// Linearize records f at the flat vector x (copied, not retained) and
// returns the Linear. f may return a node of any shape; its elements, in
// order, are the m outputs.
func Linearize(f Func, x []float64) *Linear {
	l := &Linear{tp: graph.NewTape()}
	l.record(f, x)
	return l
}

// record (re)records f at x on l's tape, reusing its storage.
func (l *Linear) record(f Func, x []float64) {
	l.tp.Reset()
	l.x = l.tp.VarVec(x)
	l.y = f(l.x)
	l.u, l.g = nil, nil
	l.n, l.m = len(x), l.y.Value().Size()
}

// Dims returns the number of outputs m and of inputs n.
func (l *Linear) Dims() (m, n int) { return l.m, l.n }

// Value copies f(x) into dst (allocated when nil) and returns it.
func (l *Linear) Value(dst []float64) []float64 {
	dst = prepareVec("Linear.Value", dst, l.m)
	copy(dst, l.y.Value().Data())
	return dst
}

// JVP computes J(x)·v into dst (len m, allocated when nil) and returns it.
func (l *Linear) JVP(v, dst []float64) []float64 {
	if len(v) != l.n {
		panic(fmt.Sprintf("ad: Linear.JVP: len(v) = %d for %d inputs", len(v), l.n))
	}
	dst = prepareVec("Linear.JVP", dst, l.m)
	if l.u != nil {
		l.u.SetTangent(nil)
	}
	l.x.SetTangentData(v)
	PushTangents(l.tp, l.x.Index(), l.y.Index())
	copyTangent(dst, l.y)
	return dst
}

// VJP computes J(x)ᵀu into dst (len n, allocated when nil) and returns it.
// The first call records the reverse sweep (about the cost of a gradient).
func (l *Linear) VJP(u, dst []float64) []float64 {
	if len(u) != l.m {
		panic(fmt.Sprintf("ad: Linear.VJP: len(u) = %d for %d outputs", len(u), l.m))
	}
	dst = prepareVec("Linear.VJP", dst, l.n)
	l.x.SetTangent(nil)
	if l.u == nil {
		l.recordReverse()
	}
	l.u.SetTangentData(u)
	PushTangents(l.tp, l.x.Index(), l.g.Index())
	copyTangent(dst, l.g)
	return dst
}

// recordReverse records the pullback uᵀ·∂y/∂x for a cotangent leaf u of
// value zero: the result is linear in u, so its tangent along u's tangent
// is Jᵀu.
func (l *Linear) recordReverse() {
	// The forward nodes may carry tangents of an earlier JVP; clear them so
	// that recording the reverse sweep does not compute tangents for it.
	PushTangents(l.tp, l.x.Index(), l.y.Index())
	l.u = l.tp.Var(tensor.ZerosLike(l.y.Value()))
	l.g = PullBack(l.y, l.u, l.x)[0]
}

func copyTangent(dst []float64, n *graph.Node) {
	if t := n.Tangent(); t != nil {
		copy(dst, t.Data())
	} else {
		clear(dst) // n does not depend on the input
	}
}

// Jacobian stores the m×n Jacobian J(x) in dst (allocated when nil) and
// returns it. It chooses forward mode (n JVPs, one per column) when n ≤ m
// and reverse mode (m VJPs, one per row) otherwise, so it costs about
// min(m, n) evaluations of f.
func (l *Linear) Jacobian(dst *mat.Dense) *mat.Dense {
	if l.n <= l.m {
		return l.JacobianForward(dst)
	}
	return l.JacobianReverse(dst)
}

// JacobianForward stores J(x) in dst (allocated when nil) column by column,
// one JVP per input: n tangent sweeps.
func (l *Linear) JacobianForward(dst *mat.Dense) *mat.Dense {
	dst = prepareJac("JacobianForward", dst, l.m, l.n)
	e := make([]float64, l.n)
	col := make([]float64, l.m)
	for j := 0; j < l.n; j++ {
		e[j] = 1
		l.JVP(e, col)
		e[j] = 0
		dst.SetCol(j, col)
	}
	return dst
}

// JacobianReverse stores J(x) in dst (allocated when nil) row by row, one
// VJP per output: one reverse recording and m tangent sweeps.
func (l *Linear) JacobianReverse(dst *mat.Dense) *mat.Dense {
	dst = prepareJac("JacobianReverse", dst, l.m, l.n)
	e := make([]float64, l.m)
	for i := 0; i < l.m; i++ {
		e[i] = 1
		l.VJP(e, dst.RawRowView(i))
		e[i] = 0
	}
	return dst
}

// Jacobian returns the m×n Jacobian of f at the flat vector x, exact to
// rounding: ∂fᵢ/∂xⱼ, with f's output elements in order as the rows. It
// records f once and uses forward mode (n JVPs) when n ≤ m and reverse
// mode (m VJPs) otherwise: about min(m, n) times the cost of one
// evaluation of f. Use Linearize to apply J to vectors without forming it.
func Jacobian(f Func, x []float64) *mat.Dense {
	return Linearize(f, x).Jacobian(nil)
}

// JacobianForward is Jacobian computed column by column with n JVPs,
// whatever m and n are.
func JacobianForward(f Func, x []float64) *mat.Dense {
	return Linearize(f, x).JacobianForward(nil)
}

// JacobianReverse is Jacobian computed row by row with m VJPs, whatever m
// and n are.
func JacobianReverse(f Func, x []float64) *mat.Dense {
	return Linearize(f, x).JacobianReverse(nil)
}

// VJP evaluates the vector function f at the flat vector x and returns
// f(x) and the vector-Jacobian product J_f(x)ᵀu (reverse mode: one
// recording of f and one reverse sweep from the cotangent u). u has
// one entry per element of f's output, in order; the value has f's output
// shape and the product x's length. Neither x nor u is retained.
func VJP(f Func, x, u []float64) (value *tensor.Tensor, vjp []float64) {
	tp := getTape()
	defer putTape(tp)
	w := tp.VarVec(x)
	y := f(w)
	if y.Value().Size() != len(u) {
		panic(fmt.Sprintf("ad: VJP: len(u) = %d for an output of shape %v", len(u), y.Shape()))
	}
	c := tp.Const(tensor.New(append([]float64(nil), u...), y.Shape()...))
	g := PullBack(y, c, w)[0]
	return y.Value().Clone(), append([]float64(nil), g.Value().Data()...)
}

func prepareVec(op string, dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("ad: %s: len(dst) = %d, want %d", op, len(dst), n))
	}
	return dst
}

func prepareJac(op string, dst *mat.Dense, m, n int) *mat.Dense {
	if dst == nil {
		return mat.NewDense(m, n, nil)
	}
	if r, c := dst.Dims(); r != m || c != n {
		panic(fmt.Sprintf("ad: %s: dst is %d×%d, want %d×%d", op, r, c, m, n))
	}
	return dst
}
