package graph_test

// Benchmarks of element-wise code, n-ary joins, integer-index ops and the
// seed loss over a flat vector. Run on one core:
//
//	GOMAXPROCS=1 go test ./graph -run '^$' -bench . -benchmem
//
// Each benchmark times the parts it compares inside one loop, alternately,
// and reports their ratio with b.ReportMetric, so that the ratio is taken
// side by side on a machine whose speed drifts.

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// sumSquaresIndex is Σᵢ xᵢ² written element by element: n Index, n Square
// and n − 1 Add.
func sumSquaresIndex(w *graph.Node) *graph.Node {
	n := w.Shape()[0]
	s := graph.Square(graph.Index(w, 0))
	for i := 1; i < n; i++ {
		s = graph.Add(s, graph.Square(graph.Index(w, i)))
	}
	return s
}

// stackedPieces is n scalar pieces xᵢ·xᵢ₊₁ joined by one n-ary Stack, then
// Σ (pieces)².
func stackedPieces(w *graph.Node) *graph.Node {
	n := w.Shape()[0]
	ps := make([]*graph.Node, n)
	for i := range ps {
		ps[i] = graph.Mul(graph.Index(w, i), graph.Index(w, (i+1)%n))
	}
	return graph.Sum(graph.Square(graph.Stack(0, ps...)))
}

// recordedOps returns the number of ops f records on a vector of n.
func recordedOps(f ad.Func, n int) int {
	tp := graph.NewTape()
	w := tp.VarVec(make([]float64, n))
	f(w)
	return tp.Len() - 1
}

// benchGradHVP times ValueAndGrad and hvp.HVP of f at a random x of n
// elements, alternately, and reports the gradient's cost per recorded
// forward op and the ratio HVP/gradient. Each is called three times in a
// row and the last two are timed: a loop of gradients (or of HVPs) runs
// with the caches holding its own tape, which one call of each in turn
// would not measure (the two recordings together exceed L2 at n = 4,000).
// The two still alternate inside each iteration, side by side.
func benchGradHVP(b *testing.B, f ad.Func, n int) {
	b.ReportAllocs()
	rng := rand.New(rand.NewPCG(1, 1))
	x, v := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i], v[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	ops := recordedOps(f, n)
	var tg, th time.Duration
	var sink float64
	const repeat = 3
	steady := func(d *time.Duration, f func()) {
		f()
		t0 := time.Now()
		for range repeat - 1 {
			f()
		}
		*d += time.Since(t0)
	}
	for b.Loop() {
		steady(&tg, func() {
			val, g := ad.ValueAndGrad(f, x)
			sink += val + g[0]
		})
		steady(&th, func() { sink += hvp.HVP(f, x, v)[0] })
	}
	_ = sink
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N*(repeat-1)) }
	b.ReportMetric(float64(ops), "recorded-ops")
	b.ReportMetric(per(tg)/float64(ops), "ns-grad/recorded-op")
	b.ReportMetric(per(th)/float64(ops), "ns-hvp/recorded-op")
	b.ReportMetric(per(th)/per(tg), "hvp/grad")
}

// BenchmarkSumSquaresIndex4000 is Σᵢ xᵢ² over n = 4,000 written with Index:
// value and gradient per recorded op, and HVP/gradient.
func BenchmarkSumSquaresIndex4000(b *testing.B) { benchGradHVP(b, sumSquaresIndex, 4000) }

// BenchmarkSumSquaresIndexVsScalarVars compares the value and gradient of
// Σᵢ xᵢ² written with Index over one vector (through ad.ValueAndGrad)
// against the same sum over 4,000 scalar Vars on a reused tape, the
// plainest scalar code there is (n Square, n − 1 Add, no Index), and
// reports index/scalar-vars: what reading elements of one vector costs
// on top of the per-node cost of the tape.
func BenchmarkSumSquaresIndexVsScalarVars(b *testing.B) {
	const n = 4000
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	tp := graph.NewTape()
	vars := make([]*graph.Node, n)
	scalars := make([]*tensor.Tensor, n) // built once: recording a Var of one allocates nothing
	for i := range scalars {
		scalars[i] = tensor.Scalar(x[i])
	}
	var sink float64
	index := func() {
		val, g := ad.ValueAndGrad(sumSquaresIndex, x)
		sink += val + g[0]
	}
	scalar := func() {
		tp.Reset()
		for i := range vars {
			vars[i] = tp.Var(scalars[i])
		}
		s := graph.Square(vars[0])
		for _, v := range vars[1:] {
			s = graph.Add(s, graph.Square(v))
		}
		sink += ad.Grad(s, vars...)[0].Item()
	}
	t := testutil.TimeEach(b, index, scalar)
	_ = sink
	b.ReportMetric(t[0]/(3*n-1), "ns-index/recorded-op")
	b.ReportMetric(t[1]/(2*n-1), "ns-scalar/recorded-op")
	b.ReportMetric(t[0]/t[1], "index/scalar-vars")
}

// BenchmarkStackPieces4000 is 4,000 scalar pieces joined by one Stack.
func BenchmarkStackPieces4000(b *testing.B) { benchGradHVP(b, stackedPieces, 4000) }

