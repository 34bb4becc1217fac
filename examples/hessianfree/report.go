package main

import (
	"fmt"
	"io"
	"math"
)

// writeTable prints the loss of each method after given numbers of
// passes and of seconds, the work each took to reach given losses, and
// its final state.
func writeTable(w io.Writer, p problem, runs []methodRun) {
	fmt.Fprintf(w, "%s; budget %d passes\n", p.name, p.passes)
	longest := 0.0
	for _, r := range runs {
		longest = math.Max(longest, r.last().Seconds)
	}
	passes, seconds := steps13(1, float64(p.passes)), steps13(0.01, longest)
	header := func(title string, xs []float64, unit string) {
		fmt.Fprintf(w, "\n  training loss after %s\n  %-27s", title, "")
		for _, x := range xs {
			fmt.Fprintf(w, " %9s", fmt.Sprintf("%.4g%s", x, unit))
		}
		fmt.Fprintln(w)
	}
	header("passes over the data", passes, "")
	for _, r := range runs {
		fmt.Fprintf(w, "  %-27s", r.Name)
		for _, x := range passes {
			fmt.Fprintf(w, " %9.3g", r.at(x, true))
		}
		fmt.Fprintln(w)
	}
	header("seconds", seconds, "s")
	for _, r := range runs {
		fmt.Fprintf(w, "  %-27s", r.Name)
		for _, x := range seconds {
			fmt.Fprintf(w, " %9.3g", r.at(x, false))
		}
		fmt.Fprintln(w)
	}
	// Targets: powers of ten between the best final loss and the start.
	best, start := math.Inf(1), runs[0].Curve[0].Loss
	for _, r := range runs {
		best = math.Min(best, r.last().Loss)
	}
	var targets []float64
	for k := math.Floor(math.Log10(start)); math.Pow(10, k) >= best && len(targets) < 7; k-- {
		if t := math.Pow(10, k); t < start {
			targets = append(targets, t)
		}
	}
	fmt.Fprintf(w, "\n  passes (seconds) to reach a training loss of\n  %-27s", "")
	for _, t := range targets {
		fmt.Fprintf(w, " %15s", fmt.Sprintf("%.3g", t))
	}
	fmt.Fprintln(w)
	for _, r := range runs {
		fmt.Fprintf(w, "  %-27s", r.Name)
		for _, t := range targets {
			if q, ok := r.reach(t); ok {
				fmt.Fprintf(w, " %15s", fmt.Sprintf("%.0f (%.2fs)", q.Passes, q.Seconds))
			} else {
				fmt.Fprintf(w, " %15s", "-")
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n  final\n")
	for _, r := range runs {
		q := r.last()
		fmt.Fprintf(w, "  %-27s loss %.3e after %5.0f passes, %6.2fs: %s\n", r.Name, q.Loss, q.Passes, q.Seconds, r.Status)
	}
	fmt.Fprintln(w)
}

// steps13 returns 1, 3, 10, 30, ... times lo, up to hi.
func steps13(lo, hi float64) []float64 {
	var xs []float64
	for k := 0; ; k++ {
		x := lo * math.Pow(10, float64(k/2))
		if k%2 == 1 {
			x *= 3
		}
		if x > hi*(1+1e-9) {
			return xs
		}
		xs = append(xs, x)
	}
}
