//go:build !purego

package vec

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestAssemblyBounds calls the assembly kernels directly: each must write
// exactly the first n&^3 elements of dst (sum8: read n&^7) and nothing
// beyond, whatever n.
func TestAssemblyBounds(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	const sentinel = -12345.0
	kernels := map[string]func(d, a, b, c *float64, n int){
		"addVV":           func(d, a, b, c *float64, n int) { addVV(d, a, b, n) },
		"subVV":           func(d, a, b, c *float64, n int) { subVV(d, a, b, n) },
		"mulVV":           func(d, a, b, c *float64, n int) { mulVV(d, a, b, n) },
		"divVV":           func(d, a, b, c *float64, n int) { divVV(d, a, b, n) },
		"addVS":           func(d, a, b, c *float64, n int) { addVS(d, a, 2, n) },
		"subSV":           func(d, a, b, c *float64, n int) { subSV(d, 2, a, n) },
		"mulVS":           func(d, a, b, c *float64, n int) { mulVS(d, 2, a, n) },
		"divVS":           func(d, a, b, c *float64, n int) { divVS(d, a, 2, n) },
		"divSV":           func(d, a, b, c *float64, n int) { divSV(d, 2, a, n) },
		"mulAddVVV":       func(d, a, b, c *float64, n int) { mulAddVVV(d, a, b, c, n) },
		"axpyVV":          func(d, a, b, c *float64, n int) { axpyVV(d, 2, a, b, n) },
		"squareV":         func(d, a, b, c *float64, n int) { squareV(d, a, n) },
		"mulScaledVV":     func(d, a, b, c *float64, n int) { mulScaledVV(d, 2, a, b, n) },
		"mulScaledAddVVV": func(d, a, b, c *float64, n int) { mulScaledAddVVV(d, 2, a, b, c, n) },
		"gather2":         func(d, a, b, c *float64, n int) { gather2(d, a, n) },
	}
	for name, k := range kernels {
		for n := 1; n < 40; n++ {
			a := make([]float64, 2*n+8)
			for i := range a {
				a[i] = 1 + float64(i)
			}
			dst := make([]float64, n+8)
			for i := range dst {
				dst[i] = sentinel
			}
			k(&dst[0], &a[0], &a[0], &a[0], n)
			for i := range dst {
				if written := dst[i] != sentinel; written != (i < n&^3) {
					t.Fatalf("%s(n=%d): element %d written = %v", name, n, i, written)
				}
			}
		}
	}
	for n := 1; n < 40; n++ {
		x := make([]float64, n+8)
		for i := range x {
			x[i] = float64(i + 1)
		}
		m := n &^ 7
		if got, want := sum8(&x[0], n), float64(m*(m+1)/2); got != want {
			t.Fatalf("sum8(1..%d) = %v, want %v (the first %d)", n, got, want, m)
		}
		ones := make([]float64, n+8)
		for i := range ones {
			ones[i] = 1
		}
		if got, want := dot8(&x[0], &ones[0], n), float64(m*(m+1)/2); got != want {
			t.Fatalf("dot8(1..%d, 1) = %v, want %v (the first %d)", n, got, want, m)
		}
	}
}

// TestCPUDetection compares the choice of kernels with the flags Linux
// reports, where it can.
func TestCPUDetection(t *testing.T) {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo")
	}
	for _, line := range strings.Split(string(info), "\n") {
		name, flags, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) != "flags" {
			continue
		}
		// Linux clears avx2 when it does not save the YMM state.
		if want := slices.Contains(strings.Fields(flags), "avx2"); useAVX2 != want {
			t.Errorf("useAVX2 = %v, /proc/cpuinfo says avx2 = %v", useAVX2, want)
		}
		return
	}
	t.Skip("no flags line in /proc/cpuinfo")
}
