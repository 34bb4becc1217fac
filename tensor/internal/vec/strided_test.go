package vec

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// refScatterZero is ScatterZero as a plain loop.
func refScatterZero(dst, src []float64, start, step int) {
	for i := range dst {
		dst[i] = 0
	}
	for j, v := range src {
		dst[start+j*step] = v
	}
}

// TestScatterZero checks ScatterZero against the plain loop, bit for bit,
// on every length from 0 to 67 and some longer ones, every step from 1 to
// 5, starts 0 to 2, destinations longer than needed by 0 to 3 elements,
// unaligned starts and special values, on one and two goroutines; the
// destination starts full of other values, which must all be replaced.
func TestScatterZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		for step := 1; step <= 5; step++ {
			for _, n := range testLengths() {
				for start := 0; start <= 2; start++ {
					for extra := 0; extra <= 3; extra++ {
						off := (n + step + start + extra) % 4
						m := start + extra
						if n > 0 {
							m += (n-1)*step + 1
						}
						src := offsetSlice(n, off)
						fillValues(rng, src)
						got := offsetSlice(m, (off+1)%4)
						fillValues(rng, got)
						want := make([]float64, m)
						refScatterZero(want, src, start, step)
						ScatterZero(got, src, start, step)
						checkSlice(t, "ScatterZero", "exported", n, off, got, want)
					}
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

// TestStridedParallel checks ScatterZero and ScatterAdd at step 2 on the
// parallel path against one goroutine.
func TestStridedParallel(t *testing.T) {
	if testing.Short() {
		t.Skip("long slices")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	n := ParallelMin + 13
	src := make([]float64, n)
	fillValues(rng, src)
	base := make([]float64, 2*n+1)
	fillValues(rng, base)
	run := func(procs int) (zero, add []float64) {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		zero = make([]float64, 2*n+3)
		ScatterZero(zero, src, 1, 2)
		add = append([]float64(nil), base...)
		ScatterAdd(add, src, 2)
		return zero, add
	}
	z1, a1 := run(1)
	for _, procs := range []int{2, 3} {
		z, a := run(procs)
		checkSlice(t, "ScatterZero", "parallel", n, procs, z, z1)
		checkSlice(t, "ScatterAdd", "parallel", n, procs, a, a1)
	}
	want := make([]float64, len(z1))
	refScatterZero(want, src, 1, 2)
	checkSlice(t, "ScatterZero", "parallel vs loop", n, 0, z1, want)
}

func TestScatterZeroPanics(t *testing.T) {
	x := make([]float64, 10)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"start", func() { ScatterZero(x[:4], x[5:6], 5, 1) }},
		{"negative start", func() { ScatterZero(x[:4], x[5:6], -1, 1) }},
		{"short", func() { ScatterZero(make([]float64, 4), make([]float64, 3), 1, 2) }},
		{"step", func() { ScatterZero(make([]float64, 4), make([]float64, 3), 0, 0) }},
		{"overlap", func() { ScatterZero(x[:6], x[4:6], 0, 2) }},
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

// FuzzStrided checks ScatterZero, ScatterAdd, Deinterleave and Interleave
// at step 2 (the assembly kernels) against the plain loops on fuzzed
// values, lengths and starts, Deinterleave and Interleave bit for bit
// (NaN payloads too) with the signs of Interleave's zeros taken from the
// shape.
//
//	go test -run XXX -fuzz FuzzStrided ./tensor/internal/vec
func FuzzStrided(f *testing.F) {
	for i, v := range specials {
		f.Add(v, specials[(i+5)%len(specials)], uint8(i*13))
	}
	f.Add(1e308, -0.0, uint8(200))
	for i, v := range nanPayloads {
		f.Add(v, nanPayloads[(i+1)%len(nanPayloads)], uint8(i*29+3))
	}
	f.Add(math.Copysign(0, -1), math.Copysign(0, -1), uint8(67+4*9+3))
	f.Fuzz(func(t *testing.T, x, y float64, shape uint8) {
		n := int(shape % 67)
		start := int(shape/67) % 2
		off := int(shape/134) % 2
		src := offsetSlice(n, off)
		for i := range src {
			src[i] = x * (0.5 + 0.25*float64(i))
			if i%3 == 1 {
				src[i] = y
			}
		}
		m := start + 2*n
		got := offsetSlice(m, 1-off)
		base := make([]float64, m)
		for i := range got {
			got[i] = y - float64(i)
			if i%4 == 3 {
				got[i] = x
			}
			base[i] = got[i]
		}
		want := make([]float64, m)
		refScatterZero(want, src, start, 2)
		ScatterZero(got, src, start, 2)
		checkSlice(t, "ScatterZero", "fuzz", n, off, got, want)
		acc := append([]float64(nil), base...)
		ScatterAdd(acc[start:], src, 2)
		for j, v := range src {
			base[start+2*j] += v
		}
		checkSlice(t, "ScatterAdd", "fuzz", n, off, acc, base)

		// src, with got beyond it, as n pairs.
		pairs := offsetSlice(2*n, off)
		copy(pairs, src)
		copy(pairs[n:], got)
		a, b := offsetSlice(n, 1-off), offsetSlice(n, off)
		Deinterleave(a, b, pairs)
		for i := range n {
			if math.Float64bits(a[i]) != math.Float64bits(pairs[2*i]) || math.Float64bits(b[i]) != math.Float64bits(pairs[2*i+1]) {
				t.Fatalf("Deinterleave, n=%d: pair %d = %v, %v from %v, %v", n, i, a[i], b[i], pairs[2*i], pairs[2*i+1])
			}
		}
		ca, cb := 0.0, 0.0
		if shape&1 != 0 {
			ca = math.Copysign(0, -1)
		}
		if shape&2 != 0 {
			cb = math.Copysign(0, -1)
		}
		inter := offsetSlice(2*n+1, 1-off)
		inter[2*n] = y
		want = append(want[:0], inter...)
		for i := range n {
			want[2*i], want[2*i+1] = a[i]+ca, b[i]+cb
		}
		Interleave(inter, a, b, ca, cb)
		checkBits(t, "Interleave (fuzz)", n, off, inter, want)
	})
}
