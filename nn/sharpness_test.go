package nn_test

import (
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/nn"
)

// TestSharpnessMonitor runs full-batch gradient descent on a small net,
// observing every third step, and checks each estimate against the dense
// Hessian's largest eigenvalue.
func TestSharpnessMonitor(t *testing.T) {
	d := twoSpirals(60)
	m := nn.NewMLP(newRNG(5), nn.Tanh, 2, 8, 8, 2)
	const lr = 0.5
	mon := &nn.SharpnessMonitor{Every: 3, Data: d, LearningRate: lr}
	params := m.Params()
	for step := 1; step <= 12; step++ {
		g := nn.Curvature(m, nn.CrossEntropy, d).Grad(nil)
		theta := nn.Flatten(params)
		for i := range theta {
			theta[i] -= lr * g[i]
		}
		nn.Unflatten(params, theta)
		pt, ok, err := mon.Observe(step, m, nn.CrossEntropy)
		if err != nil || ok != (step%3 == 0) {
			t.Fatalf("step %d: observed %v, %v", step, ok, err)
		}
		if !ok {
			continue
		}
		var eig mat.EigenSym
		eig.Factorize(hvp.Dense(nn.Curvature(m, nn.CrossEntropy, d)), false)
		vals := eig.Values(nil)
		want := vals[len(vals)-1]
		if !pt.Converged || math.Abs(pt.LambdaMax-want) > 1e-3*math.Max(want, -vals[0]) || pt.Bound != 2/lr || pt.Step != step {
			t.Errorf("step %d: %+v, want λ_max %v", step, pt, want)
		}
	}
	if len(mon.History) != 4 {
		t.Errorf("History has %d points, want 4", len(mon.History))
	}
	mustPanic(t, "nil data", "Data", func() { (&nn.SharpnessMonitor{}).Observe(1, m, nn.CrossEntropy) })
}

// BenchmarkSpectrumMLP times the spectral questions on the MLP
// 784-256-256-10, batch 128, cross-entropy, at its initialisation, each as
// a multiple of one gradient (record and one reverse sweep), the gradients
// timed in the same loop as the query: λ_max by hvp.Sharpness at its
// default tolerance (1e-3 relative, by its Error estimate, with the
// residual within 2e-3) from a cold start, and warm-started after one
// gradient step, with the products used and the relative error against a
// Lanczos run to a residual of 1e-10·‖H‖; a 100-product spectral density (one probe of 100
// steps), without reorthogonalisation (the default) and with it, and 100
// products alone.
func BenchmarkSpectrumMLP(b *testing.B) {
	c := benchNets[0]
	x, y := benchData(c.sizes, c.batch, c.loss)
	m := nn.NewMLP(newRNG(1), nn.Tanh, c.sizes...)
	d := nn.NewDataset(x, y)
	params := m.Params()
	tp := graph.NewTape()
	grad := func() {
		tp.Reset()
		nodes := nn.Vars(tp, params)
		ad.Grad(c.loss(m.Forward(nodes, tp.Const(x)), y), nodes...)
	}
	lambdaMax := func(p *hvp.Point) float64 {
		ref, err := hvp.Lanczos(p, &hvp.LanczosSettings{Which: hvp.Largest, Tol: 1e-10})
		if err != nil || !ref.Converged {
			b.Fatal("reference Lanczos run failed", err)
		}
		return ref.Values[0]
	}
	p := nn.Curvature(m, c.loss, d)
	l1 := lambdaMax(p)
	// The point after one gradient step, for the warm start.
	g := p.Grad(nil)
	theta := nn.Flatten(params)
	moved := append([]float64(nil), theta...)
	for i := range moved {
		moved[i] -= 0.1 * g[i]
	}
	nn.Unflatten(params, moved)
	p2 := nn.Curvature(m, c.loss, d)
	l2 := lambdaMax(p2)
	nn.Unflatten(params, theta)

	// run times query and three gradients in each iteration and reports
	// the ratio.
	run := func(b *testing.B, query func() time.Duration) {
		var tq, tg time.Duration
		for b.Loop() {
			t0 := time.Now()
			for k := 0; k < 3; k++ {
				grad()
			}
			tg += time.Since(t0)
			tq += query()
		}
		b.ReportMetric(3*float64(tq)/float64(tg), "×grad")
	}
	b.Run("lambda_max_cold", func(b *testing.B) {
		var e hvp.SharpnessEstimate
		run(b, func() time.Duration {
			var sh hvp.Sharpness
			t0 := time.Now()
			e, _ = sh.Estimate(p)
			return time.Since(t0)
		})
		if !e.Converged {
			b.Error("not converged in the default 20 products")
		}
		b.ReportMetric(float64(e.HVPs), "HVPs")
		b.ReportMetric(math.Abs(e.Value-l1)/l1, "relerr")
	})
	b.Run("lambda_max_warm", func(b *testing.B) {
		var e hvp.SharpnessEstimate
		var sh hvp.Sharpness
		run(b, func() time.Duration {
			sh = hvp.Sharpness{}
			sh.Estimate(p)
			t0 := time.Now()
			e, _ = sh.Estimate(p2)
			return time.Since(t0)
		})
		if !e.Converged {
			b.Error("not converged in the default 20 products")
		}
		b.ReportMetric(float64(e.HVPs), "HVPs")
		b.ReportMetric(math.Abs(e.Value-l2)/l2, "relerr")
	})
	for _, reorth := range []bool{false, true} {
		name := "density100"
		if reorth {
			name += "_reorth"
		}
		b.Run(name, func(b *testing.B) {
			// Also 100 products alone in each iteration, for the ratio
			// ×hvp100 taken side by side.
			v := make([]float64, p.Dim())
			for i := range v {
				v[i] = float64(i%3) - 1
			}
			dst := make([]float64, p.Dim())
			var td, th time.Duration
			run(b, func() time.Duration {
				t0 := time.Now()
				for k := 0; k < 100; k++ {
					p.Apply(v, dst)
				}
				th += time.Since(t0)
				t0 = time.Now()
				if _, err := hvp.Density(p, &hvp.DensitySettings{Steps: 100, Reorth: reorth}); err != nil {
					b.Fatal(err)
				}
				d := time.Since(t0)
				td += d
				return d
			})
			b.ReportMetric(float64(td)/float64(th), "×hvp100")
		})
	}
	b.Run("hvp100", func(b *testing.B) { // the products alone, for comparison
		v := make([]float64, p.Dim())
		for i := range v {
			v[i] = 1
		}
		dst := make([]float64, p.Dim())
		run(b, func() time.Duration {
			t0 := time.Now()
			for k := 0; k < 100; k++ {
				p.Apply(v, dst)
			}
			return time.Since(t0)
		})
	})
}
