//go:build !purego

#include "textflag.h"

// func mulScaledPairVVVV(dst *float64, s float64, a, b, c, d *float64, n int)
//
// dst = fl(fl(c · s) · d) + fl(fl(a · s) · b), element by element, for the
// first n&^3 elements: eight per iteration while at least eight remain,
// then four. Each group's inputs are read before its output is stored, so
// dst may be one of the inputs.
TEXT ·mulScaledPairVVVV(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	VBROADCASTSD s+8(FP), Y15
	MOVQ         a+16(FP), SI
	MOVQ         b+24(FP), DX
	MOVQ         c+32(FP), R8
	MOVQ         d+40(FP), R9
	MOVQ         n+48(FP), CX
	MOVQ         CX, BX
	ANDQ         $-8, BX
	ANDQ         $-4, CX
	XORQ         AX, AX

loop8:
	CMPQ    AX, BX
	JAE     loop4
	VMOVUPD (SI)(AX*8), Y0
	VMULPD  Y15, Y0, Y0
	VMULPD  (DX)(AX*8), Y0, Y0 // p = (a·s)·b
	VMOVUPD (R8)(AX*8), Y1
	VMULPD  Y15, Y1, Y1
	VMULPD  (R9)(AX*8), Y1, Y1 // q = (c·s)·d
	VADDPD  Y0, Y1, Y1         // q + p
	VMOVUPD 32(SI)(AX*8), Y2
	VMULPD  Y15, Y2, Y2
	VMULPD  32(DX)(AX*8), Y2, Y2
	VMOVUPD 32(R8)(AX*8), Y3
	VMULPD  Y15, Y3, Y3
	VMULPD  32(R9)(AX*8), Y3, Y3
	VADDPD  Y2, Y3, Y3
	VMOVUPD Y1, (DI)(AX*8)
	VMOVUPD Y3, 32(DI)(AX*8)
	ADDQ    $8, AX
	JMP     loop8

loop4:
	CMPQ    AX, CX
	JAE     done
	VMOVUPD (SI)(AX*8), Y0
	VMULPD  Y15, Y0, Y0
	VMULPD  (DX)(AX*8), Y0, Y0
	VMOVUPD (R8)(AX*8), Y1
	VMULPD  Y15, Y1, Y1
	VMULPD  (R9)(AX*8), Y1, Y1
	VADDPD  Y0, Y1, Y1
	VMOVUPD Y1, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     loop4

done:
	VZEROUPPER
	RET
