package nn

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Stepper updates parameters in place from their gradients: one stochastic
// optimisation step. params and grads hold one slice per parameter tensor,
// in the order of the model's Params; a stateful Stepper (momentum, Adam)
// matches its state to them by position. Step must not retain the slices
// or modify grads. The SGD and Adam steppers of package optim satisfy it.
//
// A Stepper that also implements RateSetter can follow a Schedule, and
// one that implements encoding.BinaryMarshaler and
// encoding.BinaryUnmarshaler can be saved in a checkpoint and restored
// from it (see Trainer.WriteCheckpoint).
type Stepper interface {
	// Step updates params in place from grads.
	Step(params, grads [][]float64)
}

// RateSetter is implemented by steppers whose learning rate can be set
// between steps, as a Schedule does. A rate of 0 means no movement (not a
// default). The steppers of package optim implement it.
type RateSetter interface {
	// SetLearningRate sets the learning rate of the steps that follow.
	SetLearningRate(lr float64)
}

// TrainingMode is implemented by models whose forward pass differs while
// training, such as a model with dropout. Fit (and Trainer.Fit) calls
// SetTraining(true) before the training steps of each epoch and
// SetTraining(false) before evaluating the validation set and before it
// returns, so that a model in use outside Fit is in evaluation mode.
// Predict, Evaluate and Accuracy do not change the mode. A composite model
// passes the call on to its parts.
type TrainingMode interface {
	// SetTraining switches the model to training (true) or evaluation
	// (false) behaviour.
	SetTraining(training bool)
}

// StopTraining is the value a Progress callback returns to end training
// after the epoch it was called for; Fit then returns a nil error.
var StopTraining = errors.New("nn: stop training")

// FitSettings configures Fit and a Trainer. A nil *FitSettings, like the
// zero value, means every default.
type FitSettings struct {
	// Epochs is the number of passes over the training set (for a
	// Trainer, those of a Fit call with epochs 0). If Epochs is 0, it is
	// defaulted to 1.
	Epochs int

	// BatchSize is the number of examples per step. If BatchSize is 0,
	// it is defaulted to the size of the training set (full-batch
	// gradient steps).
	BatchSize int

	// Seed seeds the generator (math/rand/v2 PCG) that shuffles the
	// training set at the start of every epoch. Zero is a seed like any
	// other: for given settings, Fit is deterministic. The epochs of one
	// Trainer draw their orders from one stream, which a checkpoint saves.
	Seed uint64

	// NoShuffle visits the examples in their stored order every epoch.
	NoShuffle bool

	// Validation, when not nil, is a held-out set on which the loss is
	// evaluated after every epoch (see EpochStats.Validation).
	Validation *Dataset

	// Progress is called after every epoch. If it returns StopTraining
	// (or an error wrapping it), training ends after that epoch and Fit
	// returns a nil error; any
	// other non-nil error ends training too and Fit returns it. If
	// Progress is nil, a progress report is written to Output instead
	// (see Output).
	Progress func(EpochStats) error

	// Output receives the default progress report when Progress is nil:
	// a line per epoch with its loss, validation loss, throughput and
	// time, and within long epochs the batch, running loss, throughput and
	// time remaining, updated in place when Output is a terminal and as a
	// plain line every 10 seconds when it is not. If Output is nil, it is
	// defaulted to os.Stdout; use io.Discard for silence.
	Output io.Writer

	// DetectAnomalies turns on the tape's anomaly detection (see
	// graph.Tape.DetectAnomalies) so that a DivergenceError names the
	// first operation that produced a non-finite value. It costs one pass
	// over every recorded value.
	DetectAnomalies bool

	// Schedule, when not nil, sets the learning rate of every step: before
	// step t (counted from 0 over the whole run of a Trainer, across its
	// Fit calls and checkpoints) the stepper's SetLearningRate is called
	// with Schedule(t). The stepper must implement RateSetter.
	Schedule Schedule

	// ClipNorm, when positive, clips the gradient by its global norm: if
	// the Euclidean norm of all parameters' gradients together exceeds
	// ClipNorm, every gradient is scaled by ClipNorm/norm before the step
	// (see ClipGlobalNorm). 0 means no clipping.
	ClipNorm float64

	// Patience, when positive, stops training early once the validation
	// loss has not improved on its best value for Patience epochs in a
	// row. It needs Validation. 0 means never stop early.
	Patience int

	// Sharpness, when not nil, estimates the sharpness λ_max of the loss
	// on Sharpness.Data after every Sharpness.Every-th step, beside the
	// stability bound 2/η for the rate η of that step (the Schedule's when
	// there is one, else Sharpness.LearningRate), and appends it to
	// Sharpness.History; the last estimate of an epoch is in its
	// EpochStats and in the progress report. Training is unchanged, bit
	// for bit. Each estimate costs about 2·HVPs+1 gradients on
	// Sharpness.Data, HVPs being a few when warm-started (see
	// SharpnessMonitor for measured costs).
	Sharpness *SharpnessMonitor

	// RestoreBest, with Patience, sets the parameters back to those of the
	// epoch with the lowest validation loss when Patience stops training
	// (the stepper's state is not rolled back). It costs a copy of the
	// parameters at every epoch that improves, and as much memory. A run
	// resumed from the checkpoint of a run without RestoreBest does not
	// know the best epoch's parameters until it improves on it.
	RestoreBest bool
}

