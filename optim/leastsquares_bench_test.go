package optim_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// BenchmarkLeastSquaresIteration reports the cost of one accepted
// iteration as a multiple of one residual evaluation ("residuals/iter"),
// measured side by side: dense LevenbergMarquardt on m = 10⁵, n = 10
// (r = tanh(A·θ) − y, A dense), and MatrixFreeLevenbergMarquardt on
// m = 10⁶, n = 10⁴ (r = tanh(X ⊙ θ) − y with θ broadcast over 100 rows of
// X: a dense 10⁶×10⁴ Jacobian would need 80 GB).
//
//	GOMAXPROCS=1 go test ./optim -run XXX -bench LeastSquaresIteration -benchtime 1x
func BenchmarkLeastSquaresIteration(b *testing.B) {
	type problem struct {
		name   string
		res    *ad.Residual
		n      int
		method optim.LeastSquaresMethod
	}
	rng := rand.New(rand.NewPCG(9, 9))
	dense := func(m, n int) *ad.Residual {
		A := tensor.New(testutil.RandVec(rng, m*n), m, n)
		y := tensor.FromSlice(testutil.RandVec(rng, m))
		return ad.NewResidual(func(th *graph.Node) *graph.Node {
			tp := th.Tape()
			return graph.Sub(graph.Reshape(graph.Tanh(graph.MatMul(tp.Const(A), graph.Reshape(th, n, 1))), m), tp.Const(y))
		}, n)
	}
	wide := func(k, n int) *ad.Residual {
		X := tensor.New(testutil.RandVec(rng, k*n), k, n)
		y := tensor.New(testutil.RandVec(rng, k*n), k, n)
		return ad.NewResidual(func(th *graph.Node) *graph.Node {
			tp := th.Tape()
			return graph.Sub(graph.Tanh(graph.Mul(tp.Const(X), graph.Reshape(th, 1, n))), tp.Const(y))
		}, n)
	}
	for _, p := range []problem{
		{"dense/m=1e5,n=10", dense(100000, 10), 10, optim.LevenbergMarquardt{}},
		{"matrixfree/m=1e6,n=1e4", wide(100, 10000), 10000, optim.MatrixFreeLevenbergMarquardt{MaxCGLS: 20}},
	} {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			m, n := p.res.Dims()
			x0 := make([]float64, n)
			r := make([]float64, m)
			var tRes, tIter float64
			var iters int
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				for k := 0; k < 3; k++ {
					p.res.Residuals(x0, r)
				}
				t1 := time.Now()
				res, _ := optim.LeastSquares(p.res, x0, p.method, &optim.LeastSquaresSettings{MaxIterations: 3})
				t2 := time.Now()
				tRes += t1.Sub(t0).Seconds() / 3
				tIter += t2.Sub(t1).Seconds()
				iters += res.Iterations
				if i == 0 {
					b.ReportMetric(float64(res.JacVecEvals)/float64(max(res.Iterations, 1)), "products/iter")
				}
			}
			b.ReportMetric(tIter/float64(iters)/(tRes/float64(b.N)), "residuals/iter")
		})
	}
}
