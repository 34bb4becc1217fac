package vec

import (
	"fmt"
	"math"
	"testing"
)

// BenchmarkStrided2 times Deinterleave, Interleave and Gather at step 2
// (the AVX2 kernels on amd64, "vec") against their pure-Go loops
// ("generic") on L1-resident pieces of n written elements (n/2 per half
// for Deinterleave and Interleave), in ns per written element:
//
//	GOMAXPROCS=1 go test ./tensor/internal/vec -run XXX -bench Strided2 -count 5
func BenchmarkStrided2(b *testing.B) {
	negZero := math.Copysign(0, -1)
	type impl struct {
		name string
		f    func(d, x []float64, m int)
	}
	kernels := []struct {
		name  string
		impls []impl
	}{
		{"Deinterleave", []impl{
			{"vec", func(d, x []float64, m int) { Deinterleave(d[:m], d[m:2*m], x[:2*m]) }},
			{"generic", func(d, x []float64, m int) { deinterleaveGeneric(d[:m], d[m:2*m], x[:2*m]) }},
		}},
		{"Interleave", []impl{
			{"vec", func(d, x []float64, m int) { Interleave(d[:2*m], x[:m], x[m:2*m], negZero, 0) }},
			{"generic", func(d, x []float64, m int) { interleaveGeneric(d[:2*m], x[:m], x[m:2*m], negZero, 0) }},
		}},
		{"Gather", []impl{
			{"vec", func(d, x []float64, m int) { Gather(d[:2*m], x[:4*m], 2) }},
			{"generic", func(d, x []float64, m int) { gatherGeneric(d[:2*m], x[:4*m], 2) }},
		}},
	}
	for _, k := range kernels {
		for _, n := range []int{1024, 2048} {
			x, _, _, _ := benchSlices(2 * n)
			d := make([]float64, n)
			for _, im := range k.impls {
				b.Run(fmt.Sprintf("%s/n=%d/%s", k.name, n, im.name), func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(8 * n))
					for b.Loop() {
						im.f(d, x, n/2)
					}
					perElement(b, n)
				})
			}
		}
	}
}
