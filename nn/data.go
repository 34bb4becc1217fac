package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/curvature-go/curvature/tensor"
)

// Dataset is a set of examples held in memory: row i of X (its first
// dimension) is the input of example i and row i of Y its target. It
// refers to X and Y without copying them.
type Dataset struct {
	// X holds the inputs and Y the targets, one example per row.
	X, Y *tensor.Tensor
}

// NewDataset returns the dataset of inputs x and targets y. It panics
// unless both have at least one dimension and the same number of rows.
// x and y are not copied: they must not change while the dataset is used.
func NewDataset(x, y *tensor.Tensor) *Dataset {
	d := &Dataset{X: x, Y: y}
	d.check("NewDataset")
	return d
}

func (d *Dataset) check(op string) {
	if d == nil || d.X == nil || d.Y == nil {
		panic(fmt.Sprintf("nn: %s: nil dataset or tensor", op))
	}
	xs, ys := d.X.Shape(), d.Y.Shape()
	if len(xs) == 0 || len(ys) == 0 || xs[0] != ys[0] {
		panic(fmt.Sprintf("nn: %s: inputs of shape %v and targets of shape %v: want the same number of rows", op, xs, ys))
	}
}

// Len returns the number of examples.
func (d *Dataset) Len() int { return d.X.Dim(0) }

// Subset returns a new dataset holding copies of the examples idx, in that
// order (an index may repeat). With idx from rng.Perm it splits a dataset
// into training and held-out parts.
func (d *Dataset) Subset(idx []int) *Dataset {
	d.check("Dataset.Subset")
	n := d.Len()
	for i, j := range idx {
		if j < 0 || j >= n {
			panic(fmt.Sprintf("nn: Dataset.Subset: index %d at %d out of range [0,%d)", j, i, n))
		}
	}
	return &Dataset{X: gather(d.X, idx, nil), Y: gather(d.Y, idx, nil)}
}

// gather returns the rows idx of t, using buf for storage when it is large
// enough.
func gather(t *tensor.Tensor, idx []int, buf []float64) *tensor.Tensor {
	row := rowSize(t)
	if cap(buf) < len(idx)*row {
		buf = make([]float64, len(idx)*row)
	}
	buf = buf[:len(idx)*row]
	src := t.Data()
	for i, j := range idx {
		copy(buf[i*row:(i+1)*row], src[j*row:(j+1)*row])
	}
	shape := append([]int{len(idx)}, t.Shape()[1:]...)
	return tensor.New(buf, shape...)
}

func rowSize(t *tensor.Tensor) int {
	if t.Dim(0) == 0 {
		return 0
	}
	return t.Size() / t.Dim(0)
}

// Batches is an iterator over one pass (epoch) of a dataset in mini-batches:
//
//	for it := d.Batches(32, rng); it.Next(); {
//		x, y := it.X(), it.Y()
//		...
//	}
type Batches struct {
	d      *Dataset
	order  []int
	size   int
	pos    int
	index  int
	x, y   *tensor.Tensor
	xb, yb []float64
}

// Batches returns an iterator over the examples of d in batches of size
// rows (the last batch holds the remainder). With a non-nil rng the order
// is a fresh random permutation drawn from it, so a seeded rng gives a
// repeatable sequence of epochs; with a nil rng it is the stored order.
// Each batch is copied into buffers owned by the iterator, O(size·row) per
// batch.
func (d *Dataset) Batches(size int, rng *rand.Rand) *Batches {
	d.check("Dataset.Batches")
	if size <= 0 {
		panic(fmt.Sprintf("nn: Dataset.Batches: batch size %d", size))
	}
	var order []int
	if rng != nil {
		order = rng.Perm(d.Len())
	} else {
		order = make([]int, d.Len())
		for i := range order {
			order[i] = i
		}
	}
	return &Batches{d: d, order: order, size: size, index: -1}
}

// Len returns the number of batches in the pass.
func (b *Batches) Len() int { return (len(b.order) + b.size - 1) / b.size }

// Next advances to the next batch and reports whether there is one.
func (b *Batches) Next() bool {
	if b.pos >= len(b.order) {
		b.x, b.y = nil, nil
		return false
	}
	end := min(b.pos+b.size, len(b.order))
	idx := b.order[b.pos:end]
	b.x = gather(b.d.X, idx, b.xb)
	b.y = gather(b.d.Y, idx, b.yb)
	b.xb, b.yb = b.x.Data(), b.y.Data()
	b.pos = end
	b.index++
	return true
}

// Index returns the position of the current batch in the pass, from 0.
func (b *Batches) Index() int { return b.index }

// X returns the inputs of the current batch. They are valid until the
// next call of Next.
func (b *Batches) X() *tensor.Tensor { return b.x }

// Y returns the targets of the current batch. They are valid until the
// next call of Next.
func (b *Batches) Y() *tensor.Tensor { return b.y }
