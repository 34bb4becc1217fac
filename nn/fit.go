package nn

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Stepper updates parameters in place from their gradients: one stochastic
// optimisation step. params and grads hold one slice per parameter tensor,
// in the order of the model's Params; a stateful Stepper (momentum, Adam)
// matches its state to them by position. Step must not retain the slices.
// The SGD and Adam steppers of package optim satisfy it.
type Stepper interface {
	// Step updates params in place from grads.
	Step(params, grads [][]float64)
}

// FitSettings configures Fit. A nil *FitSettings, like the zero value,
// means every default.
type FitSettings struct {
	// Epochs is the number of passes over the training set. If Epochs is
	// 0, it is defaulted to 1.
	Epochs int

	// BatchSize is the number of examples per step. If BatchSize is 0,
	// it is defaulted to the size of the training set (full-batch
	// gradient steps).
	BatchSize int

	// Seed seeds the generator (math/rand/v2 PCG) that shuffles the
	// training set at the start of every epoch. Zero is a seed like any
	// other: for given settings, Fit is deterministic.
	Seed uint64

	// NoShuffle visits the examples in their stored order every epoch.
	NoShuffle bool

	// Validation, when not nil, is a held-out set on which the loss is
	// evaluated after every epoch (see EpochStats.Validation).
	Validation *Dataset

	// Progress is called after every epoch. If Progress is nil, a
	// progress line per epoch is printed to Output instead.
	Progress func(EpochStats)

	// Output receives the default progress lines. If Output is nil, it is
	// defaulted to os.Stdout; use io.Discard for silence.
	Output io.Writer

	// DetectAnomalies turns on the tape's anomaly detection (see
	// graph.Tape.DetectAnomalies) so that a DivergenceError names the
	// first operation that produced a non-finite value. It costs one pass
	// over every recorded value.
	DetectAnomalies bool
}

// EpochStats reports one epoch of Fit.
type EpochStats struct {
	// Epoch is the epoch's number, from 1, and Epochs their total.
	Epoch, Epochs int
	// Loss is the mean training loss over the epoch: the batch losses,
	// each taken at the parameters before that batch's step, averaged
	// with the batch sizes as weights.
	Loss float64
	// Validation is the loss on the held-out set at the end of the epoch,
	// or NaN when there is none.
	Validation float64
	// Batches is the number of steps taken in the epoch.
	Batches int
}

// ErrDiverged is the error that every DivergenceError wraps: test for it
// with errors.Is.
var ErrDiverged = errors.New("training diverged")

// DivergenceError reports that Fit met a non-finite value: a loss or a
// gradient that is NaN or ±Inf, or a parameter that a step made so.
//
// When Fit returns it, the model's parameters hold the last values at
// which a finite loss and gradient were computed, that is the values
// before the last step taken (those of the previous batch), or the initial
// values when the very first batch failed. Steps taken before that point
// are kept; a stateful Stepper's internal state is not rolled back.
type DivergenceError struct {
	// Epoch and Batch locate the failure, both counted from 1.
	Epoch, Batch int
	// Loss is the batch's loss (possibly finite when the gradient or the
	// step was at fault).
	Loss float64
	// What names the non-finite quantity, such as "loss", "gradient of
	// layer0.weight" or "layer1.bias after the step".
	What string
	// Anomaly, when anomaly detection was on, names the first operation
	// that produced a non-finite value; otherwise it is nil.
	Anomaly error
}

// Error describes the failure.
func (e *DivergenceError) Error() string {
	s := fmt.Sprintf("nn: Fit: non-finite %s at epoch %d, batch %d (loss %v); parameters restored to the last finite step",
		e.What, e.Epoch, e.Batch, e.Loss)
	if e.Anomaly != nil {
		s += ": " + e.Anomaly.Error()
	}
	return s
}

// Unwrap returns ErrDiverged.
func (e *DivergenceError) Unwrap() error { return ErrDiverged }

