package mgh_test

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/optim/mgh"
)

// TestResidualForm checks each problem's residual form against its
// objective (f = Σ rᵢ², ∇f = 2Jᵀr) and its Jacobian against central
// differences of the residuals, at x0 and a random nearby point.
func TestResidualForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, p := range mgh.Problems() {
		t.Run(p.Name, func(t *testing.T) {
			r, ok := p.Residual()
			if !ok {
				t.Fatal("no residual form")
			}
			m, n := r.Dims()
			if n != p.Dim() {
				t.Fatalf("Dims n = %d, Dim = %d", n, p.Dim())
			}
			x0 := p.X0()
			pts := [][]float64{x0, make([]float64, n)}
			for i := range x0 {
				pts[1][i] = x0[i] + 0.1*rng.NormFloat64()
			}
			for _, x := range pts {
				res := make([]float64, m)
				r.Residuals(x, res)
				var f float64
				for _, v := range res {
					f += v * v
				}
				g := make([]float64, n)
				want := p.Eval(x, g)
				if e, _ := testutil.RelErr([]float64{f}, []float64{want}); e > 1e-13 {
					t.Errorf("Σr² = %v, f = %v", f, want)
				}
				J := mat.NewDense(m, n, nil)
				r.Jacobian(x, J)
				jtr := make([]float64, n)
				mat.NewVecDense(n, jtr).MulVec(J.T(), mat.NewVecDense(m, res))
				for i := range jtr {
					jtr[i] *= 2
				}
				if e, i := testutil.RelErr(jtr, g); e > 1e-12*max(1, f) {
					t.Errorf("2Jᵀr[%d] = %v, ∇f = %v (err %g)", i, jtr[i], g[i], e)
				}
				if n > 100 {
					continue // the differences below cost O(n·m)
				}
				e := make([]float64, n)
				val := func(x []float64) []float64 {
					out := make([]float64, m)
					r.Residuals(x, out)
					return out
				}
				for j := 0; j < n; j++ {
					e[j] = 1
					fd := testutil.DirectionalDeriv(val, x, e)
					e[j] = 0
					if err, i := testutil.RelErr(mat.Col(nil, j, J), fd); err > 1e-6 {
						t.Errorf("J[%d][%d] = %v, central difference %v", i, j, J.At(i, j), fd[i])
					}
				}
			}
		})
	}
}

// TestResidualLinearizeJacobian checks LinearizeJacobian's residuals and
// its J·v and Jᵀu (structured for the extended Rosenbrock function, dense
// for the others) against the dense Jacobian, at a random point.
func TestResidualLinearizeJacobian(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, p := range mgh.Problems() {
		r, _ := p.Residual()
		m, n := r.Dims()
		x := p.X0()
		for i := range x {
			x[i] += 0.1 * rng.NormFloat64()
		}
		res, want := make([]float64, m), make([]float64, m)
		jv, jtu := r.LinearizeJacobian(x, res)
		r.Residuals(x, want)
		if e, _ := testutil.RelErr(res, want); e != 0 {
			t.Errorf("%s: LinearizeJacobian residuals differ from Residuals (%g)", p.Name, e)
		}
		J := mat.NewDense(m, n, nil)
		r.Jacobian(x, J)
		v, u := testutil.RandVec(rng, n), testutil.RandVec(rng, m)
		got, ref := make([]float64, m), make([]float64, m)
		jv(v, got)
		mat.NewVecDense(m, ref).MulVec(J, mat.NewVecDense(n, v))
		if e, i := testutil.RelErr(got, ref); e > 1e-14 {
			t.Errorf("%s: (J·v)[%d] = %v, dense %v", p.Name, i, got[i], ref[i])
		}
		gotT, refT := make([]float64, n), make([]float64, n)
		jtu(u, gotT)
		mat.NewVecDense(n, refT).MulVec(J.T(), mat.NewVecDense(m, u))
		if e, i := testutil.RelErr(gotT, refT); e > 1e-14 {
			t.Errorf("%s: (Jᵀu)[%d] = %v, dense %v", p.Name, i, gotT[i], refT[i])
		}
	}
}
