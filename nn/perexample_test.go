package nn_test

import (
	"math"
	"testing"
	"time"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// tapeGrad returns the gradient of loss(m(x), y) by one tape, flattened.
func tapeGrad(m nn.Model, loss nn.Loss, x, y *tensor.Tensor) []float64 {
	tp := graph.NewTape()
	nodes := nn.Vars(tp, m.Params())
	var g []float64
	for _, gi := range ad.Grad(loss(m.Forward(nodes, tp.Const(x)), y), nodes...) {
		g = append(g, gi.Value().Data()...)
	}
	return g
}

// row returns example i of t as a batch of one.
func row(t *tensor.Tensor, i int) *tensor.Tensor {
	shape := append([]int{1}, t.Shape()[1:]...)
	n := t.Size() / t.Dim(0)
	return tensor.New(append([]float64(nil), t.Data()[i*n:(i+1)*n]...), shape...)
}

// TestPerExampleGrads checks that the per-example gradients average to
// the batch gradient (to 1e-13) and that each equals the gradient of a
// tape recorded on that example alone.
func TestPerExampleGrads(t *testing.T) {
	rng := newRNG(31)
	conv := func(in, out int, stride, pad [2]int) *nn.Conv2D {
		c := nn.NewConv2D(rng, in, out, [2]int{3, 2}, nn.HeNormal)
		c.Stride, c.Pad = stride, pad
		return c
	}
	const n = 6
	cases := []struct {
		name string
		m    nn.Model
		loss nn.Loss
		x, y *tensor.Tensor
	}{
		{"Linear/MSE", nn.NewLinear(rng, 4, 3, nn.GlorotUniform), nn.MSE,
			tensor.RandNormal(rng, n, 4), tensor.RandNormal(rng, n, 3)},
		{"MLP/Tanh/CrossEntropy", nn.NewMLP(rng, nn.Tanh, 5, 7, 6, 4), nn.CrossEntropy,
			tensor.RandNormal(rng, n, 5), labels(rng, n, 4)},
		{"MLP/ReLU/BCEWithLogits", nn.NewMLP(rng, nn.ReLU, 3, 8, 1), nn.BCEWithLogits,
			tensor.RandNormal(rng, n, 3), probs(rng, n, 1)},
		{"CNN/CrossEntropy", nn.NewSequential(conv(2, 3, [2]int{1, 1}, [2]int{1, 1}), nn.ReLU,
			&nn.MaxPool2D{Size: [2]int{2, 2}}, conv(3, 2, [2]int{2, 1}, [2]int{0, 1}), nn.Tanh, nn.Flat{},
			nn.NewLinear(rng, 2*1*4, 3, nn.GlorotUniform)), nn.CrossEntropy,
			tensor.RandNormal(rng, n, 2, 6, 5), labels(rng, n, 3)},
		{"CNN/AvgPool2D/Dropout(evaluation)/MSE", nn.NewSequential(conv(1, 2, [2]int{1, 1}, [2]int{0, 0}), nn.Softplus,
			&nn.AvgPool2D{Size: [2]int{2, 2}}, nn.Flat{}, nn.NewDropout(0.5, 1)), nn.MSE,
			tensor.RandNormal(rng, n, 1, 5, 5), tensor.RandNormal(rng, n, 2*1*2)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			randomizeParams(c.m, 5, 0.5)
			per := nn.PerExampleGrads(c.m, c.loss, c.x, c.y, nil)
			if len(per) != n {
				t.Fatalf("%d gradients for %d examples", len(per), n)
			}
			batch := tapeGrad(c.m, c.loss, c.x, c.y)
			mean := make([]float64, len(batch))
			for i, g := range per {
				for j, v := range g {
					mean[j] += v / n
				}
				if e := maxRelErr(g, tapeGrad(c.m, c.loss, row(c.x, i), row(c.y, i))); e > 1e-13 {
					t.Errorf("example %d: differs from its own tape's gradient by %.3g", i, e)
				}
			}
			if e := maxRelErr(mean, batch); e > 1e-13 {
				t.Errorf("mean differs from the batch gradient by %.3g", e)
			}
			norms := nn.PerExampleGradNorms(c.m, c.loss, c.x, c.y, nil)
			for i, g := range per {
				if want := math.Sqrt(dotProd(g, g)); relErr(norms[i], want) > 1e-13 {
					t.Errorf("example %d: gradient norm %v, norm of its gradient %v", i, norms[i], want)
				}
			}
			// dst is reused.
			again := nn.PerExampleGrads(c.m, c.loss, c.x, c.y, per)
			if &again[0][0] != &per[0][0] || !sameBits(again[n-1], per[n-1]) {
				t.Errorf("dst was not reused, or a second call differs")
			}
		})
	}
}

