//go:build !purego

#include "textflag.h"

// func mulScaledPairVVVV(dst *float64, s float64, a, b, c, d *float64, n int)
//
// dst = fl(fl(c · s) · d) + fl(fl(a · s) · b), element by element, for the
// first n&^3 elements: sixteen per iteration (four groups of four) while at
// least sixteen remain, then four. Each iteration reads all its inputs
// before it stores, so dst may be one of the inputs.
TEXT ·mulScaledPairVVVV(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	VBROADCASTSD s+8(FP), Y15
	MOVQ         a+16(FP), SI
	MOVQ         b+24(FP), DX
	MOVQ         c+32(FP), R8
	MOVQ         d+40(FP), R9
	MOVQ         n+48(FP), CX
	MOVQ         CX, BX
	ANDQ         $-16, BX
	ANDQ         $-4, CX
	XORQ         AX, AX

loop16:
	CMPQ AX, BX
	JAE  loop4
	VMOVUPD (SI)(AX*8), Y0
	VMULPD  Y15, Y0, Y0
	VMULPD  (DX)(AX*8), Y0, Y0
	VMOVUPD (R8)(AX*8), Y1
	VMULPD  Y15, Y1, Y1
	VMULPD  (R9)(AX*8), Y1, Y1
	VADDPD  Y0, Y1, Y1
	VMOVUPD 32(SI)(AX*8), Y2
	VMULPD  Y15, Y2, Y2
	VMULPD  32(DX)(AX*8), Y2, Y2
	VMOVUPD 32(R8)(AX*8), Y3
	VMULPD  Y15, Y3, Y3
	VMULPD  32(R9)(AX*8), Y3, Y3
	VADDPD  Y2, Y3, Y3
	VMOVUPD 64(SI)(AX*8), Y4
	VMULPD  Y15, Y4, Y4
	VMULPD  64(DX)(AX*8), Y4, Y4
	VMOVUPD 64(R8)(AX*8), Y5
	VMULPD  Y15, Y5, Y5
	VMULPD  64(R9)(AX*8), Y5, Y5
	VADDPD  Y4, Y5, Y5
	VMOVUPD 96(SI)(AX*8), Y6
	VMULPD  Y15, Y6, Y6
	VMULPD  96(DX)(AX*8), Y6, Y6
	VMOVUPD 96(R8)(AX*8), Y7
	VMULPD  Y15, Y7, Y7
	VMULPD  96(R9)(AX*8), Y7, Y7
	VADDPD  Y6, Y7, Y7
	VMOVUPD Y1, (DI)(AX*8)
	VMOVUPD Y3, 32(DI)(AX*8)
	VMOVUPD Y5, 64(DI)(AX*8)
	VMOVUPD Y7, 96(DI)(AX*8)
	ADDQ $16, AX
	JMP  loop16

loop4:
	CMPQ    AX, CX
	JAE     done
	VMOVUPD (SI)(AX*8), Y0
	VMULPD  Y15, Y0, Y0
	VMULPD  (DX)(AX*8), Y0, Y0 // p = (a·s)·b
	VMOVUPD (R8)(AX*8), Y1
	VMULPD  Y15, Y1, Y1
	VMULPD  (R9)(AX*8), Y1, Y1 // q = (c·s)·d
	VADDPD  Y0, Y1, Y1         // q + p
	VMOVUPD Y1, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     loop4

done:
	VZEROUPPER
	RET
