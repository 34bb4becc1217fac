package hvp_test

// Engine benchmarks. Run on one core:
//
//	GOMAXPROCS=1 go test ./ad/hvp -run '^$' -bench . -benchmem
//
// Ratios (gradient/function, HVP/gradient, fixed-point
// HVP/gradient, AD/hand-written) are measured inside one benchmark by timing
// each part in the same loop, and reported with b.ReportMetric.

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// BenchmarkSeedValueGrad records the seed loss and its gradient on a tape
// that is reset and reused, as a training loop would.
func BenchmarkSeedValueGrad(b *testing.B) {
	b.ReportAllocs()
	tp := graph.NewTape()
	a, c := tensor.Scalar(0.3), tensor.Scalar(0.7)
	var sink float64
	for b.Loop() {
		tp.Reset()
		w1, w2 := tp.Var(a), tp.Var(c)
		loss := graphtest.Seed(w1, w2, 1)
		g := ad.Grad(loss, w1, w2)
		sink += loss.Item() + g[0].Item() + g[1].Item()
	}
	_ = sink
}

// BenchmarkSeedValueGradFreshTape is the same with a new tape per call.
func BenchmarkSeedValueGradFreshTape(b *testing.B) {
	b.ReportAllocs()
	a, c := tensor.Scalar(0.3), tensor.Scalar(0.7)
	var sink float64
	for b.Loop() {
		tp := graph.NewTape()
		w1, w2 := tp.Var(a), tp.Var(c)
		loss := graphtest.Seed(w1, w2, 1)
		g := ad.Grad(loss, w1, w2)
		sink += loss.Item() + g[0].Item() + g[1].Item()
	}
	_ = sink
}

// BenchmarkChain999 records y = tanh(a·y + b) 333 times (999 ops) and its
// gradient with respect to a, b and the start, and reports the cost per
// recorded forward op.
func BenchmarkChain999(b *testing.B) {
	b.ReportAllocs()
	tp := graph.NewTape()
	var sink float64
	for b.Loop() {
		tp.Reset()
		a, c, y0 := tp.Var(tensor.Scalar(0.9)), tp.Var(tensor.Scalar(0.1)), tp.Var(tensor.Scalar(0.5))
		y := y0
		for range 333 {
			y = graph.Tanh(graph.Add(graph.Mul(a, y), c))
		}
		g := ad.Grad(y, a, c, y0)
		sink += g[0].Item()
	}
	_ = sink
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/999, "ns/recorded-op")
	b.ReportMetric(0, "ns/op") // the per-op figure is the one that matters
}

// BenchmarkChain999Tapes times the chain of BenchmarkChain999 on three
// kinds of tape, each in its own sub-benchmark (a kind that leaves garbage
// would slow the others down if they alternated), per recorded op: a tape
// reset and reused, a new tape released after its gradient (NewTape then
// takes the released storage), and a new tape simply dropped (its storage
// left to the garbage collector), with the heap allocations per recorded
// op.
func BenchmarkChain999Tapes(b *testing.B) {
	chain := func(tp *graph.Tape) float64 {
		a, c, y0 := tp.Var(tensor.Scalar(0.9)), tp.Var(tensor.Scalar(0.1)), tp.Var(tensor.Scalar(0.5))
		y := y0
		for range 333 {
			y = graph.Tanh(graph.Add(graph.Mul(a, y), c))
		}
		return ad.Grad(y, a, c, y0)[0].Item()
	}
	reused := graph.NewTape()
	for _, k := range []struct {
		name string
		run  func() float64
	}{
		{"reused", func() float64 { reused.Reset(); return chain(reused) }},
		{"released", func() float64 {
			tp := graph.NewTape()
			defer tp.Release()
			return chain(tp)
		}},
		{"dropped", func() float64 { return chain(graph.NewTape()) }},
	} {
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			var sink float64
			for b.Loop() {
				sink += k.run()
			}
			_ = sink
			runtime.ReadMemStats(&ms1)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/999, "ns/recorded-op")
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N)/999, "allocs/recorded-op")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// extRosenbrockHand returns graphtest.ExtRosenbrock's f and writes the
// gradient, written by hand.
func extRosenbrockHand(x, g []float64) float64 {
	f := 0.0
	for i := 0; i+1 < len(x); i += 2 {
		t := x[i+1] - x[i]*x[i]
		u := 1 - x[i]
		f += 100*t*t + u*u
		if g != nil {
			g[i] = -400*t*x[i] - 2*u
			g[i+1] = 200 * t
		}
	}
	return f
}

