//go:build !purego

package cpu

// cpuid executes the CPUID instruction with the given leaf (EAX) and
// sub-leaf (ECX).
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv reads the extended control register XCR0. It may only be called
// when CPUID reports OSXSAVE.
func xgetbv() (eax, edx uint32)

// probed reports whether this build asks the processor at all.
const probed = true

// detect follows the Intel SDM (vol. 1, §14.3, "Detection of Intel AVX
// instructions"): AVX and OSXSAVE in CPUID.1:ECX, the SSE and AVX state
// bits enabled in XCR0, then FMA (CPUID.1:ECX bit 12) and AVX2 (CPUID.7:EBX
// bit 5).
func detect() Features {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 1 {
		return Features{}
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fmaBit     = 1 << 12
		osxsaveBit = 1 << 27
		avxBit     = 1 << 28
	)
	if ecx1&osxsaveBit == 0 || ecx1&avxBit == 0 {
		return Features{}
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM (bit 1) and YMM (bit 2) state
		return Features{}
	}
	f := Features{HasFMA: ecx1&fmaBit != 0}
	if maxLeaf >= 7 {
		_, ebx7, _, _ := cpuid(7, 0)
		const avx2Bit = 1 << 5
		f.HasAVX2 = ebx7&avx2Bit != 0
	}
	return f
}
