// Command regression trains two tiny models with five optimizers and
// compares them: first ŷ = w1·w2·x (a two-weight linear network, whose loss has
// a saddle at the origin) on noisy points of y = 2x, then a 1-16-16-1 tanh
// network on noisy points of the curve sin(2x) + 0.3x, with a fifth of the
// points held out.
//
// SGD with momentum and Adam train through nn.Fit on mini-batches; L-BFGS,
// Newton-CG and the saddle escape train through optim.Minimize on the
// full-batch loss as a function of the flattened parameters
// (nn.NewObjective, nn.Flatten, nn.Unflatten), with exact gradients and
// Hessian-vector products. Every optimizer starts from the same
// parameters. For each model a table gives, per method, the iterations
// (epochs for SGD and Adam), the evaluations of f and ∇f and of H·v, the
// wall time and the final training and held-out mean squared errors.
//
// Usage:
//
//	go run ./examples/regression                   # generated data, fixed seed
//	go run ./examples/regression -data points.csv  # (x,y) pairs from a CSV file
//	go run ./examples/regression -plot out         # also write out-loss.png and out-fit.png
//
// A CSV file holds one x,y pair per line, with an optional header line.
// The tanh network works best with x and y of order one.
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
)

// options are the command-line settings.
type options struct {
	data string // CSV file, or "" for generated data
	plot string // prefix of the PNG files, or "" for none
	seed uint64
}

func main() {
	var o options
	flag.StringVar(&o.data, "data", "", "read (x,y) pairs from this CSV `file` instead of generating them")
	flag.StringVar(&o.plot, "plot", "", "write PREFIX-loss.png and PREFIX-fit.png with this `prefix`")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated data, the split and the initial weights")
	flag.Parse()
	if err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "regression:", err)
		os.Exit(1)
	}
}

// run trains both models, prints their tables to w and writes the plots
// if asked.
func run(w io.Writer, o options) error {
	line, curve, err := datasets(o)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, describeData(o, line, curve))
	rng := rand.New(rand.NewPCG(o.seed, 2))
	problems := []problem{productProblem(line, rng), networkProblem(curve, rng)}
	if o.data == "" {
		problems[0].Truth = trueLine
		problems[1].Truth = trueCurve
	}
	results := make([][]outcome, len(problems))
	for i, p := range problems {
		fmt.Fprintln(w)
		if results[i], err = trainAll(p); err != nil {
			return err
		}
		writeTable(w, p, results[i])
		if i == 0 {
			writeSlopes(w, p, results[i])
			fromSaddle, err := trainFrom(p, []float64{0, 0})
			if err != nil {
				return err
			}
			writeFromSaddle(w, fromSaddle)
		} else {
			writeComparison(w, results[i])
		}
	}
	if o.plot == "" {
		return nil
	}
	files, err := writePlots(o.plot, problems, results)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	for _, f := range files {
		fmt.Fprintf(w, "wrote %s\n", f)
	}
	return nil
}

// describeData says where the data came from.
func describeData(o options, line, curve points) string {
	if o.data != "" {
		return fmt.Sprintf("Data: %d (x,y) pairs from %s, for both models.", len(line.X), o.data)
	}
	return fmt.Sprintf("Data (seed %d): %d points of y = 2x + N(0, %g²), x in [−1, 1]; %d points of y = sin(2x) + 0.3x + N(0, %g²), x in [−2, 2].",
		o.seed, len(line.X), productNoise, len(curve.X), curveNoise)
}

// datasets returns the points for the product model and for the network:
// generated with the seed, or both read from the CSV file.
func datasets(o options) (line, curve points, err error) {
	if o.data != "" {
		p, err := loadCSV(o.data)
		return p, p, err
	}
	rng := rand.New(rand.NewPCG(o.seed, 1))
	return lineData(rng), curveData(rng), nil
}
