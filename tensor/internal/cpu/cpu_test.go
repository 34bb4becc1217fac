package cpu

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestAgainstProcCPUInfo compares the probe with the flags the Linux
// kernel reports, where it can.
func TestAgainstProcCPUInfo(t *testing.T) {
	if runtime.GOARCH != "amd64" || !probed {
		t.Skip("not amd64, or built with purego: nothing is probed")
	}
	if got, want := X86.HasAVX2, hasFlag(t, "avx2"); got != want {
		t.Errorf("HasAVX2 = %t, /proc/cpuinfo says %t", got, want)
	}
	if got, want := X86.HasFMA, hasFlag(t, "fma"); got != want {
		t.Errorf("HasFMA = %t, /proc/cpuinfo says %t", got, want)
	}
}

func hasFlag(t *testing.T, flag string) bool {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "flags") {
			for _, f := range strings.Fields(line) {
				if f == flag {
					return true
				}
			}
			return false
		}
	}
	t.Skip("no flags line in /proc/cpuinfo")
	return false
}
