package tensor

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/curvature-go/curvature/tensor/internal/vec"
	"github.com/curvature-go/curvature/tensor/internal/vecmath"
)

// reportPerElement adds an ns/element metric for n elements per op.
func reportPerElement(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/element")
}

func BenchmarkAddSameShape(b *testing.B) {
	const n = 100_000
	rng := newRNG(1)
	x, y, dst := randNormal(rng, n), randNormal(rng, n), Zeros(n)
	b.ReportAllocs()
	b.SetBytes(3 * 8 * n)
	for b.Loop() {
		AddTo(dst, x, y)
	}
	reportPerElement(b, n)
}

func BenchmarkAddBiasBroadcast(b *testing.B) {
	rng := newRNG(2)
	x, bias, dst := randNormal(rng, 128, 256), randNormal(rng, 256), Zeros(128, 256)
	b.ReportAllocs()
	for b.Loop() {
		AddTo(dst, x, bias)
	}
	reportPerElement(b, 128*256)
}

func BenchmarkSumToBias(b *testing.B) {
	rng := newRNG(3)
	g, dst := randNormal(rng, 128, 256), Zeros(256)
	shape := []int{256}
	b.ReportAllocs()
	for b.Loop() {
		SumToTo(dst, g, shape)
	}
	reportPerElement(b, 128*256)
}

func BenchmarkTanh(b *testing.B) {
	const n = 100_000
	x, dst := randNormal(newRNG(4), n), Zeros(n)
	b.ReportAllocs()
	for b.Loop() {
		ApplyTo(OpTanh, dst, x)
	}
	reportPerElement(b, n)
}

func BenchmarkTranspose512(b *testing.B) {
	x, dst := randNormal(newRNG(5), 512, 512), Zeros(512, 512)
	b.ReportAllocs()
	b.SetBytes(2 * 8 * 512 * 512)
	for b.Loop() {
		TransposeTo(dst, x)
	}
	reportPerElement(b, 512*512)
}

