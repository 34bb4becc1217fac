package hvp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// multiLoss is Σ tanh(x·W + b)² ⊙ R for a fixed input x and weights R: a
// function of two inputs, W (3×4) and b (4).
func multiLoss(ws []*graph.Node) *graph.Node {
	tp := ws[0].Tape()
	x := tp.Const(tensor.New([]float64{0.3, -1.2, 0.8, 0.5, 0.1, -0.7}, 2, 3))
	r := tp.Const(tensor.New([]float64{1, -2, 0.5, 3, -1, 0.25, 2, -0.5}, 2, 4))
	h := graph.Tanh(graph.Add(graph.MatMul(x, ws[0]), ws[1]))
	return graph.Sum(graph.Mul(graph.Square(h), r))
}

// flatLoss is multiLoss over one flat vector, sliced into W and b.
func flatLoss(w *graph.Node) *graph.Node {
	W := graph.Reshape(graph.Slice(w, 0, 0, 12, 1), 3, 4)
	b := graph.Slice(w, 0, 12, 16, 1)
	return multiLoss([]*graph.Node{W, b})
}

func TestAtNMatchesFlat(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	W, b := tensor.RandNormal(rng, 3, 4), tensor.RandNormal(rng, 4)
	flat := append(append([]float64(nil), W.Data()...), b.Data()...)
	pn := hvp.AtN(multiLoss, []*tensor.Tensor{W, b})
	p1 := hvp.At(flatLoss, flat)
	if pn.Dim() != 16 || pn.Value() != p1.Value() {
		t.Fatalf("Dim %d, values %v and %v", pn.Dim(), pn.Value(), p1.Value())
	}
	gn, g1 := pn.Grad(nil), p1.Grad(nil)
	for i := range gn {
		if math.Abs(gn[i]-g1[i]) > 1e-14*(1+math.Abs(g1[i])) {
			t.Errorf("grad[%d] = %v, flat %v", i, gn[i], g1[i])
		}
	}
	obj := hvp.NewObjectiveN(multiLoss, []int{3, 4}, []int{4})
	og := make([]float64, 16)
	if f := obj.Eval(flat, og); f != p1.Value() {
		t.Errorf("Objective value %v, want %v", f, p1.Value())
	}
	for k := 0; k < 3; k++ {
		v := tensor.RandNormal(rng, 16).Data()
		hn, h1 := pn.HVP(v, nil), p1.HVP(v, nil)
		ho := make([]float64, 16)
		obj.Linearize(flat)(v, ho)
		// Central differences of the gradient along v.
		eps := 1e-6
		xp, xm := make([]float64, 16), make([]float64, 16)
		for i := range flat {
			xp[i], xm[i] = flat[i]+eps*v[i], flat[i]-eps*v[i]
		}
		gp, gm := make([]float64, 16), make([]float64, 16)
		obj.Eval(xp, gp)
		obj.Eval(xm, gm)
		for i := range hn {
			fd := (gp[i] - gm[i]) / (2 * eps)
			if math.Abs(hn[i]-h1[i]) > 1e-13*(1+math.Abs(h1[i])) || hn[i] != ho[i] {
				t.Errorf("HVP[%d]: AtN %v, flat %v, objective %v", i, hn[i], h1[i], ho[i])
			}
			if math.Abs(hn[i]-fd) > 1e-6*(1+math.Abs(fd)) {
				t.Errorf("HVP[%d] = %v, finite differences %v", i, hn[i], fd)
			}
		}
		if !equalGrad(og, gn) {
			t.Errorf("objective gradient %v, want %v", og, gn)
		}
	}
}

func equalGrad(a, b []float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-14*(1+math.Abs(b[i])) {
			return false
		}
	}
	return true
}

func TestNewObjectiveNPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewObjectiveN with no shapes did not panic")
		}
	}()
	hvp.NewObjectiveN(multiLoss)
}
