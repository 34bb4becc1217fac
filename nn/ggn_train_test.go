package nn_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
)

// TestHessianFreeSpirals trains a 2-16-16-2 tanh network on the two
// spirals (cross-entropy, full batch) with Hessian-free on Gauss–Newton
// products, and beside it L-BFGS and Newton-CG from the same start with the
// same budget of work, counted in gradients (an evaluation of f and ∇f is
// one, a Gauss–Newton product about one, an HVP about two). Hessian-free
// must converge (‖∇f‖∞ ≤ 1e-7) within the budget, and every accepted step
// must lower the loss; the comparison is logged.
func TestHessianFreeSpirals(t *testing.T) {
	if testing.Short() {
		t.Skip("training comparison")
	}
	d := twoSpirals(200)
	const budget = 3000 // gradients' worth of work per method
	type outcome struct {
		name        string
		loss        float64
		evals, hvps int
		work        float64
		elapsed     time.Duration
		status      optim.Status
	}
	var rows []outcome
	for _, mc := range []struct {
		name    string
		method  optim.Method
		hvpCost float64
	}{
		{"HessianFree (Gauss–Newton)", optim.HessianFree{}, 1},
		{"L-BFGS", optim.LBFGS{}, 0},
		{"Newton-CG (Hessian)", optim.NewtonCG{}, 2},
	} {
		m := nn.NewMLP(newRNG(41), nn.Tanh, 2, 16, 16, 2)
		obj := nn.NewGaussNewtonObjective(m, nn.CrossEntropy, d)
		x0 := nn.Flatten(m.Params())
		last := obj.Eval(x0, nil)
		var work float64
		start := time.Now()
		res, _ := optim.Minimize(obj, x0, mc.method, &optim.Settings{GradientThreshold: 1e-7, Callback: func(it optim.Iteration) bool {
			if it.F > last {
				t.Errorf("%s: iteration %d raised the loss from %v to %v", mc.name, it.Iter, last, it.F)
			}
			last = it.F
			work = float64(it.FuncEvals) + mc.hvpCost*float64(it.HessVecEvals)
			return work >= budget
		}})
		rows = append(rows, outcome{mc.name, res.F, res.FuncEvals, res.HessVecEvals, work, time.Since(start), res.Status})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "two spirals, 2-16-16-2 tanh, cross-entropy, budget %d gradients:\n", budget)
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-27s loss %.3e  %5d evaluations  %5d products  %6.0f gradients' work  %v  %v\n",
			r.name, r.loss, r.evals, r.hvps, r.work, r.elapsed.Round(time.Millisecond), r.status)
	}
	t.Log(b.String())
	if rows[0].status != optim.GradientThreshold {
		t.Errorf("Hessian-free did not converge within the budget: loss %v, %v", rows[0].loss, rows[0].status)
	}
}