// Fit trains m to minimise loss on train by mini-batch steps of opt, and
// returns the statistics of every completed epoch.
//
// Each epoch shuffles train (see FitSettings.Seed) and, for each batch,
// records the model and loss with one tape variable per parameter (Vars),
// computes the gradient by one reverse sweep, and calls opt.Step with the
// model's parameter storage and the gradients. The cost per epoch is about
// three forward passes over the training set, plus one over the
// validation set when there is one.
//
// If a loss or gradient is NaN or ±Inf, or a step leaves a parameter so,
// Fit stops and returns a *DivergenceError naming the epoch and batch;
// the parameters are restored as that error's documentation states.
// Fit panics on misuse: a nil model, loss, dataset or stepper, or a
// negative setting.
func Fit(m Model, loss Loss, train *Dataset, opt Stepper, s *FitSettings) ([]EpochStats, error) {
	if m == nil || loss == nil || opt == nil {
		panic("nn: Fit: nil model, loss or stepper")
	}
	train.check("Fit")
	if train.Len() == 0 {
		panic("nn: Fit: empty training set")
	}
	var set FitSettings
	if s != nil {
		set = *s
	}
	if set.Epochs < 0 || set.BatchSize < 0 {
		panic(fmt.Sprintf("nn: Fit: Epochs = %d, BatchSize = %d", set.Epochs, set.BatchSize))
	}
	if set.Epochs == 0 {
		set.Epochs = 1
	}
	if set.BatchSize == 0 {
		set.BatchSize = max(train.Len(), 1)
	}
	if set.Validation != nil {
		set.Validation.check("Fit")
		if set.Validation.Len() == 0 {
			panic("nn: Fit: empty validation set")
		}
	}
	if set.Progress == nil {
		w := set.Output
		if w == nil {
			w = os.Stdout
		}
		set.Progress = func(st EpochStats) { printProgress(w, st) }
	}
	var rng *rand.Rand
	if !set.NoShuffle {
		rng = rand.New(rand.NewPCG(set.Seed, 0x6e6e2e466974)) // "nn.Fit"
	}

	params := m.Params()
	values := make([][]float64, len(params))
	grads := make([][]float64, len(params))
	for i, p := range params {
		values[i] = p.Value.Data()
		grads[i] = make([]float64, p.Value.Size())
	}
	good := Flatten(params) // the last point with a finite loss and gradient
	tp := graph.NewTape()
	tp.DetectAnomalies(set.DetectAnomalies)

	var hist []EpochStats
	for epoch := 1; epoch <= set.Epochs; epoch++ {
		st := EpochStats{Epoch: epoch, Epochs: set.Epochs, Validation: math.NaN()}
		var sum float64
		var rows int
		for it := train.Batches(set.BatchSize, rng); it.Next(); {
			l := lossAndGrad(tp, m, loss, params, it.X(), it.Y(), grads)
			what := ""
			switch {
			case !finite(l):
				what = "loss"
			case !allFinite(grads...):
				what = "gradient of " + params[firstNonFinite(grads)].Name
			default:
				flattenInto(good, params)
				opt.Step(values, grads)
				if !allFinite(values...) {
					what = params[firstNonFinite(values)].Name + " after the step"
				}
			}
			if what != "" {
				Unflatten(params, good)
				return hist, &DivergenceError{Epoch: epoch, Batch: it.Index() + 1, Loss: l, What: what, Anomaly: tp.Anomaly()}
			}
			n := it.X().Dim(0)
			sum += l * float64(n)
			rows += n
			st.Batches++
		}
		st.Loss = sum / float64(rows)
		if set.Validation != nil {
			st.Validation = evaluate(tp, m, loss, set.Validation, set.BatchSize)
		}
		hist = append(hist, st)
		set.Progress(st)
	}
	return hist, nil
}

func printProgress(w io.Writer, st EpochStats) {
	if math.IsNaN(st.Validation) {
		fmt.Fprintf(w, "epoch %d/%d  loss %.6g\n", st.Epoch, st.Epochs, st.Loss)
		return
	}
	fmt.Fprintf(w, "epoch %d/%d  loss %.6g  validation %.6g\n", st.Epoch, st.Epochs, st.Loss, st.Validation)
}

// lossAndGrad records m and loss on (x, y) on tp, after resetting it,
// writes the gradient of each parameter into grads and returns the loss.
func lossAndGrad(tp *graph.Tape, m Model, loss Loss, params []*Param, x, y *tensor.Tensor, grads [][]float64) float64 {
	tp.Reset()
	nodes := Vars(tp, params)
	l := loss(m.Forward(nodes, tp.Const(x)), y)
	for i, g := range ad.Grad(l, nodes...) {
		copy(grads[i], g.Value().Data())
	}
	return l.Item()
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

func allFinite(vs ...[]float64) bool { return firstNonFinite(vs) < 0 }

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
