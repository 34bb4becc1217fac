package nn_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// indexed returns a dataset of n rows in which row i of X is [i, 100+i]
// and Y[i] = i, so every batch reveals which rows it holds.
func indexed(n int) *nn.Dataset {
	x, y := tensor.Zeros(n, 2), tensor.Zeros(n)
	for i := range n {
		x.Set(float64(i), i, 0)
		x.Set(float64(100+i), i, 1)
		y.Set(float64(i), i)
	}
	return nn.NewDataset(x, y)
}

// epoch runs one pass and returns the row indices per batch, checking
// that X and Y stay aligned.
func epoch(t *testing.T, it *nn.Batches) [][]int {
	t.Helper()
	var out [][]int
	for it.Next() {
		if it.Index() != len(out) {
			t.Fatalf("Index() = %d at batch %d", it.Index(), len(out))
		}
		x, y := it.X(), it.Y()
		var rows []int
		for r := 0; r < x.Dim(0); r++ {
			i := int(y.At(r))
			if x.At(r, 0) != float64(i) || x.At(r, 1) != float64(100+i) {
				t.Fatalf("batch %d row %d: X %v does not match Y %d", it.Index(), r, []float64{x.At(r, 0), x.At(r, 1)}, i)
			}
			rows = append(rows, i)
		}
		out = append(out, rows)
	}
	return out
}

func TestBatches(t *testing.T) {
	cases := []struct{ n, size, batches, last int }{
		{10, 3, 4, 1}, {10, 5, 2, 5}, {10, 10, 1, 10}, {10, 64, 1, 10}, {1, 1, 1, 1},
	}
	for _, c := range cases {
		for _, shuffled := range []bool{false, true} {
			name := fmt.Sprintf("n=%d/size=%d/shuffled=%v", c.n, c.size, shuffled)
			d := indexed(c.n)
			rng := newRNG(11)
			if !shuffled {
				rng = nil
			}
			it := d.Batches(c.size, rng)
			if it.Len() != c.batches {
				t.Errorf("%s: Len() = %d, want %d", name, it.Len(), c.batches)
			}
			bs := epoch(t, it)
			if len(bs) != c.batches || len(bs[len(bs)-1]) != c.last {
				t.Errorf("%s: %d batches, last of %d rows; want %d and %d", name, len(bs), len(bs[len(bs)-1]), c.batches, c.last)
			}
			all := slices.Concat(bs...)
			if !shuffled {
				if !slices.IsSorted(all) {
					t.Errorf("%s: unshuffled order %v", name, all)
				}
			}
			slices.Sort(all)
			for i, v := range all {
				if v != i {
					t.Fatalf("%s: rows %v: not each row exactly once", name, all)
				}
			}
			if it.Next() {
				t.Errorf("%s: Next after the end returned true", name)
			}
		}
	}
}

func TestBatchesSeeded(t *testing.T) {
	d := indexed(50)
	r1, r2 := newRNG(12), newRNG(12)
	e1, e2 := epoch(t, d.Batches(7, r1)), epoch(t, d.Batches(7, r2))
	if fmt.Sprint(e1) != fmt.Sprint(e2) {
		t.Errorf("the same seed gave different epochs")
	}
	next := epoch(t, d.Batches(7, r1))
	if fmt.Sprint(next) == fmt.Sprint(e1) {
		t.Errorf("two epochs from one generator had the same order")
	}
	if fmt.Sprint(epoch(t, d.Batches(7, newRNG(13)))) == fmt.Sprint(e1) {
		t.Errorf("different seeds gave the same order")
	}
}

func TestDataset(t *testing.T) {
	d := indexed(6)
	if d.Len() != 6 {
		t.Fatalf("Len() = %d", d.Len())
	}
	s := d.Subset([]int{4, 1, 1})
	if got := fmt.Sprint(s.Y.Data(), s.X.Data()); got != "[4 1 1] [4 104 1 101 1 101]" {
		t.Errorf("Subset gave %s", got)
	}
	s.X.Data()[0] = -1 // a copy
	if d.X.At(4, 0) != 4 {
		t.Errorf("Subset shares storage")
	}
	mustPanic(t, "rows", "same number of rows", func() { nn.NewDataset(tensor.Zeros(3, 2), tensor.Zeros(4)) })
	mustPanic(t, "scalar", "same number of rows", func() { nn.NewDataset(tensor.Scalar(1), tensor.Scalar(1)) })
	mustPanic(t, "Subset", "out of range", func() { d.Subset([]int{6}) })
	mustPanic(t, "Batches", "batch size", func() { d.Batches(0, nil) })
}
