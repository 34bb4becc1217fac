package nn_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// ExampleTrainer trains a classifier on four clusters with Adam, a
// warm-up and cosine schedule and gradient clipping; stops after one
// epoch, saves a checkpoint, resumes from it in a new trainer (as a new
// process would) for two more epochs, and checks that the result is bit
// for bit that of three epochs without the interruption.
func ExampleTrainer() {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := tensor.Zeros(400, 2), tensor.Zeros(400)
	for i := range 400 {
		c := rng.IntN(4)
		x.Set(float64(4*(c&1)-2)+0.5*rng.NormFloat64(), i, 0)
		x.Set(float64(4*(c>>1)-2)+0.5*rng.NormFloat64(), i, 1)
		y.Set(float64(c), i)
	}
	train := nn.NewDataset(x, y)
	settings := &nn.FitSettings{
		BatchSize: 20,
		Seed:      3,
		Schedule:  nn.WarmUp(10, nn.CosineDecay(0.05, 0.001, 50)),
		ClipNorm:  1,
		Progress:  func(s nn.EpochStats) error { fmt.Printf("epoch %d: step %d\n", s.Epoch, s.Step); return nil },
	}
	newRun := func() (*nn.MLP, *nn.Trainer) {
		m := nn.NewMLP(rand.New(rand.NewPCG(4, 5)), nn.Tanh, 2, 8, 4)
		return m, nn.NewTrainer(m, nn.CrossEntropy, &optim.AdamStepper{}, settings)
	}

	dir, err := os.MkdirTemp("", "nn-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.ckpt")

	_, first := newRun()
	if _, err := first.Fit(train, 1); err != nil {
		fmt.Println(err)
		return
	}
	if err := first.SaveCheckpoint(path); err != nil {
		fmt.Println(err)
		return
	}
	m, resumed := newRun()
	if err := resumed.LoadCheckpoint(path); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := resumed.Fit(train, 2); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("training accuracy %.0f%%\n", 100*nn.Accuracy(m, train, 0))

	settings.Progress = func(nn.EpochStats) error { return nil }
	whole, uninterrupted := newRun()
	if _, err := uninterrupted.Fit(train, 3); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("resumed == uninterrupted:", slices.Equal(nn.Flatten(m.Params()), nn.Flatten(whole.Params())))
	// Output:
	// epoch 1: step 20
	// epoch 2: step 40
	// epoch 3: step 60
	// training accuracy 100%
	// resumed == uninterrupted: true
}
