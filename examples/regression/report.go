package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// writeTable prints one problem's results.
func writeTable(w io.Writer, p problem, outs []outcome) {
	fmt.Fprintf(w, "%s: %d parameters, %d training points, %d held out; budget %d passes over the training set\n",
		p.Name, len(outs[0].Params), p.Train.Len(), p.Held.Len(), p.Budget)
	fmt.Fprintf(w, "  %-14s %6s %6s %6s %9s %11s %13s  %s\n", "method", "iters", "f/∇f", "H·v", "time", "train MSE", "held-out MSE", "stopped")
	for _, o := range outs {
		iters := fmt.Sprint(o.Iterations)
		if o.FirstOrder {
			iters += "ep"
		}
		fmt.Fprintf(w, "  %-14s %6s %6d %6d %9s %11.4g %13.4g  %s\n",
			o.Method, iters, o.Evals, o.HVPs, duration(o.Time), o.Train, o.Held, o.Status)
	}
	fmt.Fprintf(w, "  (SGD and Adam: epochs of mini-batches of %d, f/∇f counts mini-batch gradients; the others: full batch)\n", p.BatchSize)
}

// writeSlopes prints w1·w2 as fitted by each method next to the
// least-squares slope of a line through the origin, which they all should
// reach: ŷ = w1·w2·x is that line, however it is parametrised.
func writeSlopes(w io.Writer, p problem, outs []outcome) {
	x, y := p.Train.X.Data(), p.Train.Y.Data()
	var xy, xx float64
	for i := range x {
		xy += x[i] * y[i]
		xx += x[i] * x[i]
	}
	s := make([]string, len(outs))
	for i, o := range outs {
		s[i] = fmt.Sprintf("%.4f", o.Params[0]*o.Params[1])
	}
	fmt.Fprintf(w, "  w1·w2 by method: %s; least squares Σxy/Σx² = %.4f\n", strings.Join(s, ", "), xy/xx)
}

// writeFromSaddle prints the training loss each method reaches when
// started exactly at the saddle (0, 0).
func writeFromSaddle(w io.Writer, outs []outcome) {
	s := make([]string, len(outs))
	for i, o := range outs {
		s[i] = fmt.Sprintf("%s %.4g", o.Method, o.Train)
	}
	fmt.Fprintf(w, "  started at the saddle (0, 0), where ∇L = 0, train MSE: %s\n", strings.Join(s, ", "))
}

// writeComparison prints the work L-BFGS needed to reach Adam's final
// training loss, in evaluations and in passes over the training set.
func writeComparison(w io.Writer, outs []outcome) {
	adam, lbfgs := find(outs, "Adam"), find(outs, "L-BFGS")
	if adam == nil || lbfgs == nil {
		return
	}
	epochs, _ := firstReach(adam.Curve, adam.Train)
	perEpoch := float64(adam.Evals) / float64(adam.Iterations)
	fmt.Fprintf(w, "  Adam reached its final train MSE %.4g after %g epochs: %g mini-batch gradients, %g passes.\n",
		adam.Train, epochs, epochs*perEpoch, epochs)
	work, ok := firstReach(lbfgs.Curve, adam.Train)
	if !ok {
		fmt.Fprintf(w, "  L-BFGS did not reach it (final %.4g).\n", lbfgs.Train)
		return
	}
	fmt.Fprintf(w, "  L-BFGS reached it after %g evaluations of f and ∇f, %g passes: %.1f× fewer evaluations, %.1f× fewer passes.\n",
		work, work, epochs*perEpoch/work, epochs/work)
}

func find(outs []outcome, name string) *outcome {
	for i := range outs {
		if outs[i].Method == name {
			return &outs[i]
		}
	}
	return nil
}

// duration formats d with three significant digits.
func duration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.3gms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.3gs", d.Seconds())
}
