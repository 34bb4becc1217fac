//go:build !purego

#include "textflag.h"

// AVX2/FMA kernels, four float64 per YMM register. Each performs, lane by
// lane, exactly the floating-point operations of its pure-Go counterpart in
// generic.go (same order, FMA where generic.go calls math.FMA), so results
// are bit-identical. Constants ·cName are 32-byte replicated values
// generated into coeffs_amd64.s.
//
// The unary kernels have the signature
//
//	func kernel(dst, x []float64) int
//
// They process len(x)&^3 elements and stop at the first group of four that
// holds a lane outside the fast range, returning its index without storing
// it; the Go driver (runUnary) finishes that group with the scalar code.

// EXP_REDUCE sets T = fma(X, log2e, 1.5·2^52), whose low bits hold
// k = round(X/ln 2), and HI, LO with e^X = 2^k·(HI + LO) (expReduce; Q′ by
// Estrin's scheme). Clobbers X, K, R, A, B, C and D.
#define EXP_REDUCE(X, T, HI, LO, K, R, A, B, C, D) \
	VMOVUPD      ·cExpMagic(SB), T;    \
	VFMADD231PD  ·cLog2e(SB), X, T;    \
	VSUBPD       ·cExpMagic(SB), T, K; \
	VMOVAPD      X, A;                 \
	VFNMADD231PD ·cLn2Hi(SB), K, A;    \
	VMULPD       ·cLn2Lo(SB), K, K;    \
	VSUBPD       K, A, R;              \
	VADDPD       ·cOne(SB), A, HI;     \
	VMOVUPD      ·cOne(SB), LO;        \
	VSUBPD       HI, LO, LO;           \
	VADDPD       A, LO, LO;            \
	VSUBPD       K, LO, LO;            \
	VFNMADD231PD K, A, LO;             \
	VMULPD       ·cHalf(SB), A, B;     \
	VMULPD       A, B, C;              \
	VFMSUB213PD  C, A, B;              \
	VADDPD       B, LO, LO;            \
	VMULPD       R, R, A;              \
	VMULPD       A, A, B;              \
	VMOVUPD      ·cExpQ2(SB), K;       \
	VFMADD213PD  ·cExpQ1(SB), R, K;    \
	VMOVUPD      ·cExpQ4(SB), D;       \
	VFMADD213PD  ·cExpQ3(SB), R, D;    \
	VFMADD213PD  K, A, D;              \
	VMOVUPD      ·cExpQ6(SB), K;       \
	VFMADD213PD  ·cExpQ5(SB), R, K;    \
	VMOVUPD      ·cExpQ8(SB), X;       \
	VFMADD213PD  ·cExpQ7(SB), R, X;    \
	VFMADD213PD  K, A, X;              \
	VFMADD213PD  D, B, X;              \
	VMOVUPD      ·cExpQ10(SB), K;      \
	VFMADD213PD  ·cExpQ9(SB), R, K;    \
	VMULPD       B, B, B;              \
	VFMADD213PD  X, B, K;              \
	VMULPD       R, A, A;              \
	VFMADD231PD  K, A, LO;             \
	VADDPD       C, LO, LO

// EXP_SPLIT turns EXP_REDUCE's T, HI and LO into HI + LO = 2^k·(hi + lo)
// with HI = fl(hi + lo) and the rounding error in LO (expSplit).
// Clobbers T and S.
#define EXP_SPLIT(T, HI, LO, S) \
	VADDPD  LO, HI, S;         \
	VSUBPD  S, HI, HI;         \
	VADDPD  HI, LO, LO;        \
	VPSLLQ  $52, T, T;         \
	VPADDQ  ·cOne(SB), T, T;   \
	VMULPD  T, S, HI;          \
	VMULPD  T, LO, LO

// Comparison predicates for VCMPPD (ordered, quiet: false for NaN).
#define LT_OQ $0x11
#define LE_OQ $0x12
#define GE_OQ $0x1d
#define GT_OQ $0x1e

// func expAVX2(dst, x []float64) int
//
// Fast range |x| ≤ 708; x > 709.79 gives +Inf and x < −746 gives 0 in the
// vector path; anything else (NaN, the margins) stops the kernel.
TEXT ·expAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

