package tensor

import (
	"fmt"
	"github.com/curvature-go/curvature/internal/testutil"
	"math"
	"testing"
)

type binaryCase struct {
	name string
	f    func(a, b *Tensor) *Tensor
	to   func(dst, a, b *Tensor) *Tensor
	ref  func(x, y float64) float64
}

var binaryOps = []binaryCase{
	{"Add", Add, AddTo, func(x, y float64) float64 { return x + y }},
	{"Sub", Sub, SubTo, func(x, y float64) float64 { return x - y }},
	{"Mul", Mul, MulTo, func(x, y float64) float64 { return x * y }},
	{"Div", Div, DivTo, func(x, y float64) float64 { return x / y }},
	{"PowT", PowT, PowTTo, math.Pow},
	{"EqualMask", EqualMask, EqualMaskTo, func(x, y float64) float64 {
		if x == y {
			return 1
		}
		return 0
	}},
}

// broadcastPairs are shape pairs that broadcast, covering scalars, the
// same-shape and scalar fast paths, one- and two-sided broadcasting, ranks
// beyond maxFastDims, and zero-size dimensions.
var broadcastPairs = []struct{ a, b []int }{
	{nil, nil},
	{[]int{1}, nil},
	{nil, []int{1}},
	{[]int{1}, []int{1}},
	{[]int{3}, nil},
	{nil, []int{3}},
	{[]int{1}, []int{3}},
	{[]int{3}, []int{1}},
	{[]int{3}, []int{3}},
	{[]int{2, 3}, []int{3}},
	{[]int{3}, []int{2, 3}},
	{[]int{2, 3}, []int{2, 1}},
	{[]int{2, 1}, []int{2, 3}},
	{[]int{2, 3}, []int{1, 3}},
	{[]int{1, 3}, []int{3}},
	{[]int{3, 1}, []int{1, 3}},
	{[]int{2, 1, 4}, []int{3, 1}},
	{[]int{3, 1}, []int{2, 1, 4}},
	{[]int{4, 1, 3}, []int{1, 5, 1}},
	{[]int{2, 3}, nil},
	{nil, []int{2, 3}},
	{[]int{2, 3}, []int{2, 3}},
	{[]int{2, 3, 4}, []int{2, 3, 4}},
	{[]int{2, 1, 3, 1}, []int{5, 1, 4}},
	{[]int{2, 3, 4}, []int{2, 1, 1}},
	{[]int{1, 1, 1}, []int{2, 3, 4}},
	{[]int{2, 1, 1}, []int{1, 3, 1}},
	{[]int{4, 1, 1}, []int{4, 2, 1}},
	{[]int{2, 1, 2, 1, 2, 1, 2, 1, 3}, []int{1, 2, 1, 2, 1, 2, 1, 2, 1}},
	{[]int{2, 1, 2, 1, 2, 1, 2, 1, 3}, []int{3}},
	{[]int{2}, []int{2, 1, 2, 1, 2, 1, 2, 1, 1}},
	{[]int{2, 2, 1, 1, 1, 1, 1, 1, 2, 3}, []int{2, 2, 1, 1, 1, 1, 1, 1, 2, 3}},
	{[]int{0}, nil},
	{[]int{0}, []int{1}},
	{[]int{0}, []int{0}},
	{[]int{0, 3}, []int{3}},
	{[]int{2, 0}, []int{2, 1}},
	{[]int{1, 0}, []int{3, 1}},
	{[]int{0, 3}, []int{0, 1}},
	{[]int{3, 0, 2}, []int{1, 2}},
}