// validate panics, naming the field, on a setting out of range.
func (s *FitSettings) validate(op string) {
	switch {
	case s.Epochs < 0:
		panic(fmt.Sprintf("nn: %s: FitSettings.Epochs = %d < 0", op, s.Epochs))
	case s.BatchSize < 0:
		panic(fmt.Sprintf("nn: %s: FitSettings.BatchSize = %d < 0", op, s.BatchSize))
	case s.Patience < 0:
		panic(fmt.Sprintf("nn: %s: FitSettings.Patience = %d < 0", op, s.Patience))
	case s.Patience > 0 && s.Validation == nil:
		panic(fmt.Sprintf("nn: %s: FitSettings.Patience = %d needs a Validation set", op, s.Patience))
	case s.RestoreBest && s.Patience == 0:
		panic(fmt.Sprintf("nn: %s: FitSettings.RestoreBest needs Patience > 0", op))
	case s.Sharpness != nil && s.Sharpness.Data == nil:
		panic(fmt.Sprintf("nn: %s: FitSettings.Sharpness has no Data", op))
	case !(s.ClipNorm >= 0) || math.IsInf(s.ClipNorm, 1):
		panic(fmt.Sprintf("nn: %s: FitSettings.ClipNorm = %v: want a finite value ≥ 0", op, s.ClipNorm))
	}
	if s.Validation != nil {
		s.Validation.check(op + ": FitSettings.Validation")
		if s.Validation.Len() == 0 {
			panic(fmt.Sprintf("nn: %s: FitSettings.Validation is empty", op))
		}
	}
}

// EpochStats reports one epoch of Fit.
type EpochStats struct {
	// Epoch is the epoch's number, from 1 (counting every epoch of a
	// Trainer), and Epochs the number at which the current Fit call ends.
	Epoch, Epochs int
	// Loss is the mean training loss over the epoch: the batch losses,
	// each taken at the parameters before that batch's step, averaged
	// with the batch sizes as weights.
	Loss float64
	// Validation is the loss on the held-out set at the end of the epoch,
	// or NaN when there is none.
	Validation float64
	// Batches is the number of steps taken in the epoch, and Step the
	// number taken in all epochs so far.
	Batches, Step int
	// LearningRate is the rate of the epoch's last step when a Schedule
	// sets it, NaN otherwise.
	LearningRate float64
	// Sharpness is the epoch's last estimate of λ_max by
	// FitSettings.Sharpness, and SharpnessBound its stability bound; both
	// are NaN when none was taken.
	Sharpness, SharpnessBound float64
	// Elapsed is the wall time of the epoch, validation included.
	Elapsed time.Duration
}

// ErrDiverged is the error that every DivergenceError wraps: test for it
// with errors.Is.
var ErrDiverged = errors.New("training diverged")

// DivergenceError reports that Fit met a non-finite value: a loss or a
// gradient that is NaN or ±Inf, a parameter that a step made so, or a
// validation loss that is not finite.
//
// When a training batch fails, the model's parameters are the finite
// values at which the failure was met: for a non-finite loss or gradient,
// those at the start of the batch (no step is taken with it, so a
// stateful Stepper's state is not touched either); for a step that left a
// parameter non-finite, those before that step, restored (the Stepper's
// internal state is not rolled back). Steps taken before are kept. When
// the validation loss is not finite (What is "validation loss" and Batch
// is 0), the parameters are left as the epoch's steps made them: every one
// of them is finite, but the model's output on the validation set is not.
type DivergenceError struct {
	// Epoch and Batch locate the failure, both counted from 1; Batch is 0
	// for the validation loss.
	Epoch, Batch int
	// Loss is the batch's loss (possibly finite when the gradient or the
	// step was at fault), or the validation loss.
	Loss float64
	// What names the non-finite quantity, such as "loss", "gradient of
	// layer0.weight", "layer1.bias after the step" or "validation loss".
	What string
	// Anomaly, when anomaly detection was on, names the first operation
	// that produced a non-finite value; otherwise it is nil.
	Anomaly error
}

