package hvp_test

import (
	"testing"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
)

func BenchmarkZZGrad(b *testing.B) {
	n := 100000
	obj := hvp.NewObjective(graphtest.ExtRosenbrock, n)
	x := rosenStart(n)
	g := make([]float64, n)
	for b.Loop() {
		obj.Eval(x, g)
	}
}
func BenchmarkZZHVP(b *testing.B) {
	n := 100000
	obj := hvp.NewObjective(graphtest.ExtRosenbrock, n)
	x := rosenStart(n)
	g := make([]float64, n)
	for b.Loop() {
		obj.HessVec(x, x, g)
	}
}
