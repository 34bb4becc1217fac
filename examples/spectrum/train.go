package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// spirals returns n points of two interleaved spirals (n/2 of each,
// alternating), with one-hot targets of shape [n, 2], without randomness:
// spiral c at angle t has radius t/3π and points the opposite way to the
// other.
func spirals(n int) *nn.Dataset {
	x, y := tensor.Zeros(n, 2), tensor.Zeros(n, 2)
	for i := 0; i < n; i++ {
		c := i % 2
		t := 0.5 + 3*math.Pi*float64(i/2)/float64(n/2)
		r := t / (3 * math.Pi)
		s := 1.0
		if c == 1 {
			s = -1
		}
		x.Data()[2*i] = s * r * math.Cos(t)
		x.Data()[2*i+1] = s * r * math.Sin(t)
		y.Data()[2*i+c] = 1
	}
	return nn.NewDataset(x, y)
}

// newNet returns the network, its weights drawn from the seed.
func newNet(seed uint64) *nn.MLP {
	return nn.NewMLP(rand.New(rand.NewPCG(seed, 2)), nn.Tanh, 2, 32, 32, 2)
}

// sharpPoint is one sharpness measurement during training.
type sharpPoint struct {
	Step      int
	Loss      float64
	LambdaMax float64
}

// trainRun is one training run at a learning rate.
type trainRun struct {
	LR     float64
	Curve  []sharpPoint
	Model  *nn.MLP // at the final parameters
	HVPs   int     // products spent on the sharpness
	Steps  int
	Status optim.Status
	// Reached is the first step at which λ_max came within 10% of 2/η
	// (−1 if never); Hover is the mean of λ_max/(2/η) from then on, and
	// HoverMin, HoverMax its extremes over the last half of the run.
	Reached                   int
	Hover, HoverMin, HoverMax float64
}

// train runs o.steps of gradient descent with learning rate lr and
// measures λ_max every o.every steps.
func train(d *nn.Dataset, lr float64, o options) (trainRun, error) {
	m := newNet(o.seed)
	obj := nn.NewObjective(m, nn.MSE, d)
	x0 := nn.Flatten(m.Params())
	r := trainRun{LR: lr, Model: m, Reached: -1}
	var sh hvp.Sharpness
	var failure error
	measure := func(step int, x []float64, f float64) bool {
		e, err := sh.At(obj, x)
		if err != nil {
			failure = fmt.Errorf("η = %v, step %d: %w", lr, step, err)
			return true
		}
		r.HVPs += e.HVPs
		r.Curve = append(r.Curve, sharpPoint{Step: step, Loss: f, LambdaMax: e.Value})
		return false
	}
	measure(0, x0, obj.Eval(x0, nil))
	res, err := optim.Minimize(obj, x0, optim.GradientDescent{StepSize: lr}, &optim.Settings{
		MaxIterations:     o.steps,
		GradientThreshold: 1e-12,
		Callback: func(it optim.Iteration) bool {
			if it.Iter%o.every != 0 {
				return false
			}
			return measure(it.Iter, it.X, it.F)
		},
	})
	if failure != nil {
		return r, failure
	}
	if err != nil && res.Status != optim.IterationLimit {
		return r, fmt.Errorf("η = %v: %w", lr, err)
	}
	r.Status, r.Steps = res.Status, res.Iterations
	nn.Unflatten(m.Params(), res.X)
	r.summarise()
	return r, nil
}

// trainFit is train through nn.Fit: full-batch SGD without momentum (one
// step per epoch, the examples in their stored order) with
// FitSettings.Sharpness measuring λ_max every o.every steps, and once
// before the first step by the monitor's Observe.
func trainFit(d *nn.Dataset, lr float64, o options) (trainRun, error) {
	m := newNet(o.seed)
	r := trainRun{LR: lr, Model: m, Reached: -1}
	mon := &nn.SharpnessMonitor{Every: o.every, Data: d, LearningRate: lr}
	if _, _, err := mon.Observe(0, m, nn.MSE); err != nil {
		return r, fmt.Errorf("η = %v, step 0: %w", lr, err)
	}
	_, err := nn.Fit(m, nn.MSE, d, &optim.SGDStepper{SGD: optim.SGD{LearningRate: lr}}, &nn.FitSettings{
		Epochs:    o.steps,
		NoShuffle: true,
		Sharpness: mon,
		Output:    io.Discard,
	})
	if err != nil {
		return r, fmt.Errorf("η = %v: %w", lr, err)
	}
	for _, p := range mon.History {
		r.HVPs += p.HVPs
		r.Curve = append(r.Curve, sharpPoint{Step: p.Step, Loss: p.Loss, LambdaMax: p.LambdaMax})
	}
	r.Status, r.Steps = optim.IterationLimit, o.steps
	r.summarise()
	return r, nil
}

// summarise fills Reached and Hover from the curve.
func (r *trainRun) summarise() {
	bound := 2 / r.LR
	var sum float64
	var count int
	r.HoverMin, r.HoverMax = math.Inf(1), math.Inf(-1)
	for _, p := range r.Curve {
		if r.Reached < 0 && p.LambdaMax >= 0.9*bound {
			r.Reached = p.Step
		}
		if r.Reached >= 0 {
			sum += p.LambdaMax / bound
			count++
		}
		if p.Step >= r.Steps/2 {
			r.HoverMin = math.Min(r.HoverMin, p.LambdaMax/bound)
			r.HoverMax = math.Max(r.HoverMax, p.LambdaMax/bound)
		}
	}
	r.Hover = math.NaN()
	if count > 0 {
		r.Hover = sum / float64(count)
	}
}
