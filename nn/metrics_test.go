package nn_test

import (
	"math"
	"testing"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

func TestArgMax(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	scores := tensor.New([]float64{
		1, 3, 2,
		5, 5, 1, // a tie: the first
		nan, -1, -2, // NaN is never the largest
		nan, nan, nan,
		-inf, -inf, -inf,
		0, inf, inf,
	}, 6, 3)
	want := []int{1, 0, 1, -1, 0, 1}
	got := nn.ArgMax(scores)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("ArgMax %v, want %v", got, want)
			break
		}
	}
	mustPanic(t, "vector", "ArgMax", func() { nn.ArgMax(tensor.Zeros(3)) })
}

// TestAccuracy: the accuracy of a linear classifier with chosen weights
// against a count by hand, in batches of every size, and for a single
// logit column.
func TestAccuracy(t *testing.T) {
	// Scores x·W with W = I: the prediction is the largest input.
	m := nn.NewLinear(newRNG(70), 3, 3, nn.GlorotUniform)
	nn.Unflatten(m.Params(), []float64{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0})
	x := tensor.New([]float64{
		3, 1, 2,
		0, 4, 1,
		1, 1, 9,
		7, 8, 0,
		2, 0, 0,
	}, 5, 3)
	labels := tensor.New([]float64{0, 1, 1, 0, 0}, 5) // rows 2 and 3 wrong
	d := nn.NewDataset(x, labels)
	for _, b := range []int{0, 1, 2, 5, 7} {
		if got := nn.Accuracy(m, d, b); got != 3.0/5 {
			t.Errorf("batches of %d: accuracy %v, want 0.6", b, got)
		}
	}
	pred := nn.PredictClasses(m, x, 2)
	for i, c := range []int{0, 1, 2, 1, 0} {
		if pred[i] != c {
			t.Errorf("predictions %v", pred)
			break
		}
	}
	// One logit: class 1 where it is positive.
	logit := nn.NewScalars(func(w []*graph.Node, x *graph.Node) *graph.Node { return graph.Scale(x, 1) }, 0)
	bin := nn.NewDataset(tensor.New([]float64{-1, 2, 0, 3}, 4, 1), tensor.New([]float64{0, 1, 1, 0}, 4, 1))
	if got := nn.Accuracy(logit, bin, 3); got != 0.5 {
		t.Errorf("binary accuracy %v, want 0.5", got)
	}
	mustPanic(t, "fractional label", "label 0.5", func() {
		nn.Accuracy(m, nn.NewDataset(x, tensor.New([]float64{0, 0.5, 1, 1, 1}, 5)), 0)
	})
}

// TestAccuracyAfterTraining: a network trained on the four blobs
// classifies held-out points nearly perfectly, and a fresh one does not.
func TestAccuracyAfterTraining(t *testing.T) {
	rng := newRNG(71)
	train, test := blobs(rng, 200), blobs(rng, 100)
	m := nn.NewMLP(rng, nn.ReLU, 2, 8, 4)
	before := nn.Accuracy(m, test, 0)
	if _, err := nn.Fit(m, nn.CrossEntropy, train, sgd{0.2}, &nn.FitSettings{Epochs: 20, BatchSize: 10, Output: quiet.Output}); err != nil {
		t.Fatal(err)
	}
	after := nn.Accuracy(m, test, 32)
	t.Logf("accuracy %.2f → %.2f", before, after)
	if after < 0.97 || after <= before {
		t.Errorf("accuracy %.2f → %.2f", before, after)
	}
}
