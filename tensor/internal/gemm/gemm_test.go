package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// tol is the largest norm-wise relative error accepted against the reference.
const tol = 1e-12

// path is one way of computing a product: the dispatching dgemm, the direct
// loop, or the blocked algorithm with a given micro-kernel and goroutines.
type path struct {
	name string
	// smallOnly marks paths too slow for the largest test shapes.
	smallOnly bool
	fn        func(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
}

// smallBlocks returns a copy of kern with cache blocks so small that
// moderate shapes need several blocks in every dimension, so that the
// blocking loops and the parallel split are exercised cheaply.
func smallBlocks(kern *kernel) *kernel {
	k := *kern
	k.name += "-smallblocks"
	k.mc, k.kc, k.nc = 2*k.mr+1, 7, 3*k.nr-2
	return &k
}

// paths returns every way of computing a product available on this machine.
// On amd64 without the purego tag that includes both the AVX2 assembly
// kernel (if the CPU has it) and the portable kernel.
func paths() []path {
	ps := []path{
		{"dgemm", false, func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
			dgemm(bestKernel, 1, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}},
		{"direct", true, func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
			if m == 0 || n == 0 {
				return
			}
			direct(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}},
	}
	for _, kern := range kernels() {
		for _, kern := range []*kernel{kern, smallBlocks(kern)} {
			for _, nw := range []int{1, 2, 3} {
				ps = append(ps, path{fmt.Sprintf("blocked-%s-nw%d", kern.name, nw), kern.kc < 16 || nw > 2,
					func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
						if m == 0 || n == 0 {
							return
						}
						if k == 0 {
							scaleC(m, n, beta, c, ldc)
							return
						}
						blocked(kern, nw, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
					}})
			}
		}
	}
	return ps
}

// problem is one product with its operands laid out in memory.
type problem struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float64
	a, b, c        []float64
	lda, ldb, ldc  int

	a0, b0 []float64 // pristine copies of a and b, set by prepare
	scale  float64   // error scale, set by prepare
}

// sentinel fills the unused ends of strided rows; it must survive.
const sentinel = -12345.678

