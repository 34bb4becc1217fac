package nn_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
)

// resumeCase is a training run to interrupt and resume.
type resumeCase struct {
	name    string
	stepper func() nn.Stepper
	set     nn.FitSettings
}

var resumeCases = []resumeCase{
	{"Adam", func() nn.Stepper { return &optim.AdamStepper{Adam: optim.Adam{LearningRate: 0.01}} }, nn.FitSettings{BatchSize: 4, Seed: 3}},
	{"Adam, warm-up and cosine schedule, clipping", func() nn.Stepper { return &optim.AdamStepper{Adam: optim.Adam{WeightDecay: 0.01}} },
		nn.FitSettings{BatchSize: 4, Seed: 4, Schedule: nn.WarmUp(5, nn.CosineDecay(0.02, 0.001, 20)), ClipNorm: 0.05}},
	{"SGD Nesterov, step decay, patience, restore best", func() nn.Stepper {
		return &optim.SGDStepper{SGD: optim.SGD{LearningRate: 0.05, Momentum: 0.9, Nesterov: true}}
	}, nn.FitSettings{BatchSize: 3, Seed: 5, Schedule: nn.StepDecay(0.05, 7, 0.5), Patience: 5, RestoreBest: true}},
	{"SGD unshuffled", func() nn.Stepper { return &optim.SGDStepper{SGD: optim.SGD{LearningRate: 0.05}} }, nn.FitSettings{BatchSize: 5, NoShuffle: true}},
}

// TestCheckpointResume: 3 epochs in one run equal, bit for bit, 1 epoch,
// a checkpoint written to disk, a new model, stepper and trainer (as in a
// new process) restored from it, and 2 more epochs: parameters, losses
// and validation losses.
func TestCheckpointResume(t *testing.T) {
	train, val := curve(newRNG(60), 30), curve(newRNG(61), 10)
	for _, c := range resumeCases {
		t.Run(c.name, func(t *testing.T) {
			set := c.set
			set.Validation, set.Output = val, io.Discard
			m := nn.NewMLP(newRNG(62), nn.Tanh, 1, 6, 1)
			whole, err := nn.NewTrainer(m, nn.MSE, c.stepper(), &set).Fit(train, 3)
			if err != nil {
				t.Fatal(err)
			}
			want := nn.Flatten(m.Params())

			path := filepath.Join(t.TempDir(), "run.ckpt")
			m1 := nn.NewMLP(newRNG(62), nn.Tanh, 1, 6, 1)
			tr1 := nn.NewTrainer(m1, nn.MSE, c.stepper(), &set)
			first, err := tr1.Fit(train, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr1.SaveCheckpoint(path); err != nil {
				t.Fatal(err)
			}
			m2 := nn.NewMLP(newRNG(63), nn.Tanh, 1, 6, 1) // other initial values
			tr2 := nn.NewTrainer(m2, nn.MSE, c.stepper(), &set)
			if err := tr2.LoadCheckpoint(path); err != nil {
				t.Fatal(err)
			}
			if tr2.Epoch() != 1 || tr2.Step() != tr1.Step() {
				t.Errorf("restored at epoch %d, step %d; saved at %d, %d", tr2.Epoch(), tr2.Step(), tr1.Epoch(), tr1.Step())
			}
			rest, err := tr2.Fit(train, 2)
			if err != nil {
				t.Fatal(err)
			}
			if got := nn.Flatten(m2.Params()); !sameBits(got, want) {
				t.Errorf("resumed run differs: max rel. diff %g", maxRelErr(got, want))
			}
			resumed := append(first, rest...)
			for i := range whole {
				w, r := whole[i], resumed[i]
				if w.Loss != r.Loss || w.Validation != r.Validation || w.Step != r.Step || w.Epoch != r.Epoch {
					t.Errorf("epoch %d: %+v, resumed %+v", i+1, w, r)
				}
			}
			// The checkpoint's parameters load into a bare model too.
			m3 := nn.NewMLP(newRNG(64), nn.Tanh, 1, 6, 1)
			if err := nn.Load(path, m3); err != nil || !sameBits(nn.Flatten(m3.Params()), nn.Flatten(m1.Params())) {
				t.Errorf("Load of a checkpoint: %v", err)
			}
		})
	}
}

// trainerState captures everything a failed restore must leave alone.
func trainerState(t *testing.T, tr *nn.Trainer, m nn.Model, st interface{ MarshalBinary() ([]byte, error) }) string {
	b, err := st.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var p bytes.Buffer
	nn.WriteParams(&p, m.Params())
	return string(b) + p.String() + string(rune(tr.Epoch())) + string(rune(tr.Step()))
}

// TestCheckpointMismatch: a checkpoint of another architecture, another
// stepper or other shuffling, a parameter file, and every truncation and
// many bit flips of a checkpoint: a clear error, and the trainer, model
// and stepper exactly as before.
func TestCheckpointMismatch(t *testing.T) {
	train := curve(newRNG(65), 12)
	quiet := &nn.FitSettings{BatchSize: 4, Output: io.Discard}
	src := nn.NewTrainer(nn.NewMLP(newRNG(66), nn.Tanh, 1, 4, 1), nn.MSE, &optim.AdamStepper{}, quiet)
	if _, err := src.Fit(train, 1); err != nil {
		t.Fatal(err)
	}
	var ckpt bytes.Buffer
	if err := src.WriteCheckpoint(&ckpt); err != nil {
		t.Fatal(err)
	}
	var params bytes.Buffer
	nn.WriteParams(&params, nn.NewMLP(newRNG(66), nn.Tanh, 1, 4, 1).Params())

	type target struct {
		m  nn.Model
		st interface {
			nn.Stepper
			MarshalBinary() ([]byte, error)
		}
		set *nn.FitSettings
	}
	same := func() target {
		return target{nn.NewMLP(newRNG(67), nn.Tanh, 1, 4, 1), &optim.AdamStepper{}, quiet}
	}
	type readCase struct {
		name string
		to   target
		data []byte
		is   error
		says string
	}
	cases := []readCase{
		{"wider model", target{nn.NewMLP(newRNG(67), nn.Tanh, 1, 5, 1), &optim.AdamStepper{}, quiet}, ckpt.Bytes(), nn.ErrArchitecture, "parameter 0"},
		{"SGD stepper", target{nn.NewMLP(newRNG(67), nn.Tanh, 1, 4, 1), &optim.SGDStepper{}, quiet}, ckpt.Bytes(), nn.ErrCheckpoint, "*optim.AdamStepper"},
		{"no shuffling", target{nn.NewMLP(newRNG(67), nn.Tanh, 1, 4, 1), &optim.AdamStepper{}, &nn.FitSettings{NoShuffle: true, Output: io.Discard}}, ckpt.Bytes(), nn.ErrCheckpoint, "NoShuffle"},
		{"parameter file", same(), params.Bytes(), nn.ErrFormat, "a parameter file, not a checkpoint file"},
	}
	for n := 0; n < ckpt.Len(); n += 7 {
		cases = append(cases, readCase{"truncated", same(), ckpt.Bytes()[:n], nn.ErrFormat, ""})
	}
	for i := 0; i < ckpt.Len(); i += 5 {
		bad := bytes.Clone(ckpt.Bytes())
		bad[i] ^= 0x10
		cases = append(cases, readCase{"bit flip", same(), bad, nn.ErrFormat, ""})
	}
	for _, c := range cases {
		tr := nn.NewTrainer(c.to.m, nn.MSE, c.to.st, c.to.set)
		if _, err := tr.Fit(train, 1); err != nil { // some state to keep
			t.Fatal(err)
		}
		before := trainerState(t, tr, c.to.m, c.to.st)
		err := tr.ReadCheckpoint(bytes.NewReader(c.data))
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.says) || !strings.HasPrefix(err.Error(), "nn: ReadCheckpoint: ") {
			t.Errorf("%s: error %v, want %v saying %q", c.name, err, c.is, c.says)
		}
		if trainerState(t, tr, c.to.m, c.to.st) != before {
			t.Errorf("%s: a failed ReadCheckpoint changed the trainer, model or stepper", c.name)
		}
	}
	// A stepper that cannot save its state cannot checkpoint.
	tr := nn.NewTrainer(nn.NewProduct(1), nn.MSE, sgd{0.1}, quiet)
	if err := tr.SaveCheckpoint(filepath.Join(t.TempDir(), "x")); err == nil || !strings.Contains(err.Error(), "MarshalBinary") {
		t.Errorf("checkpoint with a stateless stepper: %v", err)
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), "x")); err == nil {
		t.Errorf("a failed SaveCheckpoint wrote a file")
	}
}

