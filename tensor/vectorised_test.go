package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/tensor/internal/vec"
)

// The tests in this file exercise the vectorised paths: rows long enough
// for the assembly's groups of four and sixteen and every tail, operands
// whose storage starts 1–3 elements into an allocation (unaligned), special
// values, and sizes that split over goroutines. Every element-wise result
// must equal the coordinate-wise reference of ref_test.go bit for bit.

// rowLengths are the lengths of the last dimension tried: every length
// from 0 to 67 (the kernels' groups of four and sixteen with every tail)
// and two longer ones.
var rowLengths = func() []int {
	var ns []int
	for n := 0; n <= 67; n++ {
		ns = append(ns, n)
	}
	return append(ns, 100, 257)
}()

// vecSpecials are mixed into test data.
var vecSpecials = []float64{nan, inf, -inf, 0, negZero, math.SmallestNonzeroFloat64, -0x1p-1030, math.MaxFloat64, -math.MaxFloat64}

// offsetTensor returns a tensor of shape whose storage begins off elements
// into its allocation, filled with normal values and about one special
// value in six.
func offsetTensor(rng *rand.Rand, off int, shape ...int) *Tensor {
	n := refSize(shape)
	d := make([]float64, n+off)[off:]
	for i := range d {
		if rng.IntN(6) == 0 {
			d[i] = vecSpecials[rng.IntN(len(vecSpecials))]
		} else {
			d[i] = 3 * rng.NormFloat64()
		}
	}
	return New(d, shape...)
}

// broadcastPatterns returns, for a last dimension of length n, operand
// shape pairs for every pattern the kernels distinguish: same shape, scalar
// with tensor either way, a row broadcast down a matrix either way, a
// column broadcast across it, an outer product of a column and a row, and a
// broadcast of a middle dimension.
func broadcastPatterns(n int) [][2][]int {
	return [][2][]int{
		{{3, n}, {3, n}},
		{{n}, {n}},
		{nil, {3, n}},
		{{3, n}, nil},
		{{1}, {2, n}},
		{{3, n}, {n}},
		{{n}, {3, n}},
		{{3, n}, {3, 1}},
		{{3, 1}, {3, n}},
		{{3, 1}, {1, n}},
		{{2, 1, n}, {2, 3, n}},
		{{2, 3, n}, {3, 1}},
	}
}

func TestBinaryVectorised(t *testing.T) {
	rng := newRNG(101)
	ops := append(append([]binaryCase(nil), binaryOps...), binaryCase{"MulAcc", nil, nil, nil})
	for _, op := range ops {
		for _, n := range rowLengths {
			for pi, p := range broadcastPatterns(n) {
				off := (pi + n) % 4
				a, b := offsetTensor(rng, off, p[0]...), offsetTensor(rng, (off+1)%4, p[1]...)
				what := fmt.Sprintf("%s(%v, %v) offsets %d,%d", op.name, p[0], p[1], off, (off+1)%4)
				if op.name == "MulAcc" {
					shape, prod := refBinary(func(x, y float64) float64 { return x * y }, a, b)
					dst := offsetTensor(rng, (off+2)%4, shape...)
					want := make([]float64, len(prod))
					for i := range want {
						want[i] = dst.Data()[i] + prod[i]
					}
					MulAccTo(dst, a, b)
					checkData(t, what, dst.Data(), want)
					continue
				}
				shape, want := refBinary(op.ref, a, b)
				dst := offsetTensor(rng, (off+3)%4, shape...)
				op.to(dst, a, b)
				checkSignedData(t, what, dst.Data(), want)
				if SameShape(a.Shape(), shape) {
					x := a.Clone()
					op.to(x, x, b)
					checkSignedData(t, what+" into a", x.Data(), want)
				}
			}
		}
	}
}