// newProblem lays out random operands for an m×k by k×n product with the
// given padding of the row strides. When nanC is set, C holds NaN.
func newProblem(rnd *rand.Rand, transA, transB bool, m, n, k, padA, padB, padC int, alpha, beta float64, nanC bool) *problem {
	p := &problem{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	aRows, aCols := m, k
	if transA {
		aRows, aCols = k, m
	}
	bRows, bCols := k, n
	if transB {
		bRows, bCols = n, k
	}
	p.lda, p.ldb, p.ldc = max(1, aCols)+padA, max(1, bCols)+padB, max(1, n)+padC
	p.a = fill(rnd, aRows, aCols, p.lda, false)
	p.b = fill(rnd, bRows, bCols, p.ldb, false)
	p.c = fill(rnd, m, n, p.ldc, nanC)
	return p
}

// fill returns a rows×cols matrix with row stride ld holding values in
// [-1, 1) (or NaN), the padding of each row holding sentinel.
func fill(rnd *rand.Rand, rows, cols, ld int, nan bool) []float64 {
	s := make([]float64, rows*ld)
	for i := range s {
		switch {
		case i%ld >= cols:
			s[i] = sentinel
		case nan:
			s[i] = math.NaN()
		default:
			s[i] = 2*rnd.Float64() - 1
		}
	}
	return s
}

func tr(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// reference returns C computed by gonum's blas64 Dgemm.
func (p *problem) reference() []float64 {
	c := append([]float64(nil), p.c...)
	blas64.Implementation().Dgemm(tr(p.transA), tr(p.transB), p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)
	return c
}

// frob returns the Frobenius norm of the rows×cols matrix s with stride ld.
func frob(s []float64, rows, cols, ld int) float64 {
	var sum float64
	for i := 0; i < rows; i++ {
		for _, v := range s[i*ld : i*ld+cols] {
			sum += v * v
		}
	}
	return math.Sqrt(sum)
}

// check runs fn on p (with a fresh copy of C) and compares the result with
// want: the norm-wise relative error ‖C − C_ref‖ / (|alpha|·‖A‖·‖B‖ +
// |beta|·‖C₀‖) must be at most tol, the padding of C and all of A and B must
// be untouched.
func (p *problem) check(t *testing.T, name string, fn func(bool, bool, int, int, int, float64, []float64, int, []float64, int, float64, []float64, int), want []float64) {
	t.Helper()
	if p.a0 == nil {
		p.prepare()
	}
	c := append([]float64(nil), p.c...)
	fn(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)

	desc := func() string {
		return fmt.Sprintf("%s: transA=%t transB=%t m=%d n=%d k=%d lda=%d ldb=%d ldc=%d alpha=%g beta=%g",
			name, p.transA, p.transB, p.m, p.n, p.k, p.lda, p.ldb, p.ldc, p.alpha, p.beta)
	}
	if !sameBits(p.a, p.a0) || !sameBits(p.b, p.b0) {
		t.Fatalf("%s: A or B was modified", desc())
	}
	var sum float64
	for i := range c {
		if i%p.ldc >= p.n {
			if c[i] != sentinel {
				t.Fatalf("%s: padding of C at %d changed to %g", desc(), i, c[i])
			}
			continue
		}
		if math.IsNaN(c[i]) || math.IsInf(c[i], 0) {
			t.Fatalf("%s: C[%d, %d] = %g, want %g", desc(), i/p.ldc, i%p.ldc, c[i], want[i])
		}
		d := c[i] - want[i]
		sum += d * d
	}
	errNorm := math.Sqrt(sum)
	if p.scale == 0 {
		if errNorm != 0 {
			t.Fatalf("%s: ‖C − C_ref‖ = %g, want 0", desc(), errNorm)
		}
		return
	}
	if rel := errNorm / p.scale; rel > tol {
		t.Fatalf("%s: relative error %g > %g", desc(), rel, tol)
	}
}

// prepare records pristine copies of A and B and the error scale
// |alpha|·‖A‖·‖B‖ + |beta|·‖C₀‖ (the second term only when beta != 0, so
// that NaN in an overwritten C does not count).
func (p *problem) prepare() {
	p.a0 = append([]float64(nil), p.a...)
	p.b0 = append([]float64(nil), p.b...)
	aRows, aCols := p.m, p.k
	if p.transA {
		aRows, aCols = p.k, p.m
	}
	bRows, bCols := p.k, p.n
	if p.transB {
		bRows, bCols = p.n, p.k
	}
	p.scale = math.Abs(p.alpha) * frob(p.a, aRows, aCols, p.lda) * frob(p.b, bRows, bCols, p.ldb)
	if p.beta != 0 {
		p.scale += math.Abs(p.beta) * frob(p.c, p.m, p.n, p.ldc)
	}
}

func sameBits(x, y []float64) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
			return false
		}
	}
	return true
}

// shape is an m×k by k×n product, written m×k×n.
type shape struct{ m, k, n int }

// testShapes returns the shapes of TestDgemmAgainstGonum; the first
// (named) ones are tried with every pair of scalars, the many small ones
// around the register tiles with two pairs each.
func testShapes() (named, tiles []shape) {
	named = []shape{
		{1, 1, 1}, {7, 13, 5}, {128, 784, 256}, {1000, 1, 1000},
		{1, 300, 1}, {1, 64, 300}, {300, 64, 1}, {1, 1, 257}, {257, 1, 1},
		{0, 3, 4}, {3, 4, 0}, {3, 0, 4}, {6, 0, 8}, // empty products
		{2, 2, 2}, {6, 6, 6}, {7, 6, 6}, {8, 8, 8}, // around the direct-loop threshold
		{121, 257, 9}, {7, 3, 2049}, {241, 513, 17}, // around the cache blocks
		{64, 100, 64}, {97, 45, 83},
	}
	// Around the register tiles (6×8 and 2×4).
	for _, m := range []int{3, 4, 5, 6, 7, 12, 13} {
		for _, n := range []int{3, 4, 5, 7, 8, 9, 16, 17} {
			for _, k := range []int{1, 2, 5, 9} {
				tiles = append(tiles, shape{m, k, n})
			}
		}
	}
	return named, tiles
}

