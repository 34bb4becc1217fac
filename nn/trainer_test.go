package nn_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// TestFitSettingsPanics: every setting out of range panics with a message
// that names the field.
func TestFitSettingsPanics(t *testing.T) {
	m := nn.NewProduct(1)
	d := nn.NewDataset(tensor.Zeros(2, 1), tensor.Zeros(2, 1))
	adam := &optim.AdamStepper{}
	cases := []struct {
		name, want string
		set        nn.FitSettings
		opt        nn.Stepper
	}{
		{"negative batch", "FitSettings.BatchSize = -4", nn.FitSettings{BatchSize: -4}, adam},
		{"negative epochs", "FitSettings.Epochs = -1", nn.FitSettings{Epochs: -1}, adam},
		{"negative patience", "FitSettings.Patience = -2", nn.FitSettings{Patience: -2}, adam},
		{"patience without validation", "Patience = 3 needs a Validation", nn.FitSettings{Patience: 3}, adam},
		{"NaN clip", "FitSettings.ClipNorm = NaN", nn.FitSettings{ClipNorm: math.NaN()}, adam},
		{"negative clip", "FitSettings.ClipNorm = -1", nn.FitSettings{ClipNorm: -1}, adam},
		{"empty validation", "FitSettings.Validation is empty", nn.FitSettings{Validation: nn.NewDataset(tensor.Zeros(0, 1), tensor.Zeros(0, 1))}, adam},
		{"restore without patience", "FitSettings.RestoreBest needs Patience", nn.FitSettings{RestoreBest: true}, adam},
		{"schedule without setter", "FitSettings.Schedule needs a stepper with SetLearningRate", nn.FitSettings{Schedule: nn.ConstantRate(1)}, sgd{1}},
	}
	for _, c := range cases {
		c.set.Output = io.Discard
		mustPanic(t, c.name, c.want, func() { nn.Fit(m, nn.MSE, d, c.opt, &c.set) })
	}
}

