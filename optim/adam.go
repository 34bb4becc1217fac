package optim

import "math"

// Adam is the Adam method of Kingma & Ba ("Adam: a method for stochastic
// optimization", ICLR 2015) with AdamW's decoupled weight decay (Loshchilov
// & Hutter, "Decoupled weight decay regularization", ICLR 2019). With g =
// ∇f(x) and t the step number,
//
//	m ← β1·m + (1−β1)·g,   v ← β2·v + (1−β2)·g²
//	x ← x − LearningRate·WeightDecay·x
//	x ← x − LearningRate·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + Epsilon)
//
// As a Method it takes full-gradient steps until ‖∇f‖∞ falls below the
// threshold; each iteration costs one evaluation and O(n) flops. Every step
// is taken, so NaN or Inf at the new iterate is a divergence and stops the
// run with NonFinite at the best finite point. For mini-batch training use
// AdamStepper. It does not support Settings.Bounds (Minimize panics).
type Adam struct {
	// LearningRate is the step size. If it is 0, it is defaulted to 0.001.
	LearningRate float64
	// Beta1 and Beta2 are the decay rates of the moment estimates, in
	// [0, 1). If 0, they are defaulted to 0.9 and 0.999.
	Beta1, Beta2 float64
	// Epsilon is added to the denominator. If it is 0, it is defaulted to
	// 1e-8.
	Epsilon float64
	// WeightDecay is the decoupled (AdamW) weight decay; 0 means none.
	WeightDecay float64
}

var _ Method = Adam{}

func (m Adam) validate() {
	checkRanges("Adam",
		setting{"LearningRate", m.LearningRate, math.Inf(1)},
		setting{"Beta1", m.Beta1, 1},
		setting{"Beta2", m.Beta2, 1},
		setting{"Epsilon", m.Epsilon, math.Inf(1)},
		setting{"WeightDecay", m.WeightDecay, math.Inf(1)},
	)
}

func (m Adam) minimize(r *runner, loc *location) Status {
	m.validate()
	st := &AdamStepper{Adam: m}
	return stepLoop(r, loc, st.Step)
}

// AdamStepper applies Adam(W) updates to a list of parameter tensors for
// mini-batch training. State (the moment estimates and step count) is
// created on the first Step and matched to the parameters by position; the
// zero value with the embedded Adam settings is ready to use.
type AdamStepper struct {
	Adam
	sizes []int
	m, v  [][]float64
	t     int
}

// Step updates params in place from grads, one slice per parameter tensor,
// at O(Σ len(params[i])) cost and no allocation after the first call. It
// panics if len(params) ≠ len(grads), if a gradient's length differs from its
// parameter's, or if the number or sizes of the parameters differ from those
// of the first call. grads is not modified or retained.
func (s *AdamStepper) Step(params, grads [][]float64) {
	if s.sizes == nil {
		s.validate()
	}
	checkShapes("AdamStepper", &s.sizes, params, grads)
	if s.m == nil {
		s.m = make([][]float64, len(params))
		s.v = make([][]float64, len(params))
		for i, p := range params {
			s.m[i] = make([]float64, len(p))
			s.v[i] = make([]float64, len(p))
		}
	}
	lr, b1, b2, eps := s.LearningRate, s.Beta1, s.Beta2, s.Epsilon
	if lr == 0 {
		lr = 0.001
	}
	if b1 == 0 {
		b1 = 0.9
	}
	if b2 == 0 {
		b2 = 0.999
	}
	if eps == 0 {
		eps = 1e-8
	}
	s.t++
	c1 := 1 - math.Pow(b1, float64(s.t))
	c2 := 1 - math.Pow(b2, float64(s.t))
	decay := 1 - lr*s.WeightDecay
	for k, p := range params {
		g, m, v := grads[k], s.m[k], s.v[k]
		for i := range p {
			m[i] = b1*m[i] + (1-b1)*g[i]
			v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
			p[i] = decay*p[i] - lr*(m[i]/c1)/(math.Sqrt(v[i]/c2)+eps)
		}
	}
}

// Reset clears the stepper's state (moments and step count), so the next
// Step may use new shapes.
func (s *AdamStepper) Reset() {
	s.sizes, s.m, s.v, s.t = nil, nil, nil, 0
}
