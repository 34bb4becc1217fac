package nn_test

import (
	"io"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// BenchmarkFitOverhead times training steps of the MLP 784-256-256-10 at
// batch 128 with Adam, through a Trainer (shuffling, copying the batch,
// the finiteness checks, the restoring copy, the progress report) and bare
// (forward, backward and AdamStepper.Step on a reused tape and ready-made
// batches), interleaved in each iteration so that both see the same
// machine, and reports ms per step of each and their ratio.
func BenchmarkFitOverhead(b *testing.B) {
	const batch, steps = 128, 8
	sizes := []int{784, 256, 256, 10}
	rng := newRNG(80)
	x := tensor.RandNormal(rng, batch*steps, sizes[0])
	y := labels(rng, batch*steps, sizes[3])
	train := nn.NewDataset(x, y)
	xs, ys := make([]*tensor.Tensor, steps), make([]*tensor.Tensor, steps)
	for k := range steps {
		idx := make([]int, batch)
		for i := range idx {
			idx[i] = k*batch + i
		}
		s := train.Subset(idx)
		xs[k], ys[k] = s.X, s.Y
	}
	mFit := nn.NewMLP(newRNG(81), nn.Tanh, sizes...)
	mBare := nn.NewMLP(newRNG(81), nn.Tanh, sizes...)
	tr := nn.NewTrainer(mFit, nn.CrossEntropy, &optim.AdamStepper{Adam: optim.Adam{LearningRate: 1e-4}}, &nn.FitSettings{BatchSize: batch, Output: io.Discard})
	adam := &optim.AdamStepper{Adam: optim.Adam{LearningRate: 1e-4}}
	tp := graph.NewTape()
	params := mBare.Params()
	values, grads := make([][]float64, len(params)), make([][]float64, len(params))
	for i, p := range params {
		values[i] = p.Value.Data()
	}
	bare := func() {
		for k := range steps {
			tp.Reset()
			nodes := nn.Vars(tp, params)
			for i, g := range ad.Grad(nn.CrossEntropy(mBare.Forward(nodes, tp.Const(xs[k])), ys[k]), nodes...) {
				grads[i] = g.Value().Data()
			}
			adam.Step(values, grads)
		}
	}
	fit := func() {
		if _, err := tr.Fit(train, 1); err != nil {
			b.Fatal(err)
		}
	}
	fit()
	bare()
	b.ReportAllocs()
	t := testutil.TimeEach(b, fit, bare)
	b.ReportMetric(t[0]/1e6/steps, "fit-ms/step")
	b.ReportMetric(t[1]/1e6/steps, "bare-ms/step")
	b.ReportMetric(t[0]/t[1], "fit/bare")
}
