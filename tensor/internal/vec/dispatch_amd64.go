//go:build !purego

package vec

import "github.com/curvature-go/curvature/tensor/internal/cpu"

// useAVX2 selects the assembly kernels of elementwise_amd64.s and
// reduce_amd64.s: the processor has AVX2 and the operating system saves the
// YMM registers (probed once by package tensor/internal/cpu). FMA is not
// needed: no kernel fuses a multiply with an add. Otherwise the pure-Go
// kernels of generic.go run.
var useAVX2 = cpu.X86.HasAVX2

// kernelName describes the kernels selected for this CPU.
func kernelName() string {
	if useAVX2 {
		return "AVX2 assembly"
	}
	return "pure Go"
}

// The assembly kernels process n&^3 elements (sum8 n&^7); the drivers
// below finish the tail with the pure-Go kernels.

//go:noescape
func addVV(dst, a, b *float64, n int)

//go:noescape
func subVV(dst, a, b *float64, n int)

//go:noescape
func mulVV(dst, a, b *float64, n int)

//go:noescape
func divVV(dst, a, b *float64, n int)

//go:noescape
func addVS(dst, a *float64, s float64, n int)

//go:noescape
func subSV(dst *float64, s float64, a *float64, n int)

//go:noescape
func mulVS(dst *float64, s float64, a *float64, n int)

//go:noescape
func divVS(dst, a *float64, s float64, n int)

//go:noescape
func divSV(dst *float64, s float64, a *float64, n int)

//go:noescape
func mulAddVVV(dst, a, b, c *float64, n int)

//go:noescape
func axpyVV(dst *float64, s float64, a, b *float64, n int)

//go:noescape
func mulScaledVV(dst *float64, s float64, a, b *float64, n int)

//go:noescape
func mulScaledAddVVV(dst *float64, s float64, a, b, c *float64, n int)

//go:noescape
func reluV(dst, a *float64, n int)

//go:noescape
func stepVS(dst *float64, s float64, a *float64, n int)

//go:noescape
func maskMulVV(dst, a, b *float64, n int)

//go:noescape
func squareV(dst, a *float64, n int)

//go:noescape
func sum8(x *float64, n int) float64

//go:noescape
func dot8(a, b *float64, n int) float64

//go:noescape
func gather2(dst, src *float64, n int)

func add(dst, a, b []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		addVV(&dst[0], &a[0], &b[0], n4)
		dst, a, b = dst[n4:], a[n4:], b[n4:]
	}
	addGeneric(dst, a, b)
}

func sub(dst, a, b []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		subVV(&dst[0], &a[0], &b[0], n4)
		dst, a, b = dst[n4:], a[n4:], b[n4:]
	}
	subGeneric(dst, a, b)
}

func mul(dst, a, b []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		mulVV(&dst[0], &a[0], &b[0], n4)
		dst, a, b = dst[n4:], a[n4:], b[n4:]
	}
	mulGeneric(dst, a, b)
}

func div(dst, a, b []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		divVV(&dst[0], &a[0], &b[0], n4)
		dst, a, b = dst[n4:], a[n4:], b[n4:]
	}
	divGeneric(dst, a, b)
}

func addScalar(dst, a []float64, s float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		addVS(&dst[0], &a[0], s, n4)
		dst, a = dst[n4:], a[n4:]
	}
	addScalarGeneric(dst, a, s)
}

func scalarSub(dst []float64, s float64, b []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		subSV(&dst[0], s, &b[0], n4)
		dst, b = dst[n4:], b[n4:]
	}
	scalarSubGeneric(dst, s, b)
}

func scale(dst []float64, s float64, a []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		mulVS(&dst[0], s, &a[0], n4)
		dst, a = dst[n4:], a[n4:]
	}
	scaleGeneric(dst, s, a)
}

func divScalar(dst, a []float64, s float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		divVS(&dst[0], &a[0], s, n4)
		dst, a = dst[n4:], a[n4:]
	}
	divScalarGeneric(dst, a, s)
}

func scalarDiv(dst []float64, s float64, b []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		divSV(&dst[0], s, &b[0], n4)
		dst, b = dst[n4:], b[n4:]
	}
	scalarDivGeneric(dst, s, b)
}

func mulAdd(dst, a, b, c []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		mulAddVVV(&dst[0], &a[0], &b[0], &c[0], n4)
		dst, a, b, c = dst[n4:], a[n4:], b[n4:], c[n4:]
	}
	mulAddGeneric(dst, a, b, c)
}

func axpy(dst []float64, s float64, a, b []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		axpyVV(&dst[0], s, &a[0], &b[0], n4)
		dst, a, b = dst[n4:], a[n4:], b[n4:]
	}
	axpyGeneric(dst, s, a, b)
}

func mulScaled(dst []float64, s float64, a, b []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		mulScaledVV(&dst[0], s, &a[0], &b[0], n4)
		dst, a, b = dst[n4:], a[n4:], b[n4:]
	}
	mulScaledGeneric(dst, s, a, b)
}

func mulScaledAdd(dst []float64, s float64, a, b, c []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		mulScaledAddVVV(&dst[0], s, &a[0], &b[0], &c[0], n4)
		dst, a, b, c = dst[n4:], a[n4:], b[n4:], c[n4:]
	}
	mulScaledAddGeneric(dst, s, a, b, c)
}

func relu(dst, a []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		reluV(&dst[0], &a[0], n4)
		dst, a = dst[n4:], a[n4:]
	}
	reluGeneric(dst, a)
}

func step(dst []float64, s float64, a []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		stepVS(&dst[0], s, &a[0], n4)
		dst, a = dst[n4:], a[n4:]
	}
	stepGeneric(dst, s, a)
}

func maskMul(dst, a, b []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		maskMulVV(&dst[0], &a[0], &b[0], n4)
		dst, a, b = dst[n4:], a[n4:], b[n4:]
	}
	maskMulGeneric(dst, a, b)
}

func square(dst, a []float64) {
	if n4 := len(dst) &^ 3; useAVX2 && n4 > 0 {
		squareV(&dst[0], &a[0], n4)
		dst, a = dst[n4:], a[n4:]
	}
	squareGeneric(dst, a)
}

// blockSum is sum8Generic, with the eight-lane part in assembly.
func blockSum(x []float64) float64 {
	n8 := len(x) &^ 7
	if !useAVX2 || n8 == 0 {
		return sum8Generic(x)
	}
	t := sum8(&x[0], n8)
	for _, v := range x[n8:] {
		t += v
	}
	return t
}

// blockDot is dot8Generic, with the eight-lane part in assembly.
func blockDot(a, b []float64) float64 {
	n8 := len(a) &^ 7
	if !useAVX2 || n8 == 0 {
		return dot8Generic(a, b)
	}
	t := dot8(&a[0], &b[0], n8)
	for i := n8; i < len(a); i++ {
		t += float64(a[i] * b[i])
	}
	return t
}

func gather(dst, src []float64, step int) {
	if step == 2 && useAVX2 {
		// gather2 reads two elements per output; src may end one short.
		if n4 := min(len(dst), len(src)/2) &^ 3; n4 > 0 {
			gather2(&dst[0], &src[0], n4)
			dst, src = dst[n4:], src[2*n4:]
		}
	}
	gatherGeneric(dst, src, step)
}
