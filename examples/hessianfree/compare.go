package main

import (
	"fmt"
	"io"
	"time"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
)

// point is a method's training loss after some work.
type point struct {
	Passes, Seconds, Loss float64
}

// methodRun is the curve of one method on one problem.
type methodRun struct {
	Name   string
	Curve  []point // from the start, one point per iteration or epoch
	Status string
}

// last returns the final point of the curve.
func (r methodRun) last() point { return r.Curve[len(r.Curve)-1] }

// at returns the loss of the last point with at most the given work, by
// passes or by seconds (false), or the first point's when none.
func (r methodRun) at(x float64, byPasses bool) float64 {
	l := r.Curve[0].Loss
	for _, p := range r.Curve {
		if byPasses && p.Passes > x || !byPasses && p.Seconds > x {
			break
		}
		l = p.Loss
	}
	return l
}

// reach returns the first point at which the loss is at most target, and
// whether there is one.
func (r methodRun) reach(target float64) (point, bool) {
	for _, p := range r.Curve {
		if p.Loss <= target {
			return p, true
		}
	}
	return point{}, false
}

// compare trains p's network from the same initial weights with each
// method, within p.passes passes.
func compare(p problem, seed uint64) ([]methodRun, error) {
	var runs []methodRun
	for _, mc := range []struct {
		name    string
		method  optim.Method
		hvpCost float64 // passes per product
	}{
		{"HessianFree (Gauss–Newton)", optim.HessianFree{}, 1},
		{"L-BFGS", optim.LBFGS{}, 0},
		{"Newton-CG (Hessian)", optim.NewtonCG{}, 2},
	} {
		r, err := minimize(p, seed, mc.name, mc.method, mc.hvpCost)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	r, err := adam(p, seed)
	if err != nil {
		return nil, err
	}
	return append(runs, r), nil
}

// minimize runs one optim method on the full-batch loss.
func minimize(p problem, seed uint64, name string, method optim.Method, hvpCost float64) (methodRun, error) {
	m := p.newNet(seed)
	obj := nn.NewGaussNewtonObjective(m, nn.CrossEntropy, p.data)
	x0 := nn.Flatten(m.Params())
	r := methodRun{Name: name, Curve: []point{{Loss: obj.Eval(x0, nil)}}}
	start := time.Now()
	res, err := optim.Minimize(obj, x0, method, &optim.Settings{
		GradientThreshold: 1e-7,
		MaxIterations:     1 << 30,
		Callback: func(it optim.Iteration) bool {
			passes := float64(it.FuncEvals) + hvpCost*float64(it.HessVecEvals)
			r.Curve = append(r.Curve, point{Passes: passes, Seconds: time.Since(start).Seconds(), Loss: it.F})
			return passes >= float64(p.passes)
		},
	})
	if err != nil && res.Status != optim.Stopped {
		return r, fmt.Errorf("%s: %s: %w", p.short, name, err)
	}
	r.Status = res.Status.String()
	if res.Status == optim.Stopped {
		r.Status = "budget"
	}
	return r, nil
}

// adam trains by mini-batch Adam steps through nn.Trainer, one epoch (one
// pass) at a time, with the training loss evaluated after each epoch
// (neither counted nor timed).
func adam(p problem, seed uint64) (methodRun, error) {
	m := p.newNet(seed)
	name := fmt.Sprintf("Adam (batch %d, η = %g)", p.adamBatch, p.adamRate)
	r := methodRun{Name: name, Curve: []point{{Loss: nn.Evaluate(m, nn.CrossEntropy, p.data, 0)}}, Status: "budget"}
	tr := nn.NewTrainer(m, nn.CrossEntropy, &optim.AdamStepper{Adam: optim.Adam{LearningRate: p.adamRate}},
		&nn.FitSettings{BatchSize: p.adamBatch, Seed: seed, Output: io.Discard})
	var elapsed time.Duration
	for epoch := 1; epoch <= p.passes; epoch++ {
		t0 := time.Now()
		if _, err := tr.Fit(p.data, 1); err != nil {
			return r, fmt.Errorf("%s: %s: %w", p.short, name, err)
		}
		elapsed += time.Since(t0)
		r.Curve = append(r.Curve, point{Passes: float64(epoch), Seconds: elapsed.Seconds(), Loss: nn.Evaluate(m, nn.CrossEntropy, p.data, 0)})
	}
	return r, nil
}