exp_loop:
	CMPQ AX, CX
	JAE  exp_done
	VMOVUPD (SI)(AX*8), Y0

	VCMPPD GT_OQ, ·cExpOverflowClamp(SB), Y0, Y5
	VCMPPD LT_OQ, ·cExpUnderflowClamp(SB), Y0, Y6
	VANDPD ·cAbsMask(SB), Y0, Y7
	VCMPPD LE_OQ, ·cExpFastMax(SB), Y7, Y7
	VORPD  Y5, Y7, Y7
	VORPD  Y6, Y7, Y7
	VMOVMSKPD Y7, DX
	CMPL DX, $15
	JNE  exp_done

	EXP_REDUCE(Y0, Y1, Y2, Y3, Y4, Y8, Y9, Y10, Y11, Y12)
	VADDPD Y3, Y2, Y2                 // p = hi + lo
	VPSLLQ $52, Y1, Y1
	VPADDQ Y1, Y2, Y2                 // 2^k·p
	VBLENDVPD Y5, ·cInf(SB), Y2, Y2
	VANDNPD   Y2, Y6, Y2
	VMOVUPD Y2, (DI)(AX*8)
	ADDQ $4, AX
	JMP  exp_loop

exp_done:
	MOVQ AX, ret+48(FP)
	VZEROUPPER
	RET

// func logAVX2(dst, x []float64) int
//
// Fast range: positive normal finite x. Zero, negative, subnormal, +Inf and
// NaN stop the kernel.
TEXT ·logAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

log_loop:
	CMPQ AX, CX
	JAE  log_done
	VMOVUPD (SI)(AX*8), Y0

	VCMPPD GE_OQ, ·cMinNormal(SB), Y0, Y1
	VCMPPD LE_OQ, ·cMaxFloat(SB), Y0, Y2
	VANDPD Y2, Y1, Y1
	VMOVMSKPD Y1, DX
	CMPL DX, $15
	JNE  log_done

	// x = 2^e·m, m ∈ [√2/2, √2): Y2 = m, Y1 = e (as float64).
	VPADDQ ·cLogOffset(SB), Y0, Y1
	VPAND  ·cLogExpMask(SB), Y1, Y2
	VPSUBQ Y2, Y0, Y2
	VPADDQ ·cOne(SB), Y2, Y2
	VPSRLQ $52, Y1, Y1
	VPOR   ·cTwoP52Bits(SB), Y1, Y1
	VSUBPD ·cLogTwoP52Bias(SB), Y1, Y1

	VSUBPD ·cOne(SB), Y2, Y2          // f = m − 1
	VADDPD ·cTwo(SB), Y2, Y3          // 2 + f
	VDIVPD Y3, Y2, Y3                 // s = f/(2+f)
	VMULPD Y3, Y3, Y4                 // z = s²
	VMULPD Y4, Y4, Y6                 // z²
	VMULPD Y6, Y6, Y7                 // z⁴
	VMOVUPD     ·cLogS1(SB), Y5
	VFMADD213PD ·cLogS0(SB), Y4, Y5
	VMOVUPD     ·cLogS3(SB), Y8
	VFMADD213PD ·cLogS2(SB), Y4, Y8
	VFMADD213PD Y5, Y6, Y8            // p03
	VMOVUPD     ·cLogS5(SB), Y5
	VFMADD213PD ·cLogS4(SB), Y4, Y5
	VMOVUPD     ·cLogS7(SB), Y9
	VFMADD213PD ·cLogS6(SB), Y4, Y9
	VFMADD213PD Y5, Y6, Y9            // p47
	VFMADD213PD Y8, Y7, Y9            // S(z) (Estrin)
	VMOVAPD Y9, Y5
	VMULPD Y5, Y4, Y5                 // R = z·S(z)
	VMULPD ·cHalf(SB), Y2, Y6         // hf = 0.5·f
	VMULPD Y2, Y6, Y7                 // hh = hf·f
	VMOVAPD Y7, Y8
	VFMSUB231PD Y2, Y6, Y8            // hl = hf·f − hh (exact)
	VADDPD Y5, Y7, Y5                 // hh + R
	VMULPD Y5, Y3, Y5                 // u = s·(hh + R)
	VSUBPD Y5, Y7, Y6                 // wh = hh − u
	VSUBPD Y6, Y7, Y7
	VSUBPD Y5, Y7, Y7                 // wl = (hh − wh) − u
	VMULPD ·cLn2Hi(SB), Y1, Y9        // h = e·ln2Hi (exact)
	VADDPD Y2, Y9, Y10                // s1 = h + f
	VSUBPD Y10, Y9, Y9
	VADDPD Y2, Y9, Y9                 // e1 = (h − s1) + f
	VSUBPD Y6, Y10, Y3                // t2 = s1 − wh
	VSUBPD Y3, Y10, Y10
	VSUBPD Y6, Y10, Y10               // t2e = (s1 − t2) − wh
	VADDPD Y9, Y10, Y10               // t2e + e1
	VADDPD Y8, Y7, Y7                 // wl + hl
	VSUBPD Y7, Y10, Y10               // (t2e + e1) − (wl + hl)
	VFMADD231PD ·cLn2Lo(SB), Y1, Y10  // tail = e·ln2Lo + …
	VADDPD Y10, Y3, Y3                // t2 + tail
	VMOVUPD Y3, (DI)(AX*8)
	ADDQ $4, AX
	JMP  log_loop

