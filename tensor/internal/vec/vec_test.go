package vec

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// Every kernel is checked against a plain Go loop over the same expression
// (the reference below, written without the package's code): bit for bit,
// NaN matching NaN, for every length 0..67 and some large ones (including
// lengths that take the parallel path), operands starting 0..3 elements
// into their allocation (so the assembly sees every alignment), random
// values mixed with NaN, ±Inf, ±0, subnormals and the extremes, and with
// dst aliasing each operand.

// kernelCase is one kernel: run calls it (through the exported function,
// or the pure-Go kernel) on dst and up to three operands and a scalar; ref
// is the element-wise expression it must equal.
type kernelCase struct {
	name    string
	inputs  int // number of slice operands
	run     func(dst []float64, in [3][]float64, s float64)
	generic func(dst []float64, in [3][]float64, s float64)
	ref     func(x, y, z, s float64) float64
}

func kernelCases() []kernelCase {
	return []kernelCase{
		{"Add", 2, func(d []float64, in [3][]float64, s float64) { Add(d, in[0], in[1]) },
			func(d []float64, in [3][]float64, s float64) { addGeneric(d, in[0], in[1]) },
			func(x, y, z, s float64) float64 { return x + y }},
		{"Sub", 2, func(d []float64, in [3][]float64, s float64) { Sub(d, in[0], in[1]) },
			func(d []float64, in [3][]float64, s float64) { subGeneric(d, in[0], in[1]) },
			func(x, y, z, s float64) float64 { return x - y }},
		{"Mul", 2, func(d []float64, in [3][]float64, s float64) { Mul(d, in[0], in[1]) },
			func(d []float64, in [3][]float64, s float64) { mulGeneric(d, in[0], in[1]) },
			func(x, y, z, s float64) float64 { return x * y }},
		{"Div", 2, func(d []float64, in [3][]float64, s float64) { Div(d, in[0], in[1]) },
			func(d []float64, in [3][]float64, s float64) { divGeneric(d, in[0], in[1]) },
			func(x, y, z, s float64) float64 { return x / y }},
		{"AddScalar", 1, func(d []float64, in [3][]float64, s float64) { AddScalar(d, in[0], s) },
			func(d []float64, in [3][]float64, s float64) { addScalarGeneric(d, in[0], s) },
			func(x, y, z, s float64) float64 { return x + s }},
		{"ScalarSub", 1, func(d []float64, in [3][]float64, s float64) { ScalarSub(d, s, in[0]) },
			func(d []float64, in [3][]float64, s float64) { scalarSubGeneric(d, s, in[0]) },
			func(x, y, z, s float64) float64 { return s - x }},
		{"Scale", 1, func(d []float64, in [3][]float64, s float64) { Scale(d, s, in[0]) },
			func(d []float64, in [3][]float64, s float64) { scaleGeneric(d, s, in[0]) },
			func(x, y, z, s float64) float64 { return s * x }},
		{"DivScalar", 1, func(d []float64, in [3][]float64, s float64) { DivScalar(d, in[0], s) },
			func(d []float64, in [3][]float64, s float64) { divScalarGeneric(d, in[0], s) },
			func(x, y, z, s float64) float64 { return x / s }},
		{"ScalarDiv", 1, func(d []float64, in [3][]float64, s float64) { ScalarDiv(d, s, in[0]) },
			func(d []float64, in [3][]float64, s float64) { scalarDivGeneric(d, s, in[0]) },
			func(x, y, z, s float64) float64 { return s / x }},
		{"MulAdd", 3, func(d []float64, in [3][]float64, s float64) { MulAdd(d, in[0], in[1], in[2]) },
			func(d []float64, in [3][]float64, s float64) { mulAddGeneric(d, in[0], in[1], in[2]) },
			func(x, y, z, s float64) float64 { return float64(x*y) + z }},
		{"Axpy", 2, func(d []float64, in [3][]float64, s float64) { Axpy(d, s, in[0], in[1]) },
			func(d []float64, in [3][]float64, s float64) { axpyGeneric(d, s, in[0], in[1]) },
			func(x, y, z, s float64) float64 { return float64(s*x) + y }},
		{"MulScaled", 2, func(d []float64, in [3][]float64, s float64) { MulScaled(d, s, in[0], in[1]) },
			func(d []float64, in [3][]float64, s float64) { mulScaledGeneric(d, s, in[0], in[1]) },
			func(x, y, z, s float64) float64 { return float64(s*x) * y }},
		{"MulScaledAdd", 3, func(d []float64, in [3][]float64, s float64) { MulScaledAdd(d, s, in[0], in[1], in[2]) },
			func(d []float64, in [3][]float64, s float64) { mulScaledAddGeneric(d, s, in[0], in[1], in[2]) },
			func(x, y, z, s float64) float64 { return float64(float64(s*x)*y) + z }},
		{"Relu", 1, func(d []float64, in [3][]float64, s float64) { Relu(d, in[0]) },
			func(d []float64, in [3][]float64, s float64) { reluGeneric(d, in[0]) },
			func(x, y, z, s float64) float64 {
				if x > 0 || x != x {
					return x
				}
				return 0
			}},
		{"Step", 1, func(d []float64, in [3][]float64, s float64) { Step(d, s, in[0]) },
			func(d []float64, in [3][]float64, s float64) { stepGeneric(d, s, in[0]) },
			func(x, y, z, s float64) float64 {
				if x > 0 {
					return s
				}
				return 0
			}},
		{"MaskMul", 2, func(d []float64, in [3][]float64, s float64) { MaskMul(d, in[0], in[1]) },
			func(d []float64, in [3][]float64, s float64) { maskMulGeneric(d, in[0], in[1]) },
			func(x, y, z, s float64) float64 {
				if y == 0 {
					return 0
				}
				return x * y
			}},
		{"Square", 1, func(d []float64, in [3][]float64, s float64) { Square(d, in[0]) },
			func(d []float64, in [3][]float64, s float64) { squareGeneric(d, in[0]) },
			func(x, y, z, s float64) float64 { return x * x }},
	}
}

