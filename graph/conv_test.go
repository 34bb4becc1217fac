package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/tensor"
)

// windowCase is one window geometry of the convolution and pooling tests.
type windowCase struct {
	img               []int // [N C H W]
	size, stride, pad [2]int
}

func (w windowCase) String() string {
	return fmt.Sprintf("%v/k=%v,s=%v,p=%v", w.img, w.size, w.stride, w.pad)
}

var windowCases = []windowCase{
	{sh(1, 1, 4, 4), [2]int{2, 2}, [2]int{1, 1}, [2]int{0, 0}},
	{sh(2, 2, 5, 4), [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}}, // "same" padding
	{sh(1, 2, 5, 5), [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}}, // stride and padding
	{sh(2, 1, 6, 5), [2]int{2, 3}, [2]int{2, 1}, [2]int{0, 1}}, // unequal in rows and columns
	{sh(1, 3, 4, 6), [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}}, // non-overlapping (pooling)
	{sh(1, 1, 5, 5), [2]int{3, 2}, [2]int{3, 2}, [2]int{1, 1}}, // stride leaves a remainder
}

// convCases are the derivative-table rows of the convolution, pooling and
// gather ops, checked by checkOp exactly as the rows of opCases.
func convCases() []opCase {
	var cs []opCase
	add := func(c opCase) { cs = append(cs, c) }
	for _, w := range windowCases {
		add(opCase{name: "Im2Col/" + w.String(), shapes: [][]int{w.img},
			f: func(in []*graph.Node) *graph.Node { return graph.Im2Col(in[0], w.size, w.stride, w.pad) }})
		cols := graph.Im2Col(graph.NewTape().Var(tensor.Zeros(w.img...)), w.size, w.stride, w.pad).Shape()
		add(opCase{name: "Col2Im/" + w.String(), shapes: [][]int{cols},
			f: func(in []*graph.Node) *graph.Node { return graph.Col2Im(in[0], w.img, w.size, w.stride, w.pad) }})
		for _, out := range []int{1, 3} {
			ws := sh(out, w.img[1], w.size[0], w.size[1])
			add(opCase{name: fmt.Sprintf("Conv2D/%s/O=%d", w, out), shapes: [][]int{w.img, ws},
				f: func(in []*graph.Node) *graph.Node { return graph.Conv2D(in[0], in[1], w.stride, w.pad) }})
		}
		if w.pad[0] < w.size[0] && w.pad[1] < w.size[1] {
			add(opCase{name: "MaxPool2D/" + w.String(), shapes: [][]int{w.img}, kinds: []inputKind{distinct},
				f: func(in []*graph.Node) *graph.Node { return graph.MaxPool2D(in[0], w.size, w.stride, w.pad) }})
		}
		add(opCase{name: "AvgPool2D/" + w.String(), shapes: [][]int{w.img},
			f: func(in []*graph.Node) *graph.Node { return graph.AvgPool2D(in[0], w.size, w.stride, w.pad) }})
	}
	// Nonlinear compositions: the second derivatives run through the VJPs
	// of Conv2D (products, Col2Im) with tangents on both operands.
	add(opCase{name: "Tanh(Conv2D(Tanh(Conv2D)))", shapes: [][]int{sh(2, 2, 5, 5), sh(3, 2, 3, 3), sh(2, 3, 2, 2)},
		f: func(in []*graph.Node) *graph.Node {
			h := graph.Tanh(graph.Conv2D(in[0], in[1], [2]int{1, 1}, [2]int{1, 1}))
			return graph.Tanh(graph.Conv2D(h, in[2], [2]int{2, 2}, [2]int{0, 0}))
		}})
	add(opCase{name: "Conv2D/x_x", shapes: [][]int{sh(1, 1, 3, 3)},
		f: func(in []*graph.Node) *graph.Node { return graph.Conv2D(in[0], in[0], [2]int{1, 1}, [2]int{1, 1}) }})
	add(opCase{name: "MaxPool2D(Square)", shapes: [][]int{sh(1, 2, 4, 4)}, kinds: []inputKind{distinct},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Square(graph.MaxPool2D(graph.Mul(in[0], in[0]), [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}))
		}})

	// ---- Gather ----
	for _, g := range []struct {
		name  string
		shape []int
		ids   []int
	}{
		{"rows", sh(4, 3), []int{2, 0, 3}},
		{"repeated", sh(4, 3), []int{1, 1, 3, 1}},
		{"empty", sh(4, 3), []int{}},
		{"1-D", sh(5), []int{4, 0, 4}},
		{"3-D", sh(3, 2, 2), []int{2, 2, 0}},
	} {
		add(opCase{name: "Gather/" + g.name, shapes: [][]int{g.shape},
			f: func(in []*graph.Node) *graph.Node { return graph.Gather(in[0], g.ids) }})
	}
	add(opCase{name: "Gather(Square)/repeated", shapes: [][]int{sh(3, 2)},
		f: func(in []*graph.Node) *graph.Node {
			return graph.Square(graph.Gather(graph.Square(in[0]), []int{0, 2, 0, 0}))
		}})
	return cs
}

