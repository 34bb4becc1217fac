// Command curvefit fits NIST's Misra1a problem, y = b1·(1 − exp(−b2·x)),
// with Levenberg–Marquardt on exact AD Jacobians, prints the parameters
// with their standard errors against NIST's certified values, and
// compares Levenberg–Marquardt, Gauss–Newton, NewtonCG and LBFGS on it and
// on the bad start of y = a·e^(−bx) + c from b = −3, with and without the
// bound b ≥ 0.
//
//	go run ./examples/curvefit [-plot fit.png]
//
// With -plot it writes a PNG of the data with error bars (±s, the residual
// standard deviation), the fitted curve and its 95 % confidence band.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/optim/curvefit"
	"github.com/curvature-go/curvature/tensor"
)

func main() {
	plotFile := flag.String("plot", "", "write the fit with error bars and confidence band to this PNG `file`")
	flag.Parse()
	if err := run(os.Stdout, *plotFile); err != nil {
		log.Fatal(err)
	}
}

// Misra1a (NIST StRD, lower difficulty): data, starts and certified values.
var (
	misraX  = []float64{77.6, 114.9, 141.1, 190.8, 239.9, 289.0, 332.8, 378.4, 434.8, 477.3, 536.8, 593.1, 689.1, 760.0}
	misraY  = []float64{10.07, 14.73, 17.94, 23.93, 29.61, 35.18, 40.02, 44.82, 50.76, 55.05, 61.01, 66.40, 75.47, 81.78}
	misraB  = []float64{2.3894212918e+02, 5.5015643181e-04}
	misraSD = []float64{2.7070075241e+00, 7.2668688436e-06}
	misraX0 = []float64{500, 1e-4}
)

func misra(x, th *graph.Node) *graph.Node {
	b1, b2 := graph.Index(th, 0), graph.Index(th, 1)
	return graph.Mul(b1, graph.Sub(x.Tape().Scalar(1), graph.Exp(graph.Neg(graph.Mul(b2, x)))))
}

func expDecay(x, th *graph.Node) *graph.Node {
	a, b, c := graph.Index(th, 0), graph.Index(th, 1), graph.Index(th, 2)
	return graph.Add(graph.Mul(a, graph.Exp(graph.Neg(graph.Mul(b, x)))), c)
}

// decayData is y = 5·e^(−0.8x) + 1 at x = 0, 0.5, …, 10 with a fixed
// perturbation of ±0.05.
func decayData() (x, y []float64) {
	for i := 0; i <= 20; i++ {
		xi := 0.5 * float64(i)
		x = append(x, xi)
		y = append(y, 5*math.Exp(-0.8*xi)+1+0.05*math.Sin(2.7*float64(i)+0.3))
	}
	return x, y
}

func run(w io.Writer, plotFile string) error {
	fit, err := curvefit.Fit(misra, curvefit.Data{X: misraX, Y: misraY}, misraX0, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Misra1a, y = b1·(1 − exp(−b2·x)), from b = %v: %v after %d iterations, %d Jacobians\n",
		misraX0, fit.LeastSquares.Status, fit.LeastSquares.Iterations, fit.LeastSquares.JacobianEvals)
	fmt.Fprintf(w, "%-4s %22s %16s %22s %16s %6s %6s\n", "", "fit", "std err", "certified", "cert. sd", "LRE", "sd LRE")
	for i := range fit.Theta {
		fmt.Fprintf(w, "b%-3d %22.12g %16.10g %22.12g %16.10g %6.1f %6.1f\n", i+1, fit.Theta[i], fit.StdErr[i],
			misraB[i], misraSD[i], lre(fit.Theta[i], misraB[i]), lre(fit.StdErr[i], misraSD[i]))
	}
	fmt.Fprintf(w, "χ² = %.10g, reduced χ² = %.6g, corr(b1, b2) = %.4f\n\n", fit.ChiSq, fit.RedChiSq, fit.Correlation.At(0, 1))

	dx, dy := decayData()
	decayMin, err := curvefit.Fit(expDecay, curvefit.Data{X: dx, Y: dy}, []float64{5, 0.8, 1}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Method comparison (SSE/2 at the end; minimum Misra1a %.6g, decay %.6g):\n", fit.ChiSq/2, decayMin.ChiSq/2)
	fmt.Fprintf(w, "%-28s %-26s %12s %-24s %6s %6s\n", "problem", "method", "SSE/2", "status", "iters", "evals")
	inf := math.Inf(1)
	cases := []struct {
		name  string
		model curvefit.Model
		x, y  []float64
		x0    []float64
		lower []float64
	}{
		{"Misra1a start 1", misra, misraX, misraY, misraX0, nil},
		{"decay from b = −3", expDecay, dx, dy, []float64{1, -3, 0}, nil},
		{"decay from b = −3, b ≥ 0", expDecay, dx, dy, []float64{1, -3, 0}, []float64{-inf, 0, -inf}},
	}
	for _, c := range cases {
		for _, m := range []struct {
			name string
			ls   optim.LeastSquaresMethod
		}{{"LevenbergMarquardt", optim.LevenbergMarquardt{}}, {"GaussNewton", optim.GaussNewton{}}} {
			opts := &curvefit.Options{Method: m.ls}
			if c.lower != nil {
				opts.Settings = &optim.LeastSquaresSettings{Bounds: &optim.Bounds{Lower: c.lower}}
			}
			f, _ := curvefit.Fit(c.model, curvefit.Data{X: c.x, Y: c.y}, c.x0, opts)
			r := f.LeastSquares
			fmt.Fprintf(w, "%-28s %-26s %12.6g %-24v %6d %6s\n", c.name, m.name, f.ChiSq/2, r.Status, r.Iterations,
				fmt.Sprintf("%dJ", r.JacobianEvals))
		}
		obj := hvp.NewObjective(halfSSE(c.model, c.x, c.y), len(c.x0))
		for _, m := range []struct {
			name string
			m    optim.Method
		}{{"NewtonCG", optim.NewtonCG{}}, {"LBFGS", optim.LBFGS{}}} {
			var set *optim.Settings
			if c.lower != nil { // with bounds: TRON's projected Newton steps, L-BFGS-B
				set = &optim.Settings{Bounds: &optim.Bounds{Lower: c.lower}}
			}
			r, _ := optim.Minimize(obj, c.x0, m.m, set)
			fmt.Fprintf(w, "%-28s %-26s %12.6g %-24v %6d %6s\n", c.name, m.name, r.F, r.Status, r.Iterations,
				fmt.Sprintf("%dE", r.FuncEvals))
		}
	}
	fmt.Fprintln(w, "(evals: J = Jacobians, E = Evals of f and ∇f)")

	if plotFile != "" {
		if err := writePlot(plotFile, fit); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s\n", plotFile)
	}
	return nil
}

// halfSSE is ½Σ(yᵢ − g(xᵢ; θ))² as a scalar function of θ, for the
// general-purpose minimisers.
func halfSSE(model curvefit.Model, x, y []float64) ad.Func {
	xt, yt := tensor.FromSlice(x), tensor.FromSlice(y)
	return func(th *graph.Node) *graph.Node {
		tp := th.Tape()
		r := graph.Sub(tp.Const(yt), model(tp.Const(xt), th))
		return graph.Scale(graph.Sum(graph.Square(r)), 0.5)
	}
}

func lre(b, c float64) float64 {
	d := math.Abs(b-c) / math.Abs(c)
	if d == 0 {
		return 11
	}
	return math.Min(11, -math.Log10(d))
}
