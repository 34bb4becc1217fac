package nn_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

var quiet = &nn.FitSettings{Output: io.Discard}

// TestFitMatchesGradientDescent checks full-batch Fit on ŷ = w1·w2·x
// against gradient descent written out with the analytic gradient.
func TestFitMatchesGradientDescent(t *testing.T) {
	xs := []float64{1, 2, 3, -1}
	ys := []float64{2, 4, 6, -2}
	d := nn.NewDataset(tensor.New(xs, 4, 1), tensor.New(ys, 4, 1))
	const lr, epochs = 0.01, 20
	m := nn.NewProduct(0.5, 0.25)
	hist, err := nn.Fit(m, nn.MSE, d, sgd{lr}, &nn.FitSettings{Epochs: epochs, Output: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	w1, w2 := 0.5, 0.25
	for e := 0; e < epochs; e++ {
		var l, g1, g2 float64
		for i, x := range xs {
			r := w1*w2*x - ys[i]
			l += r * r / 4
			g1 += 2 * r * x * w2 / 4
			g2 += 2 * r * x * w1 / 4
		}
		if relErr(hist[e].Loss, l) > 1e-13 {
			t.Errorf("epoch %d: loss %v, want %v", e+1, hist[e].Loss, l)
		}
		w1, w2 = w1-lr*g1, w2-lr*g2
	}
	if got := nn.Flatten(m.Params()); maxRelErr(got, []float64{w1, w2}) > 1e-13 {
		t.Errorf("weights %v, want %v", got, []float64{w1, w2})
	}
}

// curve returns n samples of y = sin(2x) on [−1.5, 1.5].
func curve(rng *rand.Rand, n int) *nn.Dataset {
	x := tensor.RandUniform(rng, -1.5, 1.5, n, 1)
	y := tensor.Apply(tensor.OpSin, tensor.Scale(x, 2))
	return nn.NewDataset(x, y)
}

// blobs returns n points around the corners (±2, ±2) labelled by corner.
func blobs(rng *rand.Rand, n int) *nn.Dataset {
	x, y := tensor.Zeros(n, 2), tensor.Zeros(n)
	for i := range n {
		c := rng.IntN(4)
		x.Set(float64(2*(c&1)*2-2)+0.5*rng.NormFloat64(), i, 0)
		x.Set(float64((c>>1)*4-2)+0.5*rng.NormFloat64(), i, 1)
		y.Set(float64(c), i)
	}
	return nn.NewDataset(x, y)
}

func TestFitTrains(t *testing.T) {
	rng := newRNG(14)
	cases := []struct {
		name    string
		model   nn.Model
		loss    nn.Loss
		train   *nn.Dataset
		test    *nn.Dataset
		set     nn.FitSettings
		lr      float64
		bound   float64 // the final training loss must be below bound
		heldOut float64 // and the held-out loss below heldOut
	}{
		{"tanh MLP on sin(2x)", nn.NewMLP(rng, nn.Tanh, 1, 16, 1), nn.MSE, curve(rng, 64), curve(rng, 32),
			nn.FitSettings{Epochs: 300, BatchSize: 8}, 0.2, 6e-3, 1.5e-2},
		{"softplus MLP on 4 blobs", nn.NewMLP(rng, nn.Softplus, 2, 8, 4), nn.CrossEntropy, blobs(rng, 80), blobs(rng, 40),
			nn.FitSettings{Epochs: 60, BatchSize: 10}, 0.2, 0.01, 0.01},
		{"ReLU MLP on 4 blobs", nn.NewMLP(rng, nn.ReLU, 2, 8, 4), nn.CrossEntropy, blobs(rng, 80), blobs(rng, 40),
			nn.FitSettings{Epochs: 60, BatchSize: 10}, 0.2, 0.01, 0.01},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := nn.Evaluate(c.model, c.loss, c.train, 0)
			c.set.Validation = c.test
			c.set.Output = io.Discard
			hist, err := nn.Fit(c.model, c.loss, c.train, sgd{c.lr}, &c.set)
			if err != nil {
				t.Fatal(err)
			}
			last := hist[len(hist)-1]
			final := nn.Evaluate(c.model, c.loss, c.train, 0)
			t.Logf("loss %.4g → %.4g (held out %.4g)", start, final, last.Validation)
			if !(final < c.bound) || !(last.Validation < c.heldOut) {
				t.Errorf("training loss %.4g, held-out %.4g: want below %g and %g (start %.4g)", final, last.Validation, c.bound, c.heldOut, start)
			}
			if got := nn.Evaluate(c.model, c.loss, c.test, 7); relErr(got, last.Validation) > 1e-13 {
				t.Errorf("Validation %v, but Evaluate in batches of 7 gives %v", last.Validation, got)
			}
		})
	}
}