// scalars are the (alpha, beta) pairs tried; nanC puts NaN in C, which
// beta = 0 must overwrite.
var scalars = []struct {
	alpha, beta float64
	nanC        bool
}{
	{1, 0, false},
	{1, 1, false},
	{-0.5, 2, false},
	{2.5, 0, true},
	{0, 0.5, false},
	{0, 0, true},
	{1.5, -1, false},
}

func TestDgemmAgainstGonum(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	ps := paths()
	named, tiles := testShapes()
	for i, sh := range append(named, tiles...) {
		// The large shapes use fewer scalars and paths: they are slow under
		// -race and the small shapes cover the rest.
		big := sh.m*sh.n*sh.k > 1e6 || sh.m*sh.n > 1e5
		for _, transA := range []bool{false, true} {
			for _, transB := range []bool{false, true} {
				for _, pad := range [][3]int{{0, 0, 0}, {3, 5, 7}} {
					for si, sc := range scalars {
						switch {
						case big && si > 2:
							continue
						case i >= len(named) && si != 0 && si != 1+i%(len(scalars)-1):
							continue
						}
						p := newProblem(rnd, transA, transB, sh.m, sh.n, sh.k, pad[0], pad[1], pad[2], sc.alpha, sc.beta, sc.nanC)
						want := p.reference()
						for _, ps := range ps {
							if big && ps.smallOnly {
								continue
							}
							p.check(t, ps.name, ps.fn, want)
						}
					}
				}
			}
		}
	}
}

// TestDgemmExported checks the exported entry point, which picks the kernel
// and the number of goroutines itself, on shapes large enough to be split
// over goroutines when GOMAXPROCS > 1.
func TestDgemmExported(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, sh := range []shape{{1, 1, 1}, {7, 13, 5}, {128, 784, 256}, {300, 200, 100}, {1000, 1, 1000}} {
		for _, transA := range []bool{false, true} {
			for _, transB := range []bool{false, true} {
				p := newProblem(rnd, transA, transB, sh.m, sh.n, sh.k, 1, 2, 3, 1.25, 0.75, false)
				p.check(t, "Dgemm", Dgemm, p.reference())
			}
		}
	}
}

// TestNaNScalars checks that a NaN alpha or beta makes every element of C
// NaN, as in the reference BLAS (beta = NaN is not beta = 0).
func TestNaNScalars(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	nan := math.NaN()
	for _, sh := range []shape{{7, 13, 5}, {13, 9, 17}, {64, 64, 64}} {
		for _, sc := range [][2]float64{{nan, 1}, {1, nan}, {nan, 0}} {
			p := newProblem(rnd, false, true, sh.m, sh.n, sh.k, 0, 0, 2, sc[0], sc[1], false)
			for _, ps := range paths() {
				c := append([]float64(nil), p.c...)
				ps.fn(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)
				for i, v := range c {
					if inC := i%p.ldc < p.n; inC != math.IsNaN(v) {
						t.Fatalf("%s: alpha=%g beta=%g %v: c[%d] = %g", ps.name, p.alpha, p.beta, sh, i, v)
					}
				}
			}
		}
	}
}