func TestPerExampleGradsPanics(t *testing.T) {
	rng := newRNG(32)
	x, y := tensor.RandNormal(rng, 3, 4), tensor.RandNormal(rng, 3, 4)
	mustPanic(t, "LayerNorm", "only Linear and Conv2D", func() {
		nn.PerExampleGrads(nn.NewSequential(nn.NewLayerNorm(4)), nn.MSE, x, y, nil)
	})
	mustPanic(t, "Scalars", "only Linear and Conv2D", func() {
		nn.PerExampleGrads(nn.NewProduct(1, 2), nn.MSE, tensor.RandNormal(rng, 3, 1), tensor.RandNormal(rng, 3, 1), nil)
	})
	d := nn.NewDropout(0.5, 1)
	d.SetTraining(true)
	mustPanic(t, "Dropout", "training mode", func() {
		nn.PerExampleGrads(nn.NewSequential(nn.NewLinear(rng, 4, 4, nn.HeNormal), d), nn.MSE, x, y, nil)
	})
}

func dotProd(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// BenchmarkPerExampleGrads times the per-example gradients of the
// 784-256-256-10 ReLU MLP at batch 128 (written into a reused dst of 128
// vectors of 269,322 floats) and, side by side in the same loop, the batch
// gradient on a reused tape, the per-example gradient norms
// (PerExampleGradNorms), and, as the floor set by memory bandwidth,
// clearing dst (the 276 MB the per-example gradients occupy); it reports
// each in ms and the ratios to the batch gradient.
func BenchmarkPerExampleGrads(b *testing.B) {
	sizes, batch := []int{784, 256, 256, 10}, 128
	x, y := benchData(sizes, batch, nn.CrossEntropy)
	m := nn.NewMLP(newRNG(1), nn.ReLU, sizes...)
	dst := nn.PerExampleGrads(m, nn.CrossEntropy, x, y, nil)
	tp := graph.NewTape()
	params := m.Params()
	norms := make([]float64, batch)
	var per, whole, norm, write time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		tp.Reset()
		nodes := nn.Vars(tp, params)
		ad.Grad(nn.CrossEntropy(m.Forward(nodes, tp.Const(x)), y), nodes...)
		t1 := time.Now()
		nn.PerExampleGrads(m, nn.CrossEntropy, x, y, dst)
		t2 := time.Now()
		nn.PerExampleGradNorms(m, nn.CrossEntropy, x, y, norms)
		t3 := time.Now()
		for _, d := range dst {
			clear(d)
		}
		write += time.Since(t3)
		whole, per, norm = whole+t1.Sub(t0), per+t2.Sub(t1), norm+t3.Sub(t2)
	}
	k := float64(b.N)
	b.ReportMetric(whole.Seconds()*1e3/k, "batch-ms")
	b.ReportMetric(per.Seconds()*1e3/k, "per-example-ms")
	b.ReportMetric(write.Seconds()*1e3/k, "clear-dst-ms")
	b.ReportMetric(per.Seconds()/whole.Seconds(), "per-example/batch")
	b.ReportMetric(norm.Seconds()/whole.Seconds(), "norms/batch")
	b.ReportMetric(write.Seconds()/whole.Seconds(), "clear-dst/batch")
}

// TestPerExampleGradsConcurrent calls PerExampleGrads from several
// goroutines at once (they share the pool of tapes) and checks that each
// gets the result of a lone call.
func TestPerExampleGradsConcurrent(t *testing.T) {
	rng := newRNG(33)
	m := nn.NewMLP(rng, nn.Tanh, 3, 5, 2)
	x, y := tensor.RandNormal(rng, 8, 3), labels(rng, 8, 2)
	want := nn.PerExampleGrads(m, nn.CrossEntropy, x, y, nil)
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for k := 0; k < 20; k++ {
				got := nn.PerExampleGrads(m, nn.CrossEntropy, x, y, nil)
				for i := range got {
					if !sameBits(got[i], want[i]) {
						errs <- "a concurrent call differs"
						return
					}
				}
			}
			errs <- ""
		}()
	}
	for g := 0; g < 8; g++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