func rosenStart(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		if i%2 == 0 {
			x[i] = -1.2
		} else {
			x[i] = 1
		}
	}
	return x
}

// BenchmarkRosenbrock times, in one loop, the function alone, the
// function with its gradient, an HVP from scratch, and an HVP at a point
// already recorded, through an hvp.Objective (tapes reused), and the
// hand-written function and gradient, and reports their ratios.
//
// Each measured call runs rosenRepeat times in a row and only the last
// rosenRepeat−1 are timed: an optimizer calls the same thing repeatedly,
// so in its steady state the caches hold that call's own buffers (at
// n = 10⁵ one recording's buffers exceed L2). Timing one call of each
// kind in turn would instead time each with the caches full of the
// previous kind's buffers (the four recordings together crowd L3), a
// cost no optimizer sees. The hand-written code is timed the same way,
// and the kinds still alternate inside each iteration, so every ratio is
// taken side by side.
func BenchmarkRosenbrock(b *testing.B) {
	const rosenRepeat = 3
	for _, n := range []int{1000, 100000} {
		b.Run(size(n), func(b *testing.B) {
			b.ReportAllocs()
			obj := hvp.NewObjective(graphtest.ExtRosenbrock, n)
			x := rosenStart(n)
			v := make([]float64, n)
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			g, hv := make([]float64, n), make([]float64, n)
			var tf, tg, th, tfix, thand, tfhand time.Duration
			// steady runs f rosenRepeat times and adds the time of all but
			// the first to *d.
			steady := func(d *time.Duration, f func()) {
				f()
				t0 := time.Now()
				for range rosenRepeat - 1 {
					f()
				}
				*d += time.Since(t0)
			}
			hess := obj.Linearize(x)
			for b.Loop() {
				steady(&tf, func() { obj.Eval(x, nil) })
				steady(&tg, func() { obj.Eval(x, g) })
				steady(&th, func() { obj.HessVec(x, v, hv) })
				hess = obj.Linearize(x)
				hess(v, hv)                           // the first product at a point sizes the tangent buffers
				steady(&tfix, func() { hess(v, hv) }) // each further product: one tangent sweep
				steady(&thand, func() { extRosenbrockHand(x, g) })
				steady(&tfhand, func() { extRosenbrockHand(x, nil) })
			}
			_ = hess
			per := func(d time.Duration) float64 {
				return float64(d.Nanoseconds()) / float64(b.N*(rosenRepeat-1))
			}
			b.ReportMetric(per(tf), "ns/f")
			b.ReportMetric(per(tg), "ns/grad")
			b.ReportMetric(per(th), "ns/hvp")
			b.ReportMetric(per(tfix), "ns/hvp-fixed")
			b.ReportMetric(per(thand), "ns/grad-hand")
			b.ReportMetric(per(tfhand), "ns/f-hand")
			b.ReportMetric(per(tg)/per(tf), "grad/f")
			b.ReportMetric(per(tf)/per(tfhand), "f/f-hand")
			b.ReportMetric(per(tg)/per(thand), "grad/grad-hand")
			b.ReportMetric(per(th)/per(tg), "hvp/grad")
			b.ReportMetric(per(tfix)/per(tg), "hvpfixed/grad")
		})
	}
}

func size(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return "n=" + itoa(n/1000000) + "M"
	case n >= 1000 && n%1000 == 0:
		return "n=" + itoa(n/1000) + "k"
	}
	return "n=" + itoa(n)
}

func itoa(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}

// BenchmarkMemoryHVP1M compares the bytes allocated by a gradient and by an
// HVP at n = 10⁶. Everything a recording allocates stays live until the
// recording is dropped, so bytes allocated per call is the peak heap the
// call adds.
func BenchmarkMemoryHVP1M(b *testing.B) {
	const n = 1000000
	x := rosenStart(n)
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	measure := func(f func()) uint64 {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		f()
		runtime.ReadMemStats(&m1)
		return m1.TotalAlloc - m0.TotalAlloc
	}
	var gradBytes, hvpBytes uint64
	for b.Loop() {
		// Fresh tapes on both sides: the functional forms reuse pooled
		// tapes, which would hide the cost of a recording.
		gradBytes = measure(func() {
			tp := graph.NewTape()
			w := tp.VarVec(x)
			ad.Grad(graphtest.ExtRosenbrock(w), w)
		})
		hvpBytes = measure(func() { hvp.At(graphtest.ExtRosenbrock, x).HVP(v, nil) })
	}
	b.ReportMetric(float64(gradBytes)/1e6, "MB/grad")
	b.ReportMetric(float64(hvpBytes)/1e6, "MB/hvp")
	b.ReportMetric(float64(hvpBytes)/float64(gradBytes), "hvp/grad-bytes")
}