// specials are the values every kernel must treat as the math package does.
var specials = []float64{
	math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1),
	math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 0x1p-1022, -0x1p-1030,
	math.MaxFloat64, -math.MaxFloat64, 1, -1, 0.5, 3,
}

// testLengths are 0..67 and some longer lengths; TestParallelIndependent
// covers those that take the parallel path.
func testLengths() []int {
	var ns []int
	for n := 0; n <= 67; n++ {
		ns = append(ns, n)
	}
	return append(ns, 255, 1000, 4099)
}

// fillValues fills x with N(0, 4) values, and with a special value at
// roughly one position in five.
func fillValues(rng *rand.Rand, x []float64) {
	for i := range x {
		if rng.IntN(5) == 0 {
			x[i] = specials[rng.IntN(len(specials))]
		} else {
			x[i] = 2 * rng.NormFloat64()
		}
	}
}

// offsetSlice returns n elements starting off elements into a fresh
// allocation, so that its address is misaligned by off·8 bytes relative to
// the allocation (which Go aligns to at least 8 bytes).
func offsetSlice(n, off int) []float64 { return make([]float64, n+off+3)[off : off+n] }

func same(x, y float64) bool {
	return math.Float64bits(x) == math.Float64bits(y) || (x != x && y != y)
}

func TestKernelsAgainstLoop(t *testing.T) {
	t.Logf("kernels: %s", kernelName())
	rng := rand.New(rand.NewPCG(1, 2))
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		for _, c := range kernelCases() {
			for _, n := range testLengths() {
				for off := 0; off < 4; off++ {
					var in [3][]float64
					for k := range c.inputs {
						in[k] = offsetSlice(n, (off+k)%4)
						fillValues(rng, in[k])
					}
					s := 2 * rng.NormFloat64()
					if n%7 == 3 {
						s = specials[n%len(specials)]
					}
					want := make([]float64, n)
					for i := range want {
						var x, y, z float64
						x = in[0][i]
						if c.inputs > 1 {
							y = in[1][i]
						}
						if c.inputs > 2 {
							z = in[2][i]
						}
						want[i] = c.ref(x, y, z, s)
					}
					dst := offsetSlice(n, (off+3)%4)
					c.run(dst, in, s)
					checkSlice(t, c.name, "exported", n, off, dst, want)
					gen := make([]float64, n)
					c.generic(gen, in, s)
					checkSlice(t, c.name, "pure Go", n, off, gen, want)
					// dst aliasing each operand in turn.
					for k := range c.inputs {
						alias := in
						alias[k] = append([]float64(nil), in[k]...)
						c.run(alias[k], alias, s)
						checkSlice(t, c.name, "aliased", n, off, alias[k], want)
					}
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

func checkSlice(t *testing.T, name, path string, n, off int, got, want []float64) {
	t.Helper()
	for i := range want {
		if !same(got[i], want[i]) {
			t.Fatalf("%s (%s), n=%d offset %d: element %d = %v, want %v", name, path, n, off, i, got[i], want[i])
		}
	}
}

// TestKernelsSpecialPairs applies each kernel to every pair of special
// values, in a slice long enough for the assembly (four per group), so each
// pair meets the vector instructions.
func TestKernelsSpecialPairs(t *testing.T) {
	var xs, ys []float64
	for _, x := range specials {
		for _, y := range specials {
			xs, ys = append(xs, x), append(ys, y)
		}
	}
	n := len(xs)
	for _, c := range kernelCases() {
		for _, s := range specials {
			in := [3][]float64{xs, ys, ys}
			dst := make([]float64, n)
			c.run(dst, in, s)
			for i := range dst {
				if want := c.ref(xs[i], ys[i], ys[i], s); !same(dst[i], want) {
					t.Fatalf("%s(%v, %v, s=%v) = %v, want %v", c.name, xs[i], ys[i], s, dst[i], want)
				}
			}
		}
	}
}

// refSum is Sum's documented order, written out independently.
func refSum(x []float64) float64 {
	lanes := func(x []float64) float64 {
		var s [8]float64
		m := len(x) / 8 * 8
		for i := 0; i < m; i++ {
			s[i%8] += x[i]
		}
		t := ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))
		for i := m; i < len(x); i++ {
			t += x[i]
		}
		return t
	}
	if len(x) <= 4096 {
		return lanes(x)
	}
	var bs []float64
	for lo := 0; lo < len(x); lo += 4096 {
		bs = append(bs, lanes(x[lo:min(lo+4096, len(x))]))
	}
	return lanes(bs)
}

// neumaier returns the compensated sum of x and the sum of |x|, for an
// accuracy bound.
func neumaier(x []float64) (sum, abs float64) {
	var s, c float64
	for _, v := range x {
		t := s + v
		if math.Abs(s) >= math.Abs(v) {
			c += (s - t) + v
		} else {
			c += (v - t) + s
		}
		s = t
		abs += math.Abs(v)
	}
	return s + c, abs
}

func TestSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ns := append(testLengths(), 4096, 4097, 8*4096, 9*4096+5, 70*4096+3)
	for _, n := range ns {
		for off := 0; off < 4; off++ {
			x := offsetSlice(n, off)
			for i := range x {
				x[i] = rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
			}
			got := Sum(x)
			if want := refSum(x); !same(got, want) {
				t.Fatalf("Sum, n=%d offset %d: %v, documented order gives %v", n, off, got, want)
			}
			if g := sum8Generic(x); n <= SumBlock && !same(got, g) {
				t.Fatalf("Sum, n=%d: %v, pure Go %v", n, got, g)
			}
			exact, abs := neumaier(x)
			// Each element passes through at most n/8 + 3 + n/(8·4096) + 3 + 7
			// roundings; a crude but failing-capable bound.
			bound := float64(n/8+n/32768+16) * 0x1p-53 * abs
			if math.Abs(got-exact) > bound {
				t.Fatalf("Sum, n=%d: %v, exact %v: error %g above %g", n, got, exact, math.Abs(got-exact), bound)
			}
		}
	}
}

// TestDot checks Dot against Sum of the rounded products (its definition)
// and the pure-Go kernel.
func TestDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	ns := append(testLengths(), 8*4096+3, 9*4096)
	for _, n := range ns {
		for off := 0; off < 4; off++ {
			a, b := offsetSlice(n, off), offsetSlice(n, (off+1)%4)
			fillValues(rng, a)
			fillValues(rng, b)
			p := make([]float64, n)
			for i := range p {
				p[i] = a[i] * b[i]
			}
			want := refSum(p)
			if got := Dot(a, b); !same(got, want) {
				t.Fatalf("Dot, n=%d offset %d: %v, Sum of the products %v", n, off, got, want)
			}
			if n <= SumBlock {
				if got := dot8Generic(a, b); !same(got, want) {
					t.Fatalf("Dot (pure Go), n=%d: %v, want %v", n, got, want)
				}
			}
		}
	}
	for _, procs := range []int{1, 2, 3} {
		n := 3*SumParallelMin/2 + 11
		a, b := make([]float64, n), make([]float64, n)
		for i := range a {
			a[i], b[i] = float64(i%13)-6.5, 1/(1+float64(i%7))
		}
		old := runtime.GOMAXPROCS(procs)
		got := Dot(a, b)
		runtime.GOMAXPROCS(old)
		p := make([]float64, n)
		for i := range p {
			p[i] = a[i] * b[i]
		}
		if want := refSum(p); !same(got, want) {
			t.Errorf("Dot, n=%d, GOMAXPROCS=%d: %v, want %v", n, procs, got, want)
		}
	}
}

