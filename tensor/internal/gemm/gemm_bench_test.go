package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
)

// benchShape is a product C (m×n) = op(A)·op(B) with inner dimension k.
type benchShape struct {
	name           string
	transA, transB bool
	m, k, n        int
}

// benchShapes are square sizes 256³ … 1024³ and the shapes of a 784→256 dense
// layer with batch 128: forward X·W (128×784 by 784×256), and the backward
// products Xᵀ·dY (784×128 by 128×256) and dY·Wᵀ (128×256 by 256×784).
var benchShapes = []benchShape{
	{"256x256x256", false, false, 256, 256, 256},
	{"512x512x512", false, false, 512, 512, 512},
	{"1024x1024x1024", false, false, 1024, 1024, 1024},
	{"128x784x256", false, false, 128, 784, 256},
	{"AT-B-784x128x256", true, false, 784, 128, 256},
	{"A-BT-128x256x784", false, true, 128, 256, 784},
}

// operands returns random operands for s, stored so that op(A) is m×k and
// op(B) is k×n, with their row strides.
func (s benchShape) operands() (a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	rnd := rand.New(rand.NewPCG(1, 1))
	rand := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = rnd.Float64()
		}
		return x
	}
	lda, ldb = s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	return rand(s.m * s.k), lda, rand(s.k * s.n), ldb, rand(s.m * s.n), s.n
}

func (s benchShape) run(b *testing.B, f func(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)) {
	a, lda, bb, ldb, c, ldc := s.operands()
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	for b.Loop() {
		f(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, ldc)
	}
	flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	// On a shared machine the wall-clock rate drops when other processes
	// take the CPU; the rate per CPU-second of this process does much less.
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(flops/cpu/1e9, "GFLOP/cpu-s")
	}
}

// BenchmarkDgemm measures Dgemm (with as many goroutines as GOMAXPROCS
// allows) in GFLOP/s.
func BenchmarkDgemm(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) { s.run(b, Dgemm) })
	}
}

// BenchmarkDgemmGeneric measures the portable Go micro-kernel on one
// goroutine, as used without AVX2/FMA or with the purego tag.
func BenchmarkDgemmGeneric(b *testing.B) {
	for _, s := range benchShapes[:1] {
		b.Run(s.name, func(b *testing.B) {
			s.run(b, func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, bb []float64, ldb int, beta float64, c []float64, ldc int) {
				dgemm(&genericKernel, 1, tA, tB, m, n, k, alpha, a, lda, bb, ldb, beta, c, ldc)
			})
		})
	}
}

// BenchmarkGonumDgemm measures gonum's blas64 Dgemm on the same shapes.
func BenchmarkGonumDgemm(b *testing.B) {
	impl := blas64.Implementation()
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			s.run(b, func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, bb []float64, ldb int, beta float64, c []float64, ldc int) {
				impl.Dgemm(tr(tA), tr(tB), m, n, k, alpha, a, lda, bb, ldb, beta, c, ldc)
			})
		})
	}
}

// BenchmarkKernel measures the micro-kernel alone on operands that stay
// in L1, an upper bound for the whole product.
func BenchmarkKernel(b *testing.B) {
	for _, kern := range kernels() {
		b.Run(kern.name, func(b *testing.B) {
			const kc = 256
			ap := make([]float64, kern.mr*kc)
			bp := make([]float64, kern.nr*kc)
			c := make([]float64, kern.mr*kern.nr)
			for i := range ap {
				ap[i] = 1e-3
			}
			for i := range bp {
				bp[i] = 1e-3
			}
			cpu0 := cpuSeconds()
			for b.Loop() {
				kern.fn(kc, ap, bp, c, kern.nr, 1, 1)
			}
			flops := 2 * float64(kern.mr*kern.nr*kc) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			if cpu := cpuSeconds() - cpu0; cpu > 0 {
				b.ReportMetric(flops/cpu/1e9, "GFLOP/cpu-s")
			}
		})
	}
}

// BenchmarkDgemmSmall compares the direct loop with the packed path on
// small products, where the threshold between them (directMaxWork) matters.
func BenchmarkDgemmSmall(b *testing.B) {
	for _, n := range []int{4, 6, 8, 12, 16, 32, 64} {
		s := benchShape{fmt.Sprintf("%dx%dx%d", n, n, n), false, false, n, n, n}
		b.Run("direct/"+s.name, func(b *testing.B) { s.run(b, direct) })
		b.Run("packed/"+s.name, func(b *testing.B) {
			s.run(b, func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, bb []float64, ldb int, beta float64, c []float64, ldc int) {
				blocked(bestKernel, 1, tA, tB, m, n, k, alpha, a, lda, bb, ldb, beta, c, ldc)
			})
		})
	}
}

// BenchmarkPack measures packing a 784×256 operand in the best kernel's
// layout (kc = 196, as for the 128×784×256 product), in ns per element.
func BenchmarkPack(b *testing.B) {
	const k, n, kc = 784, 256, 196
	kern := bestKernel
	src := make([]float64, k*n)
	for i := range src {
		src[i] = float64(i)
	}
	dst := make([]float64, kc*roundUp(max(k, n), 8))
	for _, trans := range []bool{false, true} {
		// op(X) is k×n: stored k×n, or n×k when transposed.
		ld := n
		if trans {
			ld = k
		}
		b.Run(fmt.Sprintf("B/trans=%t", trans), func(b *testing.B) {
			cpu0 := cpuSeconds()
			for b.Loop() {
				for pc := 0; pc < k; pc += kc {
					kern.packB(dst, trans, src, ld, pc, kc, 0, n, 0, ceilDiv(n, kern.nr))
				}
			}
			b.ReportMetric((cpuSeconds()-cpu0)*1e9/float64(b.N)/(k*n), "cpu-ns/elem")
		})
		// op(X) as an A operand is n×k: stored n×k, or k×n when transposed.
		ld = k
		if trans {
			ld = n
		}
		b.Run(fmt.Sprintf("A/trans=%t", trans), func(b *testing.B) {
			cpu0 := cpuSeconds()
			for b.Loop() {
				for pc := 0; pc < k; pc += kc {
					kern.packA(dst, trans, src, ld, 0, n, pc, kc)
				}
			}
			b.ReportMetric((cpuSeconds()-cpu0)*1e9/float64(b.N)/(k*n), "cpu-ns/elem")
		})
	}
}