func TestFitDeterministic(t *testing.T) {
	run := func(seed uint64, noShuffle bool) []float64 {
		m := nn.NewMLP(newRNG(15), nn.Tanh, 1, 4, 1)
		d := curve(newRNG(16), 20)
		if _, err := nn.Fit(m, nn.MSE, d, sgd{0.1}, &nn.FitSettings{Epochs: 3, BatchSize: 3, Seed: seed, NoShuffle: noShuffle, Output: io.Discard}); err != nil {
			t.Fatal(err)
		}
		return nn.Flatten(m.Params())
	}
	if !sameBits(run(1, false), run(1, false)) {
		t.Errorf("the same seed gave different parameters")
	}
	if sameBits(run(1, false), run(2, false)) {
		t.Errorf("different seeds gave the same parameters")
	}
	if !sameBits(run(1, true), run(2, true)) {
		t.Errorf("without shuffling the seed mattered")
	}
}

func TestFitProgress(t *testing.T) {
	m := nn.NewMLP(newRNG(17), nn.Tanh, 1, 3, 1)
	train, test := curve(newRNG(18), 12), curve(newRNG(19), 5)
	var buf bytes.Buffer
	hist, err := nn.Fit(m, nn.MSE, train, sgd{0.05}, &nn.FitSettings{Epochs: 3, BatchSize: 5, Validation: test, Output: &buf})
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range hist {
		if st.Epoch != i+1 || st.Epochs != 3 || st.Batches != 3 || st.Step != 3*(i+1) {
			t.Errorf("epoch %d: stats %+v", i+1, st)
		}
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Errorf("progress:\n%s\nwant 3 lines", buf.String())
	}
	for i, l := range lines {
		if i < len(hist) && (!strings.HasPrefix(l, fmt.Sprintf("epoch %d/3  step %d  loss %.6g  validation %.6g  ", i+1, 3*(i+1), hist[i].Loss, hist[i].Validation)) || !strings.Contains(l, "ex/s") || (i < 2) != strings.HasSuffix(l, " left")) {
			t.Errorf("progress line %d: %q", i+1, l)
		}
	}
	var calls []nn.EpochStats
	hist, _ = nn.Fit(m, nn.MSE, train, sgd{0.05}, &nn.FitSettings{Epochs: 2, Progress: func(s nn.EpochStats) error { calls = append(calls, s); return nil }})
	if len(calls) != 2 || calls[1].Loss != hist[1].Loss || calls[1].Epoch != 2 || !math.IsNaN(calls[0].Validation) || calls[0].Batches != 1 {
		t.Errorf("callback saw %+v, history %+v", calls, hist)
	}
}

// recorder wraps a stepper, keeping a copy of the parameters before each
// step, and can poison the parameters at a chosen step.
type recorder struct {
	inner  nn.Stepper
	before [][]float64 // flattened parameters before step k+1
	after  [][]float64 // and after it
	poison int         // step (from 1) after which a parameter becomes NaN; 0 never
}

