package nn_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
)

// modeNet is a model that records its SetTraining calls and passes them
// on.
type modeNet struct {
	nn.Model
	calls []bool
}

func (m *modeNet) SetTraining(on bool) {
	m.calls = append(m.calls, on)
	nn.SetTraining(m.Model, on)
}

// dropoutNet is a 2-6-2 tanh network with dropout after its hidden layer.
func dropoutNet() nn.Model {
	rng := newRNG(9)
	return nn.NewSequential(nn.NewLinear(rng, 2, 6, nn.GlorotUniform), nn.Tanh, nn.NewDropout(0.3, 7),
		nn.NewLinear(rng, 6, 2, nn.GlorotUniform))
}

func mlpNet() nn.Model { return nn.NewMLP(newRNG(9), nn.Tanh, 2, 6, 6, 2) }

// TestFitSharpness trains small nets with and without
// FitSettings.Sharpness and checks that the training is the same bit for
// bit (parameters and every epoch's statistics), that the estimates are
// taken after the right steps with the bound of the step's rate, that the
// last one matches the dense Hessian's largest eigenvalue, that the epoch
// statistics and the progress report carry them, and that the model is
// in evaluation mode for each estimate (with dropout, whose masks would
// otherwise be drawn for the estimate and change the training).
func TestFitSharpness(t *testing.T) {
	d := twoSpirals(40)
	for _, c := range []struct {
		name     string
		net      func() nn.Model
		stepper  func() nn.Stepper
		set      nn.FitSettings
		every    int
		lr       float64 // the monitor's LearningRate
		momentum float64
		rate     func(step int) float64 // the rate of step (from 0), for the bound
	}{
		{"full-batch gradient descent", mlpNet, func() nn.Stepper { return &optim.SGDStepper{SGD: optim.SGD{LearningRate: 0.5}} },
			nn.FitSettings{Epochs: 12, NoShuffle: true}, 3, 0.5, 0, func(int) float64 { return 0.5 }},
		{"mini-batches, momentum, schedule", mlpNet, func() nn.Stepper { return &optim.SGDStepper{SGD: optim.SGD{Momentum: 0.9}} },
			nn.FitSettings{Epochs: 3, BatchSize: 8, Seed: 4, Schedule: nn.StepDecay(0.1, 5, 0.5)}, 4, 0, 0.9,
			nn.StepDecay(0.1, 5, 0.5)},
		{"Adam, clipping, no rate", mlpNet, func() nn.Stepper { return &optim.AdamStepper{Adam: optim.Adam{LearningRate: 0.01}} },
			nn.FitSettings{Epochs: 2, BatchSize: 10, Seed: 5, ClipNorm: 0.5}, 0, 0, 0, func(int) float64 { return 0 }},
		{"dropout", dropoutNet, func() nn.Stepper { return &optim.SGDStepper{SGD: optim.SGD{LearningRate: 0.2}} },
			nn.FitSettings{Epochs: 4, BatchSize: 10, Seed: 6}, 2, 0.2, 0, func(int) float64 { return 0.2 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			plain := c.net()
			set := c.set
			set.Output = io.Discard
			want, err := nn.Fit(plain, nn.CrossEntropy, d, c.stepper(), &set)
			if err != nil {
				t.Fatal(err)
			}
			m := &modeNet{Model: c.net()}
			mon := &nn.SharpnessMonitor{Every: c.every, Data: d, LearningRate: c.lr, Momentum: c.momentum}
			var report bytes.Buffer
			set.Output, set.Sharpness = &report, mon
			got, err := nn.Fit(m, nn.CrossEntropy, d, c.stepper(), &set)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(nn.Flatten(m.Params()), nn.Flatten(plain.Params())) {
				t.Error("the parameters differ with the monitor")
			}
			if len(got) != len(want) {
				t.Fatalf("%d epochs with the monitor, %d without", len(got), len(want))
			}
			for i := range got {
				if got[i].Loss != want[i].Loss || got[i].Step != want[i].Step || !sameNaN(got[i].LearningRate, want[i].LearningRate) {
					t.Errorf("epoch %d: %+v with the monitor, %+v without", i+1, got[i], want[i])
				}
			}
			every := max(c.every, 1)
			steps := got[len(got)-1].Step
			if len(mon.History) != steps/every {
				t.Fatalf("%d estimates in %d steps, every %d", len(mon.History), steps, every)
			}
			for k, pt := range mon.History {
				lr := c.rate(pt.Step - 1)
				bound := math.Inf(1)
				if lr > 0 {
					bound = (2 + 2*c.momentum) / lr
				}
				if pt.Step != (k+1)*every || pt.LearningRate != lr || pt.Bound != bound || !(pt.LambdaMax > 0) || pt.HVPs == 0 {
					t.Errorf("estimate %d: %+v, want step %d, η %v, bound %v", k, pt, (k+1)*every, lr, bound)
				}
			}
			// The last estimate, after the last step when it is due, against
			// the dense Hessian at the final parameters.
			if last := mon.History[len(mon.History)-1]; last.Step == steps {
				var eig mat.EigenSym
				eig.Factorize(hvp.Dense(nn.Curvature(m, nn.CrossEntropy, d)), false)
				vals := eig.Values(nil)
				top := vals[len(vals)-1]
				if !last.Converged || math.Abs(last.LambdaMax-top) > 2e-3*top {
					t.Errorf("last estimate %+v, dense λ_max %v", last, top)
				}
			}
			// Epoch statistics and the report.
			for i, st := range got {
				var lastPt *nn.SharpnessPoint
				for k := range mon.History {
					if mon.History[k].Step <= st.Step && (i == 0 || mon.History[k].Step > got[i-1].Step) {
						lastPt = &mon.History[k]
					}
				}
				switch {
				case lastPt == nil && !(math.IsNaN(st.Sharpness) && math.IsNaN(st.SharpnessBound)):
					t.Errorf("epoch %d: sharpness %v, %v without an estimate", st.Epoch, st.Sharpness, st.SharpnessBound)
				case lastPt != nil && (st.Sharpness != lastPt.LambdaMax || st.SharpnessBound != lastPt.Bound):
					t.Errorf("epoch %d: sharpness %v, %v, want %+v", st.Epoch, st.Sharpness, st.SharpnessBound, *lastPt)
				}
			}
			if !strings.Contains(report.String(), "λ_max ") || !strings.Contains(report.String(), "(bound ") {
				t.Errorf("the report lacks the sharpness:\n%s", report.String())
			}
			// Evaluation mode for every estimate, back to training after it.
			falses, trues := 0, 0
			for _, on := range m.calls {
				if on {
					trues++
				} else {
					falses++
				}
			}
			if falses != len(mon.History)+1 || trues != len(got)+len(mon.History) || m.calls[len(m.calls)-1] {
				t.Errorf("SetTraining calls %v for %d epochs and %d estimates", m.calls, len(got), len(mon.History))
			}
		})
	}
	mustPanic(t, "no data", "Sharpness has no Data", func() {
		nn.Fit(nn.NewMLP(newRNG(1), nn.Tanh, 2, 2), nn.CrossEntropy, d, &optim.SGDStepper{},
			&nn.FitSettings{Sharpness: &nn.SharpnessMonitor{}, Output: io.Discard})
	})
	mustPanic(t, "momentum", "Momentum = 1", func() {
		nn.Fit(nn.NewMLP(newRNG(1), nn.Tanh, 2, 2), nn.CrossEntropy, d, &optim.SGDStepper{},
			&nn.FitSettings{Sharpness: &nn.SharpnessMonitor{Data: d, Momentum: 1}, Output: io.Discard})
	})
}

