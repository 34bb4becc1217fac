package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// Deferred evaluation (fuse.go) must not change a single bit: every case
// below is recorded twice, once as the package records it and once on a
// tape with anomaly detection on, which never defers, and the values,
// gradients, HVPs and repeated tangent sweeps of the two must be
// identical. The sizes straddle the deferral threshold, the pieces and
// blocks of a plan, and the size from which plans are shared among
// goroutines.

// fuseCase is a function of a flat vector whose length is a multiple of 6.
type fuseCase struct {
	name string
	f    func(x *graph.Node) *graph.Node
}

func fuseCases() []fuseCase {
	n := func(x *graph.Node) int { return x.Shape()[0] }
	return []fuseCase{
		{"ExtRosenbrock", graphtest.ExtRosenbrock},
		{"arithmetic", func(x *graph.Node) *graph.Node {
			a := graph.Add(graph.Scale(x, 3), graph.AddScalar(x, 1))
			b := graph.Div(x, graph.AddScalar(graph.Square(x), 1))
			return graph.Sum(graph.Mul(graph.Sub(a, b), graph.ScalarSub(2, x)))
		}},
		{"thirds", func(x *graph.Node) *graph.Node { // a chain of three contributions
			k := n(x)
			a, b, c := graph.Slice(x, 0, 0, k, 3), graph.Slice(x, 0, 1, k, 3), graph.Slice(x, 0, 2, k, 3)
			return graph.Sum(graph.Add(graph.Mul(a, b), graph.Square(graph.Sub(c, a))))
		}},
		{"unequal-slices", func(x *graph.Node) *graph.Node { // no chain: different steps
			k := n(x)
			a, b := graph.Slice(x, 0, 0, k, 2), graph.Slice(x, 0, 0, k/2, 1)
			return graph.Add(graph.Sum(graph.Square(a)), graph.Sum(graph.Mul(b, a)))
		}},
		{"halves", func(x *graph.Node) *graph.Node { // contiguous slices
			k := n(x)
			a, b := graph.Slice(x, 0, 0, k/2, 1), graph.Slice(x, 0, k/2, k, 1)
			return graph.Sum(graph.Mul(graph.Square(a), b))
		}},
		{"matrix", func(x *graph.Node) *graph.Node { // slices of rows (affine) and of columns (not)
			m := graph.Reshape(x, 6, -1)
			r := graph.Slice(m, 0, 1, 6, 2)
			c := graph.Slice(m, 1, 0, m.Shape()[1], 2)
			return graph.Add(graph.Sum(graph.Square(r)), graph.Sum(graph.Mul(c, c)))
		}},
		{"broadcast-scalar", func(x *graph.Node) *graph.Node {
			s := graph.Scale(graph.Sum(x), 1e-3)
			return graph.Sum(graph.Square(graph.Mul(graph.Sub(x, s), s)))
		}},
		{"masked", func(x *graph.Node) *graph.Node { // Max records a masked product
			return graph.Add(graph.Max(graph.Square(x)), graph.Sum(graph.Relu(graph.Scale(x, -1))))
		}},
		{"moments", func(x *graph.Node) *graph.Node { // several sums of one deep value: kept once read twice
			y := graph.Sigmoid(x) // in (0, 1), where y ↦ 2y(1 − y) stays
			for range 12 {
				y = graph.AddScalar(graph.Scale(graph.Mul(y, graph.ScalarSub(1, y)), 2), 0.01)
			}
			m1 := graph.Sum(y)
			m2 := graph.Sum(graph.Square(y))
			m3 := graph.Sum(graph.Mul(graph.Square(y), y))
			return graph.Add(graph.Add(m1, graph.Scale(m2, 0.5)), graph.Scale(m3, 0.25))
		}},
		{"deep", func(x *graph.Node) *graph.Node { // deeper than one plan may be
			y := x
			for i := range 50 {
				y = graph.AddScalar(graph.Scale(y, 0.9), float64(i%3)*0.1)
			}
			return graph.Sum(graph.Square(y))
		}},
		{"sixths", func(x *graph.Node) *graph.Node { // more contributions than one chain takes
			k := n(x)
			y := tp0(x).Scalar(0)
			for s := range 6 {
				y = graph.Add(y, graph.Sum(graph.Square(graph.AddScalar(graph.Slice(x, 0, s, k, 6), float64(s)))))
			}
			return y
		}},
		{"transcendental", func(x *graph.Node) *graph.Node {
			a := graph.Mul(graph.Tanh(x), graph.Sigmoid(graph.Scale(x, 2)))
			b := graph.Log1p(graph.Exp(graph.Scale(graph.Abs(x), -1)))
			c := graph.Add(graph.Sqrt(graph.AddScalar(graph.Square(x), 1)), graph.Recip(graph.AddScalar(graph.Square(x), 2)))
			d := graph.Add(graph.Mul(graph.Sin(x), graph.Cos(x)), graph.Atan(graph.Erf(x)))
			e := graph.Add(graph.Softplus(x), graph.Expm1(graph.Scale(graph.Relu(x), 0.1)))
			return graph.Sum(graph.Add(graph.Add(graph.Mul(a, b), graph.Log(c)), graph.Mul(d, e)))
		}},
		{"custom-op", func(x *graph.Node) *graph.Node { // a user's op reads a deferred value
			return graph.Sum(graph.Square(cube(graph.Scale(x, 0.5))))
		}},
		{"vector-output", func(x *graph.Node) *graph.Node { // the gradient of a deferred sum as a value
			g := ad.Grad(graph.Sum(graph.Mul(graph.Square(x), x)), x)[0]
			return graph.Sum(graph.Mul(g, graph.ScalarSub(1, x)))
		}},
	}
}

