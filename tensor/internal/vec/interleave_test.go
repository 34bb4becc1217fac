package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// nanPayloads are NaNs of either sign, quiet and signalling, with
// payloads: Deinterleave must move them bit for bit, and Interleave must
// produce what the scalar addition produces from them.
var nanPayloads = []float64{
	math.Float64frombits(0x7ff8000000000000),
	math.Float64frombits(0xfff8000000001234),
	math.Float64frombits(0x7ff0000000000001), // signalling
	math.Float64frombits(0xfff4000000abcdef), // signalling, negative
	math.Float64frombits(0x7fffffffffffffff),
}

// fillBits fills x as fillValues does, with a NaN with a payload at
// roughly one position in six.
func fillBits(rng *rand.Rand, x []float64) {
	fillValues(rng, x)
	for i := range x {
		if rng.IntN(6) == 0 {
			x[i] = nanPayloads[rng.IntN(len(nanPayloads))]
		}
	}
}

// checkBits is checkSlice without NaN matching NaN: every bit must agree.
func checkBits(t *testing.T, name string, n, off int, got, want []float64) {
	t.Helper()
	for i := range want {
		if g, w := math.Float64bits(got[i]), math.Float64bits(want[i]); g != w {
			t.Fatalf("%s, n=%d offset %d: element %d = %#016x, want %#016x", name, n, off, i, g, w)
		}
	}
}

// TestDeinterleaveInterleave checks Deinterleave and Interleave (the
// assembly kernels on amd64) against the generic loops, bit for bit, on
// every length from 0 to 67 and some longer ones, all sixteen alignments
// of input and output, both signs of ca and cb, special values and NaN
// payloads; the elements beyond the outputs (Interleave's dst may be
// longer than 2m) must keep their values.
func TestDeinterleaveInterleave(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	zeros := []float64{0, math.Copysign(0, -1)}
	for _, n := range testLengths() {
		for off := range 16 {
			ia, io := off%4, off/4
			src := offsetSlice(2*n+1, ia)
			fillBits(rng, src)
			a, b := offsetSlice(n, io), offsetSlice(n, (io+1)%4)
			wa, wb := make([]float64, n), make([]float64, n)
			deinterleaveGeneric(wa, wb, src)
			Deinterleave(a, b, src)
			checkBits(t, "Deinterleave a", n, off, a, wa)
			checkBits(t, "Deinterleave b", n, off, b, wb)

			fillBits(rng, a)
			fillBits(rng, b)
			for _, ca := range zeros {
				for _, cb := range zeros {
					dst := offsetSlice(2*n+3, io)
					fillBits(rng, dst)
					want := append([]float64(nil), dst...)
					interleaveGeneric(want, a, b, ca, cb)
					Interleave(dst, a, b, ca, cb)
					checkBits(t, "Interleave", n, off, dst, want)
				}
			}
		}
	}
}

// TestInterleaveSpecials runs every special value and NaN payload through
// Deinterleave and Interleave in both positions of a pair, in groups of
// four for the assembly.
func TestInterleaveSpecials(t *testing.T) {
	vals := append(append([]float64(nil), specials...), nanPayloads...)
	var src []float64
	for _, x := range vals {
		for _, y := range vals {
			src = append(src, x, y)
		}
	}
	m := len(src) / 2
	a, b := make([]float64, m), make([]float64, m)
	Deinterleave(a, b, src)
	for i := range m {
		if math.Float64bits(a[i]) != math.Float64bits(src[2*i]) || math.Float64bits(b[i]) != math.Float64bits(src[2*i+1]) {
			t.Fatalf("Deinterleave: pair %d = %v, %v from %v, %v", i, a[i], b[i], src[2*i], src[2*i+1])
		}
	}
	for _, ca := range []float64{0, math.Copysign(0, -1)} {
		for _, cb := range []float64{0, math.Copysign(0, -1)} {
			got, want := make([]float64, 2*m), make([]float64, 2*m)
			Interleave(got, a, b, ca, cb)
			interleaveGeneric(want, a, b, ca, cb)
			checkBits(t, "Interleave specials", m, 0, got, want)
			if ca < 0 && cb < 0 {
				// Adding −0 keeps every value but signalling NaNs, which
				// the addition quiets.
				for i := range got {
					if g, s := math.Float64bits(got[i]), math.Float64bits(src[i]); g != s && g != s|1<<51 {
						t.Fatalf("Interleave(−0, −0): element %d = %#016x from %#016x", i, g, s)
					}
				}
			}
		}
	}
}

func TestInterleavePanics(t *testing.T) {
	x := make([]float64, 10)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Deinterleave b", func() { Deinterleave(x[:2], x[2:5], x[5:9]) }},
		{"Deinterleave src", func() { Deinterleave(x[:2], x[2:4], x[4:7]) }},
		{"Interleave b", func() { Interleave(x[:4], x[4:6], x[6:7], 0, 0) }},
		{"Interleave dst", func() { Interleave(x[:3], x[4:6], x[6:8], 0, 0) }},
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