func (r *recorder) Step(params, grads [][]float64) {
	var flat []float64
	for _, p := range params {
		flat = append(flat, p...)
	}
	r.before = append(r.before, flat)
	r.inner.Step(params, grads)
	if len(r.before) == r.poison {
		params[len(params)-1][0] = math.NaN()
	}
	flat = nil
	for _, p := range params {
		flat = append(flat, p...)
	}
	r.after = append(r.after, flat)
}

func TestFitDivergence(t *testing.T) {
	nanData := curve(newRNG(20), 8)
	nanData.X.Set(math.NaN(), 5, 0) // row 5: in batch 3 of 4 (batches of 2, unshuffled)
	sqrtModel := func() nn.Model {
		return nn.NewScalars(func(w []*graph.Node, x *graph.Node) *graph.Node { return graph.Mul(graph.Sqrt(w[0]), x) }, 0)
	}
	cases := []struct {
		name       string
		model      nn.Model
		data       *nn.Dataset
		poison     int
		epoch      int
		batch      int
		what       string
		restoredTo int // parameters before step k (from 1); 0: the initial ones
		after      int // if not 0, the parameters after step k instead
		anomaly    string
	}{
		{"non-finite data", nn.NewMLP(newRNG(21), nn.Tanh, 1, 3, 1), nanData, 0, 1, 3, "loss", 0, 2, "input const"},
		{"poisoned step", nn.NewMLP(newRNG(22), nn.Tanh, 1, 3, 1), curve(newRNG(23), 8), 7, 2, 3, "layer1.bias after the step", 7, 0, ""},
		{"infinite gradient", sqrtModel(), curve(newRNG(24), 8), 0, 1, 1, "gradient of w1", 0, 0, "Div"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			initial := nn.Flatten(c.model.Params())
			rec := &recorder{inner: sgd{0.01}, poison: c.poison}
			hist, err := nn.Fit(c.model, nn.MSE, c.data, rec, &nn.FitSettings{
				Epochs: 5, BatchSize: 2, NoShuffle: true, Output: io.Discard, DetectAnomalies: true})
			var de *nn.DivergenceError
			if !errors.As(err, &de) || !errors.Is(err, nn.ErrDiverged) {
				t.Fatalf("error %v, want a DivergenceError", err)
			}
			if de.Epoch != c.epoch || de.Batch != c.batch || de.What != c.what {
				t.Errorf("error at epoch %d batch %d (%s), want %d, %d (%s)", de.Epoch, de.Batch, de.What, c.epoch, c.batch, c.what)
			}
			if want := fmt.Sprintf("epoch %d, batch %d", c.epoch, c.batch); !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not name %q", err, want)
			}
			if len(hist) != c.epoch-1 {
				t.Errorf("%d epochs reported, want %d", len(hist), c.epoch-1)
			}
			want := initial
			if c.restoredTo > 0 {
				want = rec.before[c.restoredTo-1]
			}
			if c.after > 0 {
				want = rec.after[c.after-1]
			}
			if got := nn.Flatten(c.model.Params()); !sameBits(got, want) {
				t.Errorf("parameters %v, want those before step %d: %v", got, c.restoredTo, want)
			}
			if c.anomaly != "" && (de.Anomaly == nil || !strings.Contains(de.Anomaly.Error(), c.anomaly)) {
				t.Errorf("anomaly %v, want one naming %s", de.Anomaly, c.anomaly)
			}
		})
	}
}

func TestFitPanics(t *testing.T) {
	m := nn.NewProduct(1)
	d := nn.NewDataset(tensor.Zeros(2, 1), tensor.Zeros(2, 1))
	mustPanic(t, "nil stepper", "nil", func() { nn.Fit(m, nn.MSE, d, nil, quiet) })
	mustPanic(t, "negative epochs", "Epochs = -1", func() { nn.Fit(m, nn.MSE, d, sgd{1}, &nn.FitSettings{Epochs: -1}) })
	mustPanic(t, "empty", "empty", func() { nn.Fit(m, nn.MSE, nn.NewDataset(tensor.Zeros(0, 1), tensor.Zeros(0, 1)), sgd{1}, quiet) })
}
