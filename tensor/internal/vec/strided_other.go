//go:build !amd64 || purego

package vec

// Without the amd64 assembly the strided kernels run the pure-Go path.

func scatterAdd(dst, src []float64, step int)  { scatterAddGeneric(dst, src, step) }
func scatterZero(dst, src []float64, step int) { scatterZeroGeneric(dst, src, step) }
