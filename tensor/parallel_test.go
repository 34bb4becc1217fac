package tensor

import (
	"runtime"
	"testing"

	"github.com/curvature-go/curvature/tensor/internal/vec"
)

// TestParallelBitwise checks that the operations split over goroutines give
// the same bits with GOMAXPROCS 1 and 2, on the shapes of a training step
// (a 128×784 batch through 256 units and 10 classes) and of the extended
// Rosenbrock function at n = 10⁶ (strided halves of 5·10⁵ elements), and
// that at GOMAXPROCS 2 those sizes are indeed split.
func TestParallelBitwise(t *testing.T) {
	rng := newRNG(110)
	const batch, in, hid, classes, n = 128, 784, 256, 10, 1000000
	xb := offsetTensor(rng, 1, batch, in)
	w1 := randNormal(rng, in, hid)
	b1 := offsetTensor(rng, 2, hid)
	h := offsetTensor(rng, 3, batch, hid)
	g := offsetTensor(rng, 0, batch, hid)
	w3 := randNormal(rng, hid, classes)
	g3 := randNormal(rng, batch, classes)
	col := offsetTensor(rng, 1, batch, 1)
	x := offsetTensor(rng, 1, n)
	half := offsetTensor(rng, 3, n/2)
	scalar := Scalar(0.75)
	small := offsetTensor(rng, 0, 16, hid)
	run := func() [][]float64 {
		var out [][]float64
		add := func(ts ...*Tensor) {
			for _, t := range ts {
				out = append(out, t.Data())
			}
		}
		// Training step.
		add(Tanh(h), Exp(h), Log(h), Sigmoid(h), TanhGradTo(nil, g, h), SigmoidGradTo(nil, g, h))
		add(Tanh(small), Exp(small)) // at heavyParallelMin
		add(BroadcastTo(b1, []int{batch, hid}), BroadcastTo(col, []int{batch, hid}), BroadcastTo(scalar, []int{batch, hid}))
		add(SumTo(g, []int{hid}), SumTo(g, []int{batch, 1}), SumAxis(g, 0, false), SumAxis(g, 1, false))
		add(SoftmaxTo(nil, h, nil, nil), SoftmaxTo(nil, g3, nil, nil))
		add(MatMul(xb, w1), MatMulT(xb, g, true, false), MatMulT(g, w1, false, true))
		add(MatMul(h, w3), MatMulT(h, g3, true, false), MatMulT(g3, w3, false, true))
		c := BroadcastTo(b1, []int{batch, hid})
		add(MatMulAddTo(c, xb, w1, false, false))
		add(Add(h, b1), Mul(h, g), Add(h, col))
		w1c := Zeros(in, hid) // Tape.Var's copy of the weights
		w1c.CopyFrom(w1)
		add(w1c, h.Clone())
		// The weights' size (2¹⁷ < 784·256 < 2¹⁸): an update and its sums.
		add(Add(w1, w1c), Mul(w1, w1c), Square(w1), Scalar(SumAll(w1)), Scalar(Dot(w1, w1c)))
		// Rosenbrock at n = 10⁶.
		odd, even := Slice(x, 0, 0, n, 2), Slice(x, 0, 1, n, 2)
		add(odd, even, Square(odd), Sub(even, Square(odd)), AddScalar(Neg(odd), 1), Scale(half, 100))
		add(MulScaledTo(nil, 2, half, odd), BroadcastTo(scalar, []int{n / 2}), x.Clone(), Full(-0.5, n))
		acc := Zeros(n)
		UnsliceAccTo(acc, half, 0, 0, n, 2)
		UnsliceAccTo(acc, odd, 0, 1, n, 2)
		add(acc, UnsliceTo(nil, half, []int{n}, 0, 1, n, 2), Slice(x, 0, 0, n, 1))
		cp := Full(1, n)
		cp.Fill(0)
		add(cp.Clone())
		cp.CopyFrom(x)
		add(cp, Scalar(SumAll(x)), Scalar(Dot(odd, even)), Scalar(SumAll(half)))
		return out
	}
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	one := run()
	runtime.GOMAXPROCS(2)
	if w := vec.Workers(n / 2); w < 2 {
		t.Errorf("vec.Workers(%d) = %d with GOMAXPROCS=2: the Rosenbrock halves are not split", n/2, w)
	}
	if w, ws := vec.Workers(in*hid), vec.SumWorkers(in*hid); w < 2 || ws < 2 {
		t.Errorf("vec.Workers(%d) = %d, vec.SumWorkers = %d with GOMAXPROCS=2: the weights' kernels are not split", in*hid, w, ws)
	}
	if w := vec.WorkersFrom(small.Size(), heavyParallelMin); w < 2 {
		t.Errorf("a %v Tanh is not split with GOMAXPROCS=2", small.Shape())
	}
	if w := vec.WorkersFrom(batch*hid, heavyParallelMin); w < 2 {
		t.Errorf("a %d×%d Tanh is not split with GOMAXPROCS=2", batch, hid)
	}
	if w := vec.WorkersFrom(batch*hid, copyParallelMin); w < 2 {
		t.Errorf("a %d×%d copy is not split with GOMAXPROCS=2", batch, hid)
	}
	for range 3 { // the ranges go to whichever goroutine takes them first
		two := run()
		for k := range one {
			if len(one[k]) != len(two[k]) {
				t.Fatalf("result %d: %d elements with one goroutine, %d with two", k, len(one[k]), len(two[k]))
			}
			for i := range one[k] {
				if !sameBits(one[k][i], two[k][i]) {
					t.Fatalf("result %d, element %d: %v with one goroutine, %v with two", k, i, one[k][i], two[k][i])
				}
			}
		}
	}
}

// TestFillLong checks fill at lengths around its block and beyond
// TestFill's, with −0, which must keep its sign.
func TestFillLong(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, fillBlock - 1, fillBlock, fillBlock + 1, 2*fillBlock - 1, 2 * fillBlock, 5000, 1 << 19} {
		for _, v := range []float64{2.5, negZero} {
			out := make([]float64, n)
			fill(out, v)
			for i, x := range out {
				if !sameBits(x, v) {
					t.Fatalf("fill(%d elements, %v): element %d is %v", n, v, i, x)
				}
			}
		}
	}
}
