package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/curvature-go/curvature/optim"
)

// The settings of the report's tables.
const (
	gdRate    = 0.1 // gradient descent's learning rate (stable: 0.1 < 2/λ_max = 1)
	gdShown   = 4   // gradient descent steps shown
	pathShown = 8   // saddle-escape iterates shown before the last
)

var (
	profileSteps = []float64{0, 0.5, 1, math.Sqrt2, 2} // t in L(w + t·u); √2·u = (1,1)
	taylorSteps  = []float64{1, 0.5, 0.25, 0.125}      // halving t exposes the error's order
)

// report writes the story, section by section, for the start point o.w.
func report(w io.Writer, o options, base optim.Method) error {
	p := analyse(o.x, o.w)
	fmt.Fprintf(w, "L(w1,w2) = (1 − w1·w2·x)², x = %g, at w = (%g, %g)\n", o.x, o.w[0], o.w[1])
	writeCurvature(w, p)
	writeGradientDescent(w, o)
	writeEscapeDirection(w, o, p)
	if err := writeSaddleEscape(w, o, base); err != nil {
		return err
	}
	writeTaylor(w, o, p)
	return nil
}

// writeCurvature prints L, ∇L, ∇²L, its eigenvalues and the verdict.
func writeCurvature(w io.Writer, p point) {
	h := p.Hessian
	fmt.Fprintf(w, "\n1. Derivatives (exact: reverse mode, and forward-over-reverse for H)\n")
	fmt.Fprintf(w, "   L           %s\n", num(p.Value))
	fmt.Fprintf(w, "   ∇L          [%s %s]\n", num(p.Grad[0]), num(p.Grad[1]))
	fmt.Fprintf(w, "   H = ∇²L     [[%s %s] [%s %s]]\n", num(h.At(0, 0)), num(h.At(0, 1)), num(h.At(1, 0)), num(h.At(1, 1)))
	fmt.Fprintf(w, "   eigenvalues %s\n", nums(p.Class.Eigenvalues))
	fmt.Fprintf(w, "   hvp.Classify: %s\n", verdict(p.Class))
}

// writeGradientDescent prints the first gradient descent iterates from
// the start point, and what optim's gradient descent concludes there.
func writeGradientDescent(w io.Writer, o options) {
	path := gradientDescent(o.x, o.w, gdRate, gdShown)
	fmt.Fprintf(w, "\n2. Gradient descent, w ← w − %g·∇L(w)\n", gdRate)
	fmt.Fprintf(w, "   %-4s %-12s %-12s %-12s %s\n", "step", "w1", "w2", "L", "‖∇L‖∞")
	for k, it := range path {
		fmt.Fprintf(w, "   %-4d %-12s %-12s %-12s %s\n", k, num(it.W[0]), num(it.W[1]), num(it.Loss), num(it.GradNorm))
	}
	if moved(path) {
		fmt.Fprintf(w, "   it moves: ∇L ≠ 0 here.\n")
	} else {
		fmt.Fprintf(w, "   it does not move: ∇L = 0, so every step is zero.\n")
	}
	plain, checked := firstOrderVerdict(o.x, o.w)
	fmt.Fprintf(w, "   optim.GradientDescent: %v after %d iterations", plain.Status, plain.Iterations)
	if checked.Status != plain.Status {
		fmt.Fprintf(w, "; with CheckCurvature: %v (λ_min ≈ %s)", checked.Status, num(checked.LambdaMin))
	}
	fmt.Fprintln(w)
}

// moved reports whether any iterate of path differs from the first.
func moved(path []iterate) bool {
	for _, it := range path[1:] {
		if it.W[0] != path[0].W[0] || it.W[1] != path[0].W[1] {
			return true
		}
	}
	return false
}

