//go:build !purego

package vecmath

import "github.com/curvature-go/curvature/tensor/internal/cpu"

// Kernel selection on amd64, from the features probed once by package
// tensor/internal/cpu:
//
//   - AVX2 and FMA, with the OS saving YMM state: the assembly kernels of
//     vecmath_amd64.s, four float64 per instruction;
//   - FMA without AVX2: the pure-Go kernels (generic.go);
//   - no FMA: the compat kernels (compat.go), because math.FMA would be
//     emulated in software.
var features = cpuFeatures{
	avx2FMA: cpu.X86.HasAVX2 && cpu.X86.HasFMA,
	fma:     cpu.X86.HasFMA,
}

type cpuFeatures struct {
	avx2FMA bool // AVX2 and FMA usable
	fma     bool // FMA usable
}

// kernelName describes the kernels selected for this CPU.
func kernelName() string {
	switch {
	case features.avx2FMA:
		return "AVX2+FMA assembly"
	case features.fma:
		return "pure Go (FMA without AVX2)"
	default:
		return "compat (no FMA: math package based)"
	}
}

// The assembly kernels process len(x)&^3 elements, four at a time, and stop
// at the first group of four that holds a value outside their fast range
// (NaN, and function-specific ranges; see vecmath_amd64.s), returning its
// index without writing it; they return len(x)&^3 when done. dst and x have
// equal lengths.

//go:noescape
func expAVX2(dst, x []float64) int

//go:noescape
func logAVX2(dst, x []float64) int

//go:noescape
func tanhAVX2(dst, x []float64) int

//go:noescape
func sigmoidAVX2(dst, x []float64) int

// tanhGradAVX2 and sigmoidGradAVX2 process len(dst)&^3 elements.
//
//go:noescape
func tanhGradAVX2(dst, g, y []float64)

//go:noescape
func sigmoidGradAVX2(dst, g, y []float64)

// runUnary drives an assembly kernel over x, finishing the groups it stops
// at, and the tail, with the scalar kernel one.
func runUnary(dst, x []float64, kernel func(dst, x []float64) int, one func(float64) float64) {
	x = x[:len(dst)]
	n4 := len(x) &^ 3
	i := 0
	for i < n4 {
		i += kernel(dst[i:n4], x[i:n4])
		if i < n4 {
			for j := i; j < i+4; j++ {
				dst[j] = one(x[j])
			}
			i += 4
		}
	}
	for ; i < len(x); i++ {
		dst[i] = one(x[i])
	}
}

func expVec(dst, x []float64) {
	switch {
	case features.avx2FMA:
		runUnary(dst, x, expAVX2, exp1)
	case features.fma:
		expGeneric(dst, x)
	default:
		expCompat(dst, x)
	}
}

func logVec(dst, x []float64) {
	switch {
	case features.avx2FMA:
		runUnary(dst, x, logAVX2, log1)
	case features.fma:
		logGeneric(dst, x)
	default:
		logCompat(dst, x)
	}
}

func tanhVec(dst, x []float64) {
	switch {
	case features.avx2FMA:
		runUnary(dst, x, tanhAVX2, tanh1)
	case features.fma:
		tanhGeneric(dst, x)
	default:
		tanhCompat(dst, x)
	}
}

func sigmoidVec(dst, x []float64) {
	switch {
	case features.avx2FMA:
		runUnary(dst, x, sigmoidAVX2, sigmoid1)
	case features.fma:
		sigmoidGeneric(dst, x)
	default:
		sigmoidCompat(dst, x)
	}
}

func tanhGradVec(dst, g, y []float64) {
	switch {
	case features.avx2FMA:
		tanhGradAVX2(dst, g, y)
		n4 := len(dst) &^ 3
		tanhGradGeneric(dst[n4:], g[n4:], y[n4:])
	case features.fma:
		tanhGradGeneric(dst, g, y)
	default:
		tanhGradCompat(dst, g, y)
	}
}

func sigmoidGradVec(dst, g, y []float64) {
	switch {
	case features.avx2FMA:
		sigmoidGradAVX2(dst, g, y)
		n4 := len(dst) &^ 3
		sigmoidGradGeneric(dst[n4:], g[n4:], y[n4:])
	case features.fma:
		sigmoidGradGeneric(dst, g, y)
	default:
		sigmoidGradCompat(dst, g, y)
	}
}

// scalarFMA reports whether the kernels compute a lone element with the
// FMA scalar functions (exp1, tanh1, ...), which the one-element fast
// paths then call directly: the assembly kernels leave a lone element to
// them, and the FMA-only path uses them throughout.
func scalarFMA() bool { return features.fma }