// TestConvDerivatives checks the rows of convCases like TestOpDerivatives:
// gradient, HVP (against differences and reverse-over-reverse), JVP and
// the third derivative.
func TestConvDerivatives(t *testing.T) {
	for _, c := range convCases() {
		t.Run(c.name, func(t *testing.T) { checkOp(t, c) })
	}
}

// refConv2D is the convolution by its definition, in loops.
func refConv2D(x, w *tensor.Tensor, stride, pad [2]int) []float64 {
	xs, ws := x.Shape(), w.Shape()
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	o, kh, kw := ws[0], ws[2], ws[3]
	oh, ow := (h+2*pad[0]-kh)/stride[0]+1, (wd+2*pad[1]-kw)/stride[1]+1
	out := make([]float64, 0, n*o*oh*ow)
	for b := 0; b < n; b++ {
		for f := 0; f < o; f++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					s := 0.0
					for ch := 0; ch < c; ch++ {
						for p := 0; p < kh; p++ {
							for q := 0; q < kw; q++ {
								y, z := i*stride[0]+p-pad[0], j*stride[1]+q-pad[1]
								if y >= 0 && y < h && z >= 0 && z < wd {
									s += w.At(f, ch, p, q) * x.At(b, ch, y, z)
								}
							}
						}
					}
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// refPool is pooling by its definition: reduce over the in-image elements
// of each window, then finish (divide for the mean).
func refPool(x *tensor.Tensor, size, stride, pad [2]int, isMax bool) []float64 {
	xs := x.Shape()
	h, wd := xs[2], xs[3]
	oh, ow := (h+2*pad[0]-size[0])/stride[0]+1, (wd+2*pad[1]-size[1])/stride[1]+1
	var out []float64
	for b := 0; b < xs[0]; b++ {
		for ch := 0; ch < xs[1]; ch++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					acc := 0.0
					if isMax {
						acc = math.Inf(-1)
					}
					for p := 0; p < size[0]; p++ {
						for q := 0; q < size[1]; q++ {
							y, z := i*stride[0]+p-pad[0], j*stride[1]+q-pad[1]
							if y < 0 || y >= h || z < 0 || z >= wd {
								continue
							}
							if isMax {
								acc = math.Max(acc, x.At(b, ch, y, z))
							} else {
								acc += x.At(b, ch, y, z)
							}
						}
					}
					if !isMax {
						acc /= float64(size[0] * size[1])
					}
					out = append(out, acc)
				}
			}
		}
	}
	return out
}

