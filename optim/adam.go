package optim

import (
	"encoding/binary"
	"math"
	"runtime"
	"sync"
)

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
//
// The state can be saved and restored exactly with MarshalBinary and
// UnmarshalBinary (for checkpoints), and the learning rate set between
// steps with SetLearningRate (for schedules).
type AdamStepper struct {
	Adam
	sizes   []int
	m, v    [][]float64
	t       int
	rate    float64 // set by SetLearningRate when rateSet
	rateSet bool
}

// SetLearningRate sets the learning rate of the steps that follow,
// overriding LearningRate; unlike LearningRate, 0 means a rate of zero
// (the moments are still updated, the parameters only decay by nothing).
// It panics if lr is negative or not finite.
func (s *AdamStepper) SetLearningRate(lr float64) {
	checkStepperRate("AdamStepper", lr)
	s.rate, s.rateSet = lr, true
}

// Step updates params in place from grads, one slice per parameter tensor,
// at O(Σ len(params[i])) cost: one fused pass, with one square root and
// one division per element (the bias corrections are folded into two
// per-step constants). From 65,536 parameters, when GOMAXPROCS > 1, the
// pass is split between two goroutines (the same bits as one), at three
// small allocations (about 200 bytes) per step: about twice as fast when
// a second core is free, slower when it is busy with other work (set
// GOMAXPROCS to 1 to keep Step on one goroutine). Otherwise Step allocates
// nothing after the first call.
// It panics if len(params) ≠ len(grads), if a gradient's length differs from its
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
	if s.rateSet {
		lr = s.rate
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
	// x ← x − lr·(m/c1)/(√(v/c2) + ε) = x − (lr/c1)·m/(√v·(1/√c2) + ε).
	c1 := 1 - math.Pow(b1, float64(s.t))
	c2 := 1 - math.Pow(b2, float64(s.t))
	k := adamKernel{b1: b1, a1: 1 - b1, b2: b2, a2: 1 - b2, step: lr / c1, inv: 1 / math.Sqrt(c2), eps: eps, decay: 1 - lr*s.WeightDecay}
	n := sumSizes(s.sizes)
	if n < adamParallelMin || runtime.GOMAXPROCS(0) < 2 {
		k.applyRange(params, grads, s.m, s.v, 0, n)
		return
	}
	k.applySplit(params, grads, s.m, s.v, n)
}

// applySplit applies the step to the n elements of the parameters, the
// second half on a goroutine of its own.
func (k adamKernel) applySplit(params, grads, m, v [][]float64, n int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		k.applyRange(params, grads, m, v, n/2, n)
		wg.Done()
	}()
	k.applyRange(params, grads, m, v, 0, n/2)
	wg.Wait()
}

// adamParallelMin is the number of parameters from which Step splits its
// pass between two goroutines when GOMAXPROCS allows: below it, starting
// the second goroutine costs more than it saves (BenchmarkAdamStepSize:
// no gain at 32,768 parameters, about 2x at 65,536).
const adamParallelMin = 1 << 16

// applyRange applies the step to the elements lo to hi of the parameters,
// counted over all of them in order. Every element's update is
// independent of the others, so any split gives the same bits.
func (k *adamKernel) applyRange(params, grads, m, v [][]float64, lo, hi int) {
	off := 0
	for i, p := range params {
		a, b := max(lo-off, 0), min(hi-off, len(p))
		if a < b {
			k.apply(p[a:b], grads[i][a:b], m[i][a:b], v[i][a:b])
		}
		off += len(p)
		if off >= hi {
			return
		}
	}
}

// adamKernel holds the constants of one Adam step.
type adamKernel struct {
	b1, a1, b2, a2, step, inv, eps, decay float64
}

// apply updates p, m and v (all of p's length) from g.
func (k *adamKernel) apply(p, g, m, v []float64) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	b1, a1, b2, a2, step, inv, eps, decay := k.b1, k.a1, k.b2, k.a2, k.step, k.inv, k.eps, k.decay
	for i, x := range p {
		gi := g[i]
		mi := b1*m[i] + a1*gi
		vi := b2*v[i] + a2*gi*gi
		m[i], v[i] = mi, vi
		p[i] = decay*x - step*mi/(math.Sqrt(vi)*inv+eps)
	}
}

// Reset clears the stepper's state (moments and step count), so the next
// Step may use new shapes. A rate set by SetLearningRate stays.
func (s *AdamStepper) Reset() {
	s.sizes, s.m, s.v, s.t = nil, nil, nil, 0
}

// adamMagic opens the state of an AdamStepper; its last byte is the
// version.
const adamMagic = "optim.AdamStepper\x01"

// MarshalBinary returns the stepper's state: the step count, the
// parameter sizes and the two moment estimates, exactly (their IEEE-754
// bits), in about 16 bytes per parameter. The settings (the embedded Adam
// and a rate set by SetLearningRate) are not part of it: they belong to
// the stepper that restores the state. It never fails.
func (s *AdamStepper) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, len(adamMagic)+8+4+8*len(s.sizes)+16*sumSizes(s.sizes))
	b = append(b, adamMagic...)
	b = binary.LittleEndian.AppendUint64(b, uint64(s.t))
	b = appendSizes(b, s.sizes)
	if s.sizes != nil {
		b = appendFloats(b, s.m)
		b = appendFloats(b, s.v)
	}
	return b, nil
}

// UnmarshalBinary restores a state written by MarshalBinary, replacing
// the stepper's own; its settings are kept. It checks the whole of data
// before changing anything: on error the stepper is untouched. The error
// names the kind of state data holds when it is another stepper's.
func (s *AdamStepper) UnmarshalBinary(data []byte) error {
	const who = "AdamStepper"
	d, err := stateBody(who, adamMagic, data)
	if err != nil {
		return err
	}
	t, ok := d.u64()
	if !ok || t > math.MaxInt32 {
		return stateErr(who, "bad step count")
	}
	sizes, err := d.sizes(who, 2)
	if err != nil {
		return err
	}
	var m, v [][]float64
	if sizes != nil {
		m, v = d.floats(sizes), d.floats(sizes)
	}
	if len(d) != 0 {
		return stateErr(who, "%d bytes left over", len(d))
	}
	s.t, s.sizes, s.m, s.v = int(t), sizes, m, v
	return nil
}
