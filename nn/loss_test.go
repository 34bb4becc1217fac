package nn_test

import (
	"math"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// lossOfPred is the loss as a function of the flat prediction.
func lossOfPred(loss nn.Loss, shape []int, target *tensor.Tensor) ad.Func {
	return func(w *graph.Node) *graph.Node { return loss(graph.Reshape(w, shape...), target) }
}

// TestLossDerivatives checks each loss's gradient and Hessian-vector
// products against central differences (ad.Check), at ordinary and at
// large logits.
func TestLossDerivatives(t *testing.T) {
	rng := newRNG(1)
	cases := []struct {
		name   string
		loss   nn.Loss
		shape  []int
		scale  float64 // the predictions are scale·N(0,1)
		target *tensor.Tensor
	}{
		{"MSE/vector", nn.MSE, []int{5}, 1, tensor.RandNormal(rng, 5)},
		{"MSE/matrix", nn.MSE, []int{4, 3}, 1, tensor.RandNormal(rng, 4, 3)},
		{"MSE/scalar", nn.MSE, nil, 1, tensor.Scalar(0.3)},
		{"CrossEntropy/4x3", nn.CrossEntropy, []int{4, 3}, 1, labels(rng, 4, 3)},
		{"CrossEntropy/6x5/column labels", nn.CrossEntropy, []int{6, 5}, 2, tensor.Reshape(labels(rng, 6, 5), 6, 1)},
		{"CrossEntropy/1x2", nn.CrossEntropy, []int{1, 2}, 1, tensor.FromSlice([]float64{1})},
		{"CrossEntropy/large logits", nn.CrossEntropy, []int{3, 4}, 30, labels(rng, 3, 4)},
		{"BCEWithLogits/vector", nn.BCEWithLogits, []int{6}, 1, probs(rng, 6)},
		{"BCEWithLogits/matrix", nn.BCEWithLogits, []int{3, 2}, 2, probs(rng, 3, 2)},
		{"BCEWithLogits/large logits", nn.BCEWithLogits, []int{4}, 30, tensor.FromSlice([]float64{0, 1, 1, 0.25})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pred := tensor.RandNormal(rng, tensor.SizeOf(c.shape))
			x := tensor.Scale(pred, c.scale).Data()
			res := ad.Check(lossOfPred(c.loss, c.shape, c.target), x, nil)
			if math.IsNaN(res.Value) || math.IsInf(res.Value, 0) {
				t.Fatalf("loss %v", res.Value)
			}
			if !(res.GradErr < 1e-6) || !(res.HVPErr < 1e-6) {
				t.Errorf("gradient error %.3g (at %d), HVP error %.3g (direction %d, index %d)",
					res.GradErr, res.WorstGradIndex, res.HVPErr, res.WorstHVPDirection, res.WorstHVPIndex)
			}
		})
	}
}

// refCrossEntropy is the textbook formula, −mean log(e^{z_y}/Σe^z), valid
// for moderate logits.
func refCrossEntropy(z []float64, rows, cols int, y []float64) (loss float64, grad []float64) {
	grad = make([]float64, len(z))
	for i := 0; i < rows; i++ {
		var s float64
		for j := 0; j < cols; j++ {
			s += math.Exp(z[i*cols+j])
		}
		loss -= math.Log(math.Exp(z[i*cols+int(y[i])])/s) / float64(rows)
		for j := 0; j < cols; j++ {
			p := math.Exp(z[i*cols+j]) / s
			if j == int(y[i]) {
				p--
			}
			grad[i*cols+j] = p / float64(rows)
		}
	}
	return loss, grad
}

// refBCE is the textbook formula −mean(y log σ(z) + (1−y) log(1−σ(z))).
func refBCE(z, y []float64) (loss float64, grad []float64) {
	grad = make([]float64, len(z))
	n := float64(len(z))
	for i, zi := range z {
		s := 1 / (1 + math.Exp(-zi))
		loss -= (y[i]*math.Log(s) + (1-y[i])*math.Log(1-s)) / n
		grad[i] = (s - y[i]) / n
	}
	return loss, grad
}