log_done:
	MOVQ AX, ret+48(FP)
	VZEROUPPER
	RET

// func tanhAVX2(dst, x []float64) int
//
// Fast range: everything but NaN (|x| > 20, including ±Inf, gives ±1).
TEXT ·tanhAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

tanh_loop:
	CMPQ AX, CX
	JAE  tanh_done
	VMOVUPD (SI)(AX*8), Y0

	VCMPPD $3, Y0, Y0, Y1             // unordered: NaN lanes
	VMOVMSKPD Y1, DX
	TESTL DX, DX
	JNZ  tanh_done

	VANDPD ·cAbsMask(SB), Y0, Y1      // a = |x|
	VADDPD Y1, Y1, Y4                 // 2a
	EXP_REDUCE(Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13)
	EXP_SPLIT(Y5, Y6, Y7, Y8)         // e^{2a} = Y6 + Y7
	VSUBPD ·cOne(SB), Y6, Y6          // uh = eh − 1, ul = el (Y7)
	VADDPD ·cTwo(SB), Y6, Y8          // dh = uh + 2
	VSUBPD Y6, Y8, Y9                 // bb = dh − uh
	VSUBPD Y9, Y8, Y10
	VSUBPD Y10, Y6, Y10               // uh − (dh − bb)
	VMOVUPD ·cTwo(SB), Y11
	VSUBPD Y9, Y11, Y11               // 2 − bb
	VADDPD Y11, Y10, Y10
	VADDPD Y7, Y10, Y10               // dl
	VMOVUPD ·cOne(SB), Y11
	VDIVPD Y8, Y11, Y11               // rcp = 1/dh
	VMULPD Y11, Y6, Y12               // q0 = uh·rcp
	VMOVAPD Y6, Y13
	VFNMADD231PD Y12, Y8, Y13         // e = uh − q0·dh
	VADDPD Y7, Y13, Y13               // e + ul
	VFNMADD231PD Y12, Y10, Y13        // e −= q0·dl
	VFMADD213PD Y12, Y11, Y13         // tanh a = e·rcp + q0
	VCMPPD GT_OQ, ·cTanhSat(SB), Y1, Y2
	VBLENDVPD Y2, ·cOne(SB), Y13, Y13 // |x| > 20: 1
	VANDPD ·cSignMask(SB), Y0, Y2
	VORPD  Y2, Y13, Y13               // copysign
	VMOVUPD Y13, (DI)(AX*8)
	ADDQ $4, AX
	JMP  tanh_loop

tanh_done:
	MOVQ AX, ret+48(FP)
	VZEROUPPER
	RET

// func sigmoidAVX2(dst, x []float64) int
//
// Fast range: x ≥ −700 (x > 40, including +Inf, gives 1) and x < −746
// (including −Inf, gives 0); NaN and [−746, −700) stop the kernel.
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

