package graph_test

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// inputKind says where an op's test inputs are drawn from, so that every
// point is one where the op is smooth and finite differences are valid.
type inputKind int

const (
	anyReal       inputKind = iota // uniform on [−2, 2)
	positive                       // uniform on [0.5, 2)
	awayFromZero                   // ±uniform on [0.3, 1.5): kinks of Relu, Abs; poles of Div
	distinct                       // well separated values (gaps ≥ 0.1): no ties for Max
	someZeros                      // anyReal, with every other element exactly 0
	lattice                        // within 0.2 of an integer in [−2, 2]
	offLattice                     // within 0.2 of an odd multiple of ½ in [−2.5, 2.5]: ≥ 0.1 from any lattice value
	aboveMinusOne                  // uniform on [−0.8, 2): the domain of Log1p, away from its pole
)

func draw(rng *rand.Rand, kind inputKind, n int) []float64 {
	x := make([]float64, n)
	switch kind {
	case anyReal:
		for i := range x {
			x[i] = -2 + 4*rng.Float64()
		}
	case positive:
		for i := range x {
			x[i] = 0.5 + 1.5*rng.Float64()
		}
	case awayFromZero:
		for i := range x {
			x[i] = 0.3 + 1.2*rng.Float64()
			if rng.IntN(2) == 0 {
				x[i] = -x[i]
			}
		}
	case someZeros:
		for i := range x {
			if i%2 == 1 {
				x[i] = -2 + 4*rng.Float64()
			}
		}
	case lattice, offLattice:
		for i := range x {
			x[i] = float64(rng.IntN(5)-2) + 0.4*rng.Float64() - 0.2
			if kind == offLattice {
				x[i] += 0.5
			}
		}
	case aboveMinusOne:
		for i := range x {
			x[i] = -0.8 + 2.8*rng.Float64()
		}
	case distinct:
		for i, p := range rng.Perm(n) {
			x[i] = 0.2*float64(p) - 0.1*float64(n) + 0.1*rng.Float64()
		}
	}
	return x
}

// opCase is one row of the derivative table: a function of one or more
// input tensors built from graph ops.
type opCase struct {
	name   string
	shapes [][]int
	kinds  []inputKind // per input; nil means all anyReal
	f      func(in []*graph.Node) *graph.Node
}

func unary(op func(*graph.Node) *graph.Node) func([]*graph.Node) *graph.Node {
	return func(in []*graph.Node) *graph.Node { return op(in[0]) }
}

func binary(op func(a, b *graph.Node) *graph.Node) func([]*graph.Node) *graph.Node {
	return func(in []*graph.Node) *graph.Node { return op(in[0], in[1]) }
}

func sh(dims ...int) []int { return dims }