// TestFitValidationNonFinite: a NaN or infinite validation loss stops Fit
// with a DivergenceError for the validation set, not a nil error.
func TestFitValidationNonFinite(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		val := curve(newRNG(40), 6)
		val.Y.Set(bad, 2, 0)
		m := nn.NewMLP(newRNG(41), nn.Tanh, 1, 3, 1)
		hist, err := nn.Fit(m, nn.MSE, curve(newRNG(42), 8), sgd{0.01}, &nn.FitSettings{Epochs: 3, Validation: val, Output: io.Discard})
		var de *nn.DivergenceError
		if !errors.As(err, &de) || !errors.Is(err, nn.ErrDiverged) {
			t.Fatalf("validation input %v: error %v, want a DivergenceError", bad, err)
		}
		if de.What != "validation loss" || de.Epoch != 1 || de.Batch != 0 || finite(de.Loss) || len(hist) != 0 {
			t.Errorf("validation input %v: %+v, %d epochs reported", bad, de, len(hist))
		}
		if !strings.Contains(err.Error(), "validation loss") || !strings.Contains(err.Error(), "after epoch 1") {
			t.Errorf("message %q", err)
		}
		for _, v := range nn.Flatten(m.Params()) {
			if !finite(v) {
				t.Errorf("parameters not finite: %v", nn.Flatten(m.Params()))
				break
			}
		}
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// TestTrainerContinues: a Trainer's Fit called once per epoch trains
// exactly as one call for all epochs, with a stateful stepper; the
// function Fit, a fresh run each time, does not (each call starts the
// shuffle over).
func TestTrainerContinues(t *testing.T) {
	train := curve(newRNG(43), 30)
	set := &nn.FitSettings{BatchSize: 4, Seed: 7, Output: io.Discard}
	run := func(calls ...int) ([]float64, []nn.EpochStats) {
		m := nn.NewMLP(newRNG(44), nn.Tanh, 1, 5, 1)
		tr := nn.NewTrainer(m, nn.MSE, &optim.AdamStepper{Adam: optim.Adam{LearningRate: 0.01}}, set)
		var hist []nn.EpochStats
		for _, e := range calls {
			h, err := tr.Fit(train, e)
			if err != nil {
				t.Fatal(err)
			}
			hist = append(hist, h...)
		}
		if tr.Epoch() != 3 || tr.Step() != 3*8 {
			t.Errorf("after %v: epoch %d, step %d", calls, tr.Epoch(), tr.Step())
		}
		return nn.Flatten(m.Params()), hist
	}
	once, h1 := run(3)
	split, h2 := run(1, 1, 1)
	if !sameBits(once, split) {
		t.Errorf("Fit(3) and Fit(1) three times differ")
	}
	for i := range h1 {
		if h1[i].Loss != h2[i].Loss || h2[i].Epoch != i+1 || h2[i].Step != 8*(i+1) {
			t.Errorf("epoch %d: %+v vs %+v", i+1, h1[i], h2[i])
		}
	}
	if _, h := run(2, 1); h[2].Epochs != 3 || h[0].Epochs != 2 {
		t.Errorf("Epochs %d, %d: want the end of each call", h[0].Epochs, h[2].Epochs)
	}
	m := nn.NewMLP(newRNG(44), nn.Tanh, 1, 5, 1)
	adam := &optim.AdamStepper{Adam: optim.Adam{LearningRate: 0.01}}
	for range 3 {
		if _, err := nn.Fit(m, nn.MSE, train, adam, set); err != nil {
			t.Fatal(err)
		}
	}
	if sameBits(once, nn.Flatten(m.Params())) {
		t.Errorf("three fresh runs of Fit match one of three epochs: they should restart the shuffle")
	}
}

// TestFitStops: the Progress callback can stop training (StopTraining
// ends it cleanly, another error is returned), and Patience stops it once
// the validation loss has not improved for that many epochs.
func TestFitStops(t *testing.T) {
	train, val := curve(newRNG(45), 12), curve(newRNG(46), 6)
	m := nn.NewMLP(newRNG(47), nn.Tanh, 1, 3, 1)
	hist, err := nn.Fit(m, nn.MSE, train, sgd{0.05}, &nn.FitSettings{Epochs: 10, Progress: func(s nn.EpochStats) error {
		if s.Epoch == 2 {
			return nn.StopTraining
		}
		return nil
	}})
	if err != nil || len(hist) != 2 {
		t.Errorf("StopTraining at epoch 2: %d epochs, error %v", len(hist), err)
	}
	mine := errors.New("enough")
	hist, err = nn.Fit(m, nn.MSE, train, sgd{0.05}, &nn.FitSettings{Epochs: 10, Progress: func(s nn.EpochStats) error { return mine }})
	if err != mine || len(hist) != 1 {
		t.Errorf("an error from Progress: %d epochs, error %v", len(hist), err)
	}
	// Gradient ascent makes the validation loss worse every epoch after
	// the first: with patience 2, training stops after epoch 3.
	var vals []float64
	hist, err = nn.Fit(m, nn.MSE, train, sgd{-0.05}, &nn.FitSettings{Epochs: 10, Validation: val, Patience: 2,
		Progress: func(s nn.EpochStats) error { vals = append(vals, s.Validation); return nil }})
	if err != nil || len(hist) != 3 {
		t.Errorf("patience 2: %d epochs (validation %v), error %v", len(hist), vals, err)
	}
	for i := 1; i < len(vals); i++ {
		if !(vals[i] > vals[0]) {
			t.Errorf("validation %v: the test needs it to worsen", vals)
		}
	}
	// With descent it keeps improving and runs every epoch.
	hist, err = nn.Fit(m, nn.MSE, train, sgd{0.01}, &nn.FitSettings{Epochs: 6, BatchSize: 12, Validation: train, Patience: 1, Output: io.Discard})
	if err != nil || len(hist) != 6 {
		t.Errorf("patience 1 while improving: %d epochs, error %v", len(hist), err)
	}
}

// modeModel wraps a model, recording the mode it is in at each Forward.
type modeModel struct {
	nn.Model
	training bool
	log      []bool
}

func (m *modeModel) SetTraining(on bool) { m.training = on }

func (m *modeModel) Forward(params []*graph.Node, x *graph.Node) *graph.Node {
	m.log = append(m.log, m.training)
	return m.Model.Forward(params, x)
}

// TestFitTrainingMode: Fit runs the training steps in training mode, the
// validation in evaluation mode, and leaves the model in evaluation mode.
func TestFitTrainingMode(t *testing.T) {
	m := &modeModel{Model: nn.NewMLP(newRNG(48), nn.Tanh, 1, 3, 1)}
	train, val := curve(newRNG(49), 6), curve(newRNG(50), 4)
	if _, err := nn.Fit(m, nn.MSE, train, sgd{0.05}, &nn.FitSettings{Epochs: 2, BatchSize: 3, Validation: val, Output: io.Discard}); err != nil {
		t.Fatal(err)
	}
	want := []bool{true, true, false, false, true, true, false, false} // per epoch: two steps, two validation batches
	if len(m.log) != len(want) || m.training {
		t.Fatalf("modes %v (now training %v), want %v", m.log, m.training, want)
	}
	for i := range want {
		if m.log[i] != want[i] {
			t.Errorf("modes %v, want %v", m.log, want)
			break
		}
	}
}

// rateLog is a stepper that records the rates it is given.
type rateLog struct {
	sgd
	rates []float64
}

func (r *rateLog) SetLearningRate(lr float64) { r.rates = append(r.rates, lr); r.lr = lr }

// TestFitSchedule: with a Schedule, step t is taken at rate Schedule(t),
// counting on across the Fit calls of a Trainer.
func TestFitSchedule(t *testing.T) {
	sched := nn.WarmUp(3, nn.CosineDecay(0.1, 0.01, 10))
	st := &rateLog{}
	tr := nn.NewTrainer(nn.NewMLP(newRNG(51), nn.Tanh, 1, 3, 1), nn.MSE, st, &nn.FitSettings{BatchSize: 4, Schedule: sched, Output: io.Discard})
	train := curve(newRNG(52), 16) // 4 steps per epoch
	var hist []nn.EpochStats
	for range 2 {
		h, err := tr.Fit(train, 2)
		if err != nil {
			t.Fatal(err)
		}
		hist = append(hist, h...)
	}
	if len(st.rates) != 16 {
		t.Fatalf("%d rates set, want 16", len(st.rates))
	}
	for i, r := range st.rates {
		if r != sched(i) {
			t.Errorf("step %d at rate %v, want %v", i, r, sched(i))
		}
	}
	if hist[3].LearningRate != sched(15) {
		t.Errorf("the last epoch reports rate %v, want %v", hist[3].LearningRate, sched(15))
	}
}

// gradLog is a stepper that records the gradients it is given.
type gradLog struct {
	sgd
	grads [][]float64
}

func (g *gradLog) Step(params, grads [][]float64) {
	var flat []float64
	for _, gr := range grads {
		flat = append(flat, gr...)
	}
	g.grads = append(g.grads, flat)
	g.sgd.Step(params, grads)
}

// TestFitClip: with ClipNorm the stepper sees the full-batch gradient
// scaled to that norm when it is larger, unchanged when it is smaller.
func TestFitClip(t *testing.T) {
	train := curve(newRNG(53), 8)
	for _, clip := range []float64{1e-3, 1e3} {
		m := nn.NewMLP(newRNG(54), nn.Tanh, 1, 4, 1)
		_, want := nn.NewObjective(m, nn.MSE, train), make([]float64, nn.NumParams(m.Params()))
		nn.NewObjective(m, nn.MSE, train).Eval(nn.Flatten(m.Params()), want)
		var norm float64
		for _, g := range want {
			norm += g * g
		}
		norm = math.Sqrt(norm)
		if clip < norm {
			for i := range want {
				want[i] *= clip / norm
			}
		}
		st := &gradLog{sgd: sgd{0.01}}
		if _, err := nn.Fit(m, nn.MSE, train, st, &nn.FitSettings{ClipNorm: clip, Output: io.Discard}); err != nil {
			t.Fatal(err)
		}
		if e := maxRelErr(st.grads[0], want); e > 1e-13 {
			t.Errorf("clip %g (norm %g): gradient off by %g", clip, norm, e)
		}
	}
}

// TestFitRestoreBest: with RestoreBest, an early stop puts back the
// parameters of the best epoch, also in a run resumed from a checkpoint
// taken before the stop. Gradient ascent makes epoch 1 the best.
func TestFitRestoreBest(t *testing.T) {
	train, val := curve(newRNG(55), 12), curve(newRNG(56), 6)
	set := nn.FitSettings{BatchSize: 4, Validation: val, Output: io.Discard}
	model := func() nn.Model { return nn.NewMLP(newRNG(57), nn.Tanh, 1, 3, 1) }
	m1 := model()
	if _, err := nn.Fit(m1, nn.MSE, train, sgd{-0.05}, &set); err != nil {
		t.Fatal(err)
	}
	epoch1 := nn.Flatten(m1.Params())

	mAsc := model()
	histAsc, err := nn.Fit(mAsc, nn.MSE, train, sgd{-0.05}, &nn.FitSettings{BatchSize: 4, Validation: val, Output: io.Discard, Epochs: 10, Patience: 2, RestoreBest: true})
	if err != nil || len(histAsc) != 3 {
		t.Fatalf("%d epochs, error %v", len(histAsc), err)
	}
	if !sameBits(nn.Flatten(mAsc.Params()), epoch1) {
		t.Errorf("after the early stop the parameters are not those of epoch 1")
	}

	// The same through a checkpoint after epoch 1, with a stepper that
	// ascends and can save its (empty) state.
	asc := func() *ascent { return &ascent{} }
	m2 := model()
	tr := nn.NewTrainer(m2, nn.MSE, asc(), &nn.FitSettings{BatchSize: 4, Validation: val, Output: io.Discard, Patience: 2, RestoreBest: true})
	if _, err := tr.Fit(train, 1); err != nil {
		t.Fatal(err)
	}
	var ck bytes.Buffer
	if err := tr.WriteCheckpoint(&ck); err != nil {
		t.Fatal(err)
	}
	m3 := nn.NewMLP(newRNG(58), nn.Tanh, 1, 3, 1)
	tr3 := nn.NewTrainer(m3, nn.MSE, asc(), &nn.FitSettings{BatchSize: 4, Validation: val, Output: io.Discard, Patience: 2, RestoreBest: true})
	if err := tr3.ReadCheckpoint(&ck); err != nil {
		t.Fatal(err)
	}
	h, err := tr3.Fit(train, 10)
	if err != nil || len(h) != 2 {
		t.Fatalf("resumed: %d epochs, error %v", len(h), err)
	}
	if !sameBits(nn.Flatten(m3.Params()), epoch1) {
		t.Errorf("resumed: after the early stop the parameters are not those of epoch 1")
	}
}

// ascent steps up the gradient, x ← x + 0.05·g, and has an empty state.
type ascent struct{}

func (ascent) Step(params, grads [][]float64)  { (sgd{-0.05}).Step(params, grads) }
func (*ascent) MarshalBinary() ([]byte, error) { return nil, nil }
func (*ascent) UnmarshalBinary(b []byte) error { return nil }