sig_loop:
	CMPQ AX, CX
	JAE  sig_done
	VMOVUPD (SI)(AX*8), Y0

	VCMPPD GE_OQ, ·cSigmoidFastMin(SB), Y0, Y1
	VCMPPD LT_OQ, ·cExpUnderflowClamp(SB), Y0, Y2
	VORPD  Y2, Y1, Y1
	VMOVMSKPD Y1, DX
	CMPL DX, $15
	JNE  sig_done

	VORPD ·cSignMask(SB), Y0, Y3      // −|x|
	EXP_REDUCE(Y3, Y4, Y6, Y7, Y5, Y8, Y9, Y10, Y11, Y12)
	EXP_SPLIT(Y4, Y6, Y7, Y5)         // E = e^{−|x|} = Y6 + Y7
	VADDPD ·cOne(SB), Y6, Y8          // dhi = 1 + ehi
	VMOVUPD ·cOne(SB), Y9
	VSUBPD Y8, Y9, Y9
	VADDPD Y6, Y9, Y9
	VADDPD Y7, Y9, Y9                 // dlo
	VMOVUPD ·cOne(SB), Y10
	VDIVPD Y8, Y10, Y10               // q0 = 1/dhi
	VMOVUPD ·cOne(SB), Y11
	VFNMADD231PD Y10, Y8, Y11         // e = 1 − q0·dhi
	VFNMADD231PD Y10, Y9, Y11         // e −= q0·dlo
	VMOVAPD Y10, Y12
	VFMADD213PD Y10, Y11, Y12         // σ(|x|) = q0·e + q0
	VFMADD231PD Y6, Y11, Y7           // ehi·e + elo
	VMULPD Y10, Y7, Y7
	VFMADD231PD Y10, Y6, Y7           // σ(−|x|) = ehi·q0 + q0·(ehi·e + elo)
	VBLENDVPD Y0, Y7, Y12, Y12        // sign bit of x selects
	VCMPPD GT_OQ, ·cSigmoidSat(SB), Y0, Y1
	VBLENDVPD Y1, ·cOne(SB), Y12, Y12 // x > 40: 1
	VANDNPD Y12, Y2, Y12              // x < −746: 0
	VMOVUPD Y12, (DI)(AX*8)
	ADDQ $4, AX
	JMP  sig_loop

sig_done:
	MOVQ AX, ret+48(FP)
	VZEROUPPER
	RET

// func tanhGradAVX2(dst, g, y []float64)
//
// dst = g·fma(−y, y, 1) for the first len(dst)&^3 elements.
TEXT ·tanhGradAVX2(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ g_base+24(FP), SI
	MOVQ y_base+48(FP), BX
	MOVQ dst_len+8(FP), CX
	MOVQ CX, DX
	ANDQ $-8, DX
	ANDQ $-4, CX
	XORQ AX, AX
	VMOVUPD ·cOne(SB), Y15

tg_loop8:
	CMPQ AX, DX
	JAE  tg_tail4
	VMOVUPD (BX)(AX*8), Y0
	VMOVUPD 32(BX)(AX*8), Y1
	VMOVAPD Y15, Y2
	VMOVAPD Y15, Y3
	VFNMADD231PD Y0, Y0, Y2
	VFNMADD231PD Y1, Y1, Y3
	VMULPD (SI)(AX*8), Y2, Y2
	VMULPD 32(SI)(AX*8), Y3, Y3
	VMOVUPD Y2, (DI)(AX*8)
	VMOVUPD Y3, 32(DI)(AX*8)
	ADDQ $8, AX
	JMP  tg_loop8

tg_tail4:
	CMPQ AX, CX
	JAE  tg_done
	VMOVUPD (BX)(AX*8), Y0
	VMOVAPD Y15, Y2
	VFNMADD231PD Y0, Y0, Y2
	VMULPD (SI)(AX*8), Y2, Y2
	VMOVUPD Y2, (DI)(AX*8)

tg_done:
	VZEROUPPER
	RET

// func sigmoidGradAVX2(dst, g, y []float64)
//
// dst = g·fma(−y, y, y) for the first len(dst)&^3 elements.
TEXT ·sigmoidGradAVX2(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ g_base+24(FP), SI
	MOVQ y_base+48(FP), BX
	MOVQ dst_len+8(FP), CX
	MOVQ CX, DX
	ANDQ $-8, DX
	ANDQ $-4, CX
	XORQ AX, AX

sg_loop8:
	CMPQ AX, DX
	JAE  sg_tail4
	VMOVUPD (BX)(AX*8), Y0
	VMOVUPD 32(BX)(AX*8), Y1
	VMOVAPD Y0, Y2
	VMOVAPD Y1, Y3
	VFNMADD231PD Y0, Y0, Y2
	VFNMADD231PD Y1, Y1, Y3
	VMULPD (SI)(AX*8), Y2, Y2
	VMULPD 32(SI)(AX*8), Y3, Y3
	VMOVUPD Y2, (DI)(AX*8)
	VMOVUPD Y3, 32(DI)(AX*8)
	ADDQ $8, AX
	JMP  sg_loop8

sg_tail4:
	CMPQ AX, CX
	JAE  sg_done
	VMOVUPD (BX)(AX*8), Y0
	VMOVAPD Y0, Y2
	VFNMADD231PD Y0, Y0, Y2
	VMULPD (SI)(AX*8), Y2, Y2
	VMOVUPD Y2, (DI)(AX*8)

sg_done:
	VZEROUPPER
	RET
