package optim

import (
	"math"
	"testing"
)

// TestSGDStepper checks SGD updates against their closed forms for a
// constant gradient g: without momentum p_k = p0 − k·lr·g; with heavy-ball
// momentum v_j = g·(1 − μ^j)/(1 − μ) and p_k = p0 − lr·Σ_{j≤k} v_j; with
// Nesterov p_k = p0 − lr·Σ_{j≤k} (g + μ·v_j).
func TestSGDStepper(t *testing.T) {
	const lr, mu, steps = 0.1, 0.9, 7
	g := []float64{1, -2, 0.5}
	for _, tc := range []struct {
		name string
		s    SGD
		want func(gi float64) float64 // total displacement after steps
	}{
		{"plain", SGD{LearningRate: lr}, func(gi float64) float64 { return -steps * lr * gi }},
		{"momentum", SGD{LearningRate: lr, Momentum: mu}, func(gi float64) float64 {
			var d float64
			for j := 1; j <= steps; j++ {
				d -= lr * gi * (1 - math.Pow(mu, float64(j))) / (1 - mu)
			}
			return d
		}},
		{"nesterov", SGD{LearningRate: lr, Momentum: mu, Nesterov: true}, func(gi float64) float64 {
			var d float64
			for j := 1; j <= steps; j++ {
				d -= lr * (gi + mu*gi*(1-math.Pow(mu, float64(j)))/(1-mu))
			}
			return d
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &SGDStepper{SGD: tc.s}
			p := [][]float64{{0, 0}, {0}}
			grads := [][]float64{g[:2], g[2:]}
			for k := 0; k < steps; k++ {
				st.Step(p, grads)
			}
			got := []float64{p[0][0], p[0][1], p[1][0]}
			for i := range g {
				if w := tc.want(g[i]); math.Abs(got[i]-w) > 1e-12 {
					t.Errorf("param %d: %v, want %v", i, got[i], w)
				}
			}
			if g[0] != 1 || g[1] != -2 || g[2] != 0.5 {
				t.Error("Step modified grads")
			}
		})
	}
	// L2 weight decay with a zero gradient: p ← (1 − lr·wd)·p.
	st := &SGDStepper{SGD: SGD{LearningRate: 0.1, WeightDecay: 0.5}}
	p := [][]float64{{2}}
	st.Step(p, [][]float64{{0}})
	if p[0][0] != 2*(1-0.05) {
		t.Errorf("weight decay: %v, want %v", p[0][0], 2*(1-0.05))
	}
}

// TestAdamStepper: the first Adam step moves every parameter by
// lr·g/(|g| + ε) (bias correction makes m̂ = g, v̂ = g²); with a zero
// gradient only AdamW's decoupled decay acts: p ← (1 − lr·wd)·p; and a
// constant gradient gives m̂ = g, v̂ = g² at every step.
func TestAdamStepper(t *testing.T) {
	const lr = 0.01
	st := &AdamStepper{Adam: Adam{LearningRate: lr}}
	p := [][]float64{{1, 1, 1}}
	g := [][]float64{{3, -1e-3, 0}}
	for k := 1; k <= 5; k++ {
		st.Step(p, g)
		for i, gi := range g[0] {
			want := 1 - float64(k)*lr*gi/(math.Abs(gi)+1e-8)
			if math.Abs(p[0][i]-want) > 1e-12 {
				t.Errorf("step %d param %d: %v, want %v", k, i, p[0][i], want)
			}
		}
	}
	w := &AdamStepper{Adam: Adam{LearningRate: 0.1, WeightDecay: 0.2}}
	q := [][]float64{{5, -1}}
	w.Step(q, [][]float64{{0, 0}})
	if q[0][0] != 5*(1-0.02) || q[0][1] != -(1-0.02) {
		t.Errorf("AdamW decay: %v", q[0])
	}
	// Reset starts over: the next step is again a first step.
	st.Reset()
	p = [][]float64{{0}}
	st.Step(p, [][]float64{{-4}})
	if math.Abs(p[0][0]-lr*4/(4+1e-8)) > 1e-15 {
		t.Errorf("after Reset: %v", p[0][0])
	}
}

func TestStepperPanics(t *testing.T) {
	newSGD := func() *SGDStepper {
		s := &SGDStepper{SGD: SGD{Momentum: 0.5}}
		s.Step([][]float64{{1, 2}, {3}}, [][]float64{{0, 0}, {0}})
		return s
	}
	newAdam := func() *AdamStepper {
		s := &AdamStepper{}
		s.Step([][]float64{{1, 2}, {3}}, [][]float64{{0, 0}, {0}})
		return s
	}
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"sgd count", "3 parameters, state has 2", func() {
			newSGD().Step([][]float64{{1, 2}, {3}, {4}}, [][]float64{{0, 0}, {0}, {0}})
		}},
		{"sgd size", "parameter 1 has 2 elements, state has 1", func() {
			newSGD().Step([][]float64{{1, 2}, {3, 4}}, [][]float64{{0, 0}, {0, 0}})
		}},
		{"sgd grads", "2 parameters, 1 gradients", func() { newSGD().Step([][]float64{{1, 2}, {3}}, [][]float64{{0, 0}}) }},
		{"sgd grad size", "its gradient 3", func() { newSGD().Step([][]float64{{1, 2}, {3}}, [][]float64{{0, 0, 0}, {0}}) }},
		{"adam size", "parameter 0 has 1 elements, state has 2", func() {
			newAdam().Step([][]float64{{1}, {3}}, [][]float64{{0}, {0}})
		}},
		{"adam bad beta", "Adam.Beta1", func() { (&AdamStepper{Adam: Adam{Beta1: 1.5}}).Step(nil, nil) }},
		{"sgd bad momentum", "SGD.Momentum", func() { (&SGDStepper{SGD: SGD{Momentum: -1}}).Step(nil, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) { mustPanic(t, tc.want, tc.f) })
	}
	// After Reset a stepper accepts new shapes.
	s := newSGD()
	s.Reset()
	s.Step([][]float64{{1}}, [][]float64{{1}})
	a := newAdam()
	a.Reset()
	a.Step([][]float64{{1}}, [][]float64{{1}})
}

// TestStepperMatchesMethod: the SGD and Adam Methods are the steppers applied
// to one tensor holding all of x, so their first iterates agree.
func TestStepperMatchesMethod(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method Method
		step   func(p, g [][]float64)
	}{
		{"sgd", SGD{LearningRate: 0.01, Momentum: 0.9, Nesterov: true}, (&SGDStepper{SGD: SGD{LearningRate: 0.01, Momentum: 0.9, Nesterov: true}}).Step},
		{"adam", Adam{LearningRate: 0.05, WeightDecay: 0.1}, (&AdamStepper{Adam: Adam{LearningRate: 0.05, WeightDecay: 0.1}}).Step},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var xs [][]float64
			Minimize(rosenbrock{2}, []float64{-1.2, 1}, tc.method, &Settings{MaxIterations: 5, Callback: func(it Iteration) bool {
				xs = append(xs, append([]float64(nil), it.X...))
				return false
			}})
			x := []float64{-1.2, 1}
			g := make([]float64, 2)
			for k := 0; k < 5; k++ {
				rosenbrock{2}.Eval(x, g)
				tc.step([][]float64{x}, [][]float64{g})
				if x[0] != xs[k][0] || x[1] != xs[k][1] {
					t.Fatalf("iterate %d: stepper %v, Minimize %v", k+1, x, xs[k])
				}
			}
		})
	}
}
