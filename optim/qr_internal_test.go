package optim

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/internal/testutil"
)

// TestQRSolve checks the pivoted QR, qrsolv and lmpar against dense
// normal-equation solves: qrsolv's x must satisfy (AᵀA + D²)x = Aᵀb, and
// lmpar's step must lie on the trust-region boundary to 10 %.
func TestQRSolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const m, k = 7, 4
	A := mat.NewDense(m, k, testutil.RandVec(rng, m*k))
	for j := 0; j < k; j++ { // badly scaled columns
		for i := 0; i < m; i++ {
			A.Set(i, j, A.At(i, j)*float64(int(1)<<(3*j)))
		}
	}
	b := testutil.RandVec(rng, m)
	d := []float64{0.3, 2, 5, 40}
	cols := make([][]float64, k)
	for j := range cols {
		cols[j] = mat.Col(nil, j, A)
	}
	qtb := append([]float64(nil), b...)
	var qr pivotedQR
	qr.factor(cols, qtb)
	// R·Pᵀ reproduces A up to Q: ‖A e_j‖ = ‖R e_{perm⁻¹ j}‖.
	x, sdiag, wa := make([]float64, k), make([]float64, k), make([]float64, k)
	qr.qrsolv(d, x, sdiag, wa)
	var ata mat.Dense
	ata.Mul(A.T(), A)
	for j := 0; j < k; j++ {
		ata.Set(j, j, ata.At(j, j)+d[j]*d[j])
	}
	var atb, want mat.VecDense
	atb.MulVec(A.T(), mat.NewVecDense(m, b))
	if err := want.SolveVec(&ata, &atb); err != nil {
		t.Fatal(err)
	}
	if e, i := testutil.RelErr(x, want.RawVector().Data); e > 1e-10 {
		t.Errorf("qrsolv x[%d] = %v, want %v (err %g)", i, x, want.RawVector().Data, e)
	}
	// lmpar with a small Δ.
	delta := 0.01
	wa1, wa2 := make([]float64, k), make([]float64, k)
	par := qr.lmpar(d, delta, 0, x, sdiag, wa1, wa2, m)
	dx := make([]float64, k)
	for j := range dx {
		dx[j] = d[j] * x[j]
	}
	if n := mat.Norm(mat.NewVecDense(k, dx), 2); n < 0.9*delta || n > 1.1*delta {
		t.Errorf("‖Dx‖ = %g, Δ = %g (λ = %g)", n, delta, par)
	}
	for j := 0; j < k; j++ {
		ata.Set(j, j, ata.At(j, j)-d[j]*d[j]+par*d[j]*d[j])
	}
	if err := want.SolveVec(&ata, &atb); err != nil {
		t.Fatal(err)
	}
	if e, i := testutil.RelErr(x, want.RawVector().Data); e > 1e-10 {
		t.Errorf("lmpar x[%d] = %v, want %v (err %g)", i, x, want.RawVector().Data, e)
	}
}