// Error describes the failure.
func (e *DivergenceError) Error() string {
	var s string
	if e.Batch == 0 {
		s = fmt.Sprintf("nn: Fit: non-finite %s (%v) after epoch %d; parameters left as the epoch's steps made them", e.What, e.Loss, e.Epoch)
	} else {
		s = fmt.Sprintf("nn: Fit: non-finite %s at epoch %d, batch %d (loss %v); parameters left at the last finite values",
			e.What, e.Epoch, e.Batch, e.Loss)
	}
	if e.Anomaly != nil {
		s += ": " + e.Anomaly.Error()
	}
	return s
}

// Unwrap returns ErrDiverged.
func (e *DivergenceError) Unwrap() error { return ErrDiverged }

// Fit trains m to minimise loss on train by mini-batch steps of opt, and
// returns the statistics of every completed epoch. It is one run from the
// start: NewTrainer(m, loss, opt, s).Fit(train, 0). To continue training
// where a call ended, or to checkpoint and resume, use a Trainer, whose
// repeated Fit calls continue one run.
//
// Each epoch shuffles train (see FitSettings.Seed) and, for each batch,
// records the model and loss with one tape variable per parameter (Vars),
// computes the gradient by one reverse sweep, and calls opt.Step with the
// model's parameter storage and the gradients. The cost per epoch is about
// three forward passes over the training set, plus one over the
// validation set when there is one, and two reading passes over the
// parameters and gradients per step (the finiteness checks).
//
// If a loss or gradient is NaN or ±Inf, a step leaves a parameter so, or
// the validation loss is not finite, Fit stops and returns a
// *DivergenceError naming the epoch and batch; the parameters are left as
// that error's documentation states. Fit panics on misuse: a nil model,
// loss, dataset or stepper, an empty dataset, or a setting out of range
// (the message names the field).
func Fit(m Model, loss Loss, train *Dataset, opt Stepper, s *FitSettings) ([]EpochStats, error) {
	return NewTrainer(m, loss, opt, s).Fit(train, 0)
}

// Trainer is one training run of a model by a stepper: the model, the
// loss, the stepper, the settings, and the state that makes the run
// resumable: the number of epochs and steps taken, the position of the
// shuffling stream and of the learning-rate schedule, and the early
// stopping's best validation loss. Repeated calls of its Fit continue the
// run, so that Fit(train, 1) three times trains exactly as Fit(train, 3)
// once; WriteCheckpoint and ReadCheckpoint save and restore the whole run,
// the stepper's state included, so that a run interrupted and resumed
// from a checkpoint is bit for bit the run without the interruption.
//
// A Trainer is not safe for concurrent use.
type Trainer struct {
	model Model
	loss  Loss
	opt   Stepper
	set   FitSettings
	rates RateSetter

	epoch, step int
	src         *rand.PCG // the shuffling stream; nil with NoShuffle
	rng         *rand.Rand
	best        float64   // best validation loss, for Patience
	stale       int       // epochs since it improved
	bestParams  []float64 // the parameters at best, for RestoreBest

	tp      *graph.Tape
	params  []*Param
	values  [][]float64
	grads   [][]float64 // the current step's gradients (the tape's storage)
	clipped [][]float64 // storage for clipped gradients
	size    int         // NumParams(params)
}

// NewTrainer returns a Trainer of m by opt on loss with the settings s
// (copied; nil means every default), at its start: no epoch taken. It
// panics on a nil model, loss or stepper, on a setting out of range
// (naming the field), and on a Schedule with a stepper that is not a
// RateSetter.
func NewTrainer(m Model, loss Loss, opt Stepper, s *FitSettings) *Trainer {
	if m == nil || loss == nil || opt == nil {
		panic("nn: Fit: nil model, loss or stepper")
	}
	t := &Trainer{model: m, loss: loss, opt: opt, best: math.Inf(1)}
	if s != nil {
		t.set = *s
	}
	t.set.validate("Fit")
	if t.set.Epochs == 0 {
		t.set.Epochs = 1
	}
	if t.set.Schedule != nil {
		rs, ok := opt.(RateSetter)
		if !ok {
			panic(fmt.Sprintf("nn: Fit: FitSettings.Schedule needs a stepper with SetLearningRate; %T has none", opt))
		}
		t.rates = rs
	}
	if !t.set.NoShuffle {
		t.src = rand.NewPCG(t.set.Seed, 0x6e6e2e466974) // "nn.Fit"
		t.rng = rand.New(t.src)
	}
	t.params = m.Params()
	t.values = make([][]float64, len(t.params))
	t.grads = make([][]float64, len(t.params))
	for i, p := range t.params {
		t.values[i] = p.Value.Data()
	}
	t.size = NumParams(t.params)
	t.tp = graph.NewTape()
	t.tp.DetectAnomalies(t.set.DetectAnomalies)
	return t
}

