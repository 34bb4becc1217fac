//go:build amd64 && !purego

package gemm

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestCPUDetection checks the CPUID/XGETBV test against the flags Linux
// reports, and that the assembly kernel is chosen exactly when it may run.
func TestCPUDetection(t *testing.T) {
	got := hasAVX2FMA()
	if got != (bestKernel == &avx2Kernel) {
		t.Errorf("hasAVX2FMA() = %t but bestKernel is %s", got, bestKernel.name)
	}
	if ks := kernels(); ks[len(ks)-1] != &genericKernel {
		t.Errorf("the portable kernel is not available to the tests")
	}
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo to compare with:", err)
	}
	for _, line := range strings.Split(string(info), "\n") {
		name, flags, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) != "flags" {
			continue
		}
		fs := strings.Fields(flags)
		// Linux clears avx2 when it does not save the YMM state.
		want := slices.Contains(fs, "avx2") && slices.Contains(fs, "fma")
		if got != want {
			t.Errorf("hasAVX2FMA() = %t, /proc/cpuinfo flags say %t", got, want)
		}
		return
	}
	t.Skip("no flags line in /proc/cpuinfo")
}
