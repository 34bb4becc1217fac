package vec

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// BenchmarkKernels reports ns/element for each kernel and for the scalar
// loop it replaces, timed alternately in one loop, and their ratio
// (loop/vec, the speed-up), at n = 1024 (in L1), 65536 (in L2) and 2²⁰
// (beyond L2), on one goroutine:
//
//	GOMAXPROCS=1 go test ./tensor/internal/vec -run XXX -bench Kernels -benchtime=200ms
//
// and, with two cores, the time of Add and Sum split over two goroutines
// against one, from which ParallelMin is chosen:
//
//	GOMAXPROCS=2 go test ./tensor/internal/vec -run XXX -bench ParallelThreshold

var benchSizes = []int{1024, 65536, 1 << 20}

func benchSlices(n int) (a, b, c, d []float64) {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	mk := func() []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = 1 + rng.Float64()
		}
		return x
	}
	a, b, c, d = mk(), mk(), mk(), mk()
	for i := range c {
		if rng.IntN(2) == 0 {
			c[i] = 0 // half zeros, for Relu and the mask of MaskMul
		}
	}
	return a, b, c, d
}

func perElement(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

func BenchmarkKernels(b *testing.B) {
	type impl struct {
		name string
		f    func(d, x, y, z []float64)
	}
	kernels := []struct {
		name  string
		impls []impl
	}{
		{"Add", []impl{{"vec", func(d, x, y, z []float64) { Add(d, x, y) }}, {"loop", func(d, x, y, z []float64) {
			for i := range d {
				d[i] = x[i] + y[i]
			}
		}}}},
		{"Mul", []impl{{"vec", func(d, x, y, z []float64) { Mul(d, x, y) }}, {"loop", func(d, x, y, z []float64) {
			for i := range d {
				d[i] = x[i] * y[i]
			}
		}}}},
		{"Div", []impl{{"vec", func(d, x, y, z []float64) { Div(d, x, y) }}, {"loop", func(d, x, y, z []float64) {
			for i := range d {
				d[i] = x[i] / y[i]
			}
		}}}},
		{"Scale", []impl{{"vec", func(d, x, y, z []float64) { Scale(d, 1.5, x) }}, {"loop", func(d, x, y, z []float64) {
			for i, v := range x {
				d[i] = 1.5 * v
			}
		}}}},
		{"AddScalar", []impl{{"vec", func(d, x, y, z []float64) { AddScalar(d, x, 1.5) }}, {"loop", func(d, x, y, z []float64) {
			for i, v := range x {
				d[i] = v + 1.5
			}
		}}}},
		{"Accumulate", []impl{{"vec", func(d, x, y, z []float64) { Add(d, d, x) }}, {"loop", func(d, x, y, z []float64) {
			for i, v := range x {
				d[i] += v
			}
		}}}},
		{"MulAcc", []impl{{"vec", func(d, x, y, z []float64) { MulAdd(d, x, y, d) }}, {"loop", func(d, x, y, z []float64) {
			for i := range d {
				d[i] += x[i] * y[i]
			}
		}}}},
		{"MulAdd", []impl{{"vec", func(d, x, y, z []float64) { MulAdd(d, x, y, z) }}, {"loop", func(d, x, y, z []float64) {
			for i := range d {
				d[i] = x[i]*y[i] + z[i]
			}
		}}}},
		{"Axpy", []impl{{"vec", func(d, x, y, z []float64) { Axpy(d, 1.5, x, y) }}, {"loop", func(d, x, y, z []float64) {
			for i := range d {
				d[i] = 1.5*x[i] + y[i]
			}
		}}}},
		{"Square", []impl{{"vec", func(d, x, y, z []float64) { Square(d, x) }}, {"loop", func(d, x, y, z []float64) {
			for i, v := range x {
				d[i] = v * v
			}
		}}}},
		{"MulScaled", []impl{{"vec", func(d, x, y, z []float64) { MulScaled(d, 2, x, y) }}, {"loop", func(d, x, y, z []float64) {
			for i := range d {
				d[i] = 2 * x[i] * y[i]
			}
		}}}},
		{"Relu", []impl{{"vec", func(d, x, y, z []float64) { Relu(d, z) }}, {"loop", func(d, x, y, z []float64) {
			for i, v := range z {
				if v > 0 {
					d[i] = v
				} else if v <= 0 {
					d[i] = 0
				} else {
					d[i] = v
				}
			}
		}}}},
		{"MaskMul", []impl{{"vec", func(d, x, y, z []float64) { MaskMul(d, x, z) }}, {"loop", func(d, x, y, z []float64) {
			for i, m := range z {
				if m == 0 {
					d[i] = 0
				} else {
					d[i] = x[i] * m
				}
			}
		}}}},
		{"Gather2", []impl{{"vec", func(d, x, y, z []float64) { Gather(d[:len(d)/2], x, 2) }}, {"loop", func(d, x, y, z []float64) {
			out := d[:len(d)/2]
			for j := range out {
				out[j] = x[2*j]
			}
		}}}},
		{"Scatter2", []impl{{"vec", func(d, x, y, z []float64) { Scatter(d, x[:len(x)/2], 2) }}, {"loop", func(d, x, y, z []float64) {
			for j, v := range x[:len(x)/2] {
				d[2*j] = v
			}
		}}}},
		{"ScatterAdd2", []impl{{"vec", func(d, x, y, z []float64) { ScatterAdd(d, x[:len(x)/2], 2) }}, {"loop", func(d, x, y, z []float64) {
			for j, v := range x[:len(x)/2] {
				d[2*j] += v
			}
		}}}},
		{"ScatterZero2", []impl{{"vec", func(d, x, y, z []float64) { ScatterZero(d, x[:len(x)/2], 0, 2) }}, {"clear+loop", func(d, x, y, z []float64) {
			clear(d)
			for j, v := range x[:len(x)/2] {
				d[2*j] = v
			}
		}}}},
		{"MulScaledPair", []impl{{"vec", func(d, x, y, z []float64) { MulScaledPair(d, 2, x, y, z, x) }}, {"two passes", func(d, x, y, z []float64) {
			MulScaled(d, 2, x, y)
			MulScaledAdd(d, 2, z, x, d)
		}}}},
		{"Dot", []impl{{"vec", func(d, x, y, z []float64) { d[0] = Dot(x, y) }}, {"loop", func(d, x, y, z []float64) {
			s := 0.0
			for i := range x {
				s += x[i] * y[i]
			}
			d[0] = s
		}}}},
		{"Sum", []impl{{"vec", func(d, x, y, z []float64) { d[0] = Sum(x) }}, {"loop4", func(d, x, y, z []float64) {
			// The four-partial loop that tensor.SumAll used before.
			var s0, s1, s2, s3 float64
			i := 0
			for ; i+4 <= len(x); i += 4 {
				s0 += x[i]
				s1 += x[i+1]
				s2 += x[i+2]
				s3 += x[i+3]
			}
			for ; i < len(x); i++ {
				s0 += x[i]
			}
			d[0] = (s0 + s1) + (s2 + s3)
		}}}},
	}
	for _, k := range kernels {
		for _, n := range benchSizes {
			x, y, z, d := benchSlices(n)
			b.Run(fmt.Sprintf("%s/n=%d", k.name, n), func(b *testing.B) {
				b.ReportAllocs()
				var tv, tl time.Duration
				for b.Loop() {
					t0 := time.Now()
					k.impls[0].f(d, x, y, z)
					t1 := time.Now()
					k.impls[1].f(d, x, y, z)
					tv += t1.Sub(t0)
					tl += time.Since(t1)
				}
				per := func(t time.Duration) float64 { return float64(t.Nanoseconds()) / float64(b.N) / float64(n) }
				b.ReportMetric(per(tv), "ns/elem-vec")
				b.ReportMetric(per(tl), "ns/elem-loop")
				b.ReportMetric(float64(tl)/float64(tv), "loop/vec")
			})
		}
	}
}

// BenchmarkParallelThreshold times Add, Axpy and Sum at lengths from 2¹⁵
// to 2²³ on one goroutine and split over two, alternately in one loop (so
// that both see the same machine), and reports the ratio one/two: above 1
// the split pays. ParallelMin is the smallest length from which it did. It
// needs GOMAXPROCS ≥ 2.
func BenchmarkParallelThreshold(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 {
		b.Skip("needs GOMAXPROCS ≥ 2")
	}
	for _, n := range []int{1 << 15, 1 << 17, 1 << 18, 1 << 19, 1 << 20, 1 << 21, 1 << 23} {
		x, y, _, d := benchSlices(n)
		nb := (n + SumBlock - 1) / SumBlock
		for _, k := range []struct {
			name     string
			one, two func()
		}{
			{"Add", func() { add(d, x, y) }, func() { For(n, 2, func(lo, hi int) { add(d[lo:hi], x[lo:hi], y[lo:hi]) }) }},
			{"Axpy", func() { axpy(d, 1.5, x, d) }, func() { For(n, 2, func(lo, hi int) { axpy(d[lo:hi], 1.5, x[lo:hi], d[lo:hi]) }) }},
			{"Sum", func() { d[0] = blockSum(x) }, func() { d[0] = sumParallel(x, nb, 2) }},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", k.name, n), func(b *testing.B) {
				var t1, t2 time.Duration
				for b.Loop() {
					t0 := time.Now()
					k.one()
					t := time.Now()
					k.two()
					t1 += t.Sub(t0)
					t2 += time.Since(t)
				}
				b.ReportMetric(float64(t1.Nanoseconds())/float64(b.N)/float64(n), "ns/elem-one")
				b.ReportMetric(float64(t2.Nanoseconds())/float64(b.N)/float64(n), "ns/elem-two")
				b.ReportMetric(float64(t1)/float64(t2), "one/two")
			})
		}
	}
}
