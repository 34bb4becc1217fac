package nn_test

import (
	"fmt"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

var benchNets = []struct {
	sizes []int
	batch int
	loss  nn.Loss
}{
	{[]int{784, 256, 256, 10}, 128, nn.CrossEntropy},
	{[]int{10, 64, 64, 1}, 256, nn.MSE},
}

// netName names a benchmark case, as 784-256-256-10/batch=128.
func netName(sizes []int, batch int) string {
	s := fmt.Sprint(sizes[0])
	for _, n := range sizes[1:] {
		s += fmt.Sprintf("-%d", n)
	}
	return fmt.Sprintf("%s/batch=%d", s, batch)
}

// benchData returns inputs and targets for a network of the given sizes.
func benchData(sizes []int, batch int, loss nn.Loss) (*tensor.Tensor, *tensor.Tensor) {
	rng := newRNG(99)
	x := tensor.RandNormal(rng, batch, sizes[0])
	out := sizes[len(sizes)-1]
	if out > 1 {
		return x, labels(rng, batch, out)
	}
	return x, tensor.RandNormal(rng, batch, 1)
}

// reportFlops reports milliseconds per operation and the rate of the
// matrix products, 6·batch·Σ in·out flops per forward+backward pass (2 in
// the forward products, 4 in the backward ones).
func reportFlops(b *testing.B, sizes []int, batch int) {
	var macs float64
	for i := 0; i+1 < len(sizes); i++ {
		macs += float64(sizes[i] * sizes[i+1])
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(sec*1e3, "ms/op")
	b.ReportMetric(6*float64(batch)*macs/sec/1e9, "GFLOP/s")
}

// BenchmarkForwardBackward times one training step's derivative work
// through nn: record the MLP and its loss on a batch and sweep back for
// the gradient of every parameter, either with one tape variable per
// tensor (vars, the path of Fit) or through one flat vector (flat, the
// path of LossFunc and the second-order methods).
func BenchmarkForwardBackward(b *testing.B) {
	for _, c := range benchNets {
		x, y := benchData(c.sizes, c.batch, c.loss)
		m := nn.NewMLP(newRNG(1), nn.Tanh, c.sizes...)
		name := netName(c.sizes, c.batch)
		b.Run(name+"/vars", func(b *testing.B) {
			b.ReportAllocs()
			tp := graph.NewTape()
			params := m.Params()
			for b.Loop() {
				tp.Reset()
				nodes := nn.Vars(tp, params)
				ad.Grad(c.loss(m.Forward(nodes, tp.Const(x)), y), nodes...)
			}
			reportFlops(b, c.sizes, c.batch)
		})
		b.Run(name+"/flat", func(b *testing.B) {
			b.ReportAllocs()
			obj := nn.NewObjective(m, c.loss, nn.NewDataset(x, y))
			theta := nn.Flatten(m.Params())
			grad := make([]float64, len(theta))
			for b.Loop() {
				obj.Eval(theta, grad)
			}
			reportFlops(b, c.sizes, c.batch)
		})
	}
}

// BenchmarkHVP times one exact Hessian-vector product of the small
// network's loss over all its parameters, recorded afresh (nn.HVP) and
// on a linearized point (one tangent sweep per product, as Newton-CG uses).
func BenchmarkHVP(b *testing.B) {
	c := benchNets[1]
	x, y := benchData(c.sizes, c.batch, c.loss)
	m := nn.NewMLP(newRNG(1), nn.Tanh, c.sizes...)
	d := nn.NewDataset(x, y)
	theta := nn.Flatten(m.Params())
	v := tensor.RandNormal(newRNG(2), len(theta)).Data()
	name := netName(c.sizes, c.batch)
	b.Run(name+"/fresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			nn.HVP(m, c.loss, d, v)
		}
	})
	b.Run(name+"/linearized", func(b *testing.B) {
		b.ReportAllocs()
		hv := make([]float64, len(theta))
		hvp := nn.NewObjective(m, c.loss, d).Linearize(theta)
		for b.Loop() {
			hvp(v, hv)
		}
	})
}