// checkSignedData is checkData that also tells +0 from −0.
func checkSignedData(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !sameBits(got[i], want[i]) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestUnaryVectorised(t *testing.T) {
	rng := newRNG(102)
	cases := []struct {
		name string
		f    func(dst, x *Tensor) *Tensor
		ref  func(float64) float64
	}{
		{"Neg", func(d, x *Tensor) *Tensor { return ApplyTo(OpNeg, d, x) }, func(v float64) float64 { return -v }},
		{"Square", func(d, x *Tensor) *Tensor { return ApplyTo(OpSquare, d, x) }, func(v float64) float64 { return v * v }},
		{"Recip", func(d, x *Tensor) *Tensor { return ApplyTo(OpRecip, d, x) }, func(v float64) float64 { return 1 / v }},
		{"Pow2", func(d, x *Tensor) *Tensor { return PowTo(d, x, 2) }, func(v float64) float64 { return v * v }},
		{"Pow-1", func(d, x *Tensor) *Tensor { return PowTo(d, x, -1) }, func(v float64) float64 { return 1 / v }},
		{"Pow0", func(d, x *Tensor) *Tensor { return PowTo(d, x, 0) }, func(v float64) float64 { return 1 }},
		{"Relu", func(d, x *Tensor) *Tensor { return ApplyTo(OpRelu, d, x) }, func(v float64) float64 { return math.Max(v, 0) }},
		{"Step", func(d, x *Tensor) *Tensor { return ApplyTo(OpStep, d, x) }, refStep},
		{"MaskMul", func(d, x *Tensor) *Tensor { return MaskMulTo(d, x, ApplyTo(OpStep, nil, x)) }, func(v float64) float64 {
			if v > 0 {
				return v
			}
			return 0
		}},
		{"MaskMul by −2", func(d, x *Tensor) *Tensor { return MaskMulTo(d, x, Full(-2, x.Shape()...)) }, func(v float64) float64 { return v * -2 }},
		{"Scale", func(d, x *Tensor) *Tensor { return ScaleTo(d, x, -1.5) }, func(v float64) float64 { return -1.5 * v }},
		{"AddScalar", func(d, x *Tensor) *Tensor { return AddScalarTo(d, x, 0.25) }, func(v float64) float64 { return v + 0.25 }},
	}
	for _, c := range cases {
		for _, n := range rowLengths {
			for off := 0; off < 4; off++ {
				x := offsetTensor(rng, off, 2, n)
				want := make([]float64, x.Size())
				for i, v := range x.Data() {
					want[i] = c.ref(v)
				}
				what := fmt.Sprintf("%s n=%d offset %d", c.name, n, off)
				checkSignedData(t, what, c.f(offsetTensor(rng, 3-off, 2, n), x).Data(), want)
				checkSignedData(t, what+" in place", c.f(x, x).Data(), want)
			}
		}
	}
}

// refAccumulate returns dst + s·(a broadcast to dst's shape) element by
// element, the product rounded first.
func refAccumulate(dst, a *Tensor, s float64) []float64 {
	b := refBroadcastTo(a, dst.Shape())
	out := make([]float64, len(b))
	for i := range b {
		out[i] = dst.Data()[i] + float64(s*b[i])
	}
	return out
}

func TestAccumulateForms(t *testing.T) {
	rng := newRNG(103)
	for _, n := range rowLengths {
		for pi, p := range broadcastPatterns(n) {
			full, _ := refBroadcastShape(p[0], p[1])
			small := p[1]
			if !CanBroadcastTo(small, full) {
				continue
			}
			off := (pi + n) % 4
			what := fmt.Sprintf("%v into %v", small, full)
			a := offsetTensor(rng, off, small...)
			dst := offsetTensor(rng, (off+1)%4, full...)

			want := refAccumulate(dst, a, 1)
			got := dst.Clone()
			if AddInto(got, a) != got {
				t.Fatalf("AddInto did not return dst")
			}
			checkSignedData(t, "AddInto "+what, got.Data(), want)

			want = refAccumulate(dst, a, -0.75)
			got = dst.Clone()
			AxpyInto(got, -0.75, a)
			checkSignedData(t, "AxpyInto "+what, got.Data(), want)

			// BroadcastTo, and its adjoint SumTo/SumToAcc.
			checkSignedData(t, "BroadcastTo "+what, BroadcastToTo(offsetTensor(rng, 2, full...), a, full).Data(), refBroadcastTo(a, full))
			g := sumInput(rng, off, full...)
			sum := refSumTo(g, small)
			acc := a.Clone()
			wantAcc := make([]float64, len(sum))
			for i := range sum {
				wantAcc[i] = acc.Data()[i] + sum[i]
			}
			checkSum(t, "SumTo "+what, SumToTo(nil, g, small).Data(), sum, g)
			if SumToAcc(acc, g) != acc {
				t.Fatalf("SumToAcc did not return dst")
			}
			checkSum(t, "SumToAcc "+what, acc.Data(), wantAcc, g)
		}
	}
	testutil.MustPanic(t, "AddInto shapes", func() { AddInto(Zeros(3), Zeros(2, 3)) }, "tensor: AddInto", "[2 3]", "[3]")
	testutil.MustPanic(t, "AxpyInto nil", func() { AxpyInto(nil, 1, Zeros(3)) }, "tensor: AxpyInto", "nil")
	testutil.MustPanic(t, "SumToAcc shapes", func() { SumToAcc(Zeros(2), Zeros(3, 4)) }, "tensor: SumToAcc", "[2]", "[3 4]")
}

// sumInput is offsetTensor without the values (NaN, ±Inf, ±MaxFloat64)
// whose sums depend on the order of the additions beyond rounding.
func sumInput(rng *rand.Rand, off int, shape ...int) *Tensor {
	x := offsetTensor(rng, off, shape...)
	for i, v := range x.Data() {
		if math.IsNaN(v) || math.Abs(v) > 1e300 {
			x.Data()[i] = 0.5
		}
	}
	return x
}

// checkSum compares sums, which add in a different order from the
// sequential reference: within 1e-13·Σ|g| (equal where not finite).
func checkSum(t *testing.T, what string, got, want []float64, g *Tensor) {
	t.Helper()
	scale := 0.0
	for _, v := range g.Data() {
		scale += math.Abs(v)
	}
	for i, w := range want {
		if math.IsInf(w, 0) || math.IsNaN(w) {
			if !sameFloat(got[i], w) {
				t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], w)
			}
			continue
		}
		if !(math.Abs(got[i]-w) <= 1e-13*(scale+math.Abs(w))) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], w)
		}
	}
}

