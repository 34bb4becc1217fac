package main

import (
	"fmt"
	"io"
	"math"
)

// writeSharpness prints the sharpness curves, one column per learning
// rate, every tenth measurement, and the summary of each run.
func writeSharpness(w io.Writer, runs []trainRun) {
	fmt.Fprintln(w, "sharpness λ_max during full-batch gradient descent (edge of stability: λ_max rises to about 2/η and hovers there)")
	fmt.Fprintf(w, "%7s", "step")
	for _, r := range runs {
		fmt.Fprintf(w, "  %22s", fmt.Sprintf("η = %g (2/η = %g)", r.LR, 2/r.LR))
	}
	fmt.Fprintf(w, "\n%7s", "")
	for range runs {
		fmt.Fprintf(w, "  %10s %11s", "loss", "λ_max")
	}
	fmt.Fprintln(w)
	stride := max(1, len(runs[0].Curve)/12)
	for i := 0; i < len(runs[0].Curve); i += stride {
		fmt.Fprintf(w, "%7d", runs[0].Curve[i].Step)
		for _, r := range runs {
			if i < len(r.Curve) {
				fmt.Fprintf(w, "  %10.4g %11.4g", r.Curve[i].Loss, r.Curve[i].LambdaMax)
			}
		}
		fmt.Fprintln(w)
	}
	for _, r := range runs {
		fmt.Fprintf(w, "η = %g: ", r.LR)
		if r.Reached < 0 {
			fmt.Fprintf(w, "λ_max stayed below 0.9·2/η = %.3g in %d steps", 1.8/r.LR, r.Steps)
		} else {
			fmt.Fprintf(w, "λ_max reached 0.9·2/η at step %d, then hovered at %.3f·2/η on average (%.3f–%.3f over the last half)",
				r.Reached, r.Hover, r.HoverMin, r.HoverMax)
		}
		fmt.Fprintf(w, "; %d products for %d estimates\n", r.HVPs, len(r.Curve))
	}
	fmt.Fprintln(w)
}

// writeAnalysis prints the spectrum, the traces, the density's checks and
// the landscape.
func writeAnalysis(w io.Writer, a analysis) {
	n := a.Dim
	fmt.Fprintf(w, "the trained network (η = %g): %d parameters, loss %.4g, training accuracy %.1f%%\n", a.LR, n, a.Loss, 100*a.Accuracy)
	fmt.Fprintf(w, "exact spectrum from the dense Hessian (%d HVPs and an eigendecomposition, %v)\n\n", n, a.ExactTime.Round(1e6))
	fmt.Fprintln(w, "top eigenvalues          Lanczos      exact        Gauss–Newton")
	for i := 4; i >= 0; i-- {
		fmt.Fprintf(w, "  λ_%d                 %11.6g  %11.6g  %11.6g\n", 5-i, a.Top.Values[i], a.Exact[n-5+i], a.TopGGN.Values[i])
	}
	fmt.Fprintf(w, "  λ_min                %11.6g  %11.6g  (Lanczos: %d and %d HVPs; G: %d)\n",
		a.Min.Values[0], a.Exact[0], a.Top.HVPs, a.Min.HVPs, a.TopGGN.HVPs)
	fmt.Fprintf(w, "\ntrace of H: exact %.6g; Hutchinson %.6g ± %.2g, Hutch++ %.6g ± %.2g (%d and %d HVPs); trace of G (Hutch++) %.6g\n",
		a.TraceExact, a.Hutch.Trace, a.Hutch.StdErr, a.HutchPP.Trace, a.HutchPP.StdErr, a.Hutch.Samples, a.HutchPP.Samples, a.TraceGGN.Trace)
	sd := a.Density
	fmt.Fprintf(w, "\nspectral density by stochastic Lanczos quadrature (%d probes, %d HVPs, %v; Gaussian broadening σ = %.3g):\n",
		4, sd.HVPs, a.DensityTime.Round(1e6), sd.Sigma)
	// The quadrature's moments are Hutchinson estimates with one probe per
	// Lanczos run: their standard error is that of a.Hutch at 4 samples.
	fmt.Fprintf(w, "  ∫ density = %.6f; quadrature moments n·Σwθ = %.5g ± %.2g (tr H = %.5g), n·Σwθ² = %.5g (tr H² = %.5g)\n",
		a.Mass, a.Moment1, a.Hutch.StdErr*math.Sqrt(float64(a.Hutch.Samples)/4), a.TraceExact, a.Moment2, a.TraceSq)
	fmt.Fprintf(w, "  L1 distance to the exact eigenvalues broadened alike: %.4f (of at most 2)\n", a.L1)
	var near int
	for _, l := range a.Exact {
		if math.Abs(l) < 0.01*a.Exact[n-1] {
			near++
		}
	}
	fmt.Fprintf(w, "  %.1f%% of the eigenvalues lie within 1%% of λ_max of zero; the few large ones are the outliers the density shows\n",
		100*float64(near)/float64(n))

	fmt.Fprintln(w, "\nloss along the top eigenvector u₁ (unit length), and its quadratic model f + t·gᵀu₁ + ½t²·λ₁:")
	for i := 0; i < len(a.LineT); i += 10 {
		fmt.Fprintf(w, "  t = %+5.2f   loss %.5g   model %.5g\n", a.LineT[i], a.LineTop[i], a.LineModel[i])
	}
	fmt.Fprintln(w, "loss along a filter-normalised random direction (Li et al. 2018):")
	for i := 0; i < len(a.LineA); i += 10 {
		fmt.Fprintf(w, "  α = %+5.2f   loss %.5g\n", a.LineA[i], a.LineRandom[i])
	}
	fmt.Fprintln(w, "loss on the plane of u₁ (columns) and u₂ (rows):")
	fmt.Fprintf(w, "%9s", "")
	for _, t := range a.PlaneT {
		fmt.Fprintf(w, " %8.2f", t)
	}
	fmt.Fprintln(w)
	for j, row := range a.Plane {
		fmt.Fprintf(w, "  %+6.2f ", a.PlaneT[j])
		for _, v := range row {
			fmt.Fprintf(w, " %8.4f", v)
		}
		fmt.Fprintln(w)
	}
}