func TestSumSpecial(t *testing.T) {
	negZero := math.Copysign(0, -1)
	for _, c := range []struct {
		name string
		x    []float64
		want float64
	}{
		{"empty", nil, 0},
		{"negative zeros", []float64{negZero, negZero, negZero, negZero, negZero, negZero, negZero, negZero, negZero}, 0},
		{"NaN in lanes", append(make([]float64, 20), math.NaN()), math.NaN()},
		{"+Inf", append(make([]float64, 17), math.Inf(1)), math.Inf(1)},
		{"Inf − Inf", append(append(make([]float64, 9), math.Inf(1)), math.Inf(-1)), math.NaN()},
		{"overflow", []float64{math.MaxFloat64, 0, 0, 0, 0, 0, 0, 0, math.MaxFloat64}, math.Inf(1)},
		{"subnormals", []float64{5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324}, 9 * 5e-324},
	} {
		if got := Sum(c.x); !same(got, c.want) {
			t.Errorf("Sum(%s) = %v, want %v", c.name, got, c.want)
		}
		if math.Signbit(Sum(c.x)) && c.want == 0 {
			t.Errorf("Sum(%s) is −0", c.name)
		}
	}
}

// TestParallelIndependent checks the parallel path: every kernel and Sum,
// on lengths that split into two or three pieces, give the same bits with
// GOMAXPROCS 1, 2 and 3 (more than this machine may have), and the
// element-wise results equal the plain loop.
func TestParallelIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fill := func(x []float64) {
		for i := range x {
			x[i] = rng.Float64() - 0.5
			if i%1000 == 7 {
				x[i] = specials[(i/1000)%len(specials)]
			}
		}
	}
	procsList := []int{1, 2, 3}
	for _, n := range []int{ParallelMin + 1, 3*ParallelMin/2 + 77} {
		in := [3][]float64{make([]float64, n), make([]float64, n), make([]float64, n)}
		for k := range in {
			fill(in[k])
		}
		for _, c := range kernelCases() {
			var first []float64
			for _, procs := range procsList {
				old := runtime.GOMAXPROCS(procs)
				if w := Workers(n); w != min(procs, n/(ParallelMin/2)) {
					t.Fatalf("Workers(%d) = %d with GOMAXPROCS=%d", n, w, procs)
				}
				dst := make([]float64, n)
				c.run(dst, in, 1.25)
				runtime.GOMAXPROCS(old)
				if first == nil {
					first = dst
					for i := range dst {
						if want := c.ref(in[0][i], in[1][i], in[2][i], 1.25); !same(dst[i], want) {
							t.Fatalf("%s, n=%d: element %d = %v, want %v", c.name, n, i, dst[i], want)
						}
					}
					continue
				}
				for i := range dst {
					if !same(dst[i], first[i]) {
						t.Fatalf("%s, n=%d: element %d differs between GOMAXPROCS=%d and 1", c.name, n, i, procs)
					}
				}
			}
		}
	}
	for _, n := range []int{SumParallelMin + 5, 3*SumParallelMin/2 + 3} {
		x := make([]float64, n)
		for i := range x {
			x[i] = (rng.Float64() - 0.3) * float64(1+i%17)
		}
		want := refSum(x)
		for _, procs := range procsList {
			old := runtime.GOMAXPROCS(procs)
			got := Sum(x)
			runtime.GOMAXPROCS(old)
			if !same(got, want) {
				t.Errorf("Sum, n=%d, GOMAXPROCS=%d: %v, documented order %v", n, procs, got, want)
			}
		}
	}
}