func TestMulAddTo(t *testing.T) {
	rng := newRNG(104)
	for _, n := range rowLengths {
		for pi, p := range broadcastPatterns(n) {
			off := (pi + n) % 4
			a, b := offsetTensor(rng, off, p[0]...), offsetTensor(rng, (off+1)%4, p[1]...)
			shape, prod := refBinary(func(x, y float64) float64 { return x * y }, a, b)
			for _, cs := range [][]int{shape, shape[min(1, len(shape)):], nil} {
				c := offsetTensor(rng, (off+2)%4, cs...)
				cb := refBroadcastTo(c, shape)
				want := make([]float64, len(prod))
				for i := range want {
					want[i] = prod[i] + cb[i]
				}
				what := fmt.Sprintf("MulAddTo(%v, %v, %v)", p[0], p[1], cs)
				checkSignedData(t, what, MulAddTo(nil, a, b, c).Data(), want)
				checkSignedData(t, what+" dst", MulAddTo(offsetTensor(rng, 1, shape...), a, b, c).Data(), want)
				if SameShape(a.Shape(), shape) {
					x := a.Clone()
					checkSignedData(t, what+" dst=a", MulAddTo(x, x, b, c).Data(), want)
				}
				if SameShape(cs, shape) {
					x := c.Clone()
					checkSignedData(t, what+" dst=c", MulAddTo(x, a, b, x).Data(), want)
				}
			}
		}
	}
	for _, n := range rowLengths {
		a, b, c := offsetTensor(rng, 1, 2, n), offsetTensor(rng, 2, 2, n), offsetTensor(rng, 3, 2, n)
		want, wantAcc := make([]float64, 2*n), make([]float64, 2*n)
		for i := range want {
			want[i] = float64(-2*a.Data()[i]) * b.Data()[i]
			wantAcc[i] = c.Data()[i] + want[i]
		}
		checkSignedData(t, fmt.Sprintf("MulScaledTo n=%d", n), MulScaledTo(nil, -2, a, b).Data(), want)
		checkSignedData(t, fmt.Sprintf("MulScaledAccTo n=%d", n), MulScaledAccTo(c, -2, a, b).Data(), wantAcc)
	}
	testutil.MustPanic(t, "MaskMulTo shapes", func() { MaskMulTo(nil, Zeros(2), Zeros(3)) }, "tensor: MaskMul", "[2]", "[3]")
	testutil.MustPanic(t, "MulScaledTo shapes", func() { MulScaledTo(nil, 1, Zeros(2), Zeros(3)) }, "tensor: MulScaled", "[2]", "[3]")
	testutil.MustPanic(t, "MulScaledAccTo shapes", func() { MulScaledAccTo(Zeros(2), 1, Zeros(3), Zeros(3)) }, "tensor: MulScaledAcc", "[2]", "[3]")
	x := FromSlice([]float64{1, 2, 3})
	checkData(t, "AxpyTo", AxpyTo(nil, 2, x, FromSlice([]float64{1, 1, 1})).Data(), []float64{3, 5, 7})
	testutil.MustPanic(t, "AxpyTo shapes", func() { AxpyTo(nil, 1, Zeros(2), Zeros(3)) }, "tensor: Axpy", "[2]", "[3]")
	testutil.MustPanic(t, "MulAddTo dst", func() { MulAddTo(Zeros(2), Zeros(3), Zeros(3), Zeros(3)) }, "tensor: MulAdd", "[2]", "[3]")
}

