package nn_test

import (
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// benchCNN returns the small MNIST network of examples/mnist: two 3×3
// convolutions (16 and 32 channels, "same" padding), each followed by ReLU
// and 2×2 max pooling, a 128-unit ReLU layer and 10 outputs.
func benchCNN() nn.Model {
	rng := newRNG(1)
	c1 := nn.NewConv2D(rng, 1, 16, [2]int{3, 3}, nn.HeNormal)
	c1.Pad = [2]int{1, 1}
	c2 := nn.NewConv2D(rng, 16, 32, [2]int{3, 3}, nn.HeNormal)
	c2.Pad = [2]int{1, 1}
	pool := &nn.MaxPool2D{Size: [2]int{2, 2}}
	return nn.NewSequential(c1, nn.ReLU, pool, c2, nn.ReLU, pool, nn.Flat{},
		nn.NewLinear(rng, 32*7*7, 128, nn.HeNormal), nn.ReLU, nn.NewLinear(rng, 128, 10, nn.GlorotUniform))
}

// BenchmarkCNNForwardBackward times one training step's derivative work
// for benchCNN on a batch of 128 28×28 images: record the network and its
// cross-entropy on a reused tape and sweep back for every parameter's
// gradient. It reports ms per batch and the rate of the products
// (2·(forward + 2·backward) multiply-adds of the convolutions and dense
// layers).
func BenchmarkCNNForwardBackward(b *testing.B) {
	const batch = 128
	m := benchCNN()
	rng := newRNG(2)
	x := tensor.RandUniform(rng, 0, 1, batch, 1, 28, 28)
	y := labels(rng, batch, 10)
	tp := graph.NewTape()
	params := m.Params()
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		nodes := nn.Vars(tp, params)
		ad.Grad(nn.CrossEntropy(m.Forward(nodes, tp.Const(x)), y), nodes...)
	}
	macs := float64(batch) * (28*28*16*9 + 14*14*32*16*9 + 32*7*7*128 + 128*10)
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(sec*1e3, "ms/op")
	b.ReportMetric(6*macs/sec/1e9, "GFLOP/s")
}