// Epoch returns the number of epochs completed so far.
func (t *Trainer) Epoch() int { return t.epoch }

// Step returns the number of steps taken so far (the position of the
// Schedule).
func (t *Trainer) Step() int { return t.step }

// Fit trains for epochs more epochs (0 meaning FitSettings.Epochs) on
// train, continuing the run where the last call, or the checkpoint read,
// ended: the epochs are numbered on, the shuffling stream and the schedule
// go on, and a stateful stepper keeps its state. It returns the statistics
// of the epochs it completed. Everything else is as for the function Fit:
// the errors, the restoring of the parameters and the panics. After an
// error the run goes on, with the next epoch, at the next call.
func (t *Trainer) Fit(train *Dataset, epochs int) (hist []EpochStats, err error) {
	train.check("Fit")
	if train.Len() == 0 {
		panic("nn: Fit: empty training set")
	}
	if epochs < 0 {
		panic(fmt.Sprintf("nn: Trainer.Fit: epochs = %d < 0", epochs))
	}
	if epochs == 0 {
		epochs = t.set.Epochs
	}
	if got := t.model.Params(); len(got) != len(t.params) || NumParams(got) != t.size {
		panic("nn: Trainer.Fit: the model's parameters changed since NewTrainer")
	}
	batch := t.set.BatchSize
	if batch == 0 {
		batch = train.Len()
	}
	var pr *progressPrinter
	progress := t.set.Progress
	if progress == nil {
		pr = newProgressPrinter(t.set.Output)
		progress = pr.epochDone
	}
	mode, _ := t.model.(TrainingMode)
	if mode != nil {
		defer mode.SetTraining(false)
	}
	last := t.epoch + epochs
	batches := (train.Len() + batch - 1) / batch
	if pr != nil {
		pr.start(last, batches*epochs, train.Len())
	}
	for t.epoch < last {
		begin := time.Now()
		if mode != nil {
			mode.SetTraining(true)
		}
		st := EpochStats{Epoch: t.epoch + 1, Epochs: last, Validation: math.NaN(), LearningRate: math.NaN(),
			Sharpness: math.NaN(), SharpnessBound: math.NaN()}
		var sum float64
		var rows int
		for it := train.Batches(batch, t.rng); it.Next(); {
			l, derr := t.trainStep(it.X(), it.Y())
			if derr != nil {
				derr.Epoch, derr.Batch = t.epoch+1, it.Index()+1
				t.epoch++ // the next call starts a new epoch
				return hist, derr
			}
			if t.rates != nil {
				st.LearningRate = t.set.Schedule(t.step - 1)
			}
			if t.set.Sharpness != nil {
				if err := t.observeSharpness(&st, mode); err != nil {
					t.epoch++
					return hist, err
				}
			}
			n := it.X().Dim(0)
			sum += l * float64(n)
			rows += n
			st.Batches++
			if pr != nil {
				pr.stepDone(st.Epoch, st.Batches, batches, l, n)
			}
		}
		t.epoch++
		st.Step = t.step
		st.Loss = sum / float64(rows)
		stop := false
		if t.set.Validation != nil {
			if mode != nil {
				mode.SetTraining(false)
			}
			st.Validation = evaluate(t.tp, t.model, t.loss, t.set.Validation, batch)
			if !finite(st.Validation) {
				return hist, &DivergenceError{Epoch: st.Epoch, Loss: st.Validation, What: "validation loss", Anomaly: t.tp.Anomaly()}
			}
			if st.Validation < t.best {
				t.best, t.stale = st.Validation, 0
				if t.set.RestoreBest {
					if t.bestParams == nil {
						t.bestParams = make([]float64, t.size)
					}
					flattenInto(t.bestParams, t.params)
				}
			} else {
				t.stale++
			}
			stop = t.set.Patience > 0 && t.stale >= t.set.Patience
			if stop && t.set.RestoreBest && t.bestParams != nil {
				Unflatten(t.params, t.bestParams)
			}
		}
		st.Elapsed = time.Since(begin)
		hist = append(hist, st)
		if err := progress(st); err != nil {
			if errors.Is(err, StopTraining) {
				return hist, nil
			}
			return hist, err
		}
		if stop {
			return hist, nil
		}
	}
	return hist, nil
}

