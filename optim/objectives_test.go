package optim

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
)

// Hand-written objectives for the tests, each with derivatives by hand;
// TestObjectivesFD checks them against central differences.

// seedLoss is f(w) = (1 − w1·w2)², the motivating saddle example:
// ∇f = −2(1 − w1w2)·(w2, w1) and ∇²f = [[2w2², 4w1w2 − 2], [4w1w2 − 2, 2w1²]],
// so at (0, 0) the gradient is 0 and the Hessian [[0, −2], [−2, 0]] has
// eigenvalues ±2, with λ = −2 along [1, 1]/√2.
type seedLoss struct{}

func (seedLoss) Dim() int { return 2 }

func (seedLoss) Eval(x, grad []float64) float64 {
	r := 1 - x[0]*x[1]
	if grad != nil {
		grad[0] = -2 * r * x[1]
		grad[1] = -2 * r * x[0]
	}
	return r * r
}

func (seedLoss) HessVec(x, v, hv []float64) {
	off := 4*x[0]*x[1] - 2
	hv[0] = 2*x[1]*x[1]*v[0] + off*v[1]
	hv[1] = off*v[0] + 2*x[0]*x[0]*v[1]
}

// quadratic is f(x) = ½xᵀAx − bᵀx with a dense symmetric A (row-major).
type quadratic struct {
	a []float64
	b []float64
}

func (q quadratic) Dim() int { return len(q.b) }

func (q quadratic) Eval(x, grad []float64) float64 {
	n := len(q.b)
	var f float64
	for i := 0; i < n; i++ {
		var ax float64
		for j := 0; j < n; j++ {
			ax += q.a[i*n+j] * x[j]
		}
		f += 0.5*x[i]*ax - q.b[i]*x[i]
		if grad != nil {
			grad[i] = ax - q.b[i]
		}
	}
	return f
}

func (q quadratic) HessVec(x, v, hv []float64) {
	n := len(q.b)
	for i := 0; i < n; i++ {
		hv[i] = 0
		for j := 0; j < n; j++ {
			hv[i] += q.a[i*n+j] * v[j]
		}
	}
}

// quad5 is the quadratic with condition number 5: A = [[3, 2],
// [2, 3]] has eigenvalue 5 along [1, 1]/√2 and 1 along [1, −1]/√2.
func quad5() quadratic { return quadratic{a: []float64{3, 2, 2, 3}, b: []float64{0, 0}} }

// rosenbrock is the extended Rosenbrock function of n (even) variables,
// Σ_{i even} 100(x_{i+1} − x_i²)² + (1 − x_i)², minimum 0 at (1, …, 1).
type rosenbrock struct{ n int }

func (r rosenbrock) Dim() int { return r.n }

func (r rosenbrock) Eval(x, grad []float64) float64 {
	var f float64
	for i := 0; i < r.n; i += 2 {
		t1 := x[i+1] - x[i]*x[i]
		t2 := 1 - x[i]
		f += 100*t1*t1 + t2*t2
		if grad != nil {
			grad[i] = -400*t1*x[i] - 2*t2
			grad[i+1] = 200 * t1
		}
	}
	return f
}

func (r rosenbrock) HessVec(x, v, hv []float64) {
	for i := 0; i < r.n; i += 2 {
		h11 := 1200*x[i]*x[i] - 400*x[i+1] + 2
		h12 := -400 * x[i]
		hv[i] = h11*v[i] + h12*v[i+1]
		hv[i+1] = h12*v[i] + 200*v[i+1]
	}
}

// counting wraps an objective and counts calls; it also records whether a
// caller's slice (watch) was ever passed in.
type counting struct {
	Objective
	evals, grads, hvps int
	watch              []float64
	sawWatch           bool
}

func (c *counting) note(x []float64) {
	if len(c.watch) > 0 && len(x) > 0 && &x[0] == &c.watch[0] {
		c.sawWatch = true
	}
}

func (c *counting) Eval(x, grad []float64) float64 {
	c.note(x)
	c.evals++
	if grad != nil {
		c.grads++
	}
	return c.Objective.Eval(x, grad)
}