// TestLossAgainstFormulas compares values and gradients with the textbook
// formulas, computed independently of the tape, at moderate inputs.
func TestLossAgainstFormulas(t *testing.T) {
	rng := newRNG(2)
	for trial := 0; trial < 5; trial++ {
		rows, cols := 1+rng.IntN(6), 2+rng.IntN(5)
		z := tensor.RandNormal(rng, rows, cols)
		y := labels(rng, rows, cols)
		got, gotGrad := ad.ValueAndGrad(lossOfPred(nn.CrossEntropy, []int{rows, cols}, y), z.Data())
		want, wantGrad := refCrossEntropy(z.Data(), rows, cols, y.Data())
		if relErr(got, want) > 1e-14 || maxRelErr(gotGrad, wantGrad) > 1e-14 {
			t.Errorf("CrossEntropy %dx%d: loss %v, want %v; gradient %v, want %v", rows, cols, got, want, gotGrad, wantGrad)
		}

		n := 1 + rng.IntN(8)
		zb, yb := tensor.RandNormal(rng, n), probs(rng, n)
		got, gotGrad = ad.ValueAndGrad(lossOfPred(nn.BCEWithLogits, []int{n}, yb), zb.Data())
		want, wantGrad = refBCE(zb.Data(), yb.Data())
		if relErr(got, want) > 1e-14 || maxRelErr(gotGrad, wantGrad) > 1e-14 {
			t.Errorf("BCEWithLogits n=%d: loss %v, want %v; gradient %v, want %v", n, got, want, gotGrad, wantGrad)
		}

		p, q := tensor.RandNormal(rng, n), tensor.RandNormal(rng, n)
		got, gotGrad = ad.ValueAndGrad(lossOfPred(nn.MSE, []int{n}, q), p.Data())
		want = 0
		wantGrad = make([]float64, n)
		for i := range n {
			r := p.Data()[i] - q.Data()[i]
			want += r * r / float64(n)
			wantGrad[i] = 2 * r / float64(n)
		}
		if relErr(got, want) > 1e-14 || maxRelErr(gotGrad, wantGrad) > 1e-14 {
			t.Errorf("MSE n=%d: loss %v, want %v; gradient %v, want %v", n, got, want, gotGrad, wantGrad)
		}
	}
}

// TestLossValues checks exact values, including logits where the textbook
// formulas overflow or lose every digit.
func TestLossValues(t *testing.T) {
	cases := []struct {
		name   string
		loss   nn.Loss
		shape  []int
		pred   []float64
		target []float64
		want   float64
	}{
		{"MSE", nn.MSE, []int{2}, []float64{1, 2}, []float64{0, 0}, 2.5},
		{"CE/uniform", nn.CrossEntropy, []int{2, 4}, []float64{3, 3, 3, 3, -1, -1, -1, -1}, []float64{0, 3}, math.Log(4)},
		{"CE/confident right", nn.CrossEntropy, []int{1, 3}, []float64{1000, 0, -1000}, []float64{0}, 0},
		{"CE/confident wrong", nn.CrossEntropy, []int{1, 3}, []float64{1000, 0, -1000}, []float64{2}, 2000},
		{"BCE/zero logit", nn.BCEWithLogits, []int{1}, []float64{0}, []float64{1}, math.Log(2)},
		{"BCE/confident right", nn.BCEWithLogits, []int{2}, []float64{800, -800}, []float64{1, 0}, 0},
		{"BCE/confident wrong", nn.BCEWithLogits, []int{2}, []float64{800, -800}, []float64{0, 1}, 800},
		{"BCE/soft target", nn.BCEWithLogits, []int{1}, []float64{40}, []float64{0.5}, 20 + math.Log1p(math.Exp(-40))},
	}
	for _, c := range cases {
		tp := graph.NewTape()
		pred := tp.Var(tensor.New(c.pred, c.shape...))
		tshape := c.shape // labels of a cross-entropy have one per row
		if len(c.target) != len(c.pred) {
			tshape = []int{len(c.target)}
		}
		l := c.loss(pred, tensor.New(c.target, tshape...))
		g := ad.Grad(l, pred)[0].Value().Data()
		if relErr(l.Item(), c.want) > 1e-15 {
			t.Errorf("%s: loss %v, want %v", c.name, l.Item(), c.want)
		}
		for _, v := range g {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s: gradient %v", c.name, g)
			}
		}
	}
}

func TestLossPanics(t *testing.T) {
	tp := graph.NewTape()
	v := tp.Var(tensor.Zeros(2, 3))
	mustPanic(t, "MSE broadcast", "shape", func() { nn.MSE(v, tensor.Zeros(2, 1)) })
	mustPanic(t, "CE fractional", "label 1.5", func() { nn.CrossEntropy(v, tensor.FromSlice([]float64{0, 1.5})) })
	mustPanic(t, "CE range", "label 3", func() { nn.CrossEntropy(v, tensor.FromSlice([]float64{3, 0})) })
	mustPanic(t, "CE negative", "label -1", func() { nn.CrossEntropy(v, tensor.FromSlice([]float64{0, -1})) })
	mustPanic(t, "CE NaN", "label NaN", func() { nn.CrossEntropy(v, tensor.FromSlice([]float64{0, math.NaN()})) })
	mustPanic(t, "CE rows", "labels shape", func() { nn.CrossEntropy(v, tensor.Zeros(3)) })
	mustPanic(t, "CE rank", "logits shape", func() { nn.CrossEntropy(tp.Var(tensor.Zeros(6)), tensor.Zeros(6)) })
	mustPanic(t, "BCE range", "target 1.5", func() { nn.BCEWithLogits(v, tensor.Full(1.5, 2, 3)) })
	mustPanic(t, "BCE shape", "shape", func() { nn.BCEWithLogits(v, tensor.Zeros(3, 2)) })
}