// TestConvPoolValues checks the values of Conv2D, MaxPool2D and AvgPool2D
// against their definitions, and their shapes.
func TestConvPoolValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, w := range windowCases {
		tp := graph.NewTape()
		x := tensor.RandNormal(rng, w.img...)
		wt := tensor.RandNormal(rng, 3, w.img[1], w.size[0], w.size[1])
		y := graph.Conv2D(tp.Const(x), tp.Const(wt), w.stride, w.pad)
		if want := graph.Conv2DShape(w.img, wt.Shape(), w.stride, w.pad); !tensor.SameShape(y.Shape(), want) {
			t.Errorf("Conv2D %v: shape %v, Conv2DShape %v", w, y.Shape(), want)
		}
		if e, i := testutil.RelErr(y.Value().Data(), refConv2D(x, wt, w.stride, w.pad)); e > 1e-14 {
			t.Errorf("Conv2D %v: error %.3g at %d against the definition", w, e, i)
		}
		if e, i := testutil.RelErr(graph.AvgPool2D(tp.Const(x), w.size, w.stride, w.pad).Value().Data(), refPool(x, w.size, w.stride, w.pad, false)); e > 1e-15 {
			t.Errorf("AvgPool2D %v: error %.3g at %d against the definition", w, e, i)
		}
		if w.pad[0] < w.size[0] && w.pad[1] < w.size[1] {
			mp := graph.MaxPool2D(tp.Const(x), w.size, w.stride, w.pad)
			if e, i := testutil.RelErr(mp.Value().Data(), refPool(x, w.size, w.stride, w.pad, true)); e != 0 {
				t.Errorf("MaxPool2D %v: error %.3g at %d against the definition", w, e, i)
			}
		}
	}
}

// TestIm2ColAdjoint checks ⟨Im2Col(x), c⟩ = ⟨x, Col2Im(c)⟩ for random x
// and c: the two ops are each other's adjoint.
func TestIm2ColAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, w := range windowCases {
		tp := graph.NewTape()
		x := tp.Const(tensor.RandNormal(rng, w.img...))
		cx := graph.Im2Col(x, w.size, w.stride, w.pad)
		c := tp.Const(tensor.RandNormal(rng, cx.Shape()...))
		xc := graph.Col2Im(c, w.img, w.size, w.stride, w.pad)
		a, b := dot(cx.Value().Data(), c.Value().Data()), dot(x.Value().Data(), xc.Value().Data())
		if math.Abs(a-b) > 1e-13*max(1, math.Abs(a)) {
			t.Errorf("%v: ⟨Im2Col x, c⟩ = %v, ⟨x, Col2Im c⟩ = %v", w, a, b)
		}
	}
}

// TestMaxPoolTies checks the documented subgradient at ties: the adjoint
// goes to the first maximum of each window in row-major order, and only
// there; the other tied elements get zero.
func TestMaxPoolTies(t *testing.T) {
	// One 4×4 image of 2×2 windows, stride 2: every window is a tie.
	x := []float64{
		1, 1, 0, 3,
		1, 1, 3, 3,
		5, 2, 4, 4,
		5, 5, 4, 4,
	}
	want := []float64{
		1, 0, 0, 1,
		0, 0, 0, 0,
		1, 0, 1, 0,
		0, 0, 0, 0,
	}
	// Overlapping windows (3×3 stride 1, padding 1) on an all-equal image:
	// each window's first in-image element wins.
	tp := graph.NewTape()
	v := tp.Var(tensor.New(x, 1, 1, 4, 4))
	y := graph.MaxPool2D(v, [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0})
	if got := y.Value().Data(); !equalFloats(got, []float64{1, 3, 5, 4}) {
		t.Errorf("MaxPool2D of ties = %v", got)
	}
	g := ad.Grad(graph.Sum(y), v)[0].Value().Data()
	if !equalFloats(g, want) {
		t.Errorf("gradient at ties = %v, want %v", g, want)
	}

	tp = graph.NewTape()
	v = tp.Var(tensor.Full(2, 1, 1, 3, 3))
	y = graph.MaxPool2D(v, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1})
	g = ad.Grad(graph.Sum(y), v)[0].Value().Data()
	// Windows start at rows/columns −1, 0, 1: the first in-image element of
	// the window at (i, j) is (max(i−1, 0), max(j−1, 0)).
	want = []float64{4, 2, 0, 2, 1, 0, 0, 0, 0}
	if !equalFloats(g, want) {
		t.Errorf("gradient at ties with padding = %v, want %v", g, want)
	}
}

