package tensor

import "testing"

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