func TestSliceVectorised(t *testing.T) {
	rng := newRNG(105)
	for _, n := range rowLengths {
		for step := 1; step <= 4; step++ {
			for start := 0; start < min(n, 3); start++ {
				for off := 0; off < 4; off++ {
					x := offsetTensor(rng, off, 2, n)
					what := fmt.Sprintf("Slice([2 %d], %d::%d) offset %d", n, start, step, off)
					got := SliceTo(nil, x, 1, start, n, step)
					cnt := got.Shape()[1]
					var want []float64
					for o := 0; o < 2; o++ {
						for j := 0; j < cnt; j++ {
							want = append(want, x.At(o, start+j*step))
						}
					}
					checkSignedData(t, what, got.Data(), want)
					// The adjoint, written and accumulated.
					full := offsetTensor(rng, 3-off, 2, n)
					acc := full.Clone()
					UnsliceAccTo(acc, got, 1, start, n, step)
					un := UnsliceTo(nil, got, []int{2, n}, 1, start, n, step)
					wantAcc := append([]float64(nil), full.Data()...)
					wantUn := make([]float64, 2*n)
					for o := 0; o < 2; o++ {
						for j := 0; j < cnt; j++ {
							wantAcc[o*n+start+j*step] += got.At(o, j)
							wantUn[o*n+start+j*step] = got.At(o, j)
						}
					}
					checkSignedData(t, "UnsliceAcc "+what, acc.Data(), wantAcc)
					checkSignedData(t, "Unslice "+what, un.Data(), wantUn)
				}
			}
		}
	}
	// Along a middle axis (rows of the inner dimensions are copied).
	x := offsetTensor(rng, 1, 3, 7, 5)
	g := SliceTo(nil, x, 1, 1, 7, 3)
	acc := Zeros(3, 7, 5)
	UnsliceAccTo(acc, g, 1, 1, 7, 3)
	UnsliceAccTo(acc, g, 1, 1, 7, 3)
	for i := range 3 {
		for j := range 7 {
			for k := range 5 {
				want := 0.0
				if j%3 == 1 {
					want = 2 * x.At(i, j, k)
				}
				if got := acc.At(i, j, k); !sameFloat(got, want) {
					t.Fatalf("UnsliceAcc middle axis at %d,%d,%d: %v, want %v", i, j, k, got, want)
				}
			}
		}
	}
	testutil.MustPanic(t, "UnsliceAcc shape", func() { UnsliceAccTo(Zeros(4), Zeros(3), 0, 0, 4, 2) }, "tensor: UnsliceAcc", "[3]", "[2]")
}

