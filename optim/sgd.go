package optim

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
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
//
// The state can be saved and restored exactly with MarshalBinary and
// UnmarshalBinary (for checkpoints), and the learning rate set between
// steps with SetLearningRate (for schedules).
type SGDStepper struct {
	SGD
	sizes   []int
	vel     [][]float64
	rate    float64 // set by SetLearningRate when rateSet
	rateSet bool
}

// SetLearningRate sets the learning rate of the steps that follow,
// overriding LearningRate; unlike LearningRate, 0 means a rate of zero
// (the velocities are still updated). It panics if lr is negative or not
// finite.
func (s *SGDStepper) SetLearningRate(lr float64) {
	checkStepperRate("SGDStepper", lr)
	s.rate, s.rateSet = lr, true
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
	if s.rateSet {
		lr = s.rate
	}
	mu, wd := s.Momentum, s.WeightDecay
	if mu != 0 && s.vel == nil {
		s.vel = make([][]float64, len(params))
		for i, p := range params {
			s.vel[i] = make([]float64, len(p))
		}
	}
	for k, p := range params {
		g := grads[k][:len(p)]
		if mu == 0 {
			for i, x := range p {
				p[i] = x - lr*(g[i]+wd*x)
			}
			continue
		}
		v := s.vel[k][:len(p)]
		if s.Nesterov {
			for i, x := range p {
				gi := g[i] + wd*x
				vi := mu*v[i] + gi
				v[i] = vi
				p[i] = x - lr*(gi+mu*vi)
			}
			continue
		}
		for i, x := range p {
			vi := mu*v[i] + (g[i] + wd*x)
			v[i] = vi
			p[i] = x - lr*vi
		}
	}
}

// Reset clears the stepper's state, so the next Step may use new shapes.
// A rate set by SetLearningRate stays.
func (s *SGDStepper) Reset() {
	s.sizes, s.vel = nil, nil
}

// sgdMagic opens the state of an SGDStepper; its last byte is the
// version.
const sgdMagic = "optim.SGDStepper\x01"

// MarshalBinary returns the stepper's state: the parameter sizes and the
// velocities (absent without momentum), exactly (their IEEE-754 bits), in
// about 8 bytes per parameter with momentum. The settings (the embedded
// SGD and a rate set by SetLearningRate) are not part of it: they belong to
// the stepper that restores the state. It never fails.
func (s *SGDStepper) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, len(sgdMagic)+4+8*len(s.sizes)+1+8*sumSizes(s.sizes))
	b = append(b, sgdMagic...)
	if s.vel == nil {
		return appendSizes(append(b, 0), s.sizes), nil
	}
	b = appendSizes(append(b, 1), s.sizes)
	return appendFloats(b, s.vel), nil
}

// UnmarshalBinary restores a state written by MarshalBinary, replacing
// the stepper's own; its settings are kept. It checks the whole of data
// before changing anything: on error the stepper is untouched. The error
// names the kind of state data holds when it is another stepper's.
func (s *SGDStepper) UnmarshalBinary(data []byte) error {
	const who = "SGDStepper"
	d, err := stateBody(who, sgdMagic, data)
	if err != nil {
		return err
	}
	if len(d) == 0 || d[0] > 1 {
		return stateErr(who, "bad velocity flag")
	}
	hasVel := d[0] == 1
	d = d[1:]
	var perElem uint64
	if hasVel {
		perElem = 1
	}
	sizes, err := d.sizes(who, perElem)
	if err != nil {
		return err
	}
	var vel [][]float64
	if hasVel {
		vel = d.floats(sizes)
	}
	if len(d) != 0 {
		return stateErr(who, "%d bytes left over", len(d))
	}
	s.sizes, s.vel = sizes, vel
	return nil
}

