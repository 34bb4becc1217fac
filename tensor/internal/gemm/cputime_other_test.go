//go:build !unix

package gemm

// cpuSeconds is not available on this platform.
func cpuSeconds() float64 { return 0 }
