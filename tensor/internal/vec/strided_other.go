//go:build !amd64 || purego

package vec

// Without the amd64 assembly the strided kernels run the pure-Go path.

func scatterAdd(dst, src []float64, step int)  { scatterAddGeneric(dst, src, step) }
func scatterZero(dst, src []float64, step int) { scatterZeroGeneric(dst, src, step) }

func deinterleave(a, b, src []float64)               { deinterleaveGeneric(a, b, src) }
func interleave(dst, a, b []float64, ca, cb float64) { interleaveGeneric(dst, a, b, ca, cb) }