// writeEscapeDirection prints the eigenvector of the negative eigenvalue
// and the loss along it, next to the loss along the other eigenvector.
func writeEscapeDirection(w io.Writer, o options, p point) {
	fmt.Fprintf(w, "\n3. Escape direction\n")
	u := p.Class.Escape
	if u == nil {
		fmt.Fprintf(w, "   none: no eigenvalue below −%s, so no direction of negative curvature.\n", num(p.Class.Tol))
		return
	}
	v := []float64{-u[1], u[0]} // the other eigenvector (n = 2)
	name := ""
	if math.Abs(u[0]-u[1]) < 1e-12 && math.Abs(u[0]-1/math.Sqrt2) < 1e-12 {
		name = " = [1,1]/√2"
	}
	fmt.Fprintf(w, "   u = [%s %s]%s, the eigenvector of λ_min = %s (uᵀHu < 0: L curves down along u)\n",
		num(u[0]), num(u[1]), name, num(p.Class.MinEigenvalue))
	fmt.Fprintf(w, "   v = [%s %s], the eigenvector of λ_max = %s, for contrast\n", num(v[0]), num(v[1]), num(p.Class.MaxEigenvalue))
	lu, lv := lossAlong(o.x, o.w, u, profileSteps), lossAlong(o.x, o.w, v, profileSteps)
	fmt.Fprintf(w, "   %-8s %-12s %s\n", "t", "L(w + t·u)", "L(w + t·v)")
	for i, t := range profileSteps {
		fmt.Fprintf(w, "   %-8s %-12s %s\n", num(t), num(lu[i]), num(lv[i]))
	}
}

// writeSaddleEscape prints the result of optim.SaddleEscape from the
// start point.
func writeSaddleEscape(w io.Writer, o options, base optim.Method) error {
	res, path, err := escapeSaddle(o.x, o.w, base)
	fmt.Fprintf(w, "\n4. optim.SaddleEscape{Base: %s}\n", o.method)
	if res.X == nil {
		return fmt.Errorf("saddle escape failed: %w", err)
	}
	fmt.Fprintf(w, "   status %v", res.Status)
	if err != nil {
		fmt.Fprintf(w, " (%v)", err)
	}
	fmt.Fprintf(w, "\n   %s (%s), %s of L and ∇L, %s\n",
		plural(res.Iterations, "iteration"), plural(res.Escapes, "escape"),
		plural(res.FuncEvals, "evaluation"), plural(res.HessVecEvals, "Hessian-vector product"))
	fmt.Fprintf(w, "   %-4s %-12s %-12s %-12s %s\n", "iter", "w1", "w2", "L", "‖∇L‖∞")
	for k, it := range path {
		if k == pathShown && len(path) > pathShown+1 {
			fmt.Fprintf(w, "   ...\n")
		}
		if k >= pathShown && k < len(path)-1 {
			continue
		}
		note := ""
		if it.Escape {
			note = "  escape step along ±u"
		}
		fmt.Fprintf(w, "   %-4d %-12s %-12s %-12s %s%s\n", k, num(it.W[0]), num(it.W[1]), num(it.Loss), num(it.GradNorm), note)
	}
	fmt.Fprintf(w, "   final w1·w2·x = %.12f, L = %.3g\n", res.X[0]*res.X[1]*o.x, res.F)
	return nil
}

// plural returns "1 thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// writeTaylor prints the second-order Taylor model's predicted change
// along the escape direction (or −∇L) next to the true change.
func writeTaylor(w io.Writer, o options, p point) {
	d := taylorDirection(p)
	fmt.Fprintf(w, "\n5. Second-order Taylor model along d = [%s %s]: L(w + t·d) − L(w) ≈ t·∇Lᵀd + ½t²·dᵀHd\n", num(d[0]), num(d[1]))
	fmt.Fprintf(w, "   %-8s %-12s %-12s %s\n", "t", "predicted", "actual", "difference")
	rows := taylorAlong(o.x, o.w, d, taylorSteps)
	for _, r := range rows {
		fmt.Fprintf(w, "   %-8s %-12s %-12s %s\n", num(r.T), num(r.Predicted), num(r.Actual), num(r.Actual-r.Predicted))
	}
	fmt.Fprintf(w, "   observed order of the difference, log2 of successive ratios: %s\n", fixed(errorOrders(rows)))
	fmt.Fprintf(w, "   (≥ 3 means the model matches L to second order; 4, that the cubic term vanishes along d too)\n")
}

// num formats v with 6 significant digits, printing −0 as 0.
func num(v float64) string {
	if v == 0 {
		v = 0
	}
	return fmt.Sprintf("%.6g", v)
}

// fixed formats values with two decimals.
func fixed(vs []float64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprintf("%.2f", v)
	}
	return strings.Join(s, ", ")
}

// nums formats a list of values with num.
func nums(vs []float64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = num(v)
	}
	return strings.Join(s, ", ")
}