func tp0(x *graph.Node) *graph.Tape { return x.Tape() }

// cube is a user-defined op (x³, JVP 3x²ẋ, VJP 3x²g) recorded with Record
// from its input's Value.
var cubeOp = &graph.Op{
	Name: "Cube",
	JVP: func(n *graph.Node, dst *tensor.Tensor) {
		x, dx, d := n.Input(0).Value().Data(), n.Input(0).Tangent().Data(), dst.Data()
		for i := range d {
			d[i] = 3 * x[i] * x[i] * dx[i]
		}
	},
	VJP: func(n, g *graph.Node, adj *graph.Adjoints) {
		x := n.Input(0)
		adj.Add(0, graph.Mul(g, graph.Scale(graph.Square(x), 3)))
	},
}

func cube(x *graph.Node) *graph.Node {
	v := tensor.ZerosLike(x.Value())
	for i, e := range x.Value().Data() {
		v.Data()[i] = e * e * e
	}
	return graph.Record(cubeOp, v, x)
}

// fuseRun is what one recording of a case gives.
type fuseRun struct {
	f             float64
	grad, hv, hv2 []float64
	sweeps        [3][]float64 // H·v by tangent sweeps over one recording: v, v2, v again
}

// runFuse records c at x (with anomaly detection on when eager, which
// defers nothing) and computes its value, gradient and HVPs.
func runFuse(c fuseCase, x, v, v2 []float64, eager bool) fuseRun {
	var r fuseRun
	tp := graph.NewTape()
	tp.DetectAnomalies(eager)
	w := tp.Var(tensor.FromSlice(x))
	y := c.f(w)
	g := ad.Grad(y, w)[0]
	r.f = y.Item()
	r.grad = make([]float64, len(x))
	g.ValueInto(r.grad)

	// Forward over reverse, tangents computed as the nodes are recorded.
	tp2 := graph.NewTape()
	tp2.DetectAnomalies(eager)
	w2 := tp2.Var(tensor.FromSlice(x))
	w2.SetTangentData(v)
	g2 := ad.Grad(c.f(w2), w2)[0]
	r.hv = append([]float64(nil), g2.Tangent().Data()...)

	// Tangent sweeps over the first recording, as Linearize makes them:
	// the second keeps the values the rules read, the third reads them.
	for k, d := range [][]float64{v, v2, v} {
		w.SetTangentData(d)
		ad.PushTangents(tp, w.Index(), g.Index())
		r.sweeps[k] = append([]float64(nil), g.Tangent().Data()...)
	}
	return r
}

