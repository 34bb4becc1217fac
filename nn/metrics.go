package nn

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// ArgMax returns, for each row of scores (of shape [batch, classes]), the
// index of its largest element: the predicted class of a row of logits or
// probabilities. Ties go to the smallest index; NaN is never the largest,
// and a row of NaNs only gives −1 (a prediction that matches no label). It
// costs one pass over scores.
func ArgMax(scores *tensor.Tensor) []int {
	s := scores.Shape()
	if len(s) != 2 || s[1] == 0 {
		panic(fmt.Sprintf("nn: ArgMax: scores of shape %v: want [batch classes] with classes ≥ 1", s))
	}
	data := scores.Data()
	out := make([]int, s[0])
	for i := range out {
		row := data[i*s[1] : (i+1)*s[1]]
		best, at := math.Inf(-1), -1
		for j, v := range row {
			if v > best || (at < 0 && v == best) {
				best, at = v, j
			}
		}
		out[i] = at
	}
	return out
}

// PredictClasses returns the class that m predicts for each row of x,
// computed over batches of batchSize rows (0 meaning all at once), forward
// passes only: ArgMax of the outputs when they have several columns
// (logits, as for CrossEntropy), and for a single output column (a logit,
// as for BCEWithLogits) 1 where it is positive and 0 elsewhere (NaN
// included).
func PredictClasses(m Model, x *tensor.Tensor, batchSize int) []int {
	if batchSize < 0 {
		panic(fmt.Sprintf("nn: PredictClasses: batch size %d", batchSize))
	}
	if len(x.Shape()) == 0 {
		panic("nn: PredictClasses: scalar input")
	}
	n := x.Dim(0)
	out := make([]int, 0, n)
	if n == 0 {
		return out
	}
	if batchSize == 0 {
		batchSize = n
	}
	tp := graph.NewTape()
	params := m.Params()
	d := &Dataset{X: x, Y: tensor.Zeros(n)}
	for it := d.Batches(batchSize, nil); it.Next(); {
		tp.Reset()
		y := m.Forward(consts(tp, params), tp.Const(it.X())).Value()
		s := y.Shape()
		switch {
		case len(s) == 2 && s[1] > 1:
			out = append(out, ArgMax(y)...)
		case (len(s) == 2 && s[1] == 1) || len(s) == 1:
			for _, v := range y.Data() {
				c := 0
				if v > 0 {
					c = 1
				}
				out = append(out, c)
			}
		default:
			panic(fmt.Sprintf("nn: PredictClasses: the model's output has shape %v: want [batch classes], [batch 1] or [batch]", s))
		}
	}
	return out
}

// Accuracy returns the fraction of the examples of d whose class m
// predicts (see PredictClasses) equals their label: d.Y of shape [n] or
// [n 1], holding class indices. It is forward passes only, over batches of
// batchSize rows (0 meaning all at once). It panics on a label that is not
// a whole number ≥ 0, or on an empty dataset.
func Accuracy(m Model, d *Dataset, batchSize int) float64 {
	d.check("Accuracy")
	n := d.Len()
	if n == 0 {
		panic("nn: Accuracy: empty dataset")
	}
	if !labelShape(d.Y.Shape(), n) {
		panic(fmt.Sprintf("nn: Accuracy: labels of shape %v: want [%d] or [%d 1]", d.Y.Shape(), n, n))
	}
	labels := d.Y.Data()
	for i, v := range labels {
		if v != math.Trunc(v) || v < 0 {
			panic(fmt.Sprintf("nn: Accuracy: label %v at row %d is not a class index", v, i))
		}
	}
	right := 0
	for i, c := range PredictClasses(m, d.X, batchSize) {
		if float64(c) == labels[i] {
			right++
		}
	}
	return float64(right) / float64(n)
}