// trainStep takes one step on the batch (x, y): the loss and gradient,
// their checks, clipping, the schedule's rate, the stepper's step and the
// check of the new parameters. It returns the batch's loss, or a
// DivergenceError (without its epoch and batch) with the parameters as
// that error documents: a failed step is undone from the tape's copies of
// the parameters (Vars), so no copy of them is kept.
func (t *Trainer) trainStep(x, y *tensor.Tensor) (float64, *DivergenceError) {
	tp := t.tp
	tp.Reset()
	nodes := Vars(tp, t.params)
	lnode := t.loss(t.model.Forward(nodes, tp.Const(x)), y)
	l := lnode.Item()
	fail := func(what string) (float64, *DivergenceError) {
		return l, &DivergenceError{Loss: l, What: what, Anomaly: tp.Anomaly()}
	}
	if !finite(l) {
		return fail("loss")
	}
	for i, g := range ad.Grad(lnode, nodes...) {
		t.grads[i] = g.Value().Data()
	}
	norm := globalNorm(t.grads)
	if !finite(norm) {
		return fail("gradient of " + t.params[firstNonFinite(t.grads)].Name)
	}
	grads := t.grads
	if c := t.set.ClipNorm; c > 0 && norm > c {
		if t.clipped == nil {
			t.clipped = make([][]float64, len(t.params))
			for i, p := range t.params {
				t.clipped[i] = make([]float64, p.Value.Size())
			}
		}
		scaleInto(t.clipped, t.grads, c/norm)
		grads = t.clipped
	}
	if t.rates != nil {
		t.rates.SetLearningRate(t.set.Schedule(t.step))
	}
	t.opt.Step(t.values, grads)
	t.step++
	if !allFinite(t.values) {
		i := firstNonFinite(t.values)
		for k, n := range nodes {
			copy(t.values[k], n.Value().Data())
		}
		return fail(t.params[i].Name + " after the step")
	}
	return l, nil
}

// allFinite reports whether every element of vs is finite. It sums them,
// which is finite when they all are and not when one is not; only when
// the sum is not finite (one is not, or the sum overflowed) does it look
// at each element.
func allFinite(vs [][]float64) bool {
	var s0, s1, s2, s3 float64
	for _, v := range vs {
		i := 0
		for ; i+4 <= len(v); i += 4 {
			s0 += v[i]
			s1 += v[i+1]
			s2 += v[i+2]
			s3 += v[i+3]
		}
		for ; i < len(v); i++ {
			s0 += v[i]
		}
	}
	if finite(s0 + s1 + s2 + s3) {
		return true
	}
	return firstNonFinite(vs) < 0
}

// Evaluate returns the loss of m on d, computed over batches of batchSize
// rows (0 meaning all of d at once) and averaged with the batch sizes as
// weights, which for the mean losses of this package is the loss on all
// of d. It is forward passes only, with the current parameters.
func Evaluate(m Model, loss Loss, d *Dataset, batchSize int) float64 {
	d.check("Evaluate")
	if d.Len() == 0 {
		panic("nn: Evaluate: empty dataset")
	}
	if batchSize < 0 {
		panic(fmt.Sprintf("nn: Evaluate: batch size %d", batchSize))
	}
	return evaluate(graph.NewTape(), m, loss, d, batchSize)
}

func evaluate(tp *graph.Tape, m Model, loss Loss, d *Dataset, batchSize int) float64 {
	if batchSize == 0 {
		batchSize = max(d.Len(), 1)
	}
	params := m.Params()
	var sum float64
	var rows int
	for it := d.Batches(batchSize, nil); it.Next(); {
		tp.Reset()
		l := loss(m.Forward(consts(tp, params), tp.Const(it.X())), it.Y())
		n := it.X().Dim(0)
		sum += l.Item() * float64(n)
		rows += n
	}
	return sum / float64(rows)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// firstNonFinite returns the index of the first slice of vs holding NaN or
// ±Inf, or −1.
func firstNonFinite(vs [][]float64) int {
	for i, v := range vs {
		for _, x := range v {
			if !finite(x) {
				return i
			}
		}
	}
	return -1
}

// defaultOutput returns w, or os.Stdout when w is nil.
func defaultOutput(w io.Writer) io.Writer {
	if w == nil {
		return os.Stdout
	}
	return w
}