// fuseDiff describes the first difference between a deferred run and an
// eager one (a NaN value equals a NaN), or returns "".
func fuseDiff(got, want fuseRun) string {
	if math.Float64bits(got.f) != math.Float64bits(want.f) && !(math.IsNaN(got.f) && math.IsNaN(want.f)) {
		return fmt.Sprintf("value %v, eager %v", got.f, want.f)
	}
	for _, p := range []struct {
		what      string
		got, want []float64
	}{
		{"gradient", got.grad, want.grad},
		{"HVP", got.hv, want.hv},
		{"first sweep", got.sweeps[0], want.sweeps[0]},
		{"second sweep", got.sweeps[1], want.sweeps[1]},
		{"third sweep", got.sweeps[2], want.sweeps[2]},
		{"third sweep against the first", got.sweeps[2], got.sweeps[0]},
	} {
		if i, ok := sameBits(p.got, p.want); !ok {
			return fmt.Sprintf("%s differs from the eager one at %d: %v, eager %v", p.what, i, p.got[i], p.want[i])
		}
	}
	return ""
}

func sameBits(a, b []float64) (int, bool) {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i, false
		}
	}
	return 0, len(a) == len(b)
}

func TestFusedMatchesEager(t *testing.T) {
	sizes := []int{96, 4098, 10002, 3<<17 + 6}
	if testing.Short() {
		sizes = sizes[:3]
	}
	for _, c := range fuseCases() {
		for _, size := range sizes {
			t.Run(fmt.Sprintf("%s/n=%d", c.name, size), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(size), 7))
				x, v, v2 := make([]float64, size), make([]float64, size), make([]float64, size)
				for i := range x {
					x[i], v[i], v2[i] = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
				}
				if d := fuseDiff(runFuse(c, x, v, v2, false), runFuse(c, x, v, v2, true)); d != "" {
					t.Error(d)
				}
			})
		}
	}
}

// TestFusedSpecialValues runs the cases with NaN, ±Inf and −0 among the
// inputs: the deferred path must propagate them as the eager one does,
// bit for bit.
func TestFusedSpecialValues(t *testing.T) {
	const size = 10002
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, math.MaxFloat64, math.SmallestNonzeroFloat64}
	for _, c := range fuseCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			x, v, v2 := make([]float64, size), make([]float64, size), make([]float64, size)
			for i := range x {
				x[i], v[i], v2[i] = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
				if i%97 == 0 {
					x[i] = specials[(i/97)%len(specials)]
				}
			}
			want := runFuse(c, x, v, v2, true)
			got := runFuse(c, x, v, v2, false)
			if math.Float64bits(got.f) != math.Float64bits(want.f) && !(math.IsNaN(got.f) && math.IsNaN(want.f)) {
				t.Errorf("value %v, eager %v", got.f, want.f)
			}
			if i, ok := sameBits(got.grad, want.grad); !ok {
				t.Errorf("gradient differs at %d: %v, eager %v", i, got.grad[i], want.grad[i])
			}
			if i, ok := sameBits(got.sweeps[0], want.sweeps[0]); !ok {
				t.Errorf("sweep differs at %d: %v, eager %v", i, got.sweeps[0][i], want.sweeps[0][i])
			}
		})
	}
}