// mlp is a tanh multilayer perceptron recorded on a tape.
type mlp struct {
	ws, bs []*tensor.Tensor
	record recording
}

// recording says how an mlp records its layers.
type recording int

const (
	fusedLayers   recording = iota // MatMulAdd, weights copied by Tape.Var (as nn.Linear does)
	viewedWeights                  // MatMulAdd, weights recorded by Tape.VarView (no copy)
	unfusedLayers                  // MatMul then a broadcast Add, weights copied; LogSoftmax times one-hot
)

func newMLP(rng *rand.Rand, sizes ...int) *mlp {
	m := &mlp{}
	for i := 0; i+1 < len(sizes); i++ {
		w := tensor.RandNormal(rng, sizes[i], sizes[i+1])
		tensor.ScaleTo(w, w, 1/math.Sqrt(float64(sizes[i])))
		m.ws = append(m.ws, w)
		m.bs = append(m.bs, tensor.Zeros(sizes[i+1]))
	}
	return m
}

// loss records the network's loss: softmax cross-entropy against the
// labels (y holding them one-hot) when classify is set, mean squared error
// against y otherwise.
func (m *mlp) loss(tp *graph.Tape, x, y *tensor.Tensor, labels []int, classify bool) (*graph.Node, []*graph.Node) {
	var params []*graph.Node
	h := tp.Const(x)
	for i := range m.ws {
		var w, bias *graph.Node
		if m.record == viewedWeights {
			w, bias = tp.VarView(m.ws[i]), tp.VarView(m.bs[i])
		} else {
			w, bias = tp.Var(m.ws[i]), tp.Var(m.bs[i])
		}
		params = append(params, w, bias)
		if m.record == unfusedLayers {
			h = graph.Add(graph.MatMul(h, w), bias)
		} else {
			h = graph.MatMulAdd(h, w, bias)
		}
		if i+1 < len(m.ws) {
			h = graph.Tanh(h)
		}
	}
	batch := float64(x.Shape()[0])
	if classify && m.record != unfusedLayers {
		return graph.SoftmaxCrossEntropy(h, labels), params
	}
	if classify {
		lp := graph.LogSoftmax(h, 1)
		return graph.Scale(graph.Sum(graph.Mul(lp, tp.Const(y))), -1/batch), params
	}
	d := graph.Sub(h, tp.Const(y))
	return graph.Scale(graph.Sum(graph.Square(d)), 1/batch), params
}

func BenchmarkMLP(b *testing.B) {
	cases := []struct {
		name     string
		sizes    []int
		batch    int
		classify bool
	}{
		{"784-256-256-10/batch128", []int{784, 256, 256, 10}, 128, true},
		{"10-64-64-1/batch256", []int{10, 64, 64, 1}, 256, false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			rng := rand.New(rand.NewPCG(3, 4))
			m := newMLP(rng, c.sizes...)
			x := tensor.RandNormal(rng, c.batch, c.sizes[0])
			out := c.sizes[len(c.sizes)-1]
			var y *tensor.Tensor
			var labels []int
			if c.classify {
				labels = make([]int, c.batch)
				for i := range labels {
					labels[i] = rng.IntN(out)
				}
				y = tensor.OneHot(labels, out)
			} else {
				y = tensor.RandNormal(rng, c.batch, out)
			}
			hand := newHandMLP(m, c.batch)
			prods := newMatMuls(rng, c.sizes, c.batch)
			tp := graph.NewTape()
			var tFwd, tAD, tHand, tMM time.Duration
			for b.Loop() {
				t0 := time.Now()
				tp.Reset()
				m.loss(tp, x, y, labels, c.classify)
				t1 := time.Now()
				tp.Reset()
				loss, params := m.loss(tp, x, y, labels, c.classify)
				ad.Grad(loss, params...)
				t2 := time.Now()
				hand.lossGrad(x, y, c.classify)
				t3 := time.Now()
				prods.run()
				t4 := time.Now()
				tFwd += t1.Sub(t0)
				tAD += t2.Sub(t1)
				tHand += t3.Sub(t2)
				tMM += t4.Sub(t3)
			}
			per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
			b.ReportMetric(per(tAD)/1e6, "ms/fwd+bwd")
			b.ReportMetric(per(tHand)/1e6, "ms/hand")
			b.ReportMetric(per(tAD)/per(tHand), "ad/hand")
			b.ReportMetric(per(tAD)/per(tFwd), "grad/fwd")
			b.ReportMetric(per(tAD)/per(tMM), "ad/matmuls")
		})
	}
}

