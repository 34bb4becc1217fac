package vec

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// refMulScaledPair is MulScaledPair as the two plain loops it replaces:
// dst = (s·a)·b, then dst = (s·c)·d + dst.
func refMulScaledPair(s float64, a, b, c, d []float64) []float64 {
	dst := make([]float64, len(a))
	for i := range dst {
		dst[i] = float64(a[i]*s) * b[i]
	}
	for i := range dst {
		dst[i] = float64(float64(c[i]*s)*d[i]) + dst[i]
	}
	return dst
}

// TestMulScaledPair checks MulScaledPair against the plain loops, bit for
// bit, on every length from 0 to 67 and some longer ones, at unaligned
// starts, with special values and scales, with dst one of the operands,
// on one and two goroutines (and on the parallel path unless -short).
func TestMulScaledPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	lengths := testLengths()
	if !testing.Short() {
		lengths = append(lengths, ParallelMin+7)
	}
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		for _, n := range lengths {
			for off := 0; off < 4; off++ {
				if n > 4099 && off > 0 {
					break
				}
				var in [4][]float64
				for k := range in {
					in[k] = offsetSlice(n, (off+k)%4)
					fillValues(rng, in[k])
				}
				for _, s := range []float64{2, -1, 1, 0.3, specials[rng.IntN(len(specials))]} {
					want := refMulScaledPair(s, in[0], in[1], in[2], in[3])
					got := offsetSlice(n, (off+3)%4)
					MulScaledPair(got, s, in[0], in[1], in[2], in[3])
					checkSlice(t, "MulScaledPair", "exported", n, off, got, want)
					for alias := range in { // dst is operand alias
						ops := in
						ops[alias] = append(offsetSlice(0, off)[:0:0], in[alias]...)
						dst := ops[alias]
						MulScaledPair(dst, s, ops[0], ops[1], ops[2], ops[3])
						checkSlice(t, "MulScaledPair", "dst = operand", n, alias, dst, want)
					}
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

// TestMulScaledPairSpecialPairs applies MulScaledPair to every pair of
// special values in each operand position, in slices long enough for the
// assembly.
func TestMulScaledPairSpecialPairs(t *testing.T) {
	m := len(specials) * len(specials)
	var in [4][]float64
	for k := range in {
		in[k] = make([]float64, m)
	}
	for pos := 0; pos < 4; pos++ {
		for k := range in {
			for i := range in[k] {
				in[k][i] = 1.5
			}
		}
		for i, x := range specials {
			for j, y := range specials {
				in[pos][i*len(specials)+j] = x
				in[(pos+1)%4][i*len(specials)+j] = y
			}
		}
		for _, s := range specials {
			want := refMulScaledPair(s, in[0], in[1], in[2], in[3])
			got := make([]float64, m)
			MulScaledPair(got, s, in[0], in[1], in[2], in[3])
			checkSlice(t, "MulScaledPair", "special pairs", m, pos, got, want)
		}
	}
}

// FuzzMulScaledPair checks MulScaledPair against the plain loops on
// fuzzed values, scale, length and offset.
//
//	go test -run XXX -fuzz FuzzMulScaledPair ./tensor/internal/vec
func FuzzMulScaledPair(f *testing.F) {
	for i, v := range specials {
		f.Add(v, specials[(i+4)%len(specials)], specials[(i+7)%len(specials)], uint8(i*17))
	}
	f.Fuzz(func(t *testing.T, x, y, s float64, shape uint8) {
		n := int(shape % 67)
		off := int(shape/67) % 4
		var in [4][]float64
		for k := range in {
			in[k] = offsetSlice(n, (off+k)%4)
			for i := range in[k] {
				w := 0.5 + 0.125*float64(i+k)
				in[k][i] = x * w
				if (i+k)%3 == 1 {
					in[k][i] = y
				}
			}
		}
		want := refMulScaledPair(s, in[0], in[1], in[2], in[3])
		got := offsetSlice(n, (off+1)%4)
		MulScaledPair(got, s, in[0], in[1], in[2], in[3])
		checkSlice(t, "MulScaledPair", "fuzz", n, off, got, want)
	})
}
