package nn_test

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
)

// dropoutSeq is a small Sequential network with Dropout, built the same
// way each time (weights from seed, masks from Dropout's own seed).
func dropoutSeq(seed uint64) *nn.Sequential {
	rng := newRNG(seed)
	return nn.NewSequential(nn.NewLinear(rng, 1, 8, nn.GlorotUniform), nn.Tanh,
		nn.NewDropout(0.3, 11), nn.NewLinear(rng, 8, 1, nn.GlorotUniform))
}

// TestCheckpointResumeDropout: a network with Dropout resumes bit for bit:
// the checkpoint holds the layers' random streams (Sequential and Dropout
// implement encoding.BinaryMarshaler).
func TestCheckpointResumeDropout(t *testing.T) {
	train := curve(newRNG(70), 24)
	set := nn.FitSettings{BatchSize: 4, Seed: 9, Output: io.Discard}
	adam := func() nn.Stepper { return &optim.AdamStepper{Adam: optim.Adam{LearningRate: 0.01}} }

	m := dropoutSeq(1)
	if _, err := nn.NewTrainer(m, nn.MSE, adam(), &set).Fit(train, 3); err != nil {
		t.Fatal(err)
	}
	want := nn.Flatten(m.Params())

	path := filepath.Join(t.TempDir(), "drop.ckpt")
	m1 := dropoutSeq(1)
	tr1 := nn.NewTrainer(m1, nn.MSE, adam(), &set)
	if _, err := tr1.Fit(train, 1); err != nil {
		t.Fatal(err)
	}
	if err := tr1.SaveCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	m2 := dropoutSeq(2) // other weights; same Dropout seed, but its stream must come from the file
	tr2 := nn.NewTrainer(m2, nn.MSE, adam(), &set)
	if err := tr2.LoadCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	if _, err := tr2.Fit(train, 2); err != nil {
		t.Fatal(err)
	}
	if got := nn.Flatten(m2.Params()); !sameBits(got, want) {
		t.Errorf("resumed run with Dropout differs: max rel. diff %g", maxRelErr(got, want))
	}
}