// opCases lists every op of package graph, with broadcast shapes, axes,
// keepDims both ways, negative axes, strided slices and all layouts of
// the matrix product.
func opCases() []opCase {
	var cs []opCase
	add := func(c opCase) { cs = append(cs, c) }

	// ---- Broadcasting binary arithmetic ----
	bshapes := []struct {
		name string
		a, b []int
	}{
		{"same(2,3)", sh(2, 3), sh(2, 3)},
		{"(2,3)_(3)", sh(2, 3), sh(3)},
		{"(3)_(2,3)", sh(3), sh(2, 3)},
		{"(2,3)_(2,1)", sh(2, 3), sh(2, 1)},
		{"(4,1,3)_(1,5,1)", sh(4, 1, 3), sh(1, 5, 1)},
		{"scalar_(2,3)", sh(), sh(2, 3)},
		{"(2,3)_scalar", sh(2, 3), sh()},
		{"scalar_scalar", sh(), sh()},
	}
	bops := []struct {
		name string
		op   func(a, b *graph.Node) *graph.Node
		kb   inputKind
	}{
		{"Add", graph.Add, anyReal},
		{"Sub", graph.Sub, anyReal},
		{"Mul", graph.Mul, anyReal},
		{"Div", graph.Div, awayFromZero},
	}
	for _, op := range bops {
		for _, s := range bshapes {
			add(opCase{name: op.name + "/" + s.name, shapes: [][]int{s.a, s.b},
				kinds: []inputKind{anyReal, op.kb}, f: binary(op.op)})
		}
		// The same node as both operands: adjoints must accumulate.
		add(opCase{name: op.name + "/x_x", shapes: [][]int{sh(2, 3)}, kinds: []inputKind{op.kb},
			f: func(in []*graph.Node) *graph.Node { return op.op(in[0], in[0]) }})
		// A constant operand on either side: the VJP skips it.
		add(opCase{name: op.name + "/x_const", shapes: [][]int{sh(2, 3)},
			f: func(in []*graph.Node) *graph.Node {
				return op.op(in[0], in[0].Tape().Const(tensor.New([]float64{0.7, -1.3, 2.1}, 3)))
			}})
		add(opCase{name: op.name + "/const_x", shapes: [][]int{sh(2, 3)}, kinds: []inputKind{op.kb},
			f: func(in []*graph.Node) *graph.Node {
				return op.op(in[0].Tape().Const(tensor.New([]float64{0.7, -1.3}, 2, 1)), in[0])
			}})
	}

	// ---- Scalar arithmetic ----
	add(opCase{name: "Neg", shapes: [][]int{sh(2, 3)}, f: unary(graph.Neg)})
	for _, shape := range [][]int{sh(2, 3), sh(), sh(1)} { // scalars take a path of their own
		add(opCase{name: fmt.Sprintf("Scale%v", shape), shapes: [][]int{shape},
			f: func(in []*graph.Node) *graph.Node { return graph.Scale(in[0], -2.5) }})
	}
	add(opCase{name: "AddScalar", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node { return graph.AddScalar(in[0], 0.7) }})
	for _, p := range []struct {
		p    float64
		kind inputKind
	}{{2, anyReal}, {3, anyReal}, {1, anyReal}, {0, anyReal}, {-1, awayFromZero}, {-2, awayFromZero},
		{0.5, positive}, {2.5, positive}, {-1.5, positive}} {
		add(opCase{name: fmt.Sprintf("Pow/%g", p.p), shapes: [][]int{sh(2, 3)}, kinds: []inputKind{p.kind},
			f: func(in []*graph.Node) *graph.Node { return graph.Pow(in[0], p.p) }})
	}
	// Integer powers are smooth at 0, where x^(p−1) is 0⁻¹ when p = 0.
	for _, p := range []float64{0, 1, 2, 3} {
		add(opCase{name: fmt.Sprintf("Pow/%g/at-zero", p), shapes: [][]int{sh(2, 3)}, kinds: []inputKind{someZeros},
			f: func(in []*graph.Node) *graph.Node { return graph.Pow(in[0], p) }})
	}

	// ---- Elementwise functions ----
	for _, u := range []struct {
		name string
		op   func(*graph.Node) *graph.Node
		kind inputKind
	}{
		{"Exp", graph.Exp, anyReal},
		{"Log", graph.Log, positive},
		{"Sqrt", graph.Sqrt, positive},
		{"Square", graph.Square, anyReal},
		{"Sin", graph.Sin, anyReal},
		{"Cos", graph.Cos, anyReal},
		{"Softplus", graph.Softplus, anyReal},
		{"Relu", graph.Relu, awayFromZero},
		{"Abs", graph.Abs, awayFromZero},
		{"Tanh", graph.Tanh, anyReal},
		{"Sigmoid", graph.Sigmoid, anyReal},
	} {
		add(opCase{name: u.name, shapes: [][]int{sh(2, 3)}, kinds: []inputKind{u.kind}, f: unary(u.op)})
		add(opCase{name: u.name + "/scalar", shapes: [][]int{sh()}, kinds: []inputKind{u.kind}, f: unary(u.op)})
	}
	// Compositions whose second and third derivatives run through the fused
	// ops tanhGrad, sigmoidGrad and squareGrad with tangents on both of
	// their inputs.
	add(opCase{name: "Square(Square(x)⊙y)", shapes: [][]int{sh(2, 3), sh(3)},
		f: func(in []*graph.Node) *graph.Node { return graph.Square(graph.Mul(graph.Square(in[0]), in[1])) }})
	// Square under a Sum: its adjoint is a broadcast scalar, which
	// squareGrad reads as a scalar; the scalar carries a tangent (it
	// depends on x through the other factor), and the one-element shapes
	// differ in rank in the second case.
	for _, shape := range [][]int{sh(2, 3), sh(1, 1), sh(4)} {
		add(opCase{name: fmt.Sprintf("Sum(Square(x))·Sum(Sin(x))/%v", shape), shapes: [][]int{shape},
			f: func(in []*graph.Node) *graph.Node {
				return graph.Mul(graph.Sum(graph.Square(in[0])), graph.Sum(graph.Sin(in[0])))
			}})
	}
	// Scaled adjoint contributions (Scale, Neg, Sub's subtrahend), which
	// the reverse sweep keeps unrecorded until they are read: followed by
	// a sparse contribution, by another scaled one, by a dense one, and
	// arriving at an adjoint the sweep already owns.
	add(opCase{name: "Adjoint/scaled-then-sparse", shapes: [][]int{sh(4)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Mul(graph.Index(in[0], 1), graph.Sum(graph.Sin(graph.Scale(in[0], 3))))
		}})
	add(opCase{name: "Adjoint/scaled-then-scaled", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Mul(graph.Scale(in[0], 2), graph.Sin(graph.Neg(in[0])))
		}})
	add(opCase{name: "Adjoint/scaled-then-dense", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Sub(graph.Exp(in[0]), graph.Square(graph.Scale(in[0], -0.5)))
		}})
	add(opCase{name: "Adjoint/scaled-into-owned", shapes: [][]int{sh(5)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Sum(graph.Mul(graph.Scale(in[0], -2), graph.Add(graph.Sin(in[0]), graph.Exp(in[0]))))
		}})
	// Deferred adjoints read by Square's rule (a Sum's broadcast scalar, a
	// scaled one, both) and by the other readers, which get them recorded:
	// the sum read by a second Sum and by Of (the gradient with respect to
	// the square itself is the Mul case's y), a broadcast into an adjoint
	// that has a dense contribution already, a Sum of a Sum.
	add(opCase{name: "Deferred/Sum(Square)·3", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node { return graph.Scale(graph.Sum(graph.Square(in[0])), 3) }})
	add(opCase{name: "Deferred/Sum(y−Square(x))", shapes: [][]int{sh(4), sh(4)},
		f: func(in []*graph.Node) *graph.Node { return graph.Sum(graph.Sub(in[1], graph.Square(in[0]))) }})
	add(opCase{name: "Deferred/Square(y−Square(x))", shapes: [][]int{sh(4), sh(4)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Sum(graph.Square(graph.Sub(in[1], graph.Square(in[0]))))
		}})
	add(opCase{name: "Deferred/two-Sums", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node {
			sq := graph.Square(in[0])
			return graph.Add(graph.Scale(graph.Sum(sq), -2), graph.Mul(graph.Sum(sq), graph.Sum(sq)))
		}})
	add(opCase{name: "Deferred/dense-then-broadcast", shapes: [][]int{sh(5)},
		f: func(in []*graph.Node) *graph.Node {
			e := graph.Exp(in[0])
			return graph.Add(graph.Sum(graph.Mul(e, e)), graph.Scale(graph.Sum(e), 0.5))
		}})
	add(opCase{name: "Deferred/broadcast-then-dense", shapes: [][]int{sh(5)},
		f: func(in []*graph.Node) *graph.Node {
			e := graph.Exp(in[0])
			return graph.Add(graph.Scale(graph.Sum(e), 0.5), graph.Sum(graph.Mul(e, e)))
		}})
	// Mul's rule takes deferred adjoints too, folding them where the
	// other factor has the output's shape or one element, and records
	// them first where it does not (a broadcast row, a scalar factor of a
	// broadcast scalar adjoint).
	for _, c := range []struct {
		name       string
		sa, sb     []int
		scale, sub bool
	}{
		{"same", sh(2, 3), sh(2, 3), false, false},
		{"same/scaled", sh(2, 3), sh(2, 3), true, false},
		{"same/subtrahend", sh(2, 3), sh(2, 3), false, true},
		{"row", sh(2, 3), sh(3), false, false},
		{"row/subtrahend", sh(2, 3), sh(3), false, true},
		{"scalar-factor", sh(2, 3), sh(), false, false},
		{"scalar-factor/scaled", sh(2, 3), sh(), true, true},
		{"scalars", sh(), sh(), true, true},
	} {
		add(opCase{name: "Deferred/Mul/" + c.name, shapes: [][]int{c.sa, c.sb, c.sa},
			f: func(in []*graph.Node) *graph.Node {
				p := graph.Mul(in[0], in[1])
				if c.sub {
					p = graph.Sub(in[2], p)
				}
				if c.scale {
					p = graph.Scale(p, -1.5)
				}
				return graph.Sum(p)
			}})
	}
	add(opCase{name: "Deferred/Mul(x,x)", shapes: [][]int{sh(4)},
		f: func(in []*graph.Node) *graph.Node { return graph.Neg(graph.Sum(graph.Mul(in[0], in[0]))) }})
	add(opCase{name: "Deferred/Sum(Sum)", shapes: [][]int{sh(3)},
		f: func(in []*graph.Node) *graph.Node { return graph.Sum(graph.Sum(graph.Sin(in[0]))) }})
	add(opCase{name: "ExtRosenbrock", shapes: [][]int{sh(10)},
		f: func(in []*graph.Node) *graph.Node { return graphtest.ExtRosenbrock(in[0]) }})
	add(opCase{name: "Tanh(Tanh(x)⊙y)", shapes: [][]int{sh(2, 3), sh(3)},
		f: func(in []*graph.Node) *graph.Node { return graph.Tanh(graph.Mul(graph.Tanh(in[0]), in[1])) }})
	add(opCase{name: "Sigmoid(Sigmoid(x)⊙y)", shapes: [][]int{sh(2, 3), sh(3)},
		f: func(in []*graph.Node) *graph.Node { return graph.Sigmoid(graph.Mul(graph.Sigmoid(in[0]), in[1])) }})

	// ---- Reductions and broadcasting ----
	add(opCase{name: "Sum", shapes: [][]int{sh(2, 3)}, f: unary(graph.Sum)})
	add(opCase{name: "Sum/scalar", shapes: [][]int{sh()}, f: unary(graph.Sum)})
	add(opCase{name: "Mean", shapes: [][]int{sh(2, 3, 2)}, f: unary(graph.Mean)})
	for _, axis := range []int{0, 1, 2, -1, -2, -3} {
		for _, keep := range []bool{false, true} {
			name := fmt.Sprintf("axis=%d,keep=%v", axis, keep)
			add(opCase{name: "SumAxis/" + name, shapes: [][]int{sh(2, 3, 4)},
				f: func(in []*graph.Node) *graph.Node { return graph.SumAxis(in[0], axis, keep) }})
			add(opCase{name: "MeanAxis/" + name, shapes: [][]int{sh(2, 3, 4)},
				f: func(in []*graph.Node) *graph.Node { return graph.MeanAxis(in[0], axis, keep) }})
			add(opCase{name: "MaxAxis/" + name, shapes: [][]int{sh(2, 3, 4)}, kinds: []inputKind{distinct},
				f: func(in []*graph.Node) *graph.Node { return graph.MaxAxis(in[0], axis, keep) }})
		}
	}
	add(opCase{name: "SumAxis/1-D", shapes: [][]int{sh(5)},
		f: func(in []*graph.Node) *graph.Node { return graph.SumAxis(in[0], 0, false) }})
	add(opCase{name: "Max", shapes: [][]int{sh(2, 3)}, kinds: []inputKind{distinct}, f: unary(graph.Max)})
	add(opCase{name: "Max/1-D", shapes: [][]int{sh(7)}, kinds: []inputKind{distinct}, f: unary(graph.Max)})
	for _, s := range []struct{ from, to []int }{
		{sh(2, 3), sh(3)}, {sh(2, 3), sh(2, 1)}, {sh(2, 3), sh(1, 3)}, {sh(2, 3), sh()},
		{sh(4, 5, 3), sh(5, 1)}, {sh(4, 5, 3), sh(4, 1, 3)}, {sh(2, 3), sh(2, 3)},
	} {
		add(opCase{name: fmt.Sprintf("SumTo/%v->%v", s.from, s.to), shapes: [][]int{s.from},
			f: func(in []*graph.Node) *graph.Node { return graph.SumTo(in[0], s.to...) }})
	}
	for _, s := range []struct{ from, to []int }{
		{sh(3), sh(2, 3)}, {sh(2, 1), sh(2, 4)}, {sh(), sh(2, 3)}, {sh(1, 3), sh(4, 2, 3)}, {sh(2, 3), sh(2, 3)},
	} {
		add(opCase{name: fmt.Sprintf("BroadcastTo/%v->%v", s.from, s.to), shapes: [][]int{s.from},
			f: func(in []*graph.Node) *graph.Node { return graph.BroadcastTo(in[0], s.to...) }})
	}

	// ---- Matrix products ----
	const m, k, n = 2, 3, 4
	for _, layout := range []struct {
		name   string
		ba, bb []int // batch dimensions of a and b
	}{
		{"2-D", nil, nil},
		{"3-Dx3-D", sh(2), sh(2)},
		{"3-Dx2-D", sh(2), nil},
		{"2-Dx3-D", nil, sh(2)},
	} {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				as, bs := sh(m, k), sh(k, n)
				if ta {
					as = sh(k, m)
				}
				if tb {
					bs = sh(n, k)
				}
				add(opCase{
					name:   fmt.Sprintf("MatMulT/%s/ta=%v,tb=%v", layout.name, ta, tb),
					shapes: [][]int{append(append([]int(nil), layout.ba...), as...), append(append([]int(nil), layout.bb...), bs...)},
					f: func(in []*graph.Node) *graph.Node {
						return graph.MatMulT(in[0], in[1], ta, tb)
					},
				})
			}
		}
		add(opCase{
			name:   "MatMul/" + layout.name,
			shapes: [][]int{append(append([]int(nil), layout.ba...), m, k), append(append([]int(nil), layout.bb...), k, n)},
			f:      binary(graph.MatMul),
		})
	}
	add(opCase{name: "MatMul/x_x", shapes: [][]int{sh(3, 3)},
		f: func(in []*graph.Node) *graph.Node { return graph.MatMul(in[0], in[0]) }})
	add(opCase{name: "MatMulT/x_xT", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node { return graph.MatMulT(in[0], in[0], false, true) }})
	add(opCase{name: "MatMul/const_x", shapes: [][]int{sh(3, 2)},
		f: func(in []*graph.Node) *graph.Node {
			c := in[0].Tape().Const(tensor.New([]float64{1, -2, 0.5, 3, 0.25, -1}, 2, 3))
			return graph.MatMul(c, in[0])
		}})
	add(opCase{name: "MatMul/x_const", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node {
			c := in[0].Tape().Const(tensor.New([]float64{1, -2, 0.5, 3, 0.25, -1}, 3, 2))
			return graph.MatMul(in[0], c)
		}})
	for _, s := range []struct {
		name    string
		a, b, c []int
	}{
		{"(2,3)(3,4)+(4)", sh(2, 3), sh(3, 4), sh(4)},
		{"(2,3)(3,4)+(1,4)", sh(2, 3), sh(3, 4), sh(1, 4)},
		{"(2,3)(3,4)+(2,1)", sh(2, 3), sh(3, 4), sh(2, 1)},
		{"(2,3)(3,4)+(2,4)", sh(2, 3), sh(3, 4), sh(2, 4)},
		{"(2,3)(3,4)+scalar", sh(2, 3), sh(3, 4), sh()},
		{"(2,2,3)(3,4)+(4)", sh(2, 2, 3), sh(3, 4), sh(4)},
		{"(2,2,3)(2,3,4)+(2,1,4)", sh(2, 2, 3), sh(2, 3, 4), sh(2, 1, 4)},
	} {
		add(opCase{name: "MatMulAdd/" + s.name, shapes: [][]int{s.a, s.b, s.c},
			f: func(in []*graph.Node) *graph.Node { return graph.MatMulAdd(in[0], in[1], in[2]) }})
	}
	add(opCase{name: "MatMulAdd/x_x_x", shapes: [][]int{sh(3, 3)},
		f: func(in []*graph.Node) *graph.Node { return graph.MatMulAdd(in[0], in[0], in[0]) }})
	add(opCase{name: "MatMulAdd/const_x_y", shapes: [][]int{sh(3, 2), sh(2)},
		f: func(in []*graph.Node) *graph.Node {
			c := in[0].Tape().Const(tensor.New([]float64{1, -2, 0.5, 3, 0.25, -1}, 2, 3))
			return graph.MatMulAdd(c, in[0], in[1])
		}})
	add(opCase{name: "MatMulAdd/x_y_const", shapes: [][]int{sh(2, 3), sh(3, 2)},
		f: func(in []*graph.Node) *graph.Node {
			c := in[0].Tape().Const(tensor.New([]float64{0.5, -1.5}, 2))
			return graph.Tanh(graph.MatMulAdd(in[0], in[1], c))
		}})
	add(opCase{name: "Transpose/2-D", shapes: [][]int{sh(2, 3)}, f: unary(graph.Transpose)})
	add(opCase{name: "Transpose/3-D", shapes: [][]int{sh(2, 3, 4)}, f: unary(graph.Transpose)})

	// ---- Reshaping, slicing, indexing ----
	add(opCase{name: "Reshape", shapes: [][]int{sh(2, 6)},
		f: func(in []*graph.Node) *graph.Node { return graph.Reshape(in[0], 3, 4) }})
	add(opCase{name: "Reshape/-1", shapes: [][]int{sh(2, 3, 2)},
		f: func(in []*graph.Node) *graph.Node { return graph.Reshape(in[0], -1, 2) }})
	add(opCase{name: "Flatten", shapes: [][]int{sh(2, 3, 2)}, f: unary(graph.Flatten)})
	for _, s := range []struct {
		shape                  []int
		axis, start, end, step int
	}{
		{sh(7), 0, 1, 7, 2},
		{sh(3, 7), 1, 1, 7, 2},
		{sh(3, 7), 1, 0, 7, 3},
		{sh(3, 7), 0, 1, 3, 1},
		{sh(4, 5, 6), 0, 1, 4, 2},
		{sh(4, 5, 6), 1, 2, 3, 1},
		{sh(4, 5, 6), -1, 0, 6, 4},
		{sh(4, 5, 6), 2, 5, 6, 1},
		{sh(3, 4), 1, 2, 2, 1}, // empty
	} {
		add(opCase{name: fmt.Sprintf("Slice/%v[%d:%d:%d]@%d", s.shape, s.start, s.end, s.step, s.axis), shapes: [][]int{s.shape},
			f: func(in []*graph.Node) *graph.Node { return graph.Slice(in[0], s.axis, s.start, s.end, s.step) }})
	}
	for _, c := range []struct {
		a, b []int
		axis int
	}{{sh(2, 3), sh(4, 3), 0}, {sh(2, 3), sh(2, 1), 1}, {sh(2, 3, 2), sh(2, 2, 2), -2}, {sh(1), sh(1), 0}} {
		add(opCase{name: fmt.Sprintf("Concat/%v+%v/axis=%d", c.a, c.b, c.axis), shapes: [][]int{c.a, c.b},
			f: func(in []*graph.Node) *graph.Node { return graph.Concat(c.axis, in[0], in[1]) }})
	}
	// Concat with one operand constant: its tangent is zero, the other's not.
	add(opCase{name: "Concat/const-left", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Concat(0, in[0].Tape().Full(0.5, 1, 3), graph.Tanh(in[0]))
		}})
	add(opCase{name: "Slice/two-axes", shapes: [][]int{sh(4, 5, 6)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Slice(graph.Slice(in[0], 2, 1, 6, 2), 0, 0, 4, 3)
		}})
	add(opCase{name: "Index/1-D", shapes: [][]int{sh(5)},
		f: func(in []*graph.Node) *graph.Node { return graph.Index(in[0], 3) }})
	add(opCase{name: "Index/2-D", shapes: [][]int{sh(3, 4)},
		f: func(in []*graph.Node) *graph.Node { return graph.Index(in[0], 1, 2) }})
	add(opCase{name: "Index/3-D", shapes: [][]int{sh(2, 3, 4)},
		f: func(in []*graph.Node) *graph.Node { return graph.Index(in[0], 1, 0, 3) }})
	add(opCase{name: "Index/product", shapes: [][]int{sh(3)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Mul(graph.Mul(graph.Index(in[0], 0), graph.Index(in[0], 2)), graph.Index(in[0], 0))
		}})

	// Element-wise code: many sparse contributions to one adjoint, with
	// repeats, mixed with dense ones before and after (the accumulation
	// chain of the reverse sweep, its in-place tangents and its own VJPs).
	add(opCase{name: "Index/sum-of-squares", shapes: [][]int{sh(6)},
		f: func(in []*graph.Node) *graph.Node {
			s := graph.Square(graph.Index(in[0], 0))
			for _, i := range []int{1, 2, 3, 4, 5, 2, 0} {
				s = graph.Add(s, graph.Mul(graph.Index(in[0], i), graph.Sin(graph.Index(in[0], (i+1)%6))))
			}
			return s
		}})
	add(opCase{name: "Index/dense-then-sparse", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Mul(graph.Index(in[0], 1, 2), graph.Sum(graph.Tanh(in[0])))
		}})
	add(opCase{name: "Index/sparse-then-dense", shapes: [][]int{sh(4)},
		f: func(in []*graph.Node) *graph.Node {
			a := graph.Square(graph.Index(in[0], 3))
			b := graph.Sum(graph.Mul(in[0], in[0]))
			c := graph.Exp(graph.Index(in[0], 0))
			return graph.Add(graph.Mul(a, b), graph.Mul(c, graph.Sum(graph.Sin(in[0]))))
		}})
	add(opCase{name: "Scalar/used-many-times", shapes: [][]int{sh(), sh(3), sh()},
		f: func(in []*graph.Node) *graph.Node {
			// Dense contributions to single-element adjoints: a scalar read by
			// many ops (a chain's shared parameters), broadcast against a
			// vector and by itself.
			a, c := in[0], in[2]
			y := in[1]
			for range 4 {
				y = graph.Tanh(graph.Add(graph.Mul(a, y), c))
			}
			return graph.Mul(graph.Sum(y), graph.Mul(a, graph.Exp(c)))
		}})
	add(opCase{name: "Index+scaled/mixed", shapes: [][]int{sh(5)},
		f: func(in []*graph.Node) *graph.Node {
			// Deferred contributions of both kinds to one adjoint, in both
			// orders: scaled ones (Sub's subtrahend, Neg, Scale), single
			// elements (Index) and dense ones, to a vector and to a scalar
			// that is itself read many times.
			x := in[0]
			a := graph.Sub(graph.Tanh(x), x)
			b := graph.Mul(graph.Index(x, 2), graph.Index(x, 4))
			s := graph.Index(x, 0)
			t := graph.Sub(graph.Mul(s, s), graph.Scale(s, 3))
			u := graph.Add(graph.Neg(s), graph.Mul(s, graph.Index(x, 2)))
			return graph.Add(graph.Add(graph.Sum(graph.Square(a)), b), graph.Add(t, graph.Sub(u, graph.Sum(graph.Neg(x)))))
		}})
	add(opCase{name: "Index/intermediate-interleaved", shapes: [][]int{sh(6)},
		f: func(in []*graph.Node) *graph.Node {
			// Single-element contributions to a non-leaf's adjoint, interleaved
			// in the sweep with a slice, a gather and a dense contribution, and
			// one element read twice.
			y := graph.Tanh(in[0])
			a := graph.Mul(graph.Index(y, 1), graph.Index(y, 4))
			b := graph.Sum(graph.Square(graph.Slice(y, 0, 0, 6, 2)))
			c := graph.Mul(graph.Index(y, 1), graph.Sum(graph.Gather(y, []int{4, 4, 0})))
			d := graph.Mul(graph.Index(y, 5), graph.Sum(graph.Sin(y)))
			return graph.Add(graph.Add(a, b), graph.Add(c, d))
		}})
	add(opCase{name: "Slice+Index/mixed", shapes: [][]int{sh(3, 4)},
		f: func(in []*graph.Node) *graph.Node {
			r := graph.Slice(in[0], 1, 1, 4, 2)
			return graph.Add(graph.Mul(graph.Sum(graph.Square(r)), graph.Index(in[0], 2, 1)), graph.Index(in[0], 0, 0))
		}})
	for _, g := range []struct {
		name  string
		shape []int
		idx   []int
	}{
		{"rows", sh(4, 3), []int{2, 0, 3}},
		{"repeated", sh(4, 3), []int{1, 1, 3, 1}},
		{"3-D", sh(3, 2, 2), []int{2, 2, 0}},
		{"vector", sh(5), []int{4, 0, 4}},
		{"empty", sh(4, 3), []int{}},
	} {
		add(opCase{name: "Gather/" + g.name, shapes: [][]int{g.shape},
			f: func(in []*graph.Node) *graph.Node {
				return graph.Concat(0, graph.Flatten(graph.Square(graph.Gather(in[0], g.idx))), graph.Flatten(graph.Tanh(in[0])))
			}})
	}
	add(opCase{name: "GatherElements/repeated", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Mul(graph.GatherElements(in[0], []int{5, 0, 5, 2}), in[0].Tape().Const(tensor.New([]float64{1, -2, 0.5, 3}, 4)))
		}})
	add(opCase{name: "GatherElements/empty", shapes: [][]int{sh(3)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Add(graph.Sum(graph.GatherElements(in[0], nil)), graph.Sum(graph.Exp(in[0])))
		}})
	add(opCase{name: "Pick", shapes: [][]int{sh(3, 4)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Pick(graph.LogSoftmax(in[0], 1), []int{2, 0, 2})
		}})
	add(opCase{name: "Concat/n-ary", shapes: [][]int{sh(2, 3), sh(2, 1), sh(2, 2)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Concat(1, in[0], graph.Square(in[1]), in[0].Tape().Full(0.5, 2, 2), in[2], in[1])
		}})
	add(opCase{name: "Concat/one", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node { return graph.Concat(-1, graph.Sin(in[0])) }})
	add(opCase{name: "Stack/scalars", shapes: [][]int{sh(3)},
		f: func(in []*graph.Node) *graph.Node {
			x0, x1, x2 := graph.Index(in[0], 0), graph.Index(in[0], 1), graph.Index(in[0], 2)
			return graph.Stack(0, graph.Mul(x0, x1), graph.Sin(x2), x0, in[0].Tape().Scalar(2), graph.Mul(x1, x2))
		}})
	add(opCase{name: "Stack/axis1", shapes: [][]int{sh(2, 3), sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node { return graph.Stack(1, in[0], graph.Mul(in[0], in[1]), in[1]) }})
	add(opCase{name: "Stack/last", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node { return graph.Stack(-1, in[0], graph.Square(in[0])) }})

	// ---- Softmax family ----
	for _, s := range []struct {
		shape []int
		axis  int
	}{{sh(2, 3), 1}, {sh(2, 3), 0}, {sh(2, 3), -1}, {sh(2, 3, 4), 1}, {sh(2, 3, 4), 2}, {sh(5), 0}} {
		for _, keep := range []bool{false, true} {
			add(opCase{name: fmt.Sprintf("LogSumExp/%v@%d,keep=%v", s.shape, s.axis, keep), shapes: [][]int{s.shape},
				f: func(in []*graph.Node) *graph.Node { return graph.LogSumExp(graph.Scale(in[0], 3), s.axis, keep) }})
		}
		add(opCase{name: fmt.Sprintf("LogSoftmax/%v@%d", s.shape, s.axis), shapes: [][]int{s.shape},
			f: func(in []*graph.Node) *graph.Node { return graph.LogSoftmax(graph.Scale(in[0], 3), s.axis) }})
		add(opCase{name: fmt.Sprintf("Softmax/%v@%d", s.shape, s.axis), shapes: [][]int{s.shape},
			f: func(in []*graph.Node) *graph.Node { return graph.Softmax(graph.Scale(in[0], 3), s.axis) }})
	}

	for _, s := range []struct {
		shape  []int
		labels []int
	}{
		{sh(4, 3), []int{0, 2, 1, 2}},
		{sh(1, 5), []int{4}},
		{sh(3, 1), []int{0, 0, 0}},
	} {
		add(opCase{name: fmt.Sprintf("SoftmaxCrossEntropy/%v", s.shape), shapes: [][]int{s.shape},
			f: func(in []*graph.Node) *graph.Node { return graph.SoftmaxCrossEntropy(graph.Scale(in[0], 3), s.labels) }})
	}
	add(opCase{name: "SoftmaxCrossEntropy/layer", shapes: [][]int{sh(4, 3), sh(3, 5), sh(5)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.SoftmaxCrossEntropy(graph.Tanh(graph.MatMulAdd(in[0], in[1], in[2])), []int{0, 4, 2, 2})
		}})
	add(opCase{name: "SoftmaxCrossEntropy/x_x", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Mul(graph.SoftmaxCrossEntropy(in[0], []int{1, 0}), graph.Sum(in[0]))
		}})

	// ---- Scalar functions added with the engine's extension ----
	for _, u := range []struct {
		name string
		op   func(*graph.Node) *graph.Node
		kind inputKind
	}{
		{"Atan", graph.Atan, anyReal},
		{"Log1p", graph.Log1p, aboveMinusOne},
		{"Expm1", graph.Expm1, anyReal},
		{"Erf", graph.Erf, anyReal},
		{"Recip", graph.Recip, awayFromZero},
		{"ScalarSub", func(x *graph.Node) *graph.Node { return graph.ScalarSub(1, x) }, anyReal},
	} {
		add(opCase{name: u.name, shapes: [][]int{sh(2, 3)}, kinds: []inputKind{u.kind}, f: unary(u.op)})
		add(opCase{name: u.name + "/scalar", shapes: [][]int{sh()}, kinds: []inputKind{u.kind}, f: unary(u.op)})
	}
	// Erf and Atan of a product: their VJPs' own derivatives with
	// tangents on both factors.
	add(opCase{name: "Erf(Atan(x)⊙y)", shapes: [][]int{sh(2, 3), sh(3)},
		f: func(in []*graph.Node) *graph.Node { return graph.Erf(graph.Mul(graph.Atan(in[0]), in[1])) }})
	add(opCase{name: "Log1p(Expm1(x)⊙y)", shapes: [][]int{sh(2, 3), sh(3)}, kinds: []inputKind{anyReal, positive},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Log1p(graph.Mul(graph.Square(graph.Expm1(in[0])), in[1]))
		}})

	// ---- Two-argument functions: broadcasting, ties, constants ----
	for _, s := range bshapes {
		// Away from the origin and from the branch cut at y = 0, x < 0.
		add(opCase{name: "Atan2/" + s.name, shapes: [][]int{s.a, s.b},
			kinds: []inputKind{awayFromZero, awayFromZero}, f: binary(graph.Atan2)})
		// Operands ≥ 0.1 apart: no tie within the differences' reach.
		add(opCase{name: "Maximum/" + s.name, shapes: [][]int{s.a, s.b},
			kinds: []inputKind{lattice, offLattice}, f: binary(graph.Maximum)})
		add(opCase{name: "Minimum/" + s.name, shapes: [][]int{s.a, s.b},
			kinds: []inputKind{offLattice, lattice}, f: binary(graph.Minimum)})
	}
	// Two nodes of equal value tie everywhere, and stay tied under any
	// perturbation: ½ + ½ makes the derivative of max(t, t) = t exactly
	// that of t.
	for _, op := range []struct {
		name string
		f    func(a, b *graph.Node) *graph.Node
	}{{"Maximum", graph.Maximum}, {"Minimum", graph.Minimum}, {"Atan2", graph.Atan2}} {
		kind := anyReal
		if op.name == "Atan2" {
			kind = awayFromZero
		}
		add(opCase{name: op.name + "/x_x", shapes: [][]int{sh(2, 3)}, kinds: []inputKind{kind},
			f: func(in []*graph.Node) *graph.Node { return op.f(graph.Tanh(in[0]), graph.Tanh(in[0])) }})
	}
	add(opCase{name: "Maximum/x_const", shapes: [][]int{sh(2, 3)}, kinds: []inputKind{lattice},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Maximum(in[0], in[0].Tape().Const(tensor.New([]float64{0.5, -1.5, -0.5}, 3)))
		}})
	add(opCase{name: "Minimum/const_x", shapes: [][]int{sh(2, 3)}, kinds: []inputKind{lattice},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Minimum(in[0].Tape().Const(tensor.New([]float64{0.5, -0.5}, 2, 1)), in[0])
		}})
	add(opCase{name: "Maximum(Square(x),y)⊙x", shapes: [][]int{sh(2, 3), sh(3)}, kinds: []inputKind{positive, lattice},
		f: func(in []*graph.Node) *graph.Node { return graph.Mul(graph.Maximum(graph.Square(in[0]), in[1]), in[0]) }})
	for _, c := range []struct {
		name   string
		lo, hi float64
		kind   inputKind
	}{
		{"inside", -3, 3, anyReal},
		{"below", 2.5, 3, anyReal},
		{"above", -3, -2.5, anyReal},
		{"mixed", -0.5, 0.5, lattice},
		{"lower-only", -0.5, math.Inf(1), lattice},
		{"upper-only", math.Inf(-1), 0.5, lattice},
		{"lo=hi", 0.5, 0.5, lattice},
	} {
		add(opCase{name: "Clamp/" + c.name, shapes: [][]int{sh(2, 3)}, kinds: []inputKind{c.kind},
			f: func(in []*graph.Node) *graph.Node { return graph.Mul(graph.Clamp(in[0], c.lo, c.hi), graph.Sin(in[0])) }})
	}

	// ---- Where: masks of every broadcast shape, all true, all false ----
	for _, w := range []struct {
		name string
		cond *tensor.Tensor
		a, b []int
	}{
		{"mixed", tensor.New([]float64{1, 0, 0, 1, 1, 0}, 2, 3), sh(2, 3), sh(2, 3)},
		{"all-true", tensor.Full(1, 2, 3), sh(2, 3), sh(2, 3)},
		{"all-false", tensor.Zeros(2, 3), sh(2, 3), sh(2, 3)},
		{"mask(3)", tensor.New([]float64{0, 2, -1}, 3), sh(2, 3), sh(2, 3)},
		{"mask(2,1)", tensor.New([]float64{0, 1}, 2, 1), sh(2, 3), sh(3)},
		{"scalar-mask", tensor.Scalar(1), sh(3), sh(2, 3)},
		{"a-scalar", tensor.New([]float64{1, 0, 1, 0, 0, 1}, 2, 3), sh(), sh(2, 3)},
		{"mask-broadcasts-both", tensor.New([]float64{1, 0, 1, 1, 0, 0, 0, 1}, 4, 1, 2), sh(3, 1), sh(1, 2)},
		{"all-false-broadcast", tensor.Zeros(2, 1), sh(3), sh(2, 3)},
	} {
		add(opCase{name: "Where/" + w.name, shapes: [][]int{w.a, w.b},
			f: func(in []*graph.Node) *graph.Node { return graph.Where(w.cond, graph.Sin(in[0]), graph.Square(in[1])) }})
	}
	add(opCase{name: "Where/x_x", shapes: [][]int{sh(2, 3)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Where(tensor.New([]float64{1, 0, 1}, 3), in[0], graph.Mul(in[0], in[0]))
		}})

	// ---- Compositions ----
	add(opCase{name: "seed", shapes: [][]int{sh(), sh()},
		f: func(in []*graph.Node) *graph.Node { return graphtest.Seed(in[0], in[1], 1) }})
	add(opCase{name: "layer+cross-entropy", shapes: [][]int{sh(4, 3), sh(3, 5), sh(5)},
		f: func(in []*graph.Node) *graph.Node {
			h := graph.Tanh(graph.Add(graph.MatMul(in[0], in[1]), in[2]))
			labels := in[0].Tape().Const(tensor.OneHot([]int{0, 4, 2, 2}, 5))
			return graph.Neg(graph.Mean(graph.SumAxis(graph.Mul(graph.LogSoftmax(h, -1), labels), -1, false)))
		}})
	return cs
}