// BenchmarkRosenbrockKernels measures what the kernels alone give on the
// extended Rosenbrock function at n = 10⁵: the sequence of tensor
// operations a tape runs for f (two strided slices, squares, a
// difference, a negation and shift, two sums) and for f with its gradient
// (the same forward pass, then each rule's adjoint in one pass with the
// destination forms: MulScaledTo for the squares, AxpyInto, UnsliceAccTo),
// all into preallocated tensors, against the hand-written loops over x.
// Each iteration times all four, so the reported ratios compare figures
// taken side by side.
func BenchmarkRosenbrockKernels(b *testing.B) {
	const n = 100_000
	x := Zeros(n)
	for i := range x.Data() {
		if i%2 == 0 {
			x.Data()[i] = -1.2
		} else {
			x.Data()[i] = 1
		}
	}
	h := n / 2
	odd, even, sq, t, neg, u, t2, u2 := Zeros(h), Zeros(h), Zeros(h), Zeros(h), Zeros(h), Zeros(h), Zeros(h), Zeros(h)
	gt2, gt, gu2, gu, gsq, godd, gx := Zeros(h), Zeros(h), Zeros(h), Zeros(h), Zeros(h), Zeros(h), Zeros(n)
	forward := func() float64 {
		SliceTo(odd, x, 0, 0, n, 2)
		SliceTo(even, x, 0, 1, n, 2)
		ApplyTo(OpSquare, sq, odd)
		SubTo(t, even, sq)
		ApplyTo(OpNeg, neg, odd)
		AddScalarTo(u, neg, 1)
		ApplyTo(OpSquare, t2, t)
		ApplyTo(OpSquare, u2, u)
		return 100*SumAll(t2) + SumAll(u2)
	}
	backward := func() {
		gt2.Fill(100) // the adjoint of Sum, broadcast, times the scale 100
		gu2.Fill(1)
		MulScaledTo(gt, 2, gt2, t) // Square
		MulScaledTo(gu, 2, gu2, u)
		ApplyTo(OpNeg, gsq, gt)        // Sub: the adjoint of the subtrahend
		MulScaledTo(godd, 2, gsq, odd) // Square
		AxpyInto(godd, -1, gu)         // Neg, accumulated
		clear(gx.Data())
		UnsliceAccTo(gx, godd, 0, 0, n, 2) // the two slices
		UnsliceAccTo(gx, gt, 0, 1, n, 2)
	}
	xs, g := x.Data(), make([]float64, n)
	hand := func(g []float64) float64 {
		f := 0.0
		for i := 0; i+1 < len(xs); i += 2 {
			t := xs[i+1] - xs[i]*xs[i]
			u := 1 - xs[i]
			f += 100*t*t + u*u
			if g != nil {
				g[i] = -400*t*xs[i] - 2*u
				g[i+1] = 200 * t
			}
		}
		return f
	}
	if f, fh := forward(), hand(g); math.Abs(f-fh) > 1e-12*fh {
		b.Fatalf("f = %v, hand-written %v", f, fh)
	}
	backward()
	for i := range g {
		if math.Abs(gx.Data()[i]-g[i]) > 1e-12*math.Abs(g[i]) {
			b.Fatalf("gradient element %d = %v, hand-written %v", i, gx.Data()[i], g[i])
		}
	}
	b.ReportAllocs()
	var tf, tg, tfh, tgh time.Duration
	var sink float64
	for b.Loop() {
		t0 := time.Now()
		sink += forward()
		t1 := time.Now()
		sink += forward()
		backward()
		t2 := time.Now()
		sink += hand(nil)
		t3 := time.Now()
		sink += hand(g)
		t4 := time.Now()
		tf += t1.Sub(t0)
		tg += t2.Sub(t1)
		tfh += t3.Sub(t2)
		tgh += t4.Sub(t3)
	}
	_ = sink
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(per(tf), "ns/f")
	b.ReportMetric(per(tg), "ns/grad")
	b.ReportMetric(per(tfh), "ns/f-hand")
	b.ReportMetric(per(tgh), "ns/grad-hand")
	b.ReportMetric(per(tf)/per(tfh), "f/f-hand")
	b.ReportMetric(per(tg)/per(tgh), "grad/grad-hand")
}

// BenchmarkParallelThresholdHeavy times Tanh and Exp at lengths from 2¹⁰
// to 2¹⁶ on one goroutine and split by vec.For over two, alternately (so
// that both see the same machine, and the helper goroutine is awake as
// between the kernels of a training step), and reports the ratios
// one/two of the median and of the fastest rounds: above 1 the split pays.
// These kernels are bound by arithmetic, not by memory bandwidth, so the
// crossover (heavyParallelMin) is far below vec.ParallelMin. It needs two
// cores:
//
//	GOMAXPROCS=2 go test ./tensor -run '^$' -bench ParallelThresholdHeavy -count 3
func BenchmarkParallelThresholdHeavy(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 || runtime.NumCPU() < 2 {
		b.Skip("needs two cores and GOMAXPROCS ≥ 2")
	}
	for _, n := range []int{1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16} {
		x, out := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i] = 4 * (float64(i)/float64(n) - 0.5)
		}
		for _, k := range []struct {
			name string
			f    func(out, x []float64)
		}{{"Tanh", vecmath.Tanh}, {"Exp", vecmath.Exp}} {
			b.Run(fmt.Sprintf("%s/n=%d", k.name, n), func(b *testing.B) {
				var t1, t2 []time.Duration
				for b.Loop() {
					t0 := time.Now()
					k.f(out, x)
					t := time.Now()
					vec.For(n, 2, func(lo, hi int) { k.f(out[lo:hi], x[lo:hi]) })
					t1 = append(t1, t.Sub(t0))
					t2 = append(t2, time.Since(t))
				}
				slices.Sort(t1)
				slices.Sort(t2)
				b.ReportMetric(float64(t1[len(t1)/2])/float64(t2[len(t2)/2]), "one/two")
				b.ReportMetric(float64(t1[0])/float64(t2[0]), "one/two-fastest")
			})
		}
	}
}