func TestWorkers(t *testing.T) {
	// m·n·k for the cube of side s.
	cube := func(s int) (int, int, int) { return s, s, s }
	m0, n0, k0 := cube(1)
	m1, n1, k1 := cube(512)
	for _, tc := range []struct {
		m, n, k, procs int
		want           int
	}{
		{m0, n0, k0, 8, 1},
		{m1, n1, k1, 1, 1}, // GOMAXPROCS = 1
		{m1, n1, k1, 2, 2}, // large: all procs
		{m1, n1, k1, 1 << 30, m1 * n1 * k1 / workPerWorker}, // capped by work per goroutine
		{parallelMinWork / 64, 8, 8, 2, 2},                  // at the threshold
		{parallelMinWork/64 - 1, 8, 8, 2, 1},                // just below it
		{1, parallelMinWork, 1, 2, 2},                       // thin, at the threshold
		{128, 256, 10, 2, 2},                                // the last layer of the MLP step
		{64, 32, 32, 2, 1},                                  // small: no goroutines
	} {
		if got := workers(tc.m, tc.n, tc.k, tc.procs); got != tc.want {
			t.Errorf("workers(%d, %d, %d, %d) = %d, want %d", tc.m, tc.n, tc.k, tc.procs, got, tc.want)
		}
	}
}

// TestParallelNoLeak checks that parallel products leave no goroutines
// behind but the helpers of package vec's pool, whose number does not grow
// with the number of products.
func TestParallelNoLeak(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	p := newProblem(rnd, false, false, 200, 200, 200, 0, 0, 0, 1, 0, false)
	product := func() {
		dgemm(bestKernel, 4, p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc)
	}
	product() // starts the pool's helpers
	before := runtime.NumGoroutine()
	for range 20 {
		product()
	}
	// The goroutines that wake helpers exit as soon as they run.
	after := runtime.NumGoroutine()
	for deadline := time.Now().Add(time.Second); after > before && time.Now().Before(deadline); after = runtime.NumGoroutine() {
		time.Sleep(time.Millisecond)
	}
	if after > before {
		t.Errorf("%d goroutines before, %d after", before, after)
	}
}

func TestDgemmPanics(t *testing.T) {
	s := make([]float64, 100)
	for _, tc := range []struct {
		name           string
		transA, transB bool
		m, n, k        int
		a              []float64
		lda            int
		b              []float64
		ldb            int
		c              []float64
		ldc            int
		want           string
	}{
		{"m<0", false, false, -1, 2, 2, s, 2, s, 2, s, 2, "m = -1"},
		{"n<0", false, false, 2, -1, 2, s, 2, s, 2, s, 2, "n = -1"},
		{"k<0", false, false, 2, 2, -1, s, 2, s, 2, s, 2, "k = -1"},
		{"lda", false, false, 2, 3, 4, s, 3, s, 3, s, 3, "lda = 3"},
		{"ldaT", true, false, 5, 3, 4, s, 4, s, 3, s, 3, "lda = 4"},
		{"ldb", false, false, 2, 3, 4, s, 4, s, 2, s, 3, "ldb = 2"},
		{"ldbT", false, true, 2, 3, 4, s, 4, s, 3, s, 3, "ldb = 3"},
		{"ldc", false, false, 2, 3, 4, s, 4, s, 3, s, 2, "ldc = 2"},
		{"ldc0", false, false, 0, 0, 0, s, 1, s, 1, s, 0, "ldc = 0"},
		{"shortA", false, false, 3, 3, 4, s[:11], 4, s, 3, s, 3, "len(a) = 11"},
		{"shortAT", true, false, 3, 3, 4, s[:11], 3, s, 3, s, 3, "len(a) = 11"},
		{"shortB", false, false, 3, 3, 4, s, 4, s[:11], 3, s, 3, "len(b) = 11"},
		{"shortBT", false, true, 3, 3, 4, s, 4, s[:11], 4, s, 3, "len(b) = 11"},
		{"shortC", false, false, 3, 3, 4, s, 4, s, 3, s[:8], 3, "len(c) = 8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := append([]float64(nil), tc.c...)
			for i := range c {
				c[i] = float64(i)
			}
			defer func() {
				r := recover()
				msg, ok := r.(string)
				if !ok || !strings.HasPrefix(msg, "gemm: ") || !strings.Contains(msg, tc.want) {
					t.Fatalf("panic %v, want a message starting %q containing %q", r, "gemm: ", tc.want)
				}
				for i, v := range c {
					if v != float64(i) {
						t.Fatalf("c[%d] modified before panicking", i)
					}
				}
			}()
			Dgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, 1, tc.a, tc.lda, tc.b, tc.ldb, 0, c, tc.ldc)
		})
	}
}

