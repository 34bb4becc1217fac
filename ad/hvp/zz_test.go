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

func TestZZFixed(t *testing.T) {
	for _, n := range []int{10, 10000, 100000} {
		obj := hvp.NewObjective(graphtest.ExtRosenbrock, n)
		x := rosenStart(n)
		hess := obj.Linearize(x)
		for k := 0; k < 3; k++ {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64((i*7+k*3)%11) - 5
			}
			a, b := make([]float64, n), make([]float64, n)
			hess(v, a)
			obj.HessVec(x, v, b)
			bad := 0
			for i := range a {
				if a[i] != b[i] {
					bad++
					if bad < 3 {
						t.Logf("n=%d k=%d i=%d fixed %v fresh %v", n, k, i, a[i], b[i])
					}
				}
			}
			if bad > 0 {
				t.Errorf("n=%d k=%d: %d differ", n, k, bad)
			}
		}
	}
}

func TestZZAt(t *testing.T) {
	for _, n := range []int{10, 10000, 100000} {
		x := cvRosenPoint(n, 1)
		p := hvp.At(graphtest.ExtRosenbrock, x)
		for k := 0; k < 3; k++ {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64((i*7+k*3)%11) - 5
			}
			a := p.HVP(v, nil)
			// hand: H of 100(x2-x1^2)^2 + (1-x1)^2
			bad := 0
			for i := 0; i < n; i += 2 {
				x1, x2 := x[i], x[i+1]
				h11 := 1200*x1*x1 - 400*x2 + 2
				h12 := -400 * x1
				h22 := 200.0
				r1 := h11*v[i] + h12*v[i+1]
				r2 := h12*v[i] + h22*v[i+1]
				if d := a[i] - r1; d*d > 1e-12*(1+r1*r1) || (a[i+1]-r2)*(a[i+1]-r2) > 1e-12*(1+r2*r2) {
					bad++
					if bad < 3 {
						t.Logf("n=%d k=%d i=%d got %v %v want %v %v", n, k, i, a[i], a[i+1], r1, r2)
					}
				}
			}
			if bad > 0 {
				t.Errorf("n=%d k=%d: %d differ", n, k, bad)
			}
		}
	}
}

func BenchmarkZZFixed(b *testing.B) {
	n := 100000
	obj := hvp.NewObjective(graphtest.ExtRosenbrock, n)
	x := rosenStart(n)
	g := make([]float64, n)
	hess := obj.Linearize(x)
	for b.Loop() {
		hess(x, g)
	}
}
