//go:build amd64 && !purego

#include "textflag.h"

// Packing routines for the 6×8 AVX2 kernel. They use AVX1 instructions only
// and are called only when that kernel is selected.

// TRANSPOSE4 transposes the 4×4 block held in rows R0..R3 (one ymm each)
// into columns C0..C3, using T0..T3 as scratch.
#define TRANSPOSE4(R0, R1, R2, R3, T0, T1, T2, T3, C0, C1, C2, C3) \
	VUNPCKLPD R1, R0, T0 \
	VUNPCKHPD R1, R0, T1 \
	VUNPCKLPD R3, R2, T2 \
	VUNPCKHPD R3, R2, T3 \
	VPERM2F128 $0x20, T2, T0, C0 \
	VPERM2F128 $0x20, T3, T1, C1 \
	VPERM2F128 $0x31, T2, T0, C2 \
	VPERM2F128 $0x31, T3, T1, C3

// func packB8N(dst, src *float64, kc, ldb, slivers int)
// dst[s*kc*8+p*8+j] = src[p*ldb+s*8+j] for p < kc, s < slivers, j < 8:
// slivers adjacent 8-column slivers, read row by row so that src is read
// sequentially.
TEXT ·packB8N(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ kc+16(FP), CX
	MOVQ ldb+24(FP), DX
	SHLQ $3, DX
	MOVQ CX, R10
	SHLQ $6, R10 // sliver size in bytes: kc*64
	TESTQ CX, CX
	JZ   doneBN
	CMPQ slivers+32(FP), $0
	JLE  doneBN

rowBN:
	MOVQ slivers+32(FP), BX
	MOVQ SI, R8
	MOVQ DI, R9

colBN:
	VMOVUPD (R8), Y0
	VMOVUPD 32(R8), Y1
	VMOVUPD Y0, (R9)
	VMOVUPD Y1, 32(R9)
	ADDQ $64, R8
	ADDQ R10, R9
	DECQ BX
	JNZ  colBN

	ADDQ DX, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  rowBN

doneBN:
	VZEROUPPER
	RET

// func packB8T(dst, src *float64, kc, ldb int)
// dst[p*8+j] = src[j*ldb+p] for p < kc, j < 8.
TEXT ·packB8T(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ kc+16(FP), CX
	MOVQ ldb+24(FP), DX
	SHLQ $3, DX
	LEAQ (DX)(DX*2), R9 // 3*ldb
	LEAQ (SI)(DX*4), R8 // row 4

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   tailBT

loopBT:
	VMOVUPD (SI), Y0
	VMOVUPD (SI)(DX*1), Y1
	VMOVUPD (SI)(DX*2), Y2
	VMOVUPD (SI)(R9*1), Y3
	TRANSPOSE4(Y0, Y1, Y2, Y3, Y8, Y9, Y10, Y11, Y4, Y5, Y6, Y7)
	VMOVUPD Y4, (DI)
	VMOVUPD Y5, 64(DI)
	VMOVUPD Y6, 128(DI)
	VMOVUPD Y7, 192(DI)
	VMOVUPD (R8), Y0
	VMOVUPD (R8)(DX*1), Y1
	VMOVUPD (R8)(DX*2), Y2
	VMOVUPD (R8)(R9*1), Y3
	TRANSPOSE4(Y0, Y1, Y2, Y3, Y8, Y9, Y10, Y11, Y4, Y5, Y6, Y7)
	VMOVUPD Y4, 32(DI)
	VMOVUPD Y5, 96(DI)
	VMOVUPD Y6, 160(DI)
	VMOVUPD Y7, 224(DI)
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $256, DI
	DECQ BX
	JNZ  loopBT

tailBT:
	ANDQ $3, CX
	JZ   doneBT

loopBT1:
	VMOVSD (SI), X0
	VMOVSD X0, (DI)
	VMOVSD (SI)(DX*1), X0
	VMOVSD X0, 8(DI)
	VMOVSD (SI)(DX*2), X0
	VMOVSD X0, 16(DI)
	VMOVSD (SI)(R9*1), X0
	VMOVSD X0, 24(DI)
	VMOVSD (R8), X0
	VMOVSD X0, 32(DI)
	VMOVSD (R8)(DX*1), X0
	VMOVSD X0, 40(DI)
	VMOVSD (R8)(DX*2), X0
	VMOVSD X0, 48(DI)
	VMOVSD (R8)(R9*1), X0
	VMOVSD X0, 56(DI)
	ADDQ $8, SI
	ADDQ $8, R8
	ADDQ $64, DI
	DECQ CX
	JNZ  loopBT1

doneBT:
	VZEROUPPER
	RET

// func packA6N(dst, src *float64, kc, lda int)
// dst[p*6+i] = src[i*lda+p] for p < kc, i < 6.
TEXT ·packA6N(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ kc+16(FP), CX
	MOVQ lda+24(FP), DX
	SHLQ $3, DX
	LEAQ (DX)(DX*2), R9 // 3*lda
	LEAQ (SI)(DX*4), R8 // row 4

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   tailAN

loopAN:
	VMOVUPD (SI), Y0
	VMOVUPD (SI)(DX*1), Y1
	VMOVUPD (SI)(DX*2), Y2
	VMOVUPD (SI)(R9*1), Y3
	TRANSPOSE4(Y0, Y1, Y2, Y3, Y8, Y9, Y10, Y11, Y4, Y5, Y6, Y7)
	VMOVUPD Y4, (DI)
	VMOVUPD Y5, 48(DI)
	VMOVUPD Y6, 96(DI)
	VMOVUPD Y7, 144(DI)
	// Rows 4 and 5: pairs (r4, r5) for p, p+1, p+2, p+3.
	VMOVUPD (R8), Y0
	VMOVUPD (R8)(DX*1), Y1
	VUNPCKLPD Y1, Y0, Y2 // r4p0 r5p0 r4p2 r5p2
	VUNPCKHPD Y1, Y0, Y3 // r4p1 r5p1 r4p3 r5p3
	VMOVUPD X2, 32(DI)
	VMOVUPD X3, 80(DI)
	VEXTRACTF128 $1, Y2, 128(DI)
	VEXTRACTF128 $1, Y3, 176(DI)
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $192, DI
	DECQ BX
	JNZ  loopAN

tailAN:
	ANDQ $3, CX
	JZ   doneAN

loopAN1:
	VMOVSD (SI), X0
	VMOVSD X0, (DI)
	VMOVSD (SI)(DX*1), X0
	VMOVSD X0, 8(DI)
	VMOVSD (SI)(DX*2), X0
	VMOVSD X0, 16(DI)
	VMOVSD (SI)(R9*1), X0
	VMOVSD X0, 24(DI)
	VMOVSD (R8), X0
	VMOVSD X0, 32(DI)
	VMOVSD (R8)(DX*1), X0
	VMOVSD X0, 40(DI)
	ADDQ $8, SI
	ADDQ $8, R8
	ADDQ $48, DI
	DECQ CX
	JNZ  loopAN1

doneAN:
	VZEROUPPER
	RET

// func packA6T(dst, src *float64, kc, lda, slivers int)
// dst[s*kc*6+p*6+i] = src[p*lda+s*6+i] for p < kc, s < slivers, i < 6:
// slivers adjacent 6-row slivers of aᵀ, read row by row of a so that src is
// read sequentially.
TEXT ·packA6T(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ kc+16(FP), CX
	MOVQ lda+24(FP), DX
	SHLQ $3, DX
	MOVQ CX, R10
	IMULQ $48, R10 // sliver size in bytes: kc*48
	TESTQ CX, CX
	JZ   doneAT
	CMPQ slivers+32(FP), $0
	JLE  doneAT

rowAT:
	MOVQ slivers+32(FP), BX
	MOVQ SI, R8
	MOVQ DI, R9

colAT:
	VMOVUPD (R8), Y0
	VMOVUPD 32(R8), X1
	VMOVUPD Y0, (R9)
	VMOVUPD X1, 32(R9)
	ADDQ $48, R8
	ADDQ R10, R9
	DECQ BX
	JNZ  colAT

	ADDQ DX, SI
	ADDQ $48, DI
	DECQ CX
	JNZ  rowAT

doneAT:
	VZEROUPPER
	RET
