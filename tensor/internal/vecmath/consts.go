package vecmath

// Range limits and bit patterns used by both the pure-Go kernels and the
// assembly (coeffs_amd64.s repeats them, generated from these values by
// TestCoefficients). The polynomial coefficients and the split of ln 2 are
// in coeffs.go.
const (
	// expMagic is 1.5·2^52. fl(y + expMagic) rounds y to the nearest integer
	// k (ties to even) and leaves k, two's complement, in the low mantissa
	// bits, so bits(y + expMagic) << 52 is k << 52.
	expMagic = 0x1.8p52

	// expFastMax bounds |x| on the fast path of exp: with |x| ≤ 708,
	// k = round(x/ln 2) ∈ [−1021, 1021] and 2^k·p stays a normal float64
	// for p ∈ [0.7, 1.42], so 2^k can be applied by an integer add to the
	// exponent field.
	expFastMax = 708

	// expOverflow and expUnderflow: e^x rounds to +Inf above the first
	// and to 0 below the second (the thresholds of the portable math.Exp).
	expOverflow  = 7.09782712893383973096e+02
	expUnderflow = -7.45133219101941108420e+02

	// expOverflowClamp and expUnderflowClamp: beyond them the vector
	// kernels return +Inf and 0 directly; between expFastMax and these the
	// scalar expWide (or math.Exp past the thresholds above) takes over.
	expOverflowClamp  = 709.79
	expUnderflowClamp = -746

	// tanhSat: for |x| > 20, tanh x rounds to ±1 (1 − tanh 20 ≈ 8.5e−18 is
	// below half an ulp of 1).
	tanhSat = 20

	// sigmoidSat: for x > 40, σ(x) rounds to 1 (1 − σ(40) ≈ 4.2e−18).
	sigmoidSat = 40

	// sigmoidFastMin: for x < −700 the terms of the refined quotient would
	// reach the subnormal range; there σ(x) = e^x/(1+e^x) is e^x after
	// rounding, and the scalar code returns e^x.
	sigmoidFastMin = -700

	// logOffset = bits(1.0) − bits(√2/2). Adding it to bits(x) moves the
	// exponent boundary to √2/2, so that (bits(x)+logOffset)>>52 is
	// e + 1023 with x = 2^e·m, m ∈ [√2/2, √2).
	logOffset = 0x3ff0000000000000 - 0x3fe6a09e667f3bcd

	// logExpMask selects the exponent field (and sign) of a float64.
	logExpMask = 0xfff0000000000000

	// oneBits is bits(1.0) = 1023 << 52.
	oneBits = 0x3ff0000000000000

	// twoP52Bits is bits(2^52); OR-ing a small integer n into it gives the
	// float64 2^52 + n, so subtracting logTwoP52Bias converts e+1023 to e.
	twoP52Bits    = 0x4330000000000000
	logTwoP52Bias = 0x1p52 + 1023

	// minNormal is the smallest positive normal float64, 2^−1022.
	minNormal = 0x1p-1022
)
