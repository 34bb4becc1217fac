package graph

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor"
)

// ---- Fused softmax and softmax cross-entropy ----
//
// Softmax along the last axis and the cross-entropy of logits against
// integer labels, each one op with its own rules instead of the five to
// eight ops of their compositions: one pass over the logits forward, one
// (softmax − one-hot) product backward.

// softmaxLast records softmax(x) along x's last axis as one op: per row,
// p = exp(x − max x) / Σ exp(x − max x). Its JVP is ṗ = p⊙(ẋ − Σ p⊙ẋ) and
// its VJP p⊙(g − Σ g⊙p), row by row. When logS is not nil, logS[i] is set
// to the log of row i's shifted sum Σ exp(x − max x), and shift[i] to its
// maximum.
func softmaxLast(x *Node, shift, logS []float64) *Node {
	n := unaryNode(softmaxOp, x, x.Shape())
	tensor.SoftmaxTo(n.val(), x.val(), shift, logS)
	return x.tape.record(n)
}

// lastDim returns the length of the last axis (1 for a scalar).
func lastDim(shape []int) int {
	if len(shape) == 0 {
		return 1
	}
	return shape[len(shape)-1]
}

var softmaxOp = new(Op)

func init() {
	*softmaxOp = Op{
		Name: "Softmax",
		JVP: func(n *Node, dst *tensor.Tensor) { // ṗ = p⊙(ẋ − Σ p⊙ẋ)
			p, dx, d := n.val().Data(), n.in[0].tan().Data(), dst.Data()
			c := lastDim(n.Shape())
			for r := 0; r < len(p); r += c {
				s := 0.0
				for j := r; j < r+c; j++ {
					s += p[j] * dx[j]
				}
				for j := r; j < r+c; j++ {
					d[j] = p[j] * (dx[j] - s)
				}
			}
		},
		VJP: func(n, g *Node, adj *Adjoints) { // p⊙(g − Σ g⊙p)
			adj.Add(0, Mul(n, Sub(g, SumAxis(Mul(g, n), -1, true))))
		},
	}
}

// SoftmaxCrossEntropy records the mean cross-entropy of the rows of the
// logits x, of shape [rows, classes], against integer labels (one class
// index per row):
//
//	−(1/rows) Σᵢ log softmax(xᵢ)[labels[i]],
//
// as one op instead of LogSoftmax, a one-hot product and a sum. Each row
// is shifted by its maximum before exponentiating, so it neither
// overflows nor loses the log of tiny probabilities. Its gradient is
// (softmax(x) − onehot)/rows, and its Hessian-vector products pass through
// the softmax (recorded with it, one more op). It costs one exp per
// element forward and one pass backward; labels is copied.
func SoftmaxCrossEntropy(x *Node, labels []int) *Node {
	shape := x.Shape()
	if len(shape) != 2 || len(labels) != shape[0] || shape[1] == 0 {
		panic(fmt.Sprintf("graph: SoftmaxCrossEntropy: %d labels for logits of shape %v (want [rows classes] and one label per row)", len(labels), shape))
	}
	rows, c := shape[0], shape[1]
	for i, j := range labels {
		if j < 0 || j >= c {
			panic(fmt.Sprintf("graph: SoftmaxCrossEntropy: label %d of row %d out of range for shape %v", j, i, shape))
		}
	}
	tmp := x.tape.allocFloats(2 * rows) // scratch on the tape, reused after Reset
	shift, logS := tmp[:rows], tmp[rows:]
	p := softmaxLast(x, shift, logS)
	n := binaryNode(softmaxCEOp, x, p, nil)
	n.params().idx = append([]int(nil), labels...)
	xd := x.val().Data()
	loss := 0.0
	for i, j := range labels {
		loss += logS[i] - (xd[i*c+j] - shift[i]) // −log p_j, without rounding x_j − (m + log s)
	}
	n.val().Data()[0] = loss / float64(rows)
	return x.tape.record(n)
}

var softmaxCEOp = new(Op)

func init() {
	*softmaxCEOp = Op{
		Name: "SoftmaxCrossEntropy",
		JVP: func(n *Node, dst *tensor.Tensor) { // (1/rows) Σ (p − y)⊙ẋ
			dx := n.in[0].tan()
			if dx == nil { // the softmax input carries no derivative of its own
				dst.Fill(0)
				return
			}
			p, d := n.in[1].val().Data(), dx.Data()
			c := lastDim(n.in[0].Shape())
			s := 0.0
			for i, j := range n.p.idx {
				r := i * c
				for k := r; k < r+c; k++ {
					s += p[k] * d[k]
				}
				s -= d[r+j]
			}
			dst.Data()[0] = s / float64(len(n.p.idx))
		},
		VJP: func(n, g *Node, adj *Adjoints) { // (p − y)·g/rows; nothing flows to p
			if !adj.Need(0) {
				return
			}
			adj.Add(0, Mul(subOneHot(n.in[1], n.p.idx), Scale(g, 1/float64(len(n.p.idx)))))
		},
	}
}

// subOneHot records p − onehot(labels) for a matrix p with one label per
// row: a copy of p with 1 taken from one element of each row. Its JVP is
// ṗ and its VJP g. labels is retained, not copied.
func subOneHot(p *Node, labels []int) *Node {
	n := unaryNode(subOneHotOp, p, p.Shape())
	subOneHotTo(n.val(), p.val(), labels)
	n.params().idx = labels
	return p.tape.record(n)
}

func subOneHotTo(dst, p *tensor.Tensor, labels []int) {
	d := dst.Data()
	copy(d, p.Data())
	c := lastDim(p.Shape())
	for i, j := range labels {
		d[i*c+j]--
	}
}

var subOneHotOp = new(Op)

func init() {
	*subOneHotOp = Op{
		Name: "SubOneHot",
		JVP:  func(n *Node, dst *tensor.Tensor) { copy(dst.Data(), n.in[0].tan().Data()) },
		VJP:  func(n, g *Node, adj *Adjoints) { adj.Add(0, g) },
	}
}
