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
// 2/η and then hovers there (Cohen et al., ICLR 2021). Each estimate is an
// hvp.Sharpness run warm-started from the previous eigenvector: about as
// many products as it takes to refine it (at most Sharpness.MaxHVPs,
// default 20), each about two gradients, plus one recording of the loss on
// Data.
//
// A training loop calls Observe after each step, with the step's number;
// Observe does the work only on every Every-th step. nn.Fit is to call it
// so, after opt.Step, when its settings carry a monitor:
//
//	if s.Sharpness != nil {
//		if _, _, err := s.Sharpness.Observe(step, m, loss); err != nil { ... }
//	}
//
// where step counts the steps taken from 1. A SharpnessMonitor is not safe
// for concurrent use.
type SharpnessMonitor struct {
	// Every is the number of steps between estimates. If Every is 0, it
	// is defaulted to 1.
	Every int

	// Data is the set on which the loss's Hessian is measured: the whole
	// training set for full-batch gradient descent (as the edge of
	// stability is defined), or a fixed subset of it. It must not be nil.
	Data *Dataset

	// LearningRate is η, for the bound 2/η reported with each estimate;
	// zero means no bound (reported as +Inf).
	LearningRate float64

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
	// LambdaMax is the estimate of λ_max, and Bound the stability bound
	// 2/η (+Inf without a learning rate).
	LambdaMax, Bound float64
	// HVPs is the number of products the estimate used, and Converged
	// whether it met its tolerance.
	HVPs      int
	Converged bool
}

// Observe estimates λ_max of the loss of m on Data at the model's current
// parameters when step is a multiple of Every, appends it to History and
// returns it with true; on other steps it does nothing and returns false.
// It returns hvp.ErrNonFinite when the loss, its gradient or a product is
// not finite. It panics on a nil Data or a negative Every or LearningRate.
func (s *SharpnessMonitor) Observe(step int, m Model, loss Loss) (SharpnessPoint, bool, error) {
	if s.Data == nil {
		panic("nn: SharpnessMonitor.Observe: nil Data")
	}
	if s.Every < 0 || !(s.LearningRate >= 0) {
		panic(fmt.Sprintf("nn: SharpnessMonitor.Observe: Every = %d, LearningRate = %v", s.Every, s.LearningRate))
	}
	every := max(s.Every, 1)
	if step%every != 0 {
		return SharpnessPoint{}, false, nil
	}
	p := Curvature(m, loss, s.Data)
	e, err := s.Sharpness.Estimate(p)
	if err != nil {
		return SharpnessPoint{}, false, err
	}
	pt := SharpnessPoint{Step: step, Loss: p.Value(), LambdaMax: e.Value, Bound: math.Inf(1), HVPs: e.HVPs, Converged: e.Converged}
	if s.LearningRate > 0 {
		pt.Bound = 2 / s.LearningRate
	}
	s.History = append(s.History, pt)
	return pt, true, nil
}