// TestCheckpointFromProgress: a checkpoint written by the Progress
// callback in the middle of a Fit call resumes exactly too.
func TestCheckpointFromProgress(t *testing.T) {
	train := curve(newRNG(68), 20)
	path := filepath.Join(t.TempDir(), "mid.ckpt")
	newAdam := func() nn.Stepper { return &optim.AdamStepper{Adam: optim.Adam{LearningRate: 0.01}} }
	m := nn.NewMLP(newRNG(69), nn.Tanh, 1, 4, 1)
	var tr *nn.Trainer
	tr = nn.NewTrainer(m, nn.MSE, newAdam(), &nn.FitSettings{BatchSize: 3, Schedule: nn.StepDecay(0.01, 5, 0.5), Progress: func(s nn.EpochStats) error {
		if s.Epoch == 2 {
			return tr.SaveCheckpoint(path)
		}
		return nil
	}})
	if _, err := tr.Fit(train, 4); err != nil {
		t.Fatal(err)
	}
	m2 := nn.NewMLP(newRNG(70), nn.Tanh, 1, 4, 1)
	tr2 := nn.NewTrainer(m2, nn.MSE, newAdam(), &nn.FitSettings{BatchSize: 3, Schedule: nn.StepDecay(0.01, 5, 0.5), Output: io.Discard})
	if err := tr2.LoadCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	if _, err := tr2.Fit(train, 2); err != nil {
		t.Fatal(err)
	}
	if !sameBits(nn.Flatten(m.Params()), nn.Flatten(m2.Params())) {
		t.Errorf("resumed from a checkpoint taken in Progress: the run differs")
	}
}
