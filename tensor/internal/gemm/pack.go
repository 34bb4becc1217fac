package gemm

// packA packs rows i0..i0+mc-1 and columns p0..p0+kc-1 of op(A) into dst as
// ceil(mc/mr) slivers of mr rows, each stored column by column (kc·mr values,
// dst[s*kc*mr + p*mr + i]). Rows past the end of the last sliver are zero.
// op(A) is a when transA is false and aᵀ otherwise; either way a is read in
// place, without a transposed copy.
func packA(dst []float64, mr int, transA bool, a []float64, lda, i0, mc, p0, kc int) {
	for s := 0; s*mr < mc; s++ {
		d := dst[s*kc*mr : (s+1)*kc*mr]
		rows := min(mr, mc-s*mr)
		r0 := i0 + s*mr
		switch {
		case transA:
			// op(A)(i, p) = a[p*lda + i]: each column of the sliver is
			// contiguous in a.
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+r0 : (p0+p)*lda+r0+rows]
				dp := d[p*mr : p*mr+mr]
				copy(dp, src)
				clear(dp[rows:])
			}
		default:
			// op(A)(i, p) = a[i*lda + p]: each row of the sliver is
			// contiguous in a.
			for i := 0; i < mr; i++ {
				if i >= rows {
					for p := 0; p < kc; p++ {
						d[p*mr+i] = 0
					}
					continue
				}
				src := a[(r0+i)*lda+p0 : (r0+i)*lda+p0+kc]
				for p, v := range src {
					d[p*mr+i] = v
				}
			}
		}
	}
}

// packB packs rows p0..p0+kc-1 of op(B) and its columns j0..j0+nc-1, in the
// nr-column slivers s0..s1-1, into dst: sliver s at dst[s*kc*nr:], stored row
// by row (dst[s*kc*nr + p*nr + j]). Columns past j0+nc are zero. op(B) is b
// when transB is false and bᵀ otherwise, read in place.
func packB(dst []float64, nr int, transB bool, b []float64, ldb, p0, kc, j0, nc, s0, s1 int) {
	for s := s0; s < s1; s++ {
		d := dst[s*kc*nr : (s+1)*kc*nr]
		cols := min(nr, nc-s*nr)
		c0 := j0 + s*nr
		switch {
		case !transB && cols == 4 && nr == 4:
			for p := 0; p < kc; p++ {
				src := b[(p0+p)*ldb+c0 : (p0+p)*ldb+c0+4 : (p0+p)*ldb+c0+4]
				dp := d[p*4 : p*4+4 : p*4+4]
				dp[0], dp[1], dp[2], dp[3] = src[0], src[1], src[2], src[3]
			}
		case !transB:
			// op(B)(p, j) = b[p*ldb + j]: each row of the sliver is
			// contiguous in b.
			for p := 0; p < kc; p++ {
				src := b[(p0+p)*ldb+c0 : (p0+p)*ldb+c0+cols]
				dp := d[p*nr : p*nr+nr]
				copy(dp, src)
				clear(dp[cols:])
			}
		case cols == 4 && nr == 4:
			interleave4(d, b, ldb, c0, p0, kc)
		default:
			// op(B)(p, j) = b[j*ldb + p]: each column of the sliver is
			// contiguous in b.
			for j := 0; j < nr; j++ {
				if j >= cols {
					for p := 0; p < kc; p++ {
						d[p*nr+j] = 0
					}
					continue
				}
				src := b[(c0+j)*ldb+p0 : (c0+j)*ldb+p0+kc]
				for p, v := range src {
					d[p*nr+j] = v
				}
			}
		}
	}
}

// interleave4 sets d[4*p+i] = x[(r0+i)*ld + p0+p] for i < 4, p < kc: it
// interleaves four rows of x.
func interleave4(d, x []float64, ld, r0, p0, kc int) {
	x0 := x[(r0+0)*ld+p0 : (r0+0)*ld+p0+kc]
	x1 := x[(r0+1)*ld+p0 : (r0+1)*ld+p0+kc]
	x2 := x[(r0+2)*ld+p0 : (r0+2)*ld+p0+kc]
	x3 := x[(r0+3)*ld+p0 : (r0+3)*ld+p0+kc]
	d = d[:4*kc]
	for p := range x0 {
		dp := d[4*p : 4*p+4 : 4*p+4]
		dp[0] = x0[p]
		dp[1] = x1[p]
		dp[2] = x2[p]
		dp[3] = x3[p]
	}
}