// Tolerances of the derivative table (see TestOpDerivatives).
const (
	gradTol  = 1e-6  // gradient and JVP against finite differences
	hvpTol   = 1e-5  // HVP against finite differences of the gradient
	exactTol = 1e-12 // forward-over-reverse against reverse-over-reverse
)

// TestOpDerivatives checks every op of package graph. For each row the
// op's inputs are packed into one flat vector w, and the scalar loss
// L(w) = Σ op(inputs) ⊙ R, with R a fixed random tensor, makes every
// output element matter. At a random point it checks
//   - ∇L against five-point central differences of L;
//   - ∇L against Grad with respect to each input as its own Var;
//   - H·v, from hvp.At and from the eager forward-over-reverse path (the
//     two must agree exactly), against central differences of ∇L along v;
//   - H·v against reverse-over-reverse, ∇(∇L·v), to 1e-12;
//   - uᵀ(H·v) = vᵀ(H·u);
//   - the JVP of the op's output (ad.JVP) against differences of the output;
//   - the third derivative ∇²(∇L·v)·u, forward over reverse over reverse,
//     against differences of ∇(∇L·v): this differentiates the VJP rules'
//     own VJP rules (tanhGrad, sigmoidGrad, Unslice, ...).
func TestOpDerivatives(t *testing.T) {
	for _, c := range opCases() {
		t.Run(c.name, func(t *testing.T) { checkOp(t, c) })
	}
}