func (c *counting) HessVec(x, v, hv []float64) {
	c.note(x)
	c.hvps++
	c.Objective.HessVec(x, v, hv)
}

// linearized adds Linearizer to an objective, counting Linearize calls and
// the products taken through them; direct HessVec calls are counted apart.
type linearized struct {
	Objective
	linearizes, linHVPs, directHVPs int
}

func (l *linearized) Linearize(x []float64) func(v, hv []float64) {
	l.linearizes++
	xc := append([]float64(nil), x...)
	return func(v, hv []float64) {
		l.linHVPs++
		l.Objective.HessVec(xc, v, hv)
	}
}

func (l *linearized) HessVec(x, v, hv []float64) {
	l.directHVPs++
	l.Objective.HessVec(x, v, hv)
}

// poisoned returns NaN (or +Inf) from Eval after the first `after` calls.
type poisoned struct {
	Objective
	after, calls int
	value        float64
	inGrad       bool
}

func (p *poisoned) Eval(x, grad []float64) float64 {
	p.calls++
	f := p.Objective.Eval(x, grad)
	if p.calls > p.after {
		if p.inGrad && grad != nil {
			grad[0] = p.value
			return f
		}
		return p.value
	}
	return f
}

func TestObjectivesFD(t *testing.T) {
	for _, tc := range []struct {
		name string
		obj  Objective
		x    []float64
	}{
		{"seed-origin", seedLoss{}, []float64{0, 0}},
		{"seed", seedLoss{}, []float64{0.7, -1.3}},
		{"quad5", quad5(), []float64{2, -1}},
		{"quad3", quadratic{a: []float64{4, 1, 0, 1, 3, -1, 0, -1, 2}, b: []float64{1, -2, 0.5}}, []float64{0.3, 0.1, -2}},
		{"rosenbrock4", rosenbrock{4}, []float64{-1.2, 1, 0.5, 0.3}},
		{"deep-linear", deepLinear{a: []float64{3, 2}}, []float64{0.3, -0.2, 0.5, 0.1, -0.4, 0.7, 0.2, 0.6}},
		{"diag-quad", wideSpectrum(6, -2), []float64{1, -1, 0.5, 2, -0.3, 0.1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.obj.Dim()
			g := make([]float64, n)
			tc.obj.Eval(tc.x, g)
			const h = 1e-5
			xp, xm := make([]float64, n), make([]float64, n)
			gp, gm := make([]float64, n), make([]float64, n)
			v := make([]float64, n)
			for i := range v {
				v[i] = math.Sin(float64(i) + 1)
			}
			hv := make([]float64, n)
			tc.obj.HessVec(tc.x, v, hv)
			for i := 0; i < n; i++ {
				copy(xp, tc.x)
				copy(xm, tc.x)
				xp[i] += h
				xm[i] -= h
				fd := (tc.obj.Eval(xp, nil) - tc.obj.Eval(xm, nil)) / (2 * h)
				if math.Abs(fd-g[i]) > 1e-6*math.Max(1, math.Abs(g[i])) {
					t.Errorf("grad[%d] = %v, central difference %v", i, g[i], fd)
				}
			}
			for i := range xp {
				xp[i] = tc.x[i] + h*v[i]
				xm[i] = tc.x[i] - h*v[i]
			}
			tc.obj.Eval(xp, gp)
			tc.obj.Eval(xm, gm)
			for i := 0; i < n; i++ {
				fd := (gp[i] - gm[i]) / (2 * h)
				if math.Abs(fd-hv[i]) > 1e-5*math.Max(1, math.Abs(hv[i])) {
					t.Errorf("Hv[%d] = %v, central difference of ∇f %v", i, hv[i], fd)
				}
			}
		})
	}
}

// mustPanic runs f and checks that it panics with a message starting with
// "optim: " and containing want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	r, panicked := testutil.PanicValue(f)
	if msg := fmt.Sprint(r); !panicked || !strings.HasPrefix(msg, "optim: ") || !strings.Contains(msg, want) {
		t.Errorf("panic %v, want \"optim: ...%s...\"", r, want)
	}
}
