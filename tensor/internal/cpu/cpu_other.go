//go:build !amd64 || purego

package cpu

// probed reports whether this build asks the processor at all.
const probed = false

// detect reports no features: the kernels use their portable paths.
func detect() Features { return Features{} }
