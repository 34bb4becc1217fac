package vecmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Benchmarks report ns/element for each kernel at n = 1024 (in L1) and
// n = 65536 (in L2), for the exported function ("vecmath", the assembly on
// AVX2+FMA hardware), the pure-Go kernel ("purego") and a loop over the math
// package ("math"; for Sigmoid the naive 1/(1+math.Exp(−x)), for the
// gradients the plain expression). Run with
//
//	GOMAXPROCS=1 go test ./tensor/internal/vecmath -run XXX -bench . -benchtime=300ms
//
// Inputs: Exp on U(−20, 20), Log on log-uniform (1e−3, 1e3), Tanh and
// Sigmoid on N(0, 2²) (typical pre-activations), gradients on g ~ N(0, 1)
// and y ~ U(−1, 1) or U(0, 1).

var benchSizes = []int{1024, 65536}

func benchInputs(name string, n int) (x, g []float64) {
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	x = make([]float64, n)
	g = make([]float64, n)
	for i := range x {
		switch name {
		case "Exp":
			x[i] = -20 + 40*rng.Float64()
		case "Log":
			x[i] = math.Exp(math.Log(1e-3) + math.Log(1e6)*rng.Float64())
		case "TanhGrad":
			x[i] = -1 + 2*rng.Float64()
		case "SigmoidGrad":
			x[i] = rng.Float64()
		default:
			x[i] = 2 * rng.NormFloat64()
		}
		g[i] = rng.NormFloat64()
	}
	return x, g
}

func benchUnary(b *testing.B, name string, impls []struct {
	name string
	f    func(dst, x []float64)
}) {
	for _, n := range benchSizes {
		x, _ := benchInputs(name, n)
		dst := make([]float64, n)
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					im.f(dst, x)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
			})
		}
	}
}

type unaryImpl = struct {
	name string
	f    func(dst, x []float64)
}

func mathLoop(f func(float64) float64) func(dst, x []float64) {
	return func(dst, x []float64) {
		for i, v := range x {
			dst[i] = f(v)
		}
	}
}

func BenchmarkExp(b *testing.B) {
	benchUnary(b, "Exp", []unaryImpl{{"vecmath", Exp}, {"purego", expGeneric}, {"math", mathLoop(math.Exp)}})
}

func BenchmarkLog(b *testing.B) {
	benchUnary(b, "Log", []unaryImpl{{"vecmath", Log}, {"purego", logGeneric}, {"math", mathLoop(math.Log)}})
}

func BenchmarkTanh(b *testing.B) {
	benchUnary(b, "Tanh", []unaryImpl{{"vecmath", Tanh}, {"purego", tanhGeneric}, {"math", mathLoop(math.Tanh)}})
}

func BenchmarkSigmoid(b *testing.B) {
	naive := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	benchUnary(b, "Sigmoid", []unaryImpl{{"vecmath", Sigmoid}, {"purego", sigmoidGeneric}, {"math", mathLoop(naive)}})
}

func benchBinary(b *testing.B, name string, impls []struct {
	name string
	f    func(dst, g, y []float64)
}) {
	for _, n := range benchSizes {
		y, g := benchInputs(name, n)
		dst := make([]float64, n)
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					im.f(dst, g, y)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
			})
		}
	}
}

type binaryImpl = struct {
	name string
	f    func(dst, g, y []float64)
}

func BenchmarkTanhGrad(b *testing.B) {
	plain := func(dst, g, y []float64) {
		for i := range dst {
			dst[i] = g[i] * (1 - y[i]*y[i])
		}
	}
	benchBinary(b, "TanhGrad", []binaryImpl{{"vecmath", TanhGrad}, {"purego", tanhGradGeneric}, {"math", plain}})
}

func BenchmarkSigmoidGrad(b *testing.B) {
	plain := func(dst, g, y []float64) {
		for i := range dst {
			dst[i] = g[i] * y[i] * (1 - y[i])
		}
	}
	benchBinary(b, "SigmoidGrad", []binaryImpl{{"vecmath", SigmoidGrad}, {"purego", sigmoidGradGeneric}, {"math", plain}})
}
