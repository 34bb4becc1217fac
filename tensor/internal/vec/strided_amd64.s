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