func checkOp(t *testing.T, c opCase) {
	h := fnv.New64a()
	h.Write([]byte(c.name))
	rng := rand.New(rand.NewPCG(1, h.Sum64()))

	var x []float64
	for i, s := range c.shapes {
		kind := anyReal
		if c.kinds != nil {
			kind = c.kinds[i]
		}
		x = append(x, draw(rng, kind, tensor.SizeOf(s))...)
	}
	out := func(w *graph.Node) *graph.Node { return c.f(split(w, c.shapes)) }

	tp := graph.NewTape()
	probe := out(tp.Var(tensor.FromSlice(x)))
	r := tensor.RandNormal(rng, probe.Shape()...)
	loss := func(w *graph.Node) *graph.Node {
		return graph.Sum(graph.Mul(out(w), w.Tape().Const(r)))
	}
	check := func(what string, got, want []float64, tol float64) {
		t.Helper()
		if e, i := testutil.RelErr(got, want); !(e <= tol) {
			t.Errorf("%s: error %.3g > %.0e at %d: got %v, want %v", what, e, tol, i, got, want)
		}
	}

	// Gradient.
	val, g := ad.ValueAndGrad(loss, x)
	if want := value(loss, x); val != want {
		t.Errorf("ValueAndGrad value %v, recorded value %v", val, want)
	}
	check("gradient vs differences", g, testutil.FiniteGrad(func(x []float64) float64 { return value(loss, x) }, x), gradTol)

	// Gradient with respect to each input as a separate Var.
	tp2 := graph.NewTape()
	vars := make([]*graph.Node, len(c.shapes))
	off := 0
	for i, s := range c.shapes {
		sz := tensor.SizeOf(s)
		vars[i] = tp2.Var(tensor.New(x[off:off+sz], s...))
		off += sz
	}
	var gv []float64
	for i, gi := range ad.Grad(graph.Sum(graph.Mul(c.f(vars), tp2.Const(r))), vars...) {
		if !tensor.SameShape(gi.Shape(), c.shapes[i]) {
			t.Errorf("Grad: input %d: gradient shape %v, input shape %v", i, gi.Shape(), c.shapes[i])
		}
		gv = append(gv, gi.Value().Data()...)
	}
	check("gradient per Var vs packed gradient", gv, g, 0)

	// Hessian-vector products.
	v := testutil.RandVec(rng, len(x))
	u := testutil.RandVec(rng, len(x))
	pt := hvp.At(loss, x)
	hv := pt.HVP(v, nil)
	hu := pt.HVP(u, nil)
	check("hvp.At vs eager HVP", eagerHVP(loss, x, v), hv, 0)
	check("HVP vs differences of the gradient", hv, testutil.DirectionalDeriv(func(x []float64) []float64 { return gradient(loss, x) }, x, v), hvpTol)
	check("HVP vs reverse-over-reverse", gradient(gradDot(loss, v), x), hv, exactTol)
	if a, b := dot(u, hv), dot(v, hu); math.Abs(a-b) > exactTol*max(1, math.Abs(a)) {
		t.Errorf("uᵀHv = %v, vᵀHu = %v", a, b)
	}

	// Forward mode on the op's output.
	y, jv := ad.JVP(out, x, v)
	if !tensor.SameShape(y.Shape(), probe.Shape()) || !tensor.SameShape(jv.Shape(), probe.Shape()) {
		t.Errorf("JVP: shapes %v and %v, output shape %v", y.Shape(), jv.Shape(), probe.Shape())
	}
	check("JVP value vs recorded value", y.Data(), probe.Value().Data(), 0)
	check("JVP vs directional differences", jv.Data(), testutil.DirectionalDeriv(func(x []float64) []float64 { return output(out, x) }, x, v), gradTol)

	// Third derivative.
	t3 := hvp.At(gradDot(loss, v), x).HVP(u, nil)
	check("third derivative vs differences of reverse-over-reverse HVP", t3,
		testutil.DirectionalDeriv(func(x []float64) []float64 { return gradient(gradDot(loss, v), x) }, x, u), hvpTol)
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestMatMulAdd checks MatMulAdd's value against MatMul followed by a
// broadcast Add, over the addend shapes of the derivative table, and its
// panic on an addend that does not broadcast to the product.
func TestMatMulAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range []struct{ a, b, c []int }{
		{sh(5, 7), sh(7, 3), sh(3)},
		{sh(5, 7), sh(7, 3), sh(5, 1)},
		{sh(5, 7), sh(7, 3), sh(5, 3)},
		{sh(5, 7), sh(7, 3), sh()},
		{sh(2, 5, 7), sh(7, 3), sh(1, 3)},
		{sh(2, 5, 7), sh(2, 7, 3), sh(2, 1, 3)},
	} {
		tp := graph.NewTape()
		a := tp.Var(tensor.New(draw(rng, anyReal, tensor.SizeOf(s.a)), s.a...))
		b := tp.Var(tensor.New(draw(rng, anyReal, tensor.SizeOf(s.b)), s.b...))
		c := tp.Var(tensor.New(draw(rng, anyReal, tensor.SizeOf(s.c)), s.c...))
		got, want := graph.MatMulAdd(a, b, c), graph.Add(graph.MatMul(a, b), c)
		if !tensor.SameShape(got.Shape(), want.Shape()) {
			t.Fatalf("%v·%v+%v: shape %v, want %v", s.a, s.b, s.c, got.Shape(), want.Shape())
		}
		if e, i := testutil.RelErr(got.Value().Data(), want.Value().Data()); e > 1e-14 {
			t.Errorf("%v·%v+%v: error %.3g at %d against MatMul then Add", s.a, s.b, s.c, e, i)
		}
	}
	tp := graph.NewTape()
	a, b := tp.Var(tensor.Zeros(2, 3)), tp.Var(tensor.Zeros(3, 4))
	testutil.MustPanic(t, "MatMulAdd (3)", func() { graph.MatMulAdd(a, b, tp.Var(tensor.Zeros(3))) }, "graph: MatMulAdd", "[3]")
	testutil.MustPanic(t, "MatMulAdd (3,4)", func() { graph.MatMulAdd(a, b, tp.Var(tensor.Zeros(3, 4))) }, "graph: MatMulAdd", "[3 4]")
}

