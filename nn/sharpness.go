package nn

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/ad/hvp"
)

// SharpnessMonitor records the sharpness λ_max of the training loss every
// Every steps, beside the stability bound 2/η of gradient descent with
// learning rate η: the curve that shows the "edge of stability" of
// full-batch gradient descent, where λ_max rises until it reaches about
// 2/η and then hovers there (Cohen, Kaur, Li, Kolter & Talwalkar, ICLR
// 2021). Each estimate is an hvp.Sharpness run warm-started from the
// previous eigenvector.
//
// To watch training by Fit or a Trainer, set FitSettings.Sharpness: the
// monitor is then asked after every step, with the step's learning rate
// (the Schedule's rate when there is one, else LearningRate), and its
// estimates appear in EpochStats and in the progress report. A training
// loop of one's own calls Observe after each step instead.
//
// Cost: an estimate records the loss on Data with its gradient (about one
// gradient on Data) and takes products until λ_max is known to
// Sharpness.Tol (default 1e-3), at most Sharpness.MaxHVPs (default 20),
// each about two gradients on Data. Warm-started, the products needed
// depend on how far the point moved: 1.5 on average every step and 2.3
// every 10 steps of full-batch gradient descent on a 2-32-32-2 net, about
// 13 after a large step on the MLP 784-256-256-10, 20 from a cold start
// there. Full-batch training of that small net ran about 5 times slower
// with Every = 1 and 1.7 times with Every = 10 (BenchmarkFitSharpness).
// Memory: one eigenvector (a float64 per parameter) and the recording on
// Data.
//
// Estimating does not change training: it reads the parameters, draws no
// number from the training's random streams, touches neither the stepper
// nor the tape of Fit, and within Fit it switches a TrainingMode model to
// evaluation for the estimate and back, so Fit takes the same steps, bit
// for bit, with the monitor and without. The monitor's state (History and
// the warm start) is not part of a Trainer's checkpoint: after
// ReadCheckpoint the next estimate starts cold. A SharpnessMonitor is not
// safe for concurrent use.
type SharpnessMonitor struct {
	// Every is the number of steps between estimates: an estimate is
	// taken after each step whose number (counted from 1 over the run) is
	// a multiple of Every. If Every is 0, it is defaulted to 1.
	Every int

	// Data is the set on which the loss's Hessian is measured: the whole
	// training set for full-batch gradient descent (as the edge of
	// stability is defined), or a fixed subset of it. It must not be nil.
	Data *Dataset

	// LearningRate is η for the bound reported with each estimate when no
	// Schedule gives it; zero means no bound (reported as +Inf).
	LearningRate float64

	// Momentum is the heavy-ball momentum β of the steps, in [0, 1): the
	// bound is then (2+2β)/η, the stability limit of gradient descent with
	// momentum on a quadratic of curvature λ_max (Cohen et al. 2021).
	// Zero means plain gradient descent, bound 2/η.
	Momentum float64

	// Sharpness is the estimator, with its tolerance and budget (zero
	// value: 1e-3 relative in at most 20 products).
	Sharpness hvp.Sharpness

	// History holds every estimate taken, in order.
	History []SharpnessPoint
}

// SharpnessPoint is one entry of SharpnessMonitor.History.
type SharpnessPoint struct {
	// Step is the training step after which the estimate was taken.
	Step int
	// Loss is the loss on the monitor's Data at that point.
	Loss float64
	// LambdaMax is the estimate of λ_max, LearningRate the rate η of the
	// step, and Bound the stability bound (2+2β)/η (+Inf when η is 0).
	LambdaMax, LearningRate, Bound float64
	// HVPs is the number of products the estimate used, and Converged
	// whether it met its tolerance.
	HVPs      int
	Converged bool
}

// Observe estimates λ_max of the loss of m on Data at the model's current
// parameters when step is a multiple of Every, appends it to History and
// returns it with true; on other steps it does nothing and returns false.
// The bound uses LearningRate. It returns hvp.ErrNonFinite when the loss,
// its gradient or a product is not finite. It panics on a nil Data, a
// negative Every or LearningRate, or a Momentum outside [0, 1).
func (s *SharpnessMonitor) Observe(step int, m Model, loss Loss) (SharpnessPoint, bool, error) {
	s.check("Observe")
	if !s.due(step) {
		return SharpnessPoint{}, false, nil
	}
	return s.observe(step, m, loss, s.LearningRate)
}

func (s *SharpnessMonitor) check(op string) {
	if s.Data == nil {
		panic(fmt.Sprintf("nn: SharpnessMonitor.%s: nil Data", op))
	}
	if s.Every < 0 || !(s.LearningRate >= 0) || !(s.Momentum >= 0 && s.Momentum < 1) {
		panic(fmt.Sprintf("nn: SharpnessMonitor.%s: Every = %d, LearningRate = %v, Momentum = %v",
			op, s.Every, s.LearningRate, s.Momentum))
	}
}

// due reports whether an estimate is to be taken after step.
func (s *SharpnessMonitor) due(step int) bool { return step%max(s.Every, 1) == 0 }

// observe takes the estimate after step at learning rate lr.
func (s *SharpnessMonitor) observe(step int, m Model, loss Loss, lr float64) (SharpnessPoint, bool, error) {
	p := Curvature(m, loss, s.Data)
	e, err := s.Sharpness.Estimate(p)
	if err != nil {
		return SharpnessPoint{}, false, err
	}
	pt := SharpnessPoint{Step: step, Loss: p.Value(), LambdaMax: e.Value, LearningRate: lr, Bound: math.Inf(1),
		HVPs: e.HVPs, Converged: e.Converged}
	if lr > 0 {
		pt.Bound = (2 + 2*s.Momentum) / lr
	}
	s.History = append(s.History, pt)
	return pt, true, nil
}

// observeSharpness is Fit's hook, after each step: it asks
// FitSettings.Sharpness for an estimate at the rate of the step just taken,
// with the model in evaluation mode, and records it in st.
func (t *Trainer) observeSharpness(st *EpochStats, mode TrainingMode) error {
	mon := t.set.Sharpness
	mon.check("Observe (FitSettings.Sharpness)")
	if !mon.due(t.step) {
		return nil
	}
	lr := mon.LearningRate
	if t.rates != nil {
		lr = t.set.Schedule(t.step - 1)
	}
	if mode != nil {
		mode.SetTraining(false)
		defer mode.SetTraining(true)
	}
	pt, _, err := mon.observe(t.step, t.model, t.loss, lr)
	if err != nil {
		return fmt.Errorf("nn: Fit: sharpness after step %d: %w", t.step, err)
	}
	st.Sharpness, st.SharpnessBound = pt.LambdaMax, pt.Bound
	return nil
}