func TestBinaryBroadcast(t *testing.T) {
	rng := newRNG(1)
	for _, op := range binaryOps {
		for _, p := range broadcastPairs {
			t.Run(fmt.Sprintf("%s/%v+%v", op.name, p.a, p.b), func(t *testing.T) {
				a, b := randTensor(rng, p.a...), randTensor(rng, p.b...)
				a0, b0 := a.Clone(), b.Clone()
				wantShape, want := refBinary(op.ref, a, b)

				got := op.f(a, b)
				checkShapeIs(t, op.name, got.Shape(), wantShape)
				checkData(t, op.name, got.Data(), want)
				if !Equal(a, a0) || !Equal(b, b0) {
					t.Fatalf("%s modified an operand", op.name)
				}

				got = op.to(nil, a, b)
				checkShapeIs(t, op.name+"To(nil)", got.Shape(), wantShape)
				checkData(t, op.name+"To(nil)", got.Data(), want)

				dst := nanFilled(wantShape...)
				if r := op.to(dst, a, b); r != dst {
					t.Fatalf("%sTo did not return dst", op.name)
				}
				checkData(t, op.name+"To(dst)", dst.Data(), want)

				// dst may be an operand that already has the result's shape.
				if SameShape(a.Shape(), wantShape) {
					x := a.Clone()
					if r := op.to(x, x, b); r != x {
						t.Fatalf("%sTo(a, a, b) did not return a", op.name)
					}
					checkData(t, op.name+"To(a, a, b)", x.Data(), want)
				}
				if SameShape(b.Shape(), wantShape) {
					y := b.Clone()
					op.to(y, a, y)
					checkData(t, op.name+"To(b, a, b)", y.Data(), want)
				}
			})
		}
	}
}

func TestBinarySelfAlias(t *testing.T) {
	rng := newRNG(2)
	for _, op := range binaryOps {
		for _, shape := range [][]int{nil, {5}, {2, 3}, {2, 1, 2, 1, 2, 1, 2, 1, 2}} {
			x := randTensor(rng, shape...)
			_, want := refBinary(op.ref, x, x)
			op.to(x, x, x)
			checkData(t, fmt.Sprintf("%sTo(x, x, x) %v", op.name, shape), x.Data(), want)
		}
	}
}

func TestBinaryPanics(t *testing.T) {
	bad := []struct{ a, b []int }{
		{[]int{2, 3}, []int{4}},
		{[]int{2, 3}, []int{3, 2}},
		{[]int{2}, []int{3}},
		{[]int{2, 3, 4}, []int{3, 3}},
		{[]int{0}, []int{2}},
		{[]int{2, 1, 2, 1, 2, 1, 2, 1, 3}, []int{2, 2}},
	}
	for _, op := range binaryOps {
		for _, p := range bad {
			a, b := Zeros(p.a...), Zeros(p.b...)
			what := fmt.Sprintf("%s(%v, %v)", op.name, p.a, p.b)
			wants := []string{"tensor: " + op.name + ":", fmt.Sprint(p.a), fmt.Sprint(p.b)}
			testutil.MustPanic(t, what, func() { op.f(a, b) }, wants...)
			testutil.MustPanic(t, what+"To", func() { op.to(nil, a, b) }, wants...)
		}
		// A destination of the wrong shape.
		a, b := Zeros(2, 3), Zeros(3)
		for _, ds := range [][]int{{3, 2}, {6}, {2, 3, 1}, nil} {
			dst := Full(7, ds...)
			testutil.MustPanic(t, fmt.Sprintf("%sTo dst %v", op.name, ds), func() { op.to(dst, a, b) },
				"tensor: "+op.name+":", "destination shape", fmt.Sprint(ds), "[2 3]")
			for _, v := range dst.Data() {
				if v != 7 {
					t.Fatalf("%sTo modified a destination of the wrong shape", op.name)
				}
			}
		}
	}
}