// TestSumAllOrder checks SumAll against the order its documentation states
// and against a compensated sum.
func TestSumAllOrder(t *testing.T) {
	rng := newRNG(106)
	for _, n := range []int{0, 1, 7, 8, 9, 100, 4096, 4097, 40000} {
		x := randNormal(rng, n)
		lanes := func(x []float64) float64 {
			var s [8]float64
			m := len(x) / 8 * 8
			for i := range m {
				s[i%8] += x[i]
			}
			r := ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))
			for _, v := range x[m:] {
				r += v
			}
			return r
		}
		var want float64
		if n <= 4096 {
			want = lanes(x.Data())
		} else {
			var bs []float64
			for lo := 0; lo < n; lo += 4096 {
				bs = append(bs, lanes(x.Data()[lo:min(lo+4096, n)]))
			}
			want = lanes(bs)
		}
		if got := SumAll(x); !sameBits(got, want) {
			t.Errorf("SumAll(n=%d) = %v, documented order gives %v", n, got, want)
		}
		if got, exact := SumAll(x), compensatedSum(x.Data()); math.Abs(got-exact) > 1e-13*float64(n) {
			t.Errorf("SumAll(n=%d) = %v, compensated sum %v", n, got, exact)
		}
	}
}

// TestDot checks that Dot equals SumAll of the product, bit for bit.
func TestDot(t *testing.T) {
	rng := newRNG(109)
	for _, n := range append(rowLengths, 4097, 40000) {
		a, b := offsetTensor(rng, n%4, n), offsetTensor(rng, (n+1)%4, n)
		if got, want := Dot(a, b), SumAll(Mul(a, b)); !sameBits(got, want) {
			t.Fatalf("Dot, n=%d: %v, SumAll(Mul) %v", n, got, want)
		}
	}
	testutil.MustPanic(t, "Dot shapes", func() { Dot(Zeros(2), Zeros(3)) }, "tensor: Dot", "[2]", "[3]")
}

// TestGoroutineIndependence checks that operations on tensors large enough
// to be split over goroutines give the same bits with GOMAXPROCS 1 and 2,
// and that the split element-wise results equal the reference.
func TestGoroutineIndependence(t *testing.T) {
	if testing.Short() {
		t.Skip("large tensors")
	}
	rng := newRNG(107)
	const rows, cols = 1 << 11, 1<<9 + 3 // 2²⁰ + 6144 elements
	x := offsetTensor(rng, 1, rows, cols)
	y := offsetTensor(rng, 2, rows, cols)
	row := offsetTensor(rng, 3, cols)
	col := offsetTensor(rng, 0, rows, 1)
	big := randNormal(rng, 1<<22+9)
	run := func() [][]float64 {
		var out [][]float64
		out = append(out, Add(x, y).Data(), Mul(x, row).Data(), Sub(col, x).Data(), Div(x, col).Data())
		out = append(out, SumAxis(x, 0, false).Data(), SumAxis(x, 1, false).Data())
		out = append(out, SumTo(x, []int{cols}).Data(), SumTo(x, []int{rows, 1}).Data())
		m := x.Clone()
		MulAccTo(m, y, row)
		a := x.Clone()
		AxpyInto(a, 0.5, row)
		out = append(out, m.Data(), a.Data(), []float64{SumAll(big), SumAll(x)})
		return out
	}
	old := runtime.GOMAXPROCS(1)
	one := run()
	runtime.GOMAXPROCS(2)
	if vec.Workers(x.Size()) < 2 {
		t.Errorf("a %d-element tensor is not split with GOMAXPROCS=2", x.Size())
	}
	two := run()
	runtime.GOMAXPROCS(old)
	for k := range one {
		for i := range one[k] {
			if !sameBits(one[k][i], two[k][i]) {
				t.Fatalf("result %d, element %d: %v with one goroutine, %v with two", k, i, one[k][i], two[k][i])
			}
		}
	}
	_, want := refBinary(func(a, b float64) float64 { return a * b }, x, row)
	checkSignedData(t, "Mul row broadcast, split", two[1], want)
	_, want = refBinary(func(a, b float64) float64 { return a - b }, col, x)
	checkSignedData(t, "Sub column broadcast, split", two[2], want)
}

