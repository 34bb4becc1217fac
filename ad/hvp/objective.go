package hvp

import (
	"fmt"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/overlap"
	"github.com/curvature-go/curvature/tensor"
)

// Objective is a scalar function of a flat parameter vector with exact
// first and second derivatives from the tape: value, gradient and
// Hessian-vector products, never an n×n matrix. It satisfies
// optim.Objective and optim.Linearizer, so any optimizer in package optim
// can minimise it.
//
// An Objective reuses its tapes between calls, so it is not safe for
// concurrent use; make one per goroutine.
type Objective struct {
	f      FuncN
	shapes [][]int
	n      int
	tp     *graph.Tape
	xs     []*graph.Node
	point  *Point
	// detect is the anomaly-detection switch; lastHVP says whether the
	// latest call was a Hessian product (whose tape holds its anomaly).
	detect, lastHVP bool
}

// NewObjective returns the Objective for f over vectors of length n.
func NewObjective(f ad.Func, n int) *Objective {
	if n <= 0 {
		panic(fmt.Sprintf("hvp: NewObjective: dimension %d", n))
	}
	return &Objective{f: single(f), shapes: [][]int{{n}}, n: n, tp: graph.NewTape()}
}

// NewObjectiveN returns the Objective for a function of several tensor
// inputs of the given shapes (a network's parameters), over the flat
// vector of all their elements concatenated in order. Each input is
// recorded as its own variable, so gradients and HVPs stay O(n).
func NewObjectiveN(f FuncN, shapes ...[]int) *Objective {
	n := 0
	cp := make([][]int, len(shapes))
	for i, s := range shapes {
		cp[i] = append([]int(nil), s...)
		n += tensor.SizeOf(s)
	}
	if len(shapes) == 0 || n <= 0 {
		panic(fmt.Sprintf("hvp: NewObjectiveN: shapes %v hold no parameters", shapes))
	}
	return &Objective{f: f, shapes: cp, n: n, tp: graph.NewTape()}
}

// Dim returns the number of parameters.
func (o *Objective) Dim() int { return o.n }

// Eval returns f(x) and, when grad is not nil, writes ∇f(x) into it. With a
// nil grad only the forward pass runs.
func (o *Objective) Eval(x, grad []float64) float64 {
	o.check("Eval", x)
	o.lastHVP = false
	o.tp.Reset()
	// The variables are views of x, not copies (x is only read, and only
	// during this call): a copy would cost a pass over x, as much as a
	// pass of the function itself.
	o.xs = viewInputs(o.tp, x, o.shapes, o.xs[:0])
	y := o.f(o.xs)
	if y.Value().Size() != 1 {
		panic(fmt.Sprintf("hvp: Objective.Eval: f returned %v, not a scalar", y))
	}
	if grad != nil {
		o.check("Eval", grad)
		off := 0
		gs := ad.Grad(y, o.xs...)
		into := overlap.Disjoint(grad, x)
		if !into {
			// grad overwrites x, which the recording reads: every
			// deferred gradient is computed before any is written.
			for _, g := range gs {
				g.Value()
			}
		}
		var dst tensor.Tensor
		for _, g := range gs {
			// A deferred gradient is computed straight into grad; a
			// computed one is copied by package tensor, split over the
			// cores from 2¹⁵ elements on (the built-in copy of a long
			// gradient would be a serial pass over it, 0.6 ms at n = 10⁶).
			size := tensor.SizeOf(g.Shape())
			if into {
				g.ValueInto(grad[off : off+size])
			} else {
				dst.Wrap(grad[off:off+size], g.Shape())
				dst.CopyFrom(g.Value())
			}
			off += size
		}
	}
	return y.Item()
}

// HessVec sets hv = ∇²f(x)·v. Each call records f at x afresh; to take
// many products at one x, use Linearize.
//
// As in Eval, x is read in place, not copied, and only during the call.
// The product is Linearize's (one tangent sweep over the nodes the
// gradient depends on), bit for bit.
func (o *Objective) HessVec(x, v, hv []float64) {
	o.check("HessVec", x)
	o.check("HessVec", v)
	o.check("HessVec", hv)
	p := o.prepare()
	p.recordView(o.f, x, o.shapes)
	p.HVP(v, hv)
}

// Linearize records f and its gradient at x once and returns a function
// that sets hv = ∇²f(x)·v for any v at the cost of one tangent sweep. The
// returned function is valid until the next call of Linearize or HessVec.
func (o *Objective) Linearize(x []float64) func(v, hv []float64) {
	o.check("Linearize", x)
	p := o.prepare()
	p.record(o.f, x, o.shapes)
	return func(v, hv []float64) { p.HVP(v, hv) }
}

// prepare returns the Point that HessVec and Linearize record on.
func (o *Objective) prepare() *Point {
	if o.point == nil {
		o.point = &Point{tp: graph.NewTape()}
		o.point.tp.DetectAnomalies(o.detect)
	}
	o.lastHVP = true
	return o.point
}

func (o *Objective) check(op string, v []float64) {
	if len(v) != o.n {
		panic(fmt.Sprintf("hvp: Objective.%s: slice of length %d for dimension %d", op, len(v), o.n))
	}
}

// DetectAnomalies turns the tapes' anomaly detection on or off for the
// following calls (see graph.Tape.DetectAnomalies): every recorded value,
// and every tangent of an HVP, is checked for NaN and ±Inf, at the cost of
// one pass over each. Anomaly then names the first operation at fault.
func (o *Objective) DetectAnomalies(on bool) {
	o.detect = on
	o.tp.DetectAnomalies(on)
	if o.point != nil {
		o.point.tp.DetectAnomalies(on)
	}
}

// Anomaly returns the first anomaly found by the latest Eval, HessVec or
// product of a Linearize while detection is on, or nil. package optim
// includes it in the error of a run that stops on a non-finite value.
func (o *Objective) Anomaly() error {
	if o.point != nil && o.point.tp.Anomaly() != nil && o.lastHVP {
		return o.point.tp.Anomaly()
	}
	return o.tp.Anomaly()
}

// viewInputs records the flat vector x as one variable per shape, in
// order, appending them to dst. The variables are views of x's storage
// (graph.Tape.VarView), not copies: x must not be modified while the
// recording is in use. The tape keeps a reference to x until its node
// storage is reused; Objective.Eval never reads x after it returns.
func viewInputs(tp *graph.Tape, x []float64, shapes [][]int, dst []*graph.Node) []*graph.Node {
	off := 0
	var t tensor.Tensor
	for _, s := range shapes {
		size := tensor.SizeOf(s)
		if off+size > len(x) {
			panic(fmt.Sprintf("hvp: %d values for inputs of shapes %v", len(x), shapes))
		}
		t.Wrap(x[off:off+size:off+size], s)
		dst = append(dst, tp.VarView(&t))
		off += size
	}
	if off != len(x) {
		panic(fmt.Sprintf("hvp: %d values for inputs of shapes %v", len(x), shapes))
	}
	return dst
}
