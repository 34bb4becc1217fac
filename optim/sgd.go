package optim

import (
	"fmt"
	"math"
)

// SGD is gradient descent with heavy-ball or Nesterov momentum and optional
// L2 weight decay, in the form used by PyTorch's torch.optim.SGD (Polyak
// 1964; Sutskever et al. 2013): with g = ∇f(x) + WeightDecay·x,
//
//	v ← Momentum·v + g
//	x ← x − LearningRate·(g + Momentum·v)   (Nesterov)
//	x ← x − LearningRate·v                  (otherwise)
//
// As a Method it takes full-gradient steps until ‖∇f‖∞ falls below the
// threshold (the velocity starts at zero); each iteration costs one
// evaluation and O(n) flops. Every step is taken, so NaN or Inf at the new
// iterate is a divergence and stops the run with NonFinite at the best
// finite point. For mini-batch training use SGDStepper. It does not
// support Settings.Bounds (Minimize panics).
type SGD struct {
	// LearningRate is the step size. If it is 0, it is defaulted to 0.01.
	LearningRate float64
	// Momentum is the momentum coefficient in [0, 1); 0 means none.
	Momentum float64
	// Nesterov selects Nesterov momentum; it needs Momentum > 0.
	Nesterov bool
	// WeightDecay adds WeightDecay·x to the gradient (L2 regularisation);
	// 0 means none.
	WeightDecay float64
}

var _ Method = SGD{}

func (m SGD) validate() {
	if m.LearningRate < 0 || math.IsNaN(m.LearningRate) {
		panic(fmt.Sprintf("optim: SGD.LearningRate = %v < 0", m.LearningRate))
	}
	if m.Momentum < 0 || m.Momentum >= 1 || math.IsNaN(m.Momentum) {
		panic(fmt.Sprintf("optim: SGD.Momentum = %v outside [0, 1)", m.Momentum))
	}
	if m.Nesterov && m.Momentum == 0 {
		panic("optim: SGD.Nesterov needs Momentum > 0")
	}
	if m.WeightDecay < 0 || math.IsNaN(m.WeightDecay) {
		panic(fmt.Sprintf("optim: SGD.WeightDecay = %v < 0", m.WeightDecay))
	}
}

func (m SGD) minimize(r *runner, loc *location) Status {
	m.validate()
	st := &SGDStepper{SGD: m}
	return stepLoop(r, loc, st.Step)
}

// stepLoop drives a stepper as a Method: one step per iteration from the
// gradient at the current point, accepted whatever happens to f.
func stepLoop(r *runner, loc *location, step func(params, grads [][]float64)) Status {
	trial := newLocation(r.n)
	p, g := make([][]float64, 1), make([][]float64, 1)
	for {
		if st := r.check(loc); st != NotTerminated {
			return st
		}
		copy(trial.x, loc.x)
		p[0], g[0] = trial.x, loc.g
		step(p, g)
		if st := r.evalLoc(trial); st != NotTerminated {
			return st
		}
		*loc, *trial = *trial, *loc
		if st := r.accept(loc, false); st != NotTerminated {
			return st
		}
	}
}

// SGDStepper applies SGD updates to a list of parameter tensors for
// mini-batch training. State (the velocities) is created on the first Step
// and matched to the parameters by position; the zero value with the
// embedded SGD settings is ready to use.
type SGDStepper struct {
	SGD
	sizes []int
	vel   [][]float64
}

// Step updates params in place from grads, one slice per parameter tensor,
// at O(Σ len(params[i])) cost and no allocation after the first call. It
// panics if len(params) ≠ len(grads), if a gradient's length differs from its
// parameter's, or if the number or sizes of the parameters differ from those
// of the first call. grads is not modified or retained.
func (s *SGDStepper) Step(params, grads [][]float64) {
	if s.sizes == nil {
		s.validate()
	}
	checkShapes("SGDStepper", &s.sizes, params, grads)
	lr := s.LearningRate
	if lr == 0 {
		lr = 0.01
	}
	mu, wd := s.Momentum, s.WeightDecay
	if mu != 0 && s.vel == nil {
		s.vel = make([][]float64, len(params))
		for i, p := range params {
			s.vel[i] = make([]float64, len(p))
		}
	}
	for k, p := range params {
		g := grads[k]
		if mu == 0 {
			for i := range p {
				p[i] -= lr * (g[i] + wd*p[i])
			}
			continue
		}
		v := s.vel[k]
		for i := range p {
			gi := g[i] + wd*p[i]
			v[i] = mu*v[i] + gi
			if s.Nesterov {
				p[i] -= lr * (gi + mu*v[i])
			} else {
				p[i] -= lr * v[i]
			}
		}
	}
}

// Reset clears the stepper's state, so the next Step may use new shapes.
func (s *SGDStepper) Reset() {
	s.sizes, s.vel = nil, nil
}

// checkShapes checks params against grads and against the sizes recorded by
// the first call, recording them if sizes is nil.
func checkShapes(who string, sizes *[]int, params, grads [][]float64) {
	if len(params) != len(grads) {
		panic(fmt.Sprintf("optim: %s.Step: %d parameters, %d gradients", who, len(params), len(grads)))
	}
	for i, p := range params {
		if len(grads[i]) != len(p) {
			panic(fmt.Sprintf("optim: %s.Step: parameter %d has %d elements, its gradient %d", who, i, len(p), len(grads[i])))
		}
	}
	if *sizes == nil {
		*sizes = make([]int, len(params))
		for i, p := range params {
			(*sizes)[i] = len(p)
		}
		return
	}
	if len(params) != len(*sizes) {
		panic(fmt.Sprintf("optim: %s.Step: %d parameters, state has %d (call Reset to change)", who, len(params), len(*sizes)))
	}
	for i, p := range params {
		if len(p) != (*sizes)[i] {
			panic(fmt.Sprintf("optim: %s.Step: parameter %d has %d elements, state has %d (call Reset to change)", who, i, len(p), (*sizes)[i]))
		}
	}
}
