package main

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/optim"
)

// lossFunc returns L(w) = (1 − w1·w2·x)² for the flat vector w = [w1, w2]:
// the squared error of the one-sample model ŷ = w1·w2·x on the target 1.
func lossFunc(x float64) ad.Func {
	return func(w *graph.Node) *graph.Node {
		yhat := graph.Scale(graph.Mul(graph.Index(w, 0), graph.Index(w, 1)), x)
		return graph.Square(graph.AddScalar(graph.Neg(yhat), 1))
	}
}

// point is what the second-derivative test says about L at one point.
type point struct {
	W       []float64
	Value   float64
	Grad    []float64
	Hessian *mat.SymDense
	Class   hvp.Classification
}

// analyse evaluates L, its gradient, its dense Hessian (two HVPs: n = 2)
// and the classification at w.
func analyse(x float64, w []float64) point {
	f := lossFunc(x)
	val, grad := ad.ValueAndGrad(f, w)
	return point{
		W:       append([]float64(nil), w...),
		Value:   val,
		Grad:    grad,
		Hessian: hvp.Hessian(f, w),
		Class:   hvp.Classify(hvp.At(f, w), nil),
	}
}

// verdict names the kind of point in words. Classify's Kind describes the
// Hessian; it names a kind of critical point only where the gradient
// vanishes, so elsewhere the verdict says so.
func verdict(c hvp.Classification) string {
	if !c.Critical {
		return fmt.Sprintf("not a critical point (‖∇L‖∞ = %.3g); the curvature there is %v-shaped", c.GradNormInf, c.Kind)
	}
	switch c.Kind {
	case hvp.Saddle:
		return "saddle point"
	case hvp.Minimum:
		return "local minimum"
	case hvp.Maximum:
		return "local maximum"
	case hvp.Inconclusive:
		return "inconclusive (a zero eigenvalue: second derivatives cannot decide)"
	}
	return c.Kind.String()
}

// iterate is one point of an optimisation path.
type iterate struct {
	W        []float64
	Loss     float64
	GradNorm float64 // ‖∇L‖∞
	Escape   bool    // reached by a saddle-escape step
}

// gradientDescent runs textbook gradient descent w ← w − lr·∇L(w) for
// steps steps and returns the steps+1 iterates. It is written out rather
// than taken from optim because optim.GradientDescent stops before its
// first step wherever ∇L = 0: that it would report "converged" at the
// saddle is shown separately (firstOrderVerdict).
func gradientDescent(x float64, w0 []float64, lr float64, steps int) []iterate {
	f := lossFunc(x)
	w := append([]float64(nil), w0...)
	path := make([]iterate, 0, steps+1)
	for k := 0; ; k++ {
		val, g := ad.ValueAndGrad(f, w)
		path = append(path, iterate{W: append([]float64(nil), w...), Loss: val, GradNorm: math.Max(math.Abs(g[0]), math.Abs(g[1]))})
		if k == steps {
			return path
		}
		for i := range w {
			w[i] -= lr * g[i]
		}
	}
}

// firstOrderVerdict runs optim's gradient descent from w0 twice, plainly
// and with Settings.CheckCurvature, and returns both results: at a saddle
// the first reports success, the second the saddle.
func firstOrderVerdict(x float64, w0 []float64) (plain, checked optim.Result) {
	obj := hvp.NewObjective(lossFunc(x), 2)
	plain, _ = optim.Minimize(obj, w0, optim.GradientDescent{}, nil)
	checked, _ = optim.Minimize(obj, w0, optim.GradientDescent{}, &optim.Settings{CheckCurvature: true})
	return plain, checked
}

// lossAlong returns L(w + t·d) for each t.
func lossAlong(x float64, w, d, ts []float64) []float64 {
	f := lossFunc(x)
	out := make([]float64, len(ts))
	for i, t := range ts {
		out[i], _ = ad.ValueAndGrad(f, axpy(w, t, d))
	}
	return out
}

// axpy returns w + t·d as a new slice.
func axpy(w []float64, t float64, d []float64) []float64 {
	out := make([]float64, len(w))
	for i := range w {
		out[i] = w[i] + t*d[i]
	}
	return out
}