// TestNoAllocations checks that the destination forms below the parallel
// threshold do not allocate.
func TestNoAllocations(t *testing.T) {
	rng := newRNG(108)
	x, y, row := randNormal(rng, 64, 33), randNormal(rng, 64, 33), randNormal(rng, 33)
	dst, acc, s := Zeros(64, 33), Zeros(33), Zeros(64, 17)
	shape := []int{33}
	if n := testing.AllocsPerRun(10, func() {
		AddTo(dst, x, y)
		MulTo(dst, x, row)
		AddInto(dst, row)
		AxpyInto(dst, 2, x)
		MulAddTo(dst, x, y, dst)
		SumToAcc(acc, x)
		SumToTo(acc, x, shape)
		SliceTo(s, x, 1, 0, 33, 2)
		UnsliceAccTo(dst, s, 1, 0, 33, 2)
		SumAll(x)
	}); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}

// compensatedSum is Neumaier's compensated sum of x.
func compensatedSum(x []float64) float64 {
	var s, c float64
	for _, v := range x {
		t := s + v
		if math.Abs(s) >= math.Abs(v) {
			c += (s - t) + v
		} else {
			c += (v - t) + s
		}
		s = t
	}
	return s + c
}

// FuzzAccumulate builds an operand shape that broadcasts to a fuzzed full
// shape (last dimension up to 40, so the vector loops run) and checks
// AddInto, AxpyInto, MulAddTo and SumToAcc against the coordinate-wise
// references. The seed corpus runs with go test.
//
//	go test -run XXX -fuzz FuzzAccumulate ./tensor
func FuzzAccumulate(f *testing.F) {
	f.Add([]byte{2, 3, 17, 1, 0, 5}, -0.5)
	f.Add([]byte{1, 33, 0, 1}, 2.0)
	f.Add([]byte{3, 2, 1, 39, 6, 2, 9}, math.Inf(1))
	f.Add([]byte{2, 4, 8, 3, 1}, math.NaN())
	f.Fuzz(func(t *testing.T, data []byte, s float64) {
		pos := 0
		next := func() int {
			if pos >= len(data) {
				return 0
			}
			pos++
			return int(data[pos-1])
		}
		rank := 1 + next()%3
		full := make([]int, rank)
		for i := range full {
			full[i] = 1 + next()%5
		}
		full[rank-1] = next() % 41
		drop := next() % (rank + 1)
		small := append([]int(nil), full[drop:]...)
		mask := next()
		for i := range small {
			if mask>>i&1 == 1 {
				small[i] = 1
			}
		}
		rng := newRNG(uint64(next()))
		a := offsetTensor(rng, next()%4, small...)
		dst := offsetTensor(rng, next()%4, full...)
		what := fmt.Sprintf("%v into %v", small, full)

		got := AddInto(dst.Clone(), a)
		checkSignedData(t, "AddInto "+what, got.Data(), refAccumulate(dst, a, 1))
		got = AxpyInto(dst.Clone(), s, a)
		checkSignedData(t, "AxpyInto "+what, got.Data(), refAccumulate(dst, a, s))

		_, prod := refBinary(func(x, y float64) float64 { return x * y }, dst, a)
		want := make([]float64, len(prod))
		for i := range want {
			want[i] = prod[i] + dst.Data()[i]
		}
		checkSignedData(t, "MulAddTo "+what, MulAddTo(nil, dst, a, dst).Data(), want)

		g := sumInput(rng, 0, full...)
		acc := sumInput(rng, 1, small...)
		sum := refSumTo(g, small)
		for i := range sum {
			sum[i] += acc.Data()[i]
		}
		checkSum(t, "SumToAcc "+what, SumToAcc(acc, g).Data(), sum, g)
	})
}

// TestFill checks Fill and Full, which fill by copies, on every
// length to 67 and on the values whose bits matter.
func TestFill(t *testing.T) {
	for _, v := range []float64{0, negZero, nan, inf, -3.5} {
		for _, n := range rowLengths {
			x := offsetTensor(newRNG(uint64(n)), n%4, n)
			x.Fill(v)
			for i, got := range x.Data() {
				if !sameBits(got, v) {
					t.Fatalf("Fill(%v), n=%d: element %d = %v", v, n, i, got)
				}
			}
			for i, got := range Full(v, n).Data() {
				if !sameBits(got, v) {
					t.Fatalf("Full(%v, %d): element %d = %v", v, n, i, got)
				}
			}
		}
	}
}