func TestStrided(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		for step := 1; step <= 5; step++ {
			for _, n := range testLengths() {
				for off := 0; off < 4; off++ {
					m := 0
					if n > 0 {
						m = (n-1)*step + 1
					}
					src := offsetSlice(m, off)
					fillValues(rng, src)
					dst := offsetSlice(n, (off+1)%4)
					Gather(dst, src, step)
					for j := range dst {
						if !same(dst[j], src[j*step]) {
							t.Fatalf("Gather step %d n=%d offset %d: dst[%d] = %v, want %v", step, n, off, j, dst[j], src[j*step])
						}
					}
					// Scatter back into a copy of other values: only the
					// strided positions change.
					base := offsetSlice(m, (off+2)%4)
					fillValues(rng, base)
					want := append([]float64(nil), base...)
					for j, v := range dst {
						want[j*step] = v
					}
					got := append([]float64(nil), base...)
					Scatter(got, dst, step)
					checkSlice(t, "Scatter", "exported", n, off, got, want)
					for j, v := range dst {
						want[j*step] = base[j*step] + v
					}
					got = append(got[:0], base...)
					ScatterAdd(got, dst, step)
					checkSlice(t, "ScatterAdd", "exported", n, off, got, want)
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

func TestPanics(t *testing.T) {
	x := make([]float64, 10)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Add lengths", func() { Add(x[:3], x[:3], x[:4]) }},
		{"Add overlap", func() { Add(x[1:5], x[:4], x[:4]) }},
		{"Scale lengths", func() { Scale(x[:3], 2, x[:2]) }},
		{"MulAdd overlap", func() { MulAdd(x[:4], x[:4], x[:4], x[2:6]) }},
		{"Gather step", func() { Gather(x[:2], x[5:], 0) }},
		{"Gather short", func() { Gather(make([]float64, 3), x[:4], 2) }},
		{"Gather overlap", func() { Gather(x[:2], x[1:5], 2) }},
		{"Scatter short", func() { Scatter(x[:4], make([]float64, 3), 2) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}

// TestNoAllocs checks that the kernels below the parallel threshold do not
// allocate.
func TestNoAllocs(t *testing.T) {
	a, b, d := make([]float64, 1000), make([]float64, 1000), make([]float64, 1000)
	var sink float64
	if n := testing.AllocsPerRun(20, func() {
		Add(d, a, b)
		Axpy(d, 2, a, d)
		MulAdd(d, a, b, d)
		Gather(d[:500], a, 2)
		sink += Sum(a)
	}); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
	_ = sink
}
