// Command spectrum trains a small network on the two spirals and examines
// the curvature of its loss: the sharpness λ_max during full-batch
// gradient descent at two learning rates, beside the stability bound 2/η
// ("edge of stability", Cohen et al. 2021); then, at the point of the run
// that fitted best,
// the top eigenvalues of the Hessian and of the Gauss–Newton matrix, the
// trace by Hutchinson and Hutch++ against the exact one, the spectral
// density by stochastic Lanczos quadrature against the full
// eigendecomposition, and slices of the loss landscape.
//
// The data are 200 points of two interleaved spirals, generated without
// randomness; the network is a 2-32-32-2 tanh MLP (1,218 parameters) with
// the mean squared error against one-hot targets, the setting in which
// Cohen et al. observe progressive sharpening most clearly. Training is
// optim.Minimize with fixed-step GradientDescent on nn.NewObjective; its
// callback measures λ_max every 50 steps with hvp.Sharpness, warm-started
// from the previous eigenvector. With -fit, the same gradient descent runs
// through nn.Fit (full-batch SGD without momentum, one step per epoch)
// with FitSettings.Sharpness taking the measurements.
//
// Usage:
//
//	go run ./examples/spectrum                # the tables
//	go run ./examples/spectrum -plot out      # also out-sharpness.png, out-density.png, out-landscape.png
//	go run ./examples/spectrum -steps 2000    # shorter training
//	go run ./examples/spectrum -fit           # train by nn.Fit with FitSettings.Sharpness
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// options are the command-line settings.
type options struct {
	plot  string    // prefix of the PNG files, or "" for none
	steps int       // gradient-descent steps per learning rate
	every int       // steps between sharpness estimates
	rates []float64 // the learning rates η
	seed  uint64    // initial weights and random probes
	fit   bool      // train through nn.Fit with FitSettings.Sharpness
}

func defaults() options {
	return options{steps: 6000, every: 50, rates: []float64{0.1, 0.2}, seed: 1}
}

func main() {
	o := defaults()
	flag.StringVar(&o.plot, "plot", "", "write PREFIX-sharpness.png, PREFIX-density.png and PREFIX-landscape.png with this `prefix`")
	flag.IntVar(&o.steps, "steps", o.steps, "gradient-descent `steps` per learning rate")
	flag.Uint64Var(&o.seed, "seed", o.seed, "seed of the initial weights and of the random probes")
	flag.BoolVar(&o.fit, "fit", false, "train through nn.Fit (full-batch SGD) with FitSettings.Sharpness instead of optim.Minimize")
	flag.Parse()
	if o.steps < o.every {
		fmt.Fprintf(os.Stderr, "spectrum: -steps %d: need at least %d\n", o.steps, o.every)
		os.Exit(2)
	}
	if err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "spectrum:", err)
		os.Exit(1)
	}
}

// run trains, analyses, prints to w and writes the plots if asked.
func run(w io.Writer, o options) error {
	d := spirals(200)
	fmt.Fprintf(w, "two spirals: %d points; MLP 2-32-32-2 tanh, MSE on one-hot targets\n\n", d.Len())
	var runs []trainRun
	for _, lr := range o.rates {
		how := train
		if o.fit {
			how = trainFit
		}
		r, err := how(d, lr, o)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	writeSharpness(w, runs)
	// Analyse the run that fitted the data best.
	best := runs[0]
	for _, r := range runs[1:] {
		if r.Curve[len(r.Curve)-1].Loss < best.Curve[len(best.Curve)-1].Loss {
			best = r
		}
	}
	a, err := analyse(d, best, o)
	if err != nil {
		return err
	}
	writeAnalysis(w, a)
	if o.plot != "" {
		files, err := writePlots(o.plot, runs, a)
		if err != nil {
			return err
		}
		fmt.Fprintln(w)
		for _, f := range files {
			fmt.Fprintln(w, "wrote", f)
		}
	}
	return nil
}
