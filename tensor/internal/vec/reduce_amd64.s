//go:build !purego

#include "textflag.h"

// func sum8(x *float64, n int) float64
//
// The eight-lane sum of x[0:n&^7] (sum8Generic without its tail): Y0 holds
// partial sums 0–3 and Y1 partial sums 4–7; lane p adds x[i] for
// i ≡ p (mod 8) in increasing i, and the lanes are combined as
// ((s0+s4) + (s2+s6)) + ((s1+s5) + (s3+s7)).
TEXT ·sum8(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   CX, BX
	ANDQ   $-16, BX
	ANDQ   $-8, CX
	XORQ   AX, AX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1

loop16:
	CMPQ   AX, BX
	JAE    loop8
	VADDPD (SI)(AX*8), Y0, Y0
	VADDPD 32(SI)(AX*8), Y1, Y1
	VADDPD 64(SI)(AX*8), Y0, Y0
	VADDPD 96(SI)(AX*8), Y1, Y1
	ADDQ   $16, AX
	JMP    loop16

loop8:
	CMPQ   AX, CX
	JAE    reduce
	VADDPD (SI)(AX*8), Y0, Y0
	VADDPD 32(SI)(AX*8), Y1, Y1
	ADDQ   $8, AX
	JMP    loop8

reduce:
	VADDPD       Y1, Y0, Y0 // s0+s4, s1+s5, s2+s6, s3+s7
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0 // (s0+s4)+(s2+s6), (s1+s5)+(s3+s7)
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	MOVSD        X0, ret+16(FP)
	VZEROUPPER
	RET

// func gather2(dst, src *float64, n int)
//
// dst[j] = src[2j] for j < n&^3, reading src[0:2·(n&^3)]: two loads of
// four, an unpack of their even lanes and a lane permutation per group of
// four outputs. The insert-load form of deinterleave2 (strided_amd64.s),
// one in-lane unpack per four outputs but four loads instead of two,
// measured no faster.
TEXT ·gather2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

gloop:
	CMPQ      AX, CX
	JAE       gdone
	VMOVUPD   (SI), Y0          // s0 s1 s2 s3
	VMOVUPD   32(SI), Y1        // s4 s5 s6 s7
	VUNPCKLPD Y1, Y0, Y2        // s0 s4 s2 s6
	VPERMPD   $0xd8, Y2, Y2     // s0 s2 s4 s6
	VMOVUPD   Y2, (DI)(AX*8)
	ADDQ      $64, SI
	ADDQ      $4, AX
	JMP       gloop

gdone:
	VZEROUPPER
	RET

// func dot8(a, b *float64, n int) float64
//
// The eight-lane sum of the products a[i]·b[i], i < n&^7 (dot8Generic
// without its tail): each product is rounded (VMULPD), then added to lane
// i mod 8 as sum8 adds x[i], and the lanes are combined as sum8 combines
// them.
TEXT ·dot8(SB), NOSPLIT, $0-32
	MOVQ   a+0(FP), SI
	MOVQ   b+8(FP), DX
	MOVQ   n+16(FP), CX
	MOVQ   CX, BX
	ANDQ   $-16, BX
	ANDQ   $-8, CX
	XORQ   AX, AX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1

dloop16:
	CMPQ    AX, BX
	JAE     dloop8
	VMOVUPD (SI)(AX*8), Y2
	VMOVUPD 32(SI)(AX*8), Y3
	VMOVUPD 64(SI)(AX*8), Y4
	VMOVUPD 96(SI)(AX*8), Y5
	VMULPD  (DX)(AX*8), Y2, Y2
	VMULPD  32(DX)(AX*8), Y3, Y3
	VMULPD  64(DX)(AX*8), Y4, Y4
	VMULPD  96(DX)(AX*8), Y5, Y5
	VADDPD  Y2, Y0, Y0
	VADDPD  Y3, Y1, Y1
	VADDPD  Y4, Y0, Y0
	VADDPD  Y5, Y1, Y1
	ADDQ    $16, AX
	JMP     dloop16

dloop8:
	CMPQ    AX, CX
	JAE     dreduce
	VMOVUPD (SI)(AX*8), Y2
	VMOVUPD 32(SI)(AX*8), Y3
	VMULPD  (DX)(AX*8), Y2, Y2
	VMULPD  32(DX)(AX*8), Y3, Y3
	VADDPD  Y2, Y0, Y0
	VADDPD  Y3, Y1, Y1
	ADDQ    $8, AX
	JMP     dloop8

dreduce:
	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	MOVSD        X0, ret+24(FP)
	VZEROUPPER
	RET