// TestSoftmaxCrossEntropy checks SoftmaxCrossEntropy's value against the
// mean of −Pick(LogSoftmax) and the fused Softmax against Exp(LogSoftmax),
// at moderate logits and at logits so large that exp overflows without the
// shift (with probabilities far below the smallest float64), and its
// panics on a bad label or shape.
func TestSoftmaxCrossEntropy(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		rows, classes int
		scale         float64
	}{{5, 7, 1}, {3, 2, 1}, {4, 6, 1000}, {1, 1, 1}} {
		tp := graph.NewTape()
		x := tp.Var(tensor.New(draw(rng, anyReal, c.rows*c.classes), c.rows, c.classes))
		xs := graph.Scale(x, c.scale)
		labels := make([]int, c.rows)
		for i := range labels {
			labels[i] = rng.IntN(c.classes)
		}
		got := graph.SoftmaxCrossEntropy(xs, labels).Item()
		want := -graph.Mean(graph.Pick(graph.LogSoftmax(xs, 1), labels)).Item()
		if math.IsInf(got, 0) || math.IsNaN(got) || math.Abs(got-want) > 1e-14*max(1, math.Abs(want)) {
			t.Errorf("%d×%d scale %g: loss %v, −mean(Pick(LogSoftmax)) %v", c.rows, c.classes, c.scale, got, want)
		}
		p, q := graph.Softmax(xs, -1), graph.Exp(graph.LogSoftmax(xs, 1))
		for i, v := range p.Value().Data() {
			if w := q.Value().Data()[i]; math.Abs(v-w) > 1e-15 || math.IsNaN(v) {
				t.Errorf("%d×%d scale %g: softmax %d = %v, Exp(LogSoftmax) %v", c.rows, c.classes, c.scale, i, v, w)
			}
		}
	}
	tp := graph.NewTape()
	x := tp.Var(tensor.Zeros(2, 3))
	testutil.MustPanic(t, "label 3", func() { graph.SoftmaxCrossEntropy(x, []int{0, 3}) }, "graph: SoftmaxCrossEntropy", "label 3")
	testutil.MustPanic(t, "label -1", func() { graph.SoftmaxCrossEntropy(x, []int{-1, 0}) }, "graph: SoftmaxCrossEntropy", "label -1")
	testutil.MustPanic(t, "one label", func() { graph.SoftmaxCrossEntropy(x, []int{0}) }, "graph: SoftmaxCrossEntropy", "[2 3]")
	testutil.MustPanic(t, "vector", func() { graph.SoftmaxCrossEntropy(tp.Var(tensor.Zeros(3)), []int{0}) }, "graph: SoftmaxCrossEntropy", "[3]")
}

// TestSharedParamsUntouched records every op of the table, its gradient and
// the gradient of a product with that gradient (so the VJP rules of the VJP
// rules run too) on one tape, and checks that no op wrote the parameters
// that nodes share until they set their own.
func TestSharedParamsUntouched(t *testing.T) {
	for _, c := range opCases() {
		rng := rand.New(rand.NewPCG(3, 4))
		var x []float64
		for _, s := range c.shapes {
			x = append(x, draw(rng, anyReal, tensor.SizeOf(s))...)
		}
		tp := graph.NewTape()
		w := tp.Var(tensor.FromSlice(x))
		y := c.f(split(w, c.shapes))
		loss := graph.Sum(graph.Mul(y, tp.Const(tensor.RandNormal(rng, y.Shape()...))))
		g := ad.Grad(loss, w)[0]
		ad.Grad(graph.Sum(graph.Mul(g, tp.Const(tensor.RandNormal(rng, g.Shape()...)))), w)
		if !graph.SharedParamsZero(tp) {
			t.Fatalf("%s: an op wrote the tape's shared zero parameters", c.name)
		}
	}
}
