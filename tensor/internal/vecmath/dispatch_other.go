//go:build !amd64 || purego

package vecmath

// Without the amd64 assembly every kernel runs the pure-Go path.

// kernelName describes the kernels selected.
func kernelName() string { return "pure Go" }

func expVec(dst, x []float64)            { expGeneric(dst, x) }
func logVec(dst, x []float64)            { logGeneric(dst, x) }
func tanhVec(dst, x []float64)           { tanhGeneric(dst, x) }
func sigmoidVec(dst, x []float64)        { sigmoidGeneric(dst, x) }
func tanhGradVec(dst, g, y []float64)    { tanhGradGeneric(dst, g, y) }
func sigmoidGradVec(dst, g, y []float64) { sigmoidGradGeneric(dst, g, y) }

// scalarFMA reports whether the one-element fast paths may call the scalar
// functions directly: the pure-Go kernels are those functions.
func scalarFMA() bool { return true }
