// Package cpu reports the processor features that the tensor kernels
// dispatch on. It is probed once, when the program starts, with the CPUID
// and XGETBV instructions, so that every kernel package agrees on what the
// machine can do.
package cpu

// Features lists what the kernels need to know of an x86-64 processor.
type Features struct {
	// HasFMA is true when fused multiply-add (VFMADD) instructions are
	// available and the operating system saves the YMM registers.
	HasFMA bool
	// HasAVX2 is true when 256-bit integer and floating-point AVX2
	// instructions are available and the operating system saves the YMM
	// registers.
	HasAVX2 bool
}

// X86 holds the features of the processor the program runs on. It is set
// during package initialisation and only read afterwards. On other
// architectures, and under the purego build tag, it is the zero value.
var X86 = detect()
