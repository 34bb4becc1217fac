package main

import (
	"fmt"
	"math"
	"time"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
)

// method is one optimiser of the comparison. Exactly one of Stepper and
// Minimizer is set: a first-order method trains through nn.Fit on
// mini-batches, a full-batch method through optim.Minimize on the
// flattened parameters.
type method struct {
	Name string
	// Stepper returns a fresh stepper (steppers keep state) and a pointer
	// to its learning rate, which trainFit decays over the epochs.
	Stepper   func() (nn.Stepper, *float64)
	Minimizer optim.Method
}

// problem is one model to train on one data set, with the methods and
// their budget.
type problem struct {
	Name        string
	Model       nn.Model
	Train, Held *nn.Dataset
	// Budget is the work allowed to each method, in passes over the
	// training set: the epochs of the first-order methods, and the
	// evaluations of f and ∇f plus the Hessian-vector products of the
	// others (an HVP costs two to three gradients in flops, but one pass
	// over the data).
	Budget    int
	BatchSize int // the first-order methods' mini-batch size
	Methods   []method
	// Truth is the noiseless function behind generated data, drawn on the
	// fit plot; nil for data read from a file.
	Truth func(float64) float64
}

// curvePoint is the training loss after some amount of work, counted in
// passes over the training set: an epoch, an evaluation of f and ∇f, or
// a Hessian-vector product.
type curvePoint struct {
	Work, Loss float64
}

// outcome is what one method achieved on one problem.
type outcome struct {
	Method string
	// FirstOrder is true for the nn.Fit methods: Iterations counts
	// epochs and Evals mini-batch gradients.
	FirstOrder  bool
	Iterations  int
	Evals, HVPs int
	Time        time.Duration
	Train, Held float64 // final mean squared errors
	Status      string
	Curve       []curvePoint
	Params      []float64 // the trained parameters, flattened
}

// trainAll trains p.Model with every method of p from the same start, the
// model's parameters when called, and leaves them there afterwards.
func trainAll(p problem) ([]outcome, error) {
	params := p.Model.Params()
	start := nn.Flatten(params)
	defer nn.Unflatten(params, start)
	outs := make([]outcome, 0, len(p.Methods))
	for _, m := range p.Methods {
		nn.Unflatten(params, start)
		var o outcome
		var err error
		if m.Stepper != nil {
			o, err = trainFit(p, m)
		} else {
			o, err = trainMinimize(p, m)
		}
		if err != nil {
			return outs, fmt.Errorf("%s, %s: %w", p.Name, m.Name, err)
		}
		o.Method = m.Name
		o.Params = nn.Flatten(params)
		o.Train = nn.Evaluate(p.Model, nn.MSE, p.Train, 0)
		o.Held = nn.Evaluate(p.Model, nn.MSE, p.Held, 0)
		outs = append(outs, o)
	}
	return outs, nil
}

// trainFrom trains every method of p from the parameters start
// instead of the model's, which it leaves as they were.
func trainFrom(p problem, start []float64) ([]outcome, error) {
	params := p.Model.Params()
	saved := nn.Flatten(params)
	defer nn.Unflatten(params, saved)
	nn.Unflatten(params, start)
	return trainAll(p)
}

// trainFit trains with mini-batch steps of m.Stepper through nn.Fit,
// recording the full training loss after every epoch (the time spent on
// that is not counted in the wall time). The learning rate follows a
// cosine schedule from its initial value down towards 0 at the last
// epoch (Loshchilov & Hutter, "SGDR", ICLR 2017): with a constant rate the
// last iterate of a mini-batch method keeps jumping around the minimum,
// and its final loss would be a matter of luck.
func trainFit(p problem, m method) (outcome, error) {
	o := outcome{FirstOrder: true, Status: "budget spent"}
	stepper, rate := m.Stepper()
	rate0 := *rate
	var overhead time.Duration
	record := func(epoch int) {
		t := time.Now()
		o.Curve = append(o.Curve, curvePoint{Work: float64(epoch), Loss: nn.Evaluate(p.Model, nn.MSE, p.Train, 0)})
		overhead += time.Since(t)
	}
	start := time.Now()
	record(0)
	hist, err := nn.Fit(p.Model, nn.MSE, p.Train, stepper, &nn.FitSettings{
		Epochs:    p.Budget,
		BatchSize: p.BatchSize,
		Seed:      1,
		Progress: func(s nn.EpochStats) error {
			record(s.Epoch)
			// The rate of the next epoch; it is 0, which the steppers
			// would read as "default", only after the last one.
			*rate = rate0 * (1 + math.Cos(math.Pi*float64(s.Epoch)/float64(p.Budget))) / 2
			return nil
		},
	})
	o.Time = time.Since(start) - overhead
	if err != nil {
		return o, err
	}
	o.Iterations = len(hist)
	for _, h := range hist {
		o.Evals += h.Batches
	}
	return o, nil
}

// trainMinimize trains with m.Minimizer on the full-batch loss as a
// function of the flat parameter vector, then copies the result into the
// model. It stops at convergence (‖∇f‖∞ ≤ 1e-6, the default) or when the
// budget is spent; either is a result to report, not an error.
func trainMinimize(p problem, m method) (outcome, error) {
	var o outcome
	obj := nn.NewObjective(p.Model, nn.MSE, p.Train)
	x0 := nn.Flatten(p.Model.Params())
	s := optim.Settings{Callback: func(it optim.Iteration) bool {
		work := it.FuncEvals + it.HessVecEvals
		o.Curve = append(o.Curve, curvePoint{Work: float64(work), Loss: it.F})
		return work >= p.Budget
	}}
	// The start, after the one pass that evaluates it.
	o.Curve = append(o.Curve, curvePoint{Work: 1, Loss: obj.Eval(x0, nil)})
	start := time.Now()
	res, err := optim.Minimize(obj, x0, m.Minimizer, &s)
	o.Time = time.Since(start)
	if res.X == nil {
		return o, err
	}
	nn.Unflatten(p.Model.Params(), res.X)
	o.Iterations, o.Evals, o.HVPs = res.Iterations, res.FuncEvals, res.HessVecEvals
	o.Status = res.Status.String()
	if res.Status == optim.Stopped {
		o.Status = "budget spent"
	}
	return o, nil
}

// firstReach returns the work after which curve first reaches a loss of
// at most target, and whether it does.
func firstReach(curve []curvePoint, target float64) (float64, bool) {
	for _, c := range curve {
		if c.Loss <= target {
			return c.Work, true
		}
	}
	return 0, false
}