// matMuls holds the matrix products of one forward and backward pass of an
// MLP (X·W per layer; Xᵀ·G and G·Wᵀ for the backward, without the input's
// adjoint), to time them alone: the floor of a training step.
type matMuls struct {
	a, b, c []*tensor.Tensor
	ta, tb  []bool
}

func newMatMuls(rng *rand.Rand, sizes []int, batch int) *matMuls {
	m := new(matMuls)
	add := func(ar, ac, br, bc int, ta, tb bool) {
		a, bb := tensor.RandNormal(rng, ar, ac), tensor.RandNormal(rng, br, bc)
		m.a, m.b, m.ta, m.tb = append(m.a, a), append(m.b, bb), append(m.ta, ta), append(m.tb, tb)
		m.c = append(m.c, tensor.MatMulT(a, bb, ta, tb))
	}
	for l := 0; l+1 < len(sizes); l++ {
		in, out := sizes[l], sizes[l+1]
		add(batch, in, in, out, false, false)   // forward
		add(batch, in, batch, out, true, false) // ∂W = Xᵀ·G
		if l > 0 {
			add(batch, out, in, out, false, true) // ∂X = G·Wᵀ
		}
	}
	return m
}

func (m *matMuls) run() {
	for i := range m.a {
		tensor.MatMulTo(m.c[i], m.a[i], m.b[i], m.ta[i], m.tb[i])
	}
}

// handMLP computes the same loss and gradient by hand on gonum's BLAS, with
// preallocated buffers: the floor the engine is measured against.
type handMLP struct {
	m      *mlp
	acts   [][]float64 // activations per layer (input excluded)
	deltas [][]float64
	gw, gb [][]float64
}

func newHandMLP(m *mlp, batch int) *handMLP {
	h := &handMLP{m: m}
	for i, w := range m.ws {
		out := w.Shape()[1]
		h.acts = append(h.acts, make([]float64, batch*out))
		h.deltas = append(h.deltas, make([]float64, batch*out))
		h.gw = append(h.gw, make([]float64, w.Size()))
		h.gb = append(h.gb, make([]float64, m.bs[i].Size()))
	}
	return h
}

func (h *handMLP) lossGrad(x, y *tensor.Tensor, classify bool) float64 {
	impl := blas64.Implementation()
	batch := x.Shape()[0]
	in := x.Data()
	inDim := x.Shape()[1]
	L := len(h.m.ws)
	for i, w := range h.m.ws {
		out := w.Shape()[1]
		a := h.acts[i]
		bias := h.m.bs[i].Data()
		for r := 0; r < batch; r++ {
			copy(a[r*out:(r+1)*out], bias)
		}
		impl.Dgemm(blas.NoTrans, blas.NoTrans, batch, out, inDim, 1, in, inDim, w.Data(), out, 1, a, out)
		if i+1 < L {
			for j, v := range a {
				a[j] = math.Tanh(v)
			}
		}
		in, inDim = a, out
	}
	// Loss and its derivative with respect to the last layer's output.
	out := h.m.ws[L-1].Shape()[1]
	z, d, yd := h.acts[L-1], h.deltas[L-1], y.Data()
	loss := 0.0
	if classify {
		for r := 0; r < batch; r++ {
			row := z[r*out : (r+1)*out]
			m := math.Inf(-1)
			for _, v := range row {
				m = math.Max(m, v)
			}
			s := 0.0
			for _, v := range row {
				s += math.Exp(v - m)
			}
			lse := m + math.Log(s)
			for j, v := range row {
				p := math.Exp(v - lse)
				loss -= yd[r*out+j] * (v - lse) / float64(batch)
				d[r*out+j] = (p - yd[r*out+j]) / float64(batch)
			}
		}
	} else {
		for j, v := range z {
			e := v - yd[j]
			loss += e * e / float64(batch)
			d[j] = 2 * e / float64(batch)
		}
	}
	for i := L - 1; i >= 0; i-- {
		w := h.m.ws[i]
		inDim, out := w.Shape()[0], w.Shape()[1]
		var prev []float64
		if i == 0 {
			prev = x.Data()
		} else {
			prev = h.acts[i-1]
		}
		impl.Dgemm(blas.Trans, blas.NoTrans, inDim, out, batch, 1, prev, inDim, h.deltas[i], out, 0, h.gw[i], out)
		gb := h.gb[i]
		clear(gb)
		for r := 0; r < batch; r++ {
			for j := 0; j < out; j++ {
				gb[j] += h.deltas[i][r*out+j]
			}
		}
		if i > 0 {
			pd := h.deltas[i-1]
			impl.Dgemm(blas.NoTrans, blas.Trans, batch, inDim, out, 1, h.deltas[i], out, w.Data(), out, 0, pd, inDim)
			for j, a := range h.acts[i-1] {
				pd[j] *= 1 - a*a
			}
		}
	}
	return loss
}

