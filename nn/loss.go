package nn

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// Loss records a scalar loss from a model's output pred and constant
// targets. The losses of this package are means over the examples (rows)
// of a batch, which Fit and Evaluate rely on to average over batches of
// different sizes.
type Loss func(pred *graph.Node, target *tensor.Tensor) *graph.Node

// MSE records the mean squared error mean((pred − target)²) over all
// elements. target must have pred's shape (no broadcasting, which would
// silently turn [n] against [n 1] into an n×n comparison).
func MSE(pred *graph.Node, target *tensor.Tensor) *graph.Node {
	if !tensor.SameShape(pred.Shape(), target.Shape()) {
		panic(fmt.Sprintf("nn: MSE: prediction shape %v, target shape %v", pred.Shape(), target.Shape()))
	}
	return graph.Mean(graph.Square(graph.Sub(pred, pred.Tape().Const(target))))
}

// CrossEntropy records the softmax cross-entropy of logits of shape
// [batch, classes] against integer class labels (target of shape [batch]
// or [batch 1], holding whole numbers in [0, classes)):
//
//	−(1/batch) Σ_i log softmax(logits_i)[label_i].
//
// It is recorded as one graph.SoftmaxCrossEntropy, which subtracts each
// row's maximum before exponentiating, so it neither overflows nor loses
// the log of tiny probabilities; its gradient is (softmax − onehot)/batch.
// It panics on a label that is not a class index.
func CrossEntropy(logits *graph.Node, target *tensor.Tensor) *graph.Node {
	s := logits.Shape()
	if len(s) != 2 || !labelShape(target.Shape(), s[0]) {
		panic(fmt.Sprintf("nn: CrossEntropy: logits shape %v, labels shape %v: want [batch classes] and [batch]", s, target.Shape()))
	}
	labels := make([]int, s[0])
	for i, v := range target.Data() {
		if v != math.Trunc(v) || v < 0 || v >= float64(s[1]) {
			panic(fmt.Sprintf("nn: CrossEntropy: label %v at row %d is not a class in [0, %d)", v, i, s[1]))
		}
		labels[i] = int(v)
	}
	return graph.SoftmaxCrossEntropy(logits, labels)
}

func labelShape(t []int, batch int) bool {
	return (len(t) == 1 && t[0] == batch) || (len(t) == 2 && t[0] == batch && t[1] == 1)
}

// BCEWithLogits records the binary cross-entropy of probabilities
// sigmoid(z) against targets y in [0, 1] of z's shape, averaged over all
// elements, in the stable form
//
//	mean(softplus(z) − y·z),
//
// which equals −y·log σ(z) − (1−y)·log(1−σ(z)) but never takes the log of
// a probability that rounded to 0 or 1: it stays finite and accurate for
// any finite z. Its gradient is (σ(z) − y)/size. It panics on a target
// outside [0, 1].
func BCEWithLogits(z *graph.Node, target *tensor.Tensor) *graph.Node {
	if !tensor.SameShape(z.Shape(), target.Shape()) {
		panic(fmt.Sprintf("nn: BCEWithLogits: logits shape %v, target shape %v", z.Shape(), target.Shape()))
	}
	for i, v := range target.Data() {
		if !(v >= 0 && v <= 1) {
			panic(fmt.Sprintf("nn: BCEWithLogits: target %v at %d outside [0, 1]", v, i))
		}
	}
	return graph.Mean(graph.Sub(graph.Softplus(z), graph.Mul(z.Tape().Const(target), z)))
}
