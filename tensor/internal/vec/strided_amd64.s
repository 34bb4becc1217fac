//go:build !purego

#include "textflag.h"

// func scatterAdd2(dst, src *float64, n int)
//
// dst[2j] += src[j] for j < n&^3, reading and writing dst[0:2·(n&^3)]:
// per group of four inputs, each is duplicated into a pair of lanes, added
// to eight elements of dst, and the sums are blended into the even lanes
// only, so the odd elements are stored back bit for bit (adding +0 to
// them would turn −0 into +0).
TEXT ·scatterAdd2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

aloop:
	CMPQ     AX, CX
	JAE      adone
	VMOVUPD  (SI)(AX*8), Y0      // s0 s1 s2 s3
	VPERMPD  $0x50, Y0, Y1       // s0 s0 s1 s1
	VPERMPD  $0xfa, Y0, Y2       // s2 s2 s3 s3
	VMOVUPD  (DI), Y3            // d0 … d3
	VMOVUPD  32(DI), Y4          // d4 … d7
	VADDPD   Y1, Y3, Y5
	VADDPD   Y2, Y4, Y6
	VBLENDPD $0x5, Y5, Y3, Y3    // d0+s0 d1 d2+s1 d3
	VBLENDPD $0x5, Y6, Y4, Y4
	VMOVUPD  Y3, (DI)
	VMOVUPD  Y4, 32(DI)
	ADDQ     $64, DI
	ADDQ     $4, AX
	JMP      aloop

adone:
	VZEROUPPER
	RET

// func scatterZero2(dst, src *float64, n int)
//
// dst[2j] = src[j] and dst[2j+1] = +0 for j < n&^3, writing
// dst[0:2·(n&^3)]: per group of four inputs, each is duplicated into a
// pair of lanes and blended with zeros into the even lanes.
TEXT ·scatterZero2(SB), NOSPLIT, $0-24
	MOVQ   dst+0(FP), DI
	MOVQ   src+8(FP), SI
	MOVQ   n+16(FP), CX
	ANDQ   $-4, CX
	XORQ   AX, AX
	VXORPD Y7, Y7, Y7

zloop:
	CMPQ     AX, CX
	JAE      zdone
	VMOVUPD  (SI)(AX*8), Y0      // s0 s1 s2 s3
	VPERMPD  $0x50, Y0, Y1       // s0 s0 s1 s1
	VPERMPD  $0xfa, Y0, Y2       // s2 s2 s3 s3
	VBLENDPD $0x5, Y1, Y7, Y1    // s0 0 s1 0
	VBLENDPD $0x5, Y2, Y7, Y2    // s2 0 s3 0
	VMOVUPD  Y1, (DI)
	VMOVUPD  Y2, 32(DI)
	ADDQ     $64, DI
	ADDQ     $4, AX
	JMP      zloop

zdone:
	VZEROUPPER
	RET

// func deinterleave2(a, b, src *float64, n int)
//
// a[i] = src[2i] and b[i] = src[2i+1] for i < n&^3, reading
// src[0:2·(n&^3)] and writing a[0:n&^3] and b[0:n&^3]: per group of
// four pairs, two 16-byte loads completed by two 16-byte inserts into the
// upper lanes put the pairs 0 and 2 in one register and 1 and 3 in the
// other, so one in-lane unpack of each parity (two shuffles per eight
// outputs) yields four even and four odd elements in order.
TEXT ·deinterleave2(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), DI
	MOVQ b+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

dloop:
	CMPQ        AX, CX
	JAE         ddone
	VMOVUPD     (SI), X0             // s0 s1
	VINSERTF128 $1, 32(SI), Y0, Y0   // s0 s1 s4 s5
	VMOVUPD     16(SI), X1           // s2 s3
	VINSERTF128 $1, 48(SI), Y1, Y1   // s2 s3 s6 s7
	VUNPCKLPD   Y1, Y0, Y2           // s0 s2 s4 s6
	VUNPCKHPD   Y1, Y0, Y3           // s1 s3 s5 s7
	VMOVUPD     Y2, (DI)(AX*8)
	VMOVUPD     Y3, (DX)(AX*8)
	ADDQ        $64, SI
	ADDQ        $4, AX
	JMP         dloop

ddone:
	VZEROUPPER
	RET

// func interleave2(dst, a, b *float64, ca, cb float64, n int)
//
// dst[2i] = a[i] + ca and dst[2i+1] = b[i] + cb for i < n&^3, reading
// a[0:n&^3] and b[0:n&^3] and writing dst[0:2·(n&^3)]: per group of four
// pairs, the in-lane unpacks of a and b give the pairs 0 and 2 in one
// register and 1 and 3 in the other; each adds the constant
// [ca cb ca cb] (the scalar loop's addition, so −0 + +0 is +0 and a NaN
// comes out as the scalar ADDSD makes it) and its two halves are stored
// 16 bytes at a time in their places. Four 16-byte stores measured faster
// than two VPERM2F128 and two 32-byte stores, which need two more
// lane-crossing shuffles.
TEXT ·interleave2(SB), NOSPLIT, $0-48
	MOVQ           dst+0(FP), DI
	MOVQ           a+8(FP), SI
	MOVQ           b+16(FP), DX
	VBROADCASTF128 ca+24(FP), Y6     // ca cb ca cb (cb follows ca in the frame)
	MOVQ           n+40(FP), CX
	ANDQ           $-4, CX
	XORQ           AX, AX

iloop:
	CMPQ         AX, CX
	JAE          idone
	VMOVUPD      (SI)(AX*8), Y0      // a0 a1 a2 a3
	VMOVUPD      (DX)(AX*8), Y1      // b0 b1 b2 b3
	VUNPCKLPD    Y1, Y0, Y2          // a0 b0 a2 b2
	VUNPCKHPD    Y1, Y0, Y3          // a1 b1 a3 b3
	VADDPD       Y6, Y2, Y2
	VADDPD       Y6, Y3, Y3
	VMOVUPD      X2, (DI)            // a0 b0
	VMOVUPD      X3, 16(DI)          // a1 b1
	VEXTRACTF128 $1, Y2, 32(DI)      // a2 b2
	VEXTRACTF128 $1, Y3, 48(DI)      // a3 b3
	ADDQ         $64, DI
	ADDQ         $4, AX
	JMP          iloop

idone:
	VZEROUPPER
	RET