// TestMaxPoolNaN checks that a NaN in a window is selected.
func TestMaxPoolNaN(t *testing.T) {
	tp := graph.NewTape()
	y := graph.MaxPool2D(tp.Const(tensor.New([]float64{1, math.NaN(), 3, 2}, 1, 1, 2, 2)), [2]int{2, 2}, [2]int{1, 1}, [2]int{0, 0})
	if !math.IsNaN(y.Item()) {
		t.Errorf("MaxPool2D with a NaN = %v", y.Item())
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestConvPanics(t *testing.T) {
	tp := graph.NewTape()
	x := tp.Var(tensor.Zeros(1, 2, 4, 4))
	k := [2]int{2, 2}
	one, zero := [2]int{1, 1}, [2]int{0, 0}
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"Conv2D channels", func() { graph.Conv2D(x, tp.Var(tensor.Zeros(3, 1, 2, 2)), one, zero) }, "weight shape"},
		{"Conv2D rank", func() { graph.Conv2D(tp.Var(tensor.Zeros(2, 4, 4)), tp.Var(tensor.Zeros(3, 2, 2, 2)), one, zero) }, "input shape"},
		{"Conv2D stride", func() { graph.Conv2D(x, tp.Var(tensor.Zeros(3, 2, 2, 2)), zero, zero) }, "stride"},
		{"Conv2D too large", func() { graph.Conv2D(x, tp.Var(tensor.Zeros(3, 2, 5, 5)), one, zero) }, "larger than"},
		{"Conv2D tapes", func() { graph.Conv2D(x, graph.NewTape().Var(tensor.Zeros(3, 2, 2, 2)), one, zero) }, "different tapes"},
		{"Im2Col padding", func() { graph.Im2Col(x, k, one, [2]int{-1, 0}) }, "padding"},
		{"Col2Im shape", func() { graph.Col2Im(tp.Var(tensor.Zeros(9, 7)), sh(1, 2, 4, 4), k, one, zero) }, "want [9 8]"},
		{"MaxPool2D padding", func() { graph.MaxPool2D(x, k, one, [2]int{2, 0}) }, "not smaller"},
		{"AvgPool2D rank", func() { graph.AvgPool2D(tp.Var(tensor.Zeros(4, 4)), k, one, zero) }, "[N C H W]"},
		{"Gather range", func() { graph.Gather(tp.Var(tensor.Zeros(3, 2)), []int{0, 3}) }, "out of range"},
		{"Gather negative", func() { graph.Gather(tp.Var(tensor.Zeros(3, 2)), []int{-1}) }, "out of range"},
		{"Gather scalar", func() { graph.Gather(tp.Scalar(1), []int{0}) }, "scalar"},
	} {
		testutil.MustPanic(t, c.name, c.f, "graph: ", c.want)
	}
}

// TestMaxPool2x2 checks the fast path of 2×2 windows at stride 2 against
// the definition, and its choices at a tie and at NaNs.
func TestMaxPool2x2(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := tensor.RandNormal(rng, 2, 3, 6, 4)
	d := x.Data()
	d[0], d[1], d[4], d[5] = 1, 1, 1, 1 // a tie
	d[10], d[15] = math.NaN(), math.NaN()
	tp := graph.NewTape()
	v := tp.Var(x)
	y := graph.MaxPool2D(v, [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0})
	want := refPool(x, [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, true)
	for i, got := range y.Value().Data() {
		if got != want[i] && !(math.IsNaN(got) && math.IsNaN(want[i])) {
			t.Errorf("output %d = %v, want %v", i, got, want[i])
		}
	}
	g := ad.Grad(graph.Sum(y), v)[0].Value().Data()
	if g[0] != 1 || g[1] != 0 || g[4] != 0 || g[5] != 0 {
		t.Errorf("tie: gradient %v, want it on the first element only", []float64{g[0], g[1], g[4], g[5]})
	}
	if g[10] != 1 || g[15] != 0 {
		t.Errorf("NaN window: gradient at the NaNs %v, %v; want the first NaN chosen", g[10], g[15])
	}
}