// mlpStep is the 784-256-256-10, batch 128 classification step of
// BenchmarkMLP: a recording of the loss and its gradient on a reused tape.
type mlpStep struct {
	m      *mlp
	x, y   *tensor.Tensor
	labels []int
	tp     *graph.Tape
}

func newMLPStep(rng *rand.Rand) *mlpStep {
	const batch, out = 128, 10
	s := &mlpStep{m: newMLP(rng, 784, 256, 256, out), tp: graph.NewTape()}
	s.x = tensor.RandNormal(rng, batch, 784)
	s.labels = make([]int, batch)
	for i := range s.labels {
		s.labels[i] = rng.IntN(out)
	}
	s.y = tensor.OneHot(s.labels, out)
	return s
}

func (s *mlpStep) run() {
	s.tp.Reset()
	loss, params := s.m.loss(s.tp, s.x, s.y, s.labels, true)
	ad.Grad(loss, params...)
}

// BenchmarkMLPStep times the 784-256-256-10 step of BenchmarkMLP and its
// matrix products alone, alternating in one loop, without the hand-written
// gonum reference between them (whose 40 ms per round let the machine's
// load drift between the figures): ad/matmuls is the step over the floor
// of its matrix products. The same step is timed with its weights recorded
// by Tape.VarView instead of copied by Tape.Var (view/matmuls), and with
// each layer recorded as MatMul then a broadcast Add instead of MatMulAdd
// and the loss as LogSoftmax times the one-hot targets instead of
// SoftmaxCrossEntropy (unfused/matmuls). The -fastest ratios are those of
// the fastest round of each, the figures least disturbed by other work on
// a shared machine.
//
//	GOMAXPROCS=1 go test ./ad/hvp -run '^$' -bench MLPStep -count 5
func BenchmarkMLPStep(b *testing.B) {
	b.ReportAllocs()
	rng := rand.New(rand.NewPCG(3, 4))
	s := newMLPStep(rng)
	prods := newMatMuls(rng, []int{784, 256, 256, 10}, 128)
	var tAD, minAD [3]time.Duration
	var tMM, minMM time.Duration
	least := func(m *time.Duration, d time.Duration) {
		if *m == 0 || d < *m {
			*m = d
		}
	}
	round := 0
	for b.Loop() {
		round++
		for i := range tAD { // the order turns each round: the first one runs on colder caches
			r := (i + round) % len(tAD)
			s.m.record = recording(r)
			t0 := time.Now()
			s.run()
			d := time.Since(t0)
			tAD[r] += d
			least(&minAD[r], d)
		}
		t0 := time.Now()
		prods.run()
		d := time.Since(t0)
		tMM += d
		least(&minMM, d)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(per(tAD[fusedLayers])/1e6, "ms/fwd+bwd")
	b.ReportMetric(per(tMM)/1e6, "ms/matmuls")
	b.ReportMetric(per(tAD[fusedLayers])/per(tMM), "ad/matmuls")
	b.ReportMetric(per(tAD[viewedWeights])/per(tMM), "view/matmuls")
	b.ReportMetric(per(tAD[unfusedLayers])/per(tMM), "unfused/matmuls")
	// The fastest rounds, which another process on the machine slowed least.
	b.ReportMetric(float64(minAD[fusedLayers])/float64(minMM), "ad/matmuls-fastest")
	b.ReportMetric(float64(minAD[viewedWeights])/float64(minMM), "view/matmuls-fastest")
	b.ReportMetric(float64(minAD[unfusedLayers])/float64(minMM), "unfused/matmuls-fastest")
}

// BenchmarkTwoCores times the MLP step of BenchmarkMLPStep and the tape's
// gradient of the extended Rosenbrock function at n = 10⁶ on one core and
// on two, switching runtime.GOMAXPROCS between 1 and 2 inside the loop, a
// short block of steps at a time, so that both figures of a ratio are
// taken side by side; 1core/2core is the ratio of the median steps, and
// 1core/2core-fastest that of the fastest (the least disturbed by other
// processes). Run it with at least two cores:
//
//	go test ./ad/hvp -run '^$' -bench TwoCores -count 5
func BenchmarkTwoCores(b *testing.B) {
	if runtime.NumCPU() < 2 {
		b.Skip("fewer than two cores")
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	bench := func(b *testing.B, step func()) {
		b.ReportAllocs()
		var d1, d2 []time.Duration
		// A block of steps runs at one setting; the first step of a block
		// is not timed: a training loop runs on a fixed GOMAXPROCS, and
		// switching it parks the kernels' helper goroutine, whose wake-up
		// (up to milliseconds on the 2-core development VM) no step of such a loop pays.
		const block = 3
		timed := func(procs int, ds *[]time.Duration) {
			runtime.GOMAXPROCS(procs)
			step()
			for range block - 1 {
				s := time.Now()
				step()
				*ds = append(*ds, time.Since(s))
			}
		}
		for b.Loop() {
			timed(1, &d1)
			timed(2, &d2)
		}
		// Medians, not means: a step that another process on the shared
		// machine delays by milliseconds would dominate a mean.
		med1, med2 := median(d1), median(d2)
		b.ReportMetric(float64(med1.Nanoseconds())/1e6, "ms/1core")
		b.ReportMetric(float64(med2.Nanoseconds())/1e6, "ms/2core")
		b.ReportMetric(float64(med1)/float64(med2), "1core/2core")
		min1, min2 := slices.Min(d1), slices.Min(d2)
		b.ReportMetric(float64(min1)/float64(min2), "1core/2core-fastest")
	}
	b.Run("MLP784-256-256-10", func(b *testing.B) {
		s := newMLPStep(rand.New(rand.NewPCG(3, 4)))
		bench(b, s.run)
	})
	b.Run("RosenbrockGrad/n=1M", func(b *testing.B) {
		const n = 1000000
		obj := hvp.NewObjective(graphtest.ExtRosenbrock, n)
		x, g := rosenStart(n), make([]float64, n)
		bench(b, func() { obj.Eval(x, g) })
	})
}

// median returns the median of ds (which it sorts).
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// BenchmarkCrossEntropy times the loss and gradient of a softmax
// cross-entropy of 128 rows of 1000 logits recorded as one
// graph.SoftmaxCrossEntropy and as LogSoftmax times the one-hot targets,
// summed and scaled, alternating in one loop: fused/composed is the ratio.
func BenchmarkCrossEntropy(b *testing.B) {
	const rows, classes = 128, 1000
	rng := rand.New(rand.NewPCG(5, 6))
	x := tensor.RandNormal(rng, rows, classes)
	labels := make([]int, rows)
	for i := range labels {
		labels[i] = rng.IntN(classes)
	}
	y := tensor.OneHot(labels, classes)
	tp := graph.NewTape()
	b.ReportAllocs()
	var tf, tc time.Duration
	for b.Loop() {
		t0 := time.Now()
		tp.Reset()
		w := tp.Var(x)
		ad.Grad(graph.SoftmaxCrossEntropy(w, labels), w)
		t1 := time.Now()
		tp.Reset()
		w = tp.Var(x)
		ad.Grad(graph.Scale(graph.Sum(graph.Mul(graph.LogSoftmax(w, 1), tp.Const(y))), -1.0/rows), w)
		t2 := time.Now()
		tf += t1.Sub(t0)
		tc += t2.Sub(t1)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(per(tf)/1e3, "µs/fused")
	b.ReportMetric(per(tc)/1e3, "µs/composed")
	b.ReportMetric(per(tf)/per(tc), "fused/composed")
}