// TestFitSharpnessNonFinite checks that a monitor whose data make the
// loss non-finite ends Fit with hvp.ErrNonFinite after the step it
// followed.
func TestFitSharpnessNonFinite(t *testing.T) {
	d := twoSpirals(20)
	bad := twoSpirals(20)
	bad.X.Data()[3] = math.NaN()
	m := nn.NewMLP(newRNG(2), nn.Tanh, 2, 4, 2)
	hist, err := nn.Fit(m, nn.CrossEntropy, d, &optim.SGDStepper{SGD: optim.SGD{LearningRate: 0.1}},
		&nn.FitSettings{Epochs: 3, Output: io.Discard, Sharpness: &nn.SharpnessMonitor{Data: bad, Every: 2}})
	if !errors.Is(err, hvp.ErrNonFinite) || len(hist) != 1 || !strings.Contains(err.Error(), "after step 2") {
		t.Errorf("Fit: %d epochs, %v; want 1 epoch and ErrNonFinite after step 2", len(hist), err)
	}
}

func sameNaN(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// BenchmarkFitSharpness measures the cost of FitSettings.Sharpness: 100
// steps of full-batch gradient descent on a 2-32-32-2 tanh net and 200
// spiral points (edge-of-stability training as in ExampleSharpnessMonitor),
// with a monitor every 1 and every 10 steps, each timed in the same loop
// as the run without one and reported as the ratio of the times, with the
// mean products per estimate.
func BenchmarkFitSharpness(b *testing.B) {
	d := twoSpirals(200)
	fit := func(mon *nn.SharpnessMonitor) time.Duration {
		m := nn.NewMLP(newRNG(1), nn.Tanh, 2, 32, 32, 2)
		t0 := time.Now()
		if _, err := nn.Fit(m, nn.CrossEntropy, d, &optim.SGDStepper{SGD: optim.SGD{LearningRate: 0.5}},
			&nn.FitSettings{Epochs: 100, NoShuffle: true, Output: io.Discard, Sharpness: mon}); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	for _, every := range []int{1, 10} {
		b.Run(fmt.Sprintf("every=%d", every), func(b *testing.B) {
			b.ReportAllocs()
			var with, without time.Duration
			hvps, estimates := 0, 0
			for b.Loop() {
				without += fit(nil)
				mon := &nn.SharpnessMonitor{Every: every, Data: d, LearningRate: 0.5}
				with += fit(mon)
				for _, p := range mon.History {
					hvps += p.HVPs
				}
				estimates += len(mon.History)
			}
			b.ReportMetric(float64(with)/float64(without), "×training")
			b.ReportMetric(float64(hvps)/float64(estimates), "HVPs/estimate")
		})
	}
}