// checkStepperRate panics unless lr is a finite rate ≥ 0.
func checkStepperRate(who string, lr float64) {
	if !(lr >= 0) || math.IsInf(lr, 1) {
		panic(fmt.Sprintf("optim: %s.SetLearningRate: lr = %v: want a finite value ≥ 0", who, lr))
	}
}

// The stepper states share a layout: a magic string naming the stepper
// and its version, then little-endian integers and the IEEE-754 bits of
// the float64s.

// stepperMagics names the kinds of state by their magic strings.
var stepperMagics = [...]string{adamMagic, sgdMagic}

func stateErr(who, format string, args ...any) error {
	return fmt.Errorf("optim: %s.UnmarshalBinary: "+format, append([]any{who}, args...)...)
}

// stateBody checks that data opens with magic and returns the rest; the
// error names the stepper whose state data holds when it is another's.
func stateBody(who, magic string, data []byte) (stateReader, error) {
	if len(data) >= len(magic) && string(data[:len(magic)]) == magic {
		return stateReader(data[len(magic):]), nil
	}
	for _, other := range stepperMagics {
		name := other[:len(other)-1]
		if len(data) >= len(other) && string(data[:len(name)]) == name {
			if other == magic {
				return nil, stateErr(who, "unknown version %d of the state", data[len(name)])
			}
			return nil, stateErr(who, "the state of an %s, not of an %s", strings.TrimPrefix(name, "optim."), who)
		}
	}
	return nil, stateErr(who, "not the state of a stepper")
}

// stateReader reads a stepper state from its front.
type stateReader []byte

func (d *stateReader) u64() (uint64, bool) {
	if len(*d) < 8 {
		return 0, false
	}
	v := binary.LittleEndian.Uint64(*d)
	*d = (*d)[8:]
	return v, true
}

// sizes reads a count and that many tensor sizes, and checks that the
// bytes left can hold perElem float64s per element of them (perElem is 0
// when no values follow), so that what the caller allocates next is
// bounded by len(data). A count of 0 gives nil (no state yet).
func (d *stateReader) sizes(who string, perElem uint64) ([]int, error) {
	if len(*d) < 4 {
		return nil, stateErr(who, "truncated")
	}
	n := binary.LittleEndian.Uint32(*d)
	*d = (*d)[4:]
	if uint64(n) > uint64(len(*d))/8 {
		return nil, stateErr(who, "%d tensors in %d bytes", n, len(*d))
	}
	if n == 0 {
		return nil, nil
	}
	sizes := make([]int, n)
	var total uint64
	for i := range sizes {
		v, _ := d.u64()
		if v > math.MaxInt32*math.MaxInt32 {
			return nil, stateErr(who, "tensor %d of %d elements", i, v)
		}
		total += v
		if perElem > 0 && total > uint64(len(*d))/(8*perElem) {
			return nil, stateErr(who, "tensor %d of %d elements does not fit in %d bytes", i, v, len(*d))
		}
		sizes[i] = int(v)
	}
	if uint64(len(*d)) < 8*perElem*total {
		return nil, stateErr(who, "truncated")
	}
	return sizes, nil
}

// floats reads one slice per size; the caller has checked the length.
func (d *stateReader) floats(sizes []int) [][]float64 {
	out := make([][]float64, len(sizes))
	for i, n := range sizes {
		out[i] = make([]float64, n)
		for j := range out[i] {
			out[i][j] = math.Float64frombits(binary.LittleEndian.Uint64((*d)[8*j:]))
		}
		*d = (*d)[8*n:]
	}
	return out
}

func sumSizes(sizes []int) int {
	n := 0
	for _, s := range sizes {
		n += s
	}
	return n
}

func appendSizes(b []byte, sizes []int) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(sizes)))
	for _, n := range sizes {
		b = binary.LittleEndian.AppendUint64(b, uint64(n))
	}
	return b
}

func appendFloats(b []byte, vs [][]float64) []byte {
	for _, v := range vs {
		for _, x := range v {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
	}
	return b
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
