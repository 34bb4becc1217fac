// Command saddle tells the story of a saddle point on
// L(w1,w2) = (1 − w1·w2·x)², the squared error of ŷ = w1·w2·x on one sample
// (x, 1). At (0,0) the gradient vanishes and the Hessian is [[0,−2],[−2,0]],
// with eigenvalues ±2: a saddle point. Gradient descent started there does
// not move, but the eigenvector of −2, u = [1,1]/√2, is a direction of
// descent, and optim.SaddleEscape follows it to the valley w1·w2 = 1/x.
//
// Usage:
//
//	go run ./examples/saddle                   # the report, from (0,0)
//	go run ./examples/saddle -w1 0.5 -w2 -0.3  # another start point
//	go run ./examples/saddle -method lbfgs     # escape with L-BFGS as base method
//	go run ./examples/saddle -plot saddle.png  # also draw the loss surface and paths
//
// The report goes to standard output; the run takes a fraction of a second.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// options are the command-line settings.
type options struct {
	x      float64
	w      []float64
	method string
	plot   string
}

func main() {
	var o options
	var w1, w2 float64
	flag.Float64Var(&o.x, "x", 1, "the input x of the one-sample model ŷ = w1·w2·x (target 1)")
	flag.Float64Var(&w1, "w1", 0, "first weight of the start point")
	flag.Float64Var(&w2, "w2", 0, "second weight of the start point")
	flag.StringVar(&o.method, "method", "newton-cg", "base method of the saddle escape: newton-cg, lbfgs or gd")
	flag.StringVar(&o.plot, "plot", "", "write the loss surface with optimisation paths to this PNG `file`")
	flag.Parse()
	o.w = []float64{w1, w2}
	if err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "saddle:", err)
		os.Exit(1)
	}
}

// run writes the report for o to w and draws the plot if asked.
func run(w io.Writer, o options) error {
	base, err := baseMethod(o.method)
	if err != nil {
		return err
	}
	if err := report(w, o, base); err != nil {
		return err
	}
	if o.plot == "" {
		return nil
	}
	if err := drawPlot(o.plot, o.x, o.w, base); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	fmt.Fprintf(w, "\nwrote %s\n", o.plot)
	return nil
}
