//go:build !purego

package vecmath

import (
	"math"
	"os"
	"strings"
	"testing"
)

// TestKernelStopContract calls the assembly kernels directly: each must
// process whole groups of four, stop at the first group holding a value
// outside its fast range without writing that group, and return its index.
func TestKernelStopContract(t *testing.T) {
	if !features.avx2FMA {
		t.Skip("no AVX2+FMA on this CPU")
	}
	kernels := []struct {
		name string
		f    func(dst, x []float64) int
		stop float64 // a value the kernel must not handle
	}{
		{"exp", expAVX2, 709}, // between expFastMax and the clamp
		{"exp", expAVX2, math.NaN()},
		{"log", logAVX2, 0},
		{"log", logAVX2, 1e-310},
		{"log", logAVX2, math.Inf(1)},
		{"tanh", tanhAVX2, math.NaN()},
		{"sigmoid", sigmoidAVX2, -720},
		{"sigmoid", sigmoidAVX2, math.NaN()},
	}
	for _, k := range kernels {
		for n := 0; n < 14; n++ {
			for pos := -1; pos < n; pos++ {
				x := make([]float64, n)
				for i := range x {
					x[i] = 0.5 + 0.25*float64(i)
				}
				if pos >= 0 {
					x[pos] = k.stop
				}
				dst := make([]float64, n)
				for i := range dst {
					dst[i] = -12345
				}
				n4 := n &^ 3
				want := n4
				if pos >= 0 && pos < n4 {
					want = pos &^ 3
				}
				got := k.f(dst, x)
				if got != want {
					t.Fatalf("%s(n=%d, stop at %d): returned %d, want %d", k.name, n, pos, got, want)
				}
				for i := range dst {
					if i < got && dst[i] == -12345 {
						t.Fatalf("%s(n=%d): element %d not written", k.name, n, i)
					}
					if i >= got && dst[i] != -12345 {
						t.Fatalf("%s(n=%d, stop at %d): element %d written", k.name, n, pos, i)
					}
				}
			}
		}
	}
}

// TestCPUDetection compares the package's own CPUID probe with the
// kernel's view in /proc/cpuinfo, where available.
func TestCPUDetection(t *testing.T) {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo")
	}
	var flags []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "flags") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				flags = strings.Fields(v)
			}
			break
		}
	}
	has := func(f string) bool {
		for _, g := range flags {
			if g == f {
				return true
			}
		}
		return false
	}
	wantAVX2FMA := has("avx2") && has("fma") && has("avx")
	if features.avx2FMA != wantAVX2FMA {
		t.Errorf("CPUID says AVX2+FMA = %v, /proc/cpuinfo says %v", features.avx2FMA, wantAVX2FMA)
	}
	if features.fma != (has("fma") && has("avx")) {
		t.Errorf("CPUID says FMA = %v, /proc/cpuinfo flags %v", features.fma, has("fma"))
	}
}