// BenchmarkSeedIndexVsVars compares the seed loss through ad.ValueAndGrad
// over a flat vector (graphtest.SeedLoss, with Index) with the same loss on
// two scalar Vars on a reused tape (the form of
// ad/hvp.BenchmarkSeedValueGrad), and reports the ratio and each form's
// heap allocations per call.
func BenchmarkSeedIndexVsVars(b *testing.B) {
	x := []float64{0.3, 0.7}
	tp := graph.NewTape()
	a, c := tensor.Scalar(x[0]), tensor.Scalar(x[1])
	var sink float64
	index := func() {
		val, g := ad.ValueAndGrad(graphtest.SeedLoss, x)
		sink += val + g[0] + g[1]
	}
	vars := func() {
		tp.Reset()
		w1, w2 := tp.Var(a), tp.Var(c)
		loss := graphtest.Seed(w1, w2, 1)
		g := ad.Grad(loss, w1, w2)
		sink += loss.Item() + g[0].Item() + g[1].Item()
	}
	t := testutil.TimeEach(b, index, vars)
	_ = sink
	b.ReportMetric(t[0], "ns/index-call")
	b.ReportMetric(t[1], "ns/var-call")
	b.ReportMetric(t[0]/t[1], "index/var")
	b.ReportMetric(testing.AllocsPerRun(100, index), "allocs/index-call")
	b.ReportMetric(testing.AllocsPerRun(100, vars), "allocs/var-call")
	b.ReportMetric(0, "ns/op")
}

// benchMLP is a tanh MLP's parameters.
type benchMLP struct{ ws, bs []*tensor.Tensor }

func newBenchMLP(rng *rand.Rand, sizes ...int) *benchMLP {
	m := &benchMLP{}
	for i := 0; i+1 < len(sizes); i++ {
		w := tensor.RandNormal(rng, sizes[i], sizes[i+1])
		tensor.ScaleTo(w, w, 1/math.Sqrt(float64(sizes[i])))
		m.ws = append(m.ws, w)
		m.bs = append(m.bs, tensor.Zeros(sizes[i+1]))
	}
	return m
}

// logProbs records the parameters and the network's log-probabilities.
func (m *benchMLP) logProbs(tp *graph.Tape, x *tensor.Tensor) (*graph.Node, []*graph.Node) {
	var params []*graph.Node
	h := tp.Const(x)
	for i := range m.ws {
		w, bias := tp.Var(m.ws[i]), tp.Var(m.bs[i])
		params = append(params, w, bias)
		h = graph.Add(graph.MatMul(h, w), bias)
		if i+1 < len(m.ws) {
			h = graph.Tanh(h)
		}
	}
	return graph.LogSoftmax(h, 1), params
}

// BenchmarkCrossEntropyPickVsOneHot compares, on an MLP 784-256-256-10
// with a batch of 128, the forward and backward pass of a cross-entropy
// with integer labels through Pick against the same loss through a
// product with one-hot targets (the one-hot tensor built once, outside the
// loop, in the baseline's favour), and reports pick/onehot.
func BenchmarkCrossEntropyPickVsOneHot(b *testing.B) {
	b.ReportAllocs()
	rng := rand.New(rand.NewPCG(2, 1))
	const batch = 128
	m := newBenchMLP(rng, 784, 256, 256, 10)
	x := tensor.RandNormal(rng, batch, 784)
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	onehot := tensor.OneHot(labels, 10)
	tp := graph.NewTape()
	var sink float64
	pick := func() {
		tp.Reset()
		lp, params := m.logProbs(tp, x)
		loss := graph.Neg(graph.Mean(graph.Pick(lp, labels)))
		g := ad.Grad(loss, params...)
		sink += loss.Item() + g[0].Value().Data()[0]
	}
	product := func() {
		tp.Reset()
		lp, params := m.logProbs(tp, x)
		loss := graph.Neg(graph.Mean(graph.SumAxis(graph.Mul(lp, tp.Const(onehot)), -1, false)))
		g := ad.Grad(loss, params...)
		sink += loss.Item() + g[0].Value().Data()[0]
	}
	t := testutil.TimeEach(b, pick, product)
	_ = sink
	b.ReportMetric(t[0]/1e3, "µs/pick")
	b.ReportMetric(t[1]/1e3, "µs/onehot")
	b.ReportMetric(t[0]/t[1], "pick/onehot")
}

// BenchmarkEmbedding is an embedding lookup, vocabulary 5,000, width 32,
// batch 256, through Gather, and a linear head: forward and backward
// (gradients of the table and the head). The baseline sub-benchmark does
// the same lookup as a product with one-hot rows.
func BenchmarkEmbedding(b *testing.B) {
	const vocab, width, batch, out = 5000, 32, 256, 16
	rng := rand.New(rand.NewPCG(3, 1))
	table := tensor.RandNormal(rng, vocab, width)
	head := tensor.RandNormal(rng, width, out)
	idx := make([]int, batch)
	for i := range idx {
		idx[i] = rng.IntN(vocab)
	}
	for _, c := range []struct {
		name   string
		lookup func(tp *graph.Tape, e *graph.Node) *graph.Node
		view   bool // record the table with VarView (no copy)
	}{
		{"Gather", func(tp *graph.Tape, e *graph.Node) *graph.Node { return graph.Gather(e, idx) }, false},
		{"GatherVarView", func(tp *graph.Tape, e *graph.Node) *graph.Node { return graph.Gather(e, idx) }, true},
		{"OneHotProduct", func() func(tp *graph.Tape, e *graph.Node) *graph.Node {
			oh := tensor.OneHot(idx, vocab)
			return func(tp *graph.Tape, e *graph.Node) *graph.Node { return graph.MatMul(tp.Const(oh), e) }
		}(), false},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			tp := graph.NewTape()
			var sink float64
			for b.Loop() {
				tp.Reset()
				e, w := tp.Var(table), tp.Var(head)
				if c.view {
					e = tp.VarView(table)
				}
				loss := graph.Mean(graph.Square(graph.MatMul(c.lookup(tp, e), w)))
				g := ad.Grad(loss, e, w)
				sink += loss.Item() + g[0].Value().Data()[0]
			}
			_ = sink
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/fwd+bwd")
		})
	}
}