// TestDgemmEmptyNoPanic checks that empty products accept the minimal
// strides and slices, as gonum does.
func TestDgemmEmptyNoPanic(t *testing.T) {
	c := []float64{math.NaN()}
	Dgemm(false, false, 0, 0, 0, 1, nil, 1, nil, 1, 0, nil, 1)
	Dgemm(false, false, 1, 1, 0, 1, nil, 1, nil, 1, 0, c, 1)
	if c[0] != 0 {
		t.Errorf("k = 0, beta = 0: C = %g, want 0", c[0])
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct{ n, parts, q int }{
		{512, 8, 6}, {1024, 10, 6}, {7, 1, 6}, {100, 3, 8}, {13, 2, 6}, {5, 5, 1},
	} {
		prev := 0
		for i := 1; i <= tc.parts; i++ {
			s := split(i, tc.n, tc.parts, tc.q)
			if s <= prev || (s != tc.n && s%tc.q != 0) {
				t.Fatalf("split(%d, %d, %d, %d) = %d after %d", i, tc.n, tc.parts, tc.q, s, prev)
			}
			prev = s
		}
		if prev != tc.n {
			t.Fatalf("split(%d, %d, %d, %d) = %d, want %d", tc.parts, tc.n, tc.parts, tc.q, prev, tc.n)
		}
	}
}

func FuzzDgemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), false, false, uint8(0), uint8(0), uint8(0), 1.0, 0.0, uint64(1))
	f.Add(uint8(7), uint8(5), uint8(13), true, false, uint8(1), uint8(2), uint8(3), -2.0, 0.5, uint64(2))
	f.Add(uint8(13), uint8(17), uint8(9), false, true, uint8(0), uint8(3), uint8(1), 0.5, 0.0, uint64(3))
	f.Add(uint8(40), uint8(33), uint8(60), true, true, uint8(2), uint8(0), uint8(0), 1.0, 1.0, uint64(4))
	f.Add(uint8(1), uint8(60), uint8(30), false, false, uint8(0), uint8(0), uint8(5), 3.0, -1.0, uint64(5))
	f.Add(uint8(61), uint8(1), uint8(20), true, false, uint8(4), uint8(4), uint8(4), 1.0, 0.0, uint64(6))
	f.Add(uint8(25), uint8(25), uint8(0), false, false, uint8(0), uint8(0), uint8(0), 1.0, 2.0, uint64(7))
	ps := paths()
	f.Fuzz(func(t *testing.T, m8, n8, k8 uint8, transA, transB bool, padA, padB, padC uint8, alpha, beta float64, seed uint64) {
		if math.IsNaN(alpha) || math.IsNaN(beta) || math.Abs(alpha) > 1e6 || math.Abs(beta) > 1e6 {
			t.Skip("scalars outside the tested range")
		}
		m, n, k := int(m8%70), int(n8%70), int(k8%70)
		rnd := rand.New(rand.NewPCG(seed, 7))
		p := newProblem(rnd, transA, transB, m, n, k, int(padA%5), int(padB%5), int(padC%5), alpha, beta, beta == 0)
		want := p.reference()
		for _, ps := range ps {
			p.check(t, ps.name, ps.fn, want)
		}
	})
}

func ExampleDgemm() {
	// C = A·B with A 2×3 and B 3×2.
	a := []float64{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float64{
		7, 8,
		9, 10,
		11, 12,
	}
	c := make([]float64, 4)
	Dgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c[:2])
	fmt.Println(c[2:])

	// C = Aᵀ·A, reading A transposed in place.
	ata := make([]float64, 9)
	Dgemm(true, false, 3, 3, 2, 1, a, 3, a, 3, 0, ata, 3)
	fmt.Println(ata)
	// Output:
	// [58 64]
	// [139 154]
	// [17 22 27 22 29 36 27 36 45]
}
