// Package vecmath provides vectorised elementwise kernels over float64
// slices for the tensor package: Exp, Log, Tanh, Sigmoid, and the fused
// backward patterns TanhGrad (g·(1 − y²)) and SigmoidGrad (g·y·(1 − y)).
//
// Every function writes dst[i] from the inputs at index i. The slices must
// have equal lengths; dst may be one of the inputs itself but must not
// overlap them otherwise. Misuse panics with a message starting "vecmath:".
// No function allocates or retains a slice.
//
// # Implementations
//
// On amd64 processors with AVX2 and FMA (checked once, with CPUID and
// XGETBV, by package tensor/internal/cpu), the kernels are Go assembly
// processing four float64 per instruction (vecmath_amd64.s). Elsewhere, and
// under the build tag purego, the same algorithms run in pure Go
// (generic.go), one element at a time; the assembly performs exactly the
// pure-Go operations, in the same order with fused multiply-adds in the same
// places, and the tests check that the two agree bit for bit. The assembly
// stops at a group of four holding a value outside its fast range (NaN; for
// Exp 708 < |x| ≤ 709.79 or −746 ≤ x < −708; for Log zero, negative,
// subnormal and infinite x; for Sigmoid −746 ≤ x < −700), the pure-Go code
// finishes that group, and the assembly resumes. On amd64 processors without
// FMA, where math.FMA is emulated in software, compat.go builds the kernels
// on the math package instead.
//
// # Algorithms
//
// Exp. x = k·ln 2 + r with k = round(x/ln 2) (obtained by adding 1.5·2^52,
// which also leaves k in the low mantissa bits) and |r| ≤ ln 2/2. The
// reduction is Cody and Waite's: ln 2 = ln2Hi + ln2Lo with ln2Hi holding 40
// bits, so r_hi = x − k·ln2Hi is exact. Then
//
//	e^r = 1 + r + r²/2 + r³·Q′(r),
//
// where Q(r) = 1/2 + r·Q′(r) is the degree-10 polynomial minimising the
// relative error of (e^r − 1 − r)/r² on [−0.3466, 0.3466] (Remez exchange
// algorithm, in 192-bit arithmetic, remez_test.go; level 2^−58.4, relative
// error added to e^r after rounding the coefficients ≤ 2^−61). The sum is
// formed as hi = fl(1 + r_hi) plus a small lo holding the rounding error
// of that sum (Fast2Sum), −k·ln2Lo, r_hi²/2 split exactly with an FMA, the
// cross term and r³·Q′(r), so hi + lo is good to about 2^−57 and the only
// sizeable error is the final rounding. 2^k is applied by an integer add to
// the exponent field for |x| ≤ 708, and in two steps (so the last step
// rounds into the subnormal range, or to +Inf) out to the overflow and
// underflow thresholds 709.78 and −745.13; beyond them the result is +Inf
// or 0. Q′ is evaluated by Estrin's scheme to shorten the dependency chain.
//
// Log. x = 2^e·m with m ∈ [√2/2, √2), found with integer operations on the
// bits of x; f = m − 1 (exact), s = f/(2 + f), z = s², and
//
//	log(1+f) = 2·atanh(s) = 2s + s·R,  R = z·S(z),
//
// where S is the degree-7 polynomial minimising the relative error of
// (2·atanh(s)/s − 2)/z on z ∈ [0, 0.0295] (Remez; error added to log(1+f)
// ≤ 2^−60.7). As in Sun's fdlibm, 2s is not formed directly: with
// hfsq = f²/2, log x = e·ln2Hi + f − (hfsq − s·(hfsq + R)) + e·ln2Lo, whose
// last terms are small corrections. Here, in addition, f²/2 is split exactly
// with an FMA and the two large additions keep their rounding errors
// (Fast2Sum), so the result carries little more than its final rounding.
// Subnormal inputs are scaled by 2^52 first.
//
// Tanh. tanh|x| = u/(u + 2) with u = e^{2|x|} − 1, for |x| ≤ 20 (beyond,
// tanh rounds to ±1). The exponential kernel gives e^{2|x|} = eh + el
// renormalised (Fast2Sum), u = (eh − 1) + el with eh − 1 exact, so small
// |x| loses nothing to cancellation; d = u + 2 is summed with Knuth's
// TwoSum; the quotient q0 = (eh − 1)·fl(1/d) is corrected by the residual
// u − q0·d formed exactly with FMAs. One formula covers the whole range
// and the sign is copied from x, so tanh(−0) = −0 and subnormal x give x.
//
// Sigmoid. With E = e^{−|x|} as a renormalised pair from the exponential
// kernel (never overflowing), d = 1 + E summed exactly, q0 = fl(1/d) and
// the exact residual 1 − q0·d, σ(|x|) = 1/d and σ(−|x|) = E/d are both
// formed to within little more than one rounding. For x > 40, σ(x) rounds
// to 1; for x < −700, 1 + e^x rounds to 1 and σ(x) is e^x as computed by
// Exp, down to the subnormal range and 0 below −745.13.
//
// TanhGrad and SigmoidGrad. 1 − y² and y − y² are each one fused
// multiply-add, rounded once, so there is no cancellation as |y| → 1; the
// product with g rounds once more.
//
// # Accuracy
//
// Measured maximum error, in ulps of the exact value (a double-double
// reference checked against math/big), over a sweep of 10^6 inputs per
// function (magnitudes log-spaced over the whole float64 range with both
// signs, a dense sweep of the unsaturated range, random bit patterns, the
// special values and every internal range edge), and the largest distance
// to the math package on the development machine (amd64, Go 1.26):
//
//	function      max error   on normal results   from math   math's own error
//	Exp           0.74 ulp    0.56 ulp             ≤ 2 ulp     1.75 ulp
//	Log           0.60 ulp    0.60 ulp             ≤ 1 ulp     0.80 ulp
//	Tanh          0.59 ulp    0.59 ulp             ≤ 1 ulp     1.34 ulp
//	Sigmoid       0.75 ulp    0.56 ulp             –           –
//	TanhGrad      1.40 ulp (bound 1.5: two roundings)
//	SigmoidGrad   1.40 ulp (bound 1.5)
//
// (The larger errors on subnormal results come from their coarser spacing.
// The distance to math.Exp reaches 2 ulp because math.Exp on amd64 is
// itself up to 1.75 ulp off.) NaN gives NaN; ±Inf, ±0 and subnormal inputs
// give exactly what the math package gives, with the sign of zero
// preserved by Tanh, except in two places where the amd64 math package is
// wrong and these kernels return the correctly rounded value, as the
// portable math package does:
//
//   - math.Exp on amd64 returns +Inf for x ∈ (1023.5·ln 2, 709.78] ≈
//     (709.44, 709.78], where e^x is finite;
//   - math.Log on amd64 does not normalise subnormal inputs
//     (golang.org/issue/56600): math.Log(2^−1070) = −709.09 instead of
//     −741.67.
//
// # Performance
//
// With AVX2+FMA, one core (AMD EPYC, shared with other work), medians of
// ns/element over several runs at n = 1024 and 65536: Exp 1.5–1.6, Log
// 1.7–1.9, Tanh 2.1–2.6, Sigmoid 2.0–2.6, TanhGrad 0.12–0.3, SigmoidGrad
// 0.15–0.3 (memory bound at 65536), against math.Exp 7–12, math.Log 8–13,
// math.Tanh 10.5 (more under load) and 1/(1+math.Exp(−x)) 8.5. The pure-Go
// kernels are scalar and do extra work for accuracy: about the speed of the
// math package for Exp and Log, about half of it for Tanh and Sigmoid. See
// bench_test.go.
//
// # References
//
// W. J. Cody and W. Waite, Software Manual for the Elementary Functions,
// 1980 (argument reduction). E. Ya. Remez, 1934, and J.-M. Muller,
// Elementary Functions: Algorithms and Implementation, 3rd ed., 2016, ch. 3
// (minimax approximation). T. J. Dekker, A floating-point technique for
// extending the available precision, 1971 (Fast2Sum, exact products);
// D. E. Knuth, TAOCP vol. 2, §4.2.2 (TwoSum). G. Estrin, 1960 (polynomial
// evaluation). Sun Microsystems fdlibm, e_log.c (the form of the log
// reduction; the coefficients here are derived independently).
package vecmath
