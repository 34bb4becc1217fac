//go:build !amd64 || purego

package vec

// Without the amd64 assembly every kernel runs the pure-Go path.

// kernelName describes the kernels selected.
func kernelName() string { return "pure Go" }

func add(dst, a, b []float64)                            { addGeneric(dst, a, b) }
func sub(dst, a, b []float64)                            { subGeneric(dst, a, b) }
func mul(dst, a, b []float64)                            { mulGeneric(dst, a, b) }
func div(dst, a, b []float64)                            { divGeneric(dst, a, b) }
func addScalar(dst, a []float64, s float64)              { addScalarGeneric(dst, a, s) }
func scalarSub(dst []float64, s float64, b []float64)    { scalarSubGeneric(dst, s, b) }
func scale(dst []float64, s float64, a []float64)        { scaleGeneric(dst, s, a) }
func divScalar(dst, a []float64, s float64)              { divScalarGeneric(dst, a, s) }
func scalarDiv(dst []float64, s float64, b []float64)    { scalarDivGeneric(dst, s, b) }
func mulAdd(dst, a, b, c []float64)                      { mulAddGeneric(dst, a, b, c) }
func axpy(dst []float64, s float64, a, b []float64)      { axpyGeneric(dst, s, a, b) }
func mulScaled(dst []float64, s float64, a, b []float64) { mulScaledGeneric(dst, s, a, b) }
func mulScaledAdd(dst []float64, s float64, a, b, c []float64) {
	mulScaledAddGeneric(dst, s, a, b, c)
}
func relu(dst, a []float64)                      { reluGeneric(dst, a) }
func step(dst []float64, s float64, a []float64) { stepGeneric(dst, s, a) }
func maskMul(dst, a, b []float64)                { maskMulGeneric(dst, a, b) }
func square(dst, a []float64)                    { squareGeneric(dst, a) }
func blockSum(x []float64) float64               { return sum8Generic(x) }
func blockDot(a, b []float64) float64            { return dot8Generic(a, b) }
func gather(dst, src []float64, step int)        { gatherGeneric(dst, src, step) }