// baseMethod returns the optim method named by the -method flag.
func baseMethod(name string) (optim.Method, error) {
	switch name {
	case "newton-cg":
		return optim.NewtonCG{}, nil
	case "lbfgs":
		return optim.LBFGS{}, nil
	case "gd":
		return optim.GradientDescent{}, nil
	}
	return nil, fmt.Errorf("unknown method %q (want newton-cg, lbfgs or gd)", name)
}

// escapeSettings asks for a tighter gradient test than the default 1e-6
// so that the final loss, (1 − w1·w2·x)² ≈ (‖∇L‖/2‖w‖)², is far below
// 1e-12 whatever the base method.
var escapeSettings = optim.Settings{GradientThreshold: 1e-9}

// minimizePath runs optim.Minimize on L from w0 and returns the result
// with the path of accepted iterates, w0 first.
func minimizePath(x float64, w0 []float64, m optim.Method) (optim.Result, []iterate, error) {
	obj := hvp.NewObjective(lossFunc(x), 2)
	g := make([]float64, 2)
	f0 := obj.Eval(w0, g)
	path := []iterate{{W: append([]float64(nil), w0...), Loss: f0, GradNorm: math.Max(math.Abs(g[0]), math.Abs(g[1]))}}
	s := escapeSettings
	s.Callback = func(it optim.Iteration) bool {
		path = append(path, iterate{W: append([]float64(nil), it.X...), Loss: it.F, GradNorm: it.GradNorm, Escape: it.Escape})
		return false
	}
	res, err := optim.Minimize(obj, w0, m, &s)
	return res, path, err
}

// escapeSaddle runs optim.SaddleEscape with the given base method from w0.
func escapeSaddle(x float64, w0 []float64, base optim.Method) (optim.Result, []iterate, error) {
	return minimizePath(x, w0, optim.SaddleEscape{Base: base})
}

// taylorRow compares the second-order Taylor model's predicted change of
// L along t·d with the true change.
type taylorRow struct {
	T, Predicted, Actual float64
}

// taylorAlong evaluates the model m(t·d) − L(w) = t·gᵀd + ½t²·dᵀHd (one HVP
// each, on one recording of L at w) and the true L(w + t·d) − L(w).
func taylorAlong(x float64, w, d, ts []float64) []taylorRow {
	model := hvp.Taylor(hvp.At(lossFunc(x), w))
	actual := lossAlong(x, w, d, ts)
	rows := make([]taylorRow, len(ts))
	for i, t := range ts {
		rows[i] = taylorRow{T: t, Predicted: model.Change(scaled(t, d)), Actual: actual[i] - model.Value()}
	}
	return rows
}

func scaled(t float64, d []float64) []float64 { return axpy(make([]float64, len(d)), t, d) }

// errorOrders returns log2 of the ratios of successive |actual −
// predicted| in rows whose t halve: the observed order of the model's
// error, 3 for a generic point, 4 where the cubic term vanishes (as along
// u at the saddle). An entry is NaN where the error is zero or rounding.
func errorOrders(rows []taylorRow) []float64 {
	out := make([]float64, 0, len(rows))
	for i := 1; i < len(rows); i++ {
		a := math.Abs(rows[i-1].Actual - rows[i-1].Predicted)
		b := math.Abs(rows[i].Actual - rows[i].Predicted)
		if a < 1e-13 || b < 1e-13 {
			out = append(out, math.NaN())
			continue
		}
		out = append(out, math.Log2(a/b))
	}
	return out
}

// taylorDirection is the direction of the Taylor comparison: the escape
// direction when there is negative curvature, otherwise −∇L normalised
// (the gradient step of the seeds), otherwise e1.
func taylorDirection(p point) []float64 {
	if p.Class.Escape != nil {
		return p.Class.Escape
	}
	if n := math.Hypot(p.Grad[0], p.Grad[1]); n > 0 {
		return []float64{-p.Grad[0] / n, -p.Grad[1] / n}
	}
	return []float64{1, 0}
}
