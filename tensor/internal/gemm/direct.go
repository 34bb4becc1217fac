package gemm

// direct computes C = alpha*op(A)*op(B) + beta*C with plain loops and no
// packing. It is used for products too small (or too thin, m == 1 or n == 1)
// for packing to pay off. Each row of C is first scaled by beta (zeroed
// without being read when beta is zero), then accumulated either as a sum of
// scaled rows of B (when B is not transposed, so its rows are contiguous) or
// as dot products with the rows of the stored Bᵀ.
func direct(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(crow)
		case 1:
		default:
			for j := range crow {
				crow[j] *= beta
			}
		}
		if !transB {
			// C[i,:] += alpha*A(i,p) * B[p,:].
			for p := 0; p < k; p++ {
				var aip float64
				if transA {
					aip = a[p*lda+i]
				} else {
					aip = a[i*lda+p]
				}
				s := alpha * aip
				brow := b[p*ldb : p*ldb+n]
				for j, v := range brow {
					crow[j] += s * v
				}
			}
			continue
		}
		// C[i,j] += alpha * A(i,:)·Bᵀ[j,:]; the stored b holds B's columns as rows.
		for j := range crow {
			brow := b[j*ldb : j*ldb+k]
			var sum float64
			if transA {
				for p, v := range brow {
					sum += a[p*lda+i] * v
				}
			} else {
				arow := a[i*lda : i*lda+k]
				for p, v := range brow {
					sum += arow[p] * v
				}
			}
			crow[j] += alpha * sum
		}
	}
}