func TestBroadcastShape(t *testing.T) {
	for _, p := range broadcastPairs {
		want, _ := refBroadcastShape(p.a, p.b)
		got := BroadcastShape("test", p.a, p.b)
		checkShapeIs(t, fmt.Sprintf("BroadcastShape(%v, %v)", p.a, p.b), got, want)
		// from broadcasts to to exactly when broadcasting the two gives to.
		for _, q := range [][2][]int{{p.a, p.b}, {p.b, p.a}, {p.a, want}, {p.b, want}} {
			from, to := q[0], q[1]
			s, _ := refBroadcastShape(from, to)
			if g, w := CanBroadcastTo(from, to), SameShape(s, to); g != w {
				t.Errorf("CanBroadcastTo(%v, %v) = %v, want %v", from, to, g, w)
			}
		}
	}
	testutil.MustPanic(t, "BroadcastShape", func() { BroadcastShape("graph: Mul", []int{2, 3}, []int{2}) },
		"graph: Mul:", "[2 3]", "[2]")
	for _, c := range []struct {
		from, to []int
		want     bool
	}{
		{nil, nil, true},
		{nil, []int{2, 3}, true},
		{[]int{3}, []int{2, 3}, true},
		{[]int{2, 3}, []int{3}, false},
		{[]int{3}, []int{1}, false},
		{[]int{1}, []int{0}, true},
		{[]int{0}, []int{1}, false},
		{[]int{2, 1}, []int{2, 5}, true},
		{[]int{2, 1}, []int{5, 2}, false},
	} {
		if got := CanBroadcastTo(c.from, c.to); got != c.want {
			t.Errorf("CanBroadcastTo(%v, %v) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}

func TestAddScaledTo(t *testing.T) {
	rng := newRNG(3)
	for _, shape := range [][]int{nil, {0}, {4}, {2, 3}} {
		for _, alpha := range []float64{0, 1, -2.5} {
			a, b := randTensor(rng, shape...), randTensor(rng, shape...)
			want := make([]float64, a.Size())
			for i := range want {
				want[i] = a.Data()[i] + alpha*b.Data()[i]
			}
			what := fmt.Sprintf("AddScaledTo %v alpha=%v", shape, alpha)
			got := AddScaledTo(nil, a, alpha, b)
			checkShapeIs(t, what, got.Shape(), shape)
			checkData(t, what, got.Data(), want)
			dst := nanFilled(shape...)
			if AddScaledTo(dst, a, alpha, b) != dst {
				t.Fatalf("%s did not return dst", what)
			}
			checkData(t, what+" dst", dst.Data(), want)
			x := a.Clone()
			AddScaledTo(x, x, alpha, b)
			checkData(t, what+" dst=a", x.Data(), want)
			y := b.Clone()
			AddScaledTo(y, a, alpha, y)
			checkData(t, what+" dst=b", y.Data(), want)
		}
	}
	testutil.MustPanic(t, "AddScaledTo shapes", func() { AddScaledTo(nil, Zeros(3), 1, Zeros(1, 3)) },
		"tensor: AddScaled", "[3]", "[1 3]")
	testutil.MustPanic(t, "AddScaledTo dst", func() { AddScaledTo(Zeros(2), Zeros(3), 1, Zeros(3)) },
		"tensor: AddScaled", "destination shape", "[2]", "[3]")
}

// FuzzBinaryBroadcast builds two random shapes that broadcast from the fuzz
// input and checks every binary op against the coordinate-wise reference.
func FuzzBinaryBroadcast(f *testing.F) {
	f.Add([]byte{0, 2, 3, 4, 0, 0, 0, 1, 0, 7})
	f.Add([]byte{1, 3, 2, 1, 3, 1, 0, 1, 1, 0, 1, 1, 9})
	f.Add([]byte{4, 9, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 85, 170, 0, 0, 1})
	f.Add([]byte{5, 2, 0, 3, 0, 1, 1, 0, 3})
	f.Add([]byte{3, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		pos := 0
		next := func() int {
			if pos >= len(data) {
				return 0
			}
			pos++
			return int(data[pos-1])
		}
		op := binaryOps[next()%len(binaryOps)]
		rank := next() % 11
		out := make([]int, rank)
		for i := range out {
			out[i] = next() % 4 // 0 to 3
		}
		if refSize(out) > 1<<14 {
			t.Skip("too large")
		}
		// Each operand drops some leading dimensions and turns others
		// into 1, chosen by the bits of the next bytes.
		operand := func() []int {
			s := out[next()%(rank+1):]
			s = append([]int(nil), s...)
			for i := range s {
				if next()&1 == 1 {
					s[i] = 1
				}
			}
			return s
		}
		sa, sb := operand(), operand()
		rng := newRNG(uint64(next()))
		a, b := randTensor(rng, sa...), randTensor(rng, sb...)
		wantShape, want := refBinary(op.ref, a, b)
		got := op.f(a, b)
		checkShapeIs(t, op.name, got.Shape(), wantShape)
		checkData(t, fmt.Sprintf("%s(%v, %v)", op.name, sa, sb), got.Data(), want)
		dst := nanFilled(wantShape...)
		op.to(dst, a, b)
		checkData(t, fmt.Sprintf("%sTo(%v, %v)", op.name, sa, sb), dst.Data(), want)
	})
}

// TestBinaryRandomShapes runs the fuzz body's shape generator over many
// pseudo-random inputs, so that plain `go test` covers more than the seed
// corpus.
func TestBinaryRandomShapes(t *testing.T) {
	rng := newRNG(4)
	for iter := range 300 {
		rank := rng.IntN(7)
		out := make([]int, rank)
		for i := range out {
			out[i] = rng.IntN(4)
		}
		operand := func() []int {
			s := append([]int(nil), out[rng.IntN(rank+1):]...)
			for i := range s {
				if rng.IntN(2) == 0 {
					s[i] = 1
				}
			}
			return s
		}
		sa, sb := operand(), operand()
		op := binaryOps[iter%len(binaryOps)]
		a, b := randTensor(rng, sa...), randTensor(rng, sb...)
		wantShape, want := refBinary(op.ref, a, b)
		got := op.f(a, b)
		checkShapeIs(t, op.name, got.Shape(), wantShape)
		checkData(t, fmt.Sprintf("%s(%v, %v)", op.name, sa, sb), got.Data(), want)
	}
}

func TestMulAccTo(t *testing.T) {
	rng := newRNG(19)
	mul := func(x, y float64) float64 { return x * y }
	for _, p := range broadcastPairs {
		what := fmt.Sprintf("MulAccTo(%v, %v)", p.a, p.b)
		a, b := randTensor(rng, p.a...), randTensor(rng, p.b...)
		shape, prod := refBinary(mul, a, b)
		dst := randNormal(rng, shape...)
		want := make([]float64, len(prod))
		for i := range want {
			want[i] = dst.Data()[i] + prod[i]
		}
		if MulAccTo(dst, a, b) != dst {
			t.Fatalf("%s did not return dst", what)
		}
		checkData(t, what, dst.Data(), want)
		// dst may be an operand of the result's shape: dst += dst ⊙ b.
		if SameShape(a.Shape(), shape) {
			x := a.Clone()
			_, sq := refBinary(mul, x, b)
			for i := range sq {
				sq[i] += x.Data()[i]
			}
			MulAccTo(x, x, b)
			checkData(t, what+" dst=a", x.Data(), sq)
		}
	}
	testutil.MustPanic(t, "MulAccTo nil", func() { MulAccTo(nil, Zeros(2), Zeros(2)) }, "tensor: MulAcc", "nil")
	testutil.MustPanic(t, "MulAccTo shapes", func() { MulAccTo(Zeros(2, 3), Zeros(2, 3), Zeros(2)) }, "tensor: MulAcc", "[2 3]", "[2]")
	testutil.MustPanic(t, "MulAccTo dst", func() { MulAccTo(Zeros(3), Zeros(2, 3), Zeros(3)) },
		"tensor: MulAcc", "destination shape", "[3]", "[2 3]")
}
