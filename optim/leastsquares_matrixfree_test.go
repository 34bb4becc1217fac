package optim_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// sparseExpResidual is r(θ) = tanh(A·θ) − y for a dense random m×n matrix
// A and y from a known θ*, plus a small perturbation: a nonlinear
// least-squares problem with a unique minimiser near θ*.
func sparseExpResidual(m, n int, seed uint64) (*ad.Residual, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	A := tensor.New(testutil.RandVec(rng, m*n), m, n)
	for i := range A.Data() {
		A.Data()[i] /= math.Sqrt(float64(n))
	}
	theta := testutil.RandVec(rng, n)
	y := make([]float64, m)
	for i := 0; i < m; i++ {
		var s float64
		for j := 0; j < n; j++ {
			s += A.Data()[i*n+j] * theta[j]
		}
		y[i] = math.Tanh(s) + 0.01*rng.NormFloat64()
	}
	yt := tensor.FromSlice(y)
	return ad.NewResidual(func(th *graph.Node) *graph.Node {
		tp := th.Tape()
		return graph.Sub(graph.Reshape(graph.Tanh(graph.MatMul(tp.Const(A), graph.Reshape(th, n, 1))), m), tp.Const(yt))
	}, n), theta
}

// The matrix-free method reaches the dense method's minimum, and handles
// bounds.
func TestMatrixFreeLevenbergMarquardt(t *testing.T) {
	r, _ := sparseExpResidual(400, 30, 3)
	x0 := make([]float64, 30)
	dense, err := optim.LeastSquares(r, x0, optim.LevenbergMarquardt{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := optim.LeastSquares(r, x0, optim.MatrixFreeLevenbergMarquardt{}, nil)
	if err != nil {
		t.Fatalf("%v (%v)", err, mf.Status)
	}
	if e, i := testutil.RelErr(mf.X, dense.X); e > 1e-6 {
		t.Errorf("matrix-free X[%d] = %v, dense %v (err %g)", i, mf.X[i], dense.X[i], e)
	}
	if math.Abs(mf.Cost-dense.Cost) > 1e-10*dense.Cost {
		t.Errorf("cost %v, dense %v", mf.Cost, dense.Cost)
	}
	t.Logf("dense: %d iterations, %d Jacobians; matrix-free: %d iterations, %d products", dense.Iterations, dense.JacobianEvals, mf.Iterations, mf.JacVecEvals)

	// Bounds: Rosenbrock with x₀ ≤ 0.5 as an AD residual.
	rosen := ad.NewResidual(func(x *graph.Node) *graph.Node {
		x0, x1 := graph.Index(x, 0), graph.Index(x, 1)
		return graph.Stack(0, graph.Scale(graph.Sub(x1, graph.Square(x0)), 10), graph.Sub(x.Tape().Scalar(1), x0))
	}, 2)
	b := &optim.Bounds{Upper: []float64{0.5, math.Inf(1)}}
	res, err := optim.LeastSquares(rosen, []float64{-1.2, 1}, optim.MatrixFreeLevenbergMarquardt{}, &optim.LeastSquaresSettings{Bounds: b})
	if err != nil {
		t.Fatalf("%v (%v)", err, res.Status)
	}
	if e, _ := testutil.RelErr(res.X, []float64{0.5, 0.25}); e > 1e-8 || len(res.AtUpper) != 1 {
		t.Errorf("X = %v, AtUpper = %v; want [0.5 0.25], [0]", res.X, res.AtUpper)
	}
	testutil.MustPanic(t, "dense residual", func() {
		optim.LeastSquares(rosenbrockRes(), []float64{0, 0}, optim.MatrixFreeLevenbergMarquardt{}, nil)
	}, "does not implement JacobianLinearizer")
}
