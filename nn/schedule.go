package nn

import (
	"fmt"
	"math"
)

// Schedule is a learning rate as a function of the step number t, counted
// from 0 over a whole training run. A Schedule has no state of its own:
// its position is the step number, which a Trainer keeps and checkpoints.
// Any function of the step is a Schedule; the constructors below make the
// common ones, and compose (WarmUp takes the schedule that follows it).
// Set FitSettings.Schedule to use one in Fit, or call a stepper's
// SetLearningRate with it in a loop of one's own.
type Schedule func(step int) float64

// ConstantRate returns the schedule whose rate is lr at every step. It
// panics if lr is negative or not finite, as every constructor here does
// for its rates.
func ConstantRate(lr float64) Schedule {
	checkRate("ConstantRate", "lr", lr)
	return func(int) float64 { return lr }
}

// StepDecay returns the schedule lr·factor^⌊t/every⌋: the rate is
// multiplied by factor (usually below 1, such as 0.1) every every steps.
// It panics unless every > 0 and factor ≥ 0.
func StepDecay(lr float64, every int, factor float64) Schedule {
	checkRate("StepDecay", "lr", lr)
	checkRate("StepDecay", "factor", factor)
	if every <= 0 {
		panic(fmt.Sprintf("nn: StepDecay: every = %d ≤ 0", every))
	}
	return func(t int) float64 { return lr * math.Pow(factor, float64(t/every)) }
}

// CosineDecay returns the schedule that falls from lr at step 0 to final
// at step steps along half a cosine,
//
//	final + (lr − final)·(1 + cos(π·t/steps))/2,
//
// and stays at final after that (Loshchilov & Hutter, "SGDR: stochastic
// gradient descent with warm restarts", ICLR 2017, without the restarts).
// It panics unless steps > 0.
func CosineDecay(lr, final float64, steps int) Schedule {
	checkRate("CosineDecay", "lr", lr)
	checkRate("CosineDecay", "final", final)
	if steps <= 0 {
		panic(fmt.Sprintf("nn: CosineDecay: steps = %d ≤ 0", steps))
	}
	return func(t int) float64 {
		if t >= steps {
			return final
		}
		return final + (lr-final)*(1+math.Cos(math.Pi*float64(t)/float64(steps)))/2
	}
}

// WarmUp returns the schedule that rises linearly over the first steps
// steps, with rate then(0)·(t+1)/steps at step t < steps (so the first step
// is not taken at rate 0 and the last one of the warm-up reaches then(0)),
// and follows then from its own start after that: then(t − steps) at step
// t ≥ steps (Goyal et al., "Accurate, large minibatch SGD", 2017). It
// panics unless steps > 0 and then is not nil.
func WarmUp(steps int, then Schedule) Schedule {
	if steps <= 0 || then == nil {
		panic(fmt.Sprintf("nn: WarmUp: steps = %d, then nil %v", steps, then == nil))
	}
	return func(t int) float64 {
		if t < steps {
			return then(0) * float64(t+1) / float64(steps)
		}
		return then(t - steps)
	}
}

func checkRate(op, name string, v float64) {
	if !(v >= 0) || math.IsInf(v, 1) {
		panic(fmt.Sprintf("nn: %s: %s = %v: want a finite value ≥ 0", op, name, v))
	}
}