// TestFusedGoroutines checks that a plan shared among goroutines gives
// the bits of one computed on one.
func TestFusedGoroutines(t *testing.T) {
	if testing.Short() {
		t.Skip("large")
	}
	const size = 3<<17 + 6
	rng := rand.New(rand.NewPCG(5, 6))
	x, v, v2 := make([]float64, size), make([]float64, size), make([]float64, size)
	for i := range x {
		x[i], v[i], v2[i] = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
	}
	for _, c := range fuseCases()[:3] {
		prev := runtime.GOMAXPROCS(1)
		one := runFuse(c, x, v, v2, false)
		runtime.GOMAXPROCS(max(2, prev))
		two := runFuse(c, x, v, v2, false)
		runtime.GOMAXPROCS(prev)
		if i, ok := sameBits(one.grad, two.grad); !ok || one.f != two.f {
			t.Errorf("%s: gradient on one goroutine and on two differ at %d", c.name, i)
		}
		if i, ok := sameBits(one.sweeps[1], two.sweeps[1]); !ok {
			t.Errorf("%s: sweep on one goroutine and on two differ at %d", c.name, i)
		}
	}
}

// TestFusedDerivatives checks the deferred cases against central
// differences too (the eager path is checked op by op elsewhere).
func TestFusedDerivatives(t *testing.T) {
	const size = 4098
	for _, c := range fuseCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(8, 9))
			x := make([]float64, size)
			for i := range x {
				x[i] = 0.5 * rng.NormFloat64()
			}
			rep := ad.Check(c.f, x, &ad.CheckSettings{Directions: 2, Seed: 1})
			if !(rep.GradErr < 1e-4 && rep.HVPErr < 1e-4) { // differences of f ≈ 10⁵ lose about 10⁻⁵
				t.Errorf("%+v", rep)
			}
		})
	}
}

// TestFusedValueInto checks that ValueInto of a
// deferred value writes only the caller's slice, and that the value read
// afterwards is the same.
func TestFusedValueInto(t *testing.T) {
	const size = 8192
	tp := graph.NewTape()
	x := make([]float64, size)
	for i := range x {
		x[i] = float64(i%13) - 6
	}
	w := tp.Var(tensor.FromSlice(x))
	y := graph.Mul(graph.Square(w), graph.ScalarSub(1, w))
	got := make([]float64, size)
	y.ValueInto(got)
	if i, ok := sameBits(got, y.Value().Data()); !ok {
		t.Fatalf("ValueInto and Value differ at %d", i)
	}
	for i, v := range x {
		if want := v * v * (1 - v); got[i] != want {
			t.Fatalf("element %d: %v, want %v", i, got[i], want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("ValueInto into a slice of the wrong length did not panic")
		}
	}()
	y.ValueInto(got[1:])
}

// TestFusedDefers checks that deferral happens where the package
// documentation says it does (bit-for-bit agreement with the eager path
// would hold as well if nothing were deferred), and not below the
// threshold (4096 elements per node) or with anomaly detection on.
func TestFusedDefers(t *testing.T) {
	for _, c := range []struct {
		size             int
		detect, deferred bool
	}{{8192, false, true}, {100000, false, true}, {8190, false, false}, {100000, true, false}} {
		if !c.deferred && !c.detect && graph.FuseMin < 4096 {
			continue // the fuseall build defers from two elements
		}
		tp := graph.NewTape()
		tp.DetectAnomalies(c.detect)
		w := tp.Var(tensor.Zeros(c.size))
		w.SetTangentData(make([]float64, c.size))
		odd := graph.Slice(w, 0, 0, c.size, 2)
		even := graph.Slice(w, 0, 1, c.size, 2)
		sq := graph.Square(graph.Sub(even, graph.Square(odd)))
		y := graph.Sum(graph.Add(sq, graph.Scale(odd, 3)))
		for _, n := range []*graph.Node{odd, even, sq} {
			v, tan := graph.Pending(n)
			if v != c.deferred || tan != c.deferred {
				t.Errorf("size %d, detect %v: %v pending (value %v, tangent %v), want %v", c.size, c.detect, n, v, tan, c.deferred)
			}
		}
		g := ad.Grad(y, w)[0] // the scatter of the two halves' adjoints
		if v, tan := graph.Pending(g); c.deferred && (!v || !tan) {
			t.Errorf("size %d: gradient %v pending (value %v, tangent %v), want both", c.size, g, v, tan)
		}
		g.Value()
		if v, _ := graph.Pending(g); v {
			t.Errorf("size %d: %v still pending after Value", c.size, g)
		}
	}
}
