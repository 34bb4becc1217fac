//go:build !amd64 || purego

package gemm

// kernels lists the micro-kernels usable on this CPU, best first: only the
// portable one in this build.
func kernels() []*kernel { return []*kernel{&genericKernel} }
