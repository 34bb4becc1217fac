package hvp_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/internal/testutil/graphtest"
	"github.com/curvature-go/curvature/tensor"
)

// ---- helpers ----

// seedHand returns the seed loss's gradient and Hessian derived by hand:
// with r = 1 − w1·w2·x,
//
//	∂L/∂w1 = −2r·w2·x,  ∂L/∂w2 = −2r·w1·x,
//	∂²L/∂w1² = 2w2²x²,  ∂²L/∂w2² = 2w1²x²,  ∂²L/∂w1∂w2 = −2x + 4w1·w2·x².
func seedHand(w1, w2, x float64) (g [2]float64, h [2][2]float64) {
	r := 1 - w1*w2*x
	g = [2]float64{-2 * r * w2 * x, -2 * r * w1 * x}
	off := -2*x + 4*w1*w2*x*x
	h = [2][2]float64{{2 * w2 * w2 * x * x, off}, {off, 2 * w1 * w1 * x * x}}
	return g, h
}

// ---- The seed example ----

// TestSeedSaddle checks the seed example exactly at the saddle (0, 0):
// gradient [0, 0], Hessian [[0, −2], [−2, 0]], eigenvalues ±2, through the
// public API in both the node form and the flat-vector form.
func TestSeedSaddle(t *testing.T) {
	// Node form, as in the design notes.
	tp := graph.NewTape()
	w1 := tp.Var(tensor.Scalar(0))
	w2 := tp.Var(tensor.Scalar(0))
	x := tensor.Scalar(1)
	yhat := graph.Mul(graph.Mul(w1, w2), tp.Const(x))
	loss := graph.Square(graph.Sub(tp.Const(tensor.Scalar(1)), yhat))
	g := ad.Grad(loss, w1, w2)
	if g[0].Item() != 0 || g[1].Item() != 0 {
		t.Errorf("gradient at the saddle = [%v %v], want [0 0]", g[0].Item(), g[1].Item())
	}
	if loss.Item() != 1 {
		t.Errorf("L(0, 0) = %v, want 1", loss.Item())
	}

	// Flat-vector form.
	f := graphtest.SeedLossAt(1)
	w0 := []float64{0, 0}
	val, grad := ad.ValueAndGrad(f, w0)
	if val != 1 || grad[0] != 0 || grad[1] != 0 {
		t.Errorf("ValueAndGrad = %v, %v; want 1, [0 0]", val, grad)
	}
	H := hvp.Hessian(f, w0)
	want := mat.NewSymDense(2, []float64{0, -2, -2, 0})
	if !mat.Equal(H, want) {
		t.Errorf("Hessian at the saddle =\n%v\nwant\n%v", mat.Formatted(H), mat.Formatted(want))
	}
	if hv := hvp.HVP(f, w0, []float64{1, 1}); hv[0] != -2 || hv[1] != -2 {
		t.Errorf("H·[1 1] = %v, want [-2 -2]", hv)
	}
	var eig mat.EigenSym
	if !eig.Factorize(H, true) {
		t.Fatal("EigenSym failed")
	}
	if ev := eig.Values(nil); ev[0] != -2 || ev[1] != 2 {
		t.Errorf("eigenvalues %v, want [-2 2]", ev)
	}
	// The eigenvector of −2 is the escape direction ±[1, 1]/√2.
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	if u0, u1 := vecs.At(0, 0), vecs.At(1, 0); math.Abs(u0-u1) > 1e-15 || math.Abs(math.Abs(u0)-math.Sqrt2/2) > 1e-15 {
		t.Errorf("eigenvector of −2 = [%v %v], want ±[1 1]/√2", u0, u1)
	}
}

// TestSeedFormulas compares gradient, HVP and Hessian of the seed loss
// with the hand-derived formulas at (0.5, 1.5) and at random points.
func TestSeedFormulas(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	type point struct{ w1, w2, x float64 }
	pts := []point{{0.5, 1.5, 1}, {0, 0, 1}, {1, 1, 1}}
	for range 20 {
		pts = append(pts, point{2 * rng.NormFloat64(), 2 * rng.NormFloat64(), 1})
	}
	for range 5 { // other data values x
		pts = append(pts, point{rng.NormFloat64(), rng.NormFloat64(), 3 * rng.NormFloat64()})
	}
	const tol = 1e-12
	for _, p := range pts {
		f := graphtest.SeedLossAt(p.x)
		w := []float64{p.w1, p.w2}
		g, h := seedHand(p.w1, p.w2, p.x)

		_, grad := ad.ValueAndGrad(f, w)
		if e, _ := testutil.RelErr(grad, g[:]); e > tol {
			t.Errorf("%+v: gradient %v, formula %v", p, grad, g)
		}
		pt := hvp.At(f, w)
		if e, _ := testutil.RelErr(pt.Grad(nil), g[:]); e > tol {
			t.Errorf("%+v: Point.Grad %v, formula %v", p, pt.Grad(nil), g)
		}
		for range 3 {
			v := testutil.RandVec(rng, 2)
			want := []float64{h[0][0]*v[0] + h[0][1]*v[1], h[1][0]*v[0] + h[1][1]*v[1]}
			if e, _ := testutil.RelErr(pt.HVP(v, nil), want); e > tol {
				t.Errorf("%+v: H·%v = %v, formula %v", p, v, pt.HVP(v, nil), want)
			}
			if e, _ := testutil.RelErr(hvp.HVP(f, w, v), want); e > tol {
				t.Errorf("%+v: hvp.HVP = %v, formula %v", p, hvp.HVP(f, w, v), want)
			}
		}
		H := hvp.Hessian(f, w)
		if e, _ := testutil.RelErr([]float64{H.At(0, 0), H.At(0, 1), H.At(1, 1)}, []float64{h[0][0], h[0][1], h[1][1]}); e > tol {
			t.Errorf("%+v: Hessian %v, formula %v", p, mat.Formatted(H), h)
		}
	}
}

// ---- Point ----

// engNet is a small network loss with every kind of op: matrix products,
// broadcasting, tanh, log-softmax, slicing.
func engNet(w *graph.Node) *graph.Node {
	tp := w.Tape()
	W1 := graph.Reshape(graph.Slice(w, 0, 0, 12, 1), 3, 4)
	b1 := graph.Slice(w, 0, 12, 16, 1)
	W2 := graph.Reshape(graph.Slice(w, 0, 16, 28, 1), 4, 3)
	X := tp.Const(tensor.New([]float64{1, 0.5, -1, 0.2, -0.3, 2, -1, 1, 1, 0, 0.1, -0.7, 0.4, 0.4, -0.2}, 5, 3))
	h := graph.Tanh(graph.Add(graph.MatMul(X, W1), b1))
	logits := graph.MatMul(h, W2)
	labels := tp.Const(tensor.OneHot([]int{2, 0, 1, 1, 2}, 3))
	ce := graph.Neg(graph.Mean(graph.SumAxis(graph.Mul(graph.LogSoftmax(logits, -1), labels), -1, false)))
	return graph.Add(ce, graph.Scale(graph.Sum(graph.Square(w)), 1e-2))
}

func TestPoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	x := testutil.RandVec(rng, 28)
	keep := append([]float64(nil), x...)
	p := hvp.At(engNet, x)
	x[0] = 100 // the Point must have copied x
	if p.Dim() != 28 {
		t.Errorf("Dim = %d", p.Dim())
	}
	val, grad := ad.ValueAndGrad(engNet, keep)
	if p.Value() != val {
		t.Errorf("Value %v, want %v", p.Value(), val)
	}
	dst := make([]float64, 28)
	if got := p.Grad(dst); &got[0] != &dst[0] {
		t.Error("Grad did not use dst")
	}
	if e, _ := testutil.RelErr(dst, grad); e != 0 {
		t.Errorf("Grad differs from ValueAndGrad")
	}

	// Many products at the point, each equal to a fresh one; with dst.
	for range 5 {
		v := testutil.RandVec(rng, 28)
		hv := p.HVP(v, dst)
		if &hv[0] != &dst[0] {
			t.Error("HVP did not use dst")
		}
		if e, i := testutil.RelErr(hv, hvp.HVP(engNet, keep, v)); e != 0 {
			t.Errorf("HVP at a Point differs from a fresh HVP at %d", i)
		}
		hv2 := make([]float64, 28)
		p.Apply(v, hv2)
		if e, _ := testutil.RelErr(hv2, hv); e != 0 {
			t.Errorf("Apply differs from HVP")
		}
		// Linearity: H(2v) = 2Hv exactly (scaling by 2 is exact).
		v2 := make([]float64, 28)
		for i := range v {
			v2[i] = 2 * v[i]
		}
		h2 := p.HVP(v2, nil)
		for i := range h2 {
			if h2[i] != 2*hv2[i] {
				t.Errorf("H(2v) ≠ 2Hv at %d: %v vs %v", i, h2[i], 2*hv2[i])
				break
			}
		}
	}

	// An affine function has a zero Hessian, even where no tangent reaches
	// its gradient.
	affine := func(w *graph.Node) *graph.Node { return graph.Sum(graph.AddScalar(graph.Scale(w, 3), 1)) }
	for i := range dst {
		dst[i] = math.NaN()
	}
	hvp.At(affine, keep).HVP(testutil.RandVec(rng, 28), dst)
	for _, v := range dst {
		if v != 0 {
			t.Errorf("HVP of an affine function = %v, want zeros", dst)
			break
		}
	}

	testutil.MustPanic(t, "HVP len(v)", func() { p.HVP(make([]float64, 3), nil) }, "hvp: HVP", "3", "28")
	testutil.MustPanic(t, "HVP len(dst)", func() { p.HVP(make([]float64, 28), make([]float64, 2)) }, "hvp: HVP", "2", "28")
	testutil.MustPanic(t, "Grad len(dst)", func() { p.Grad(make([]float64, 5)) }, "hvp: Grad", "5", "28")
	testutil.MustPanic(t, "hvp.HVP lengths", func() { hvp.HVP(engNet, keep, make([]float64, 3)) }, "hvp: HVP", "28", "3")
	testutil.MustPanic(t, "At non-scalar", func() { hvp.At(graph.Square, []float64{1, 2}) }, "not a scalar")
}

// TestHessianDense checks the dense Hessian against finite differences of
// the gradient, column by column, and against reverse-over-reverse.
func TestHessianDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x := testutil.RandVec(rng, 28)
	H := hvp.Hessian(engNet, x)
	n, _ := H.Dims()
	if n != 28 {
		t.Fatalf("Hessian is %d×%d", n, n)
	}
	grad := func(x []float64) []float64 {
		_, g := ad.ValueAndGrad(engNet, x)
		return g
	}
	col := make([]float64, n)
	for j := range n {
		ej := make([]float64, n)
		ej[j] = 1
		fd := testutil.DirectionalDeriv(grad, x, ej)
		for i := range col {
			col[i] = H.At(i, j)
		}
		if e, i := testutil.RelErr(col, fd); e > 1e-5 {
			t.Errorf("column %d: error %.3g at row %d", j, e, i)
		}
		// Reverse over reverse: ∇(∇f·e_j).
		_, rr := ad.ValueAndGrad(func(w *graph.Node) *graph.Node {
			g := ad.Grad(engNet(w), w)[0]
			return graph.Sum(graph.Mul(g, w.Tape().Const(tensor.FromSlice(ej))))
		}, x)
		if e, i := testutil.RelErr(col, rr); e > 1e-12 {
			t.Errorf("column %d: reverse-over-reverse error %.3g at row %d", j, e, i)
		}
	}
}

// TestConcurrentPoints computes gradients and HVPs on separate tapes in
// several goroutines (run with -race) and compares with serial results.
func TestConcurrentPoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	const workers = 4
	xs := make([][]float64, workers)
	vs := make([][]float64, workers)
	wantHV := make([][]float64, workers)
	wantG := make([][]float64, workers)
	for i := range workers {
		xs[i], vs[i] = testutil.RandVec(rng, 28), testutil.RandVec(rng, 28)
		wantHV[i] = hvp.HVP(engNet, xs[i], vs[i])
		_, wantG[i] = ad.ValueAndGrad(engNet, xs[i])
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			obj := hvp.NewObjective(engNet, 28)
			g := make([]float64, 28)
			hv := make([]float64, 28)
			for k := range 10 {
				p := hvp.At(engNet, xs[i])
				if e, _ := testutil.RelErr(p.HVP(vs[i], nil), wantHV[i]); e != 0 {
					errs[i] = fmt.Errorf("round %d: Point.HVP differs", k)
					return
				}
				obj.Eval(xs[i], g)
				obj.HessVec(xs[i], vs[i], hv)
				if e1, _ := testutil.RelErr(g, wantG[i]); e1 != 0 {
					errs[i] = fmt.Errorf("round %d: Objective gradient differs", k)
					return
				}
				if e2, _ := testutil.RelErr(hv, wantHV[i]); e2 != 0 {
					errs[i] = fmt.Errorf("round %d: Objective HVP differs", k)
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", i, err)
		}
	}
}

// ---- Examples ----

// An exact Hessian-vector product without the Hessian: for
// f(x) = Σ x_i³ the Hessian is diag(6x), so H·v = 6x ⊙ v.
func ExampleHVP() {
	cubes := func(w *graph.Node) *graph.Node { return graph.Sum(graph.Pow(w, 3)) }
	x := []float64{1, 2, 3}
	v := []float64{1, 0.5, -1}
	hv := hvp.HVP(cubes, x, v)
	fmt.Printf("H·v = %.4g\n", hv)
	// Output:
	// H·v = [6 6 -18]
}

// The Hessian of the seed loss L(w1, w2) = (1 − w1·w2·x)², x = 1, at the
// saddle point (0, 0), and its eigenvalues: one negative and one positive,
// so (0, 0) is a saddle even though the gradient there is zero.
func ExampleHessian() {
	loss := func(w *graph.Node) *graph.Node {
		tp := w.Tape()
		w1, w2 := graph.Index(w, 0), graph.Index(w, 1)
		yhat := graph.Mul(graph.Mul(w1, w2), tp.Scalar(1))
		return graph.Square(graph.Sub(tp.Scalar(1), yhat))
	}
	H := hvp.Hessian(loss, []float64{0, 0})
	fmt.Printf("H =\n%v\n", mat.Formatted(H))

	var eig mat.EigenSym
	eig.Factorize(H, false)
	fmt.Println("eigenvalues:", eig.Values(nil))
	// Output:
	// H =
	// ⎡ 0  -2⎤
	// ⎣-2   0⎦
	// eigenvalues: [-2 2]
}

// At records a function and its gradient once; each further
// Hessian-vector product at that point costs one tangent sweep, which is
// what Newton-type methods and eigenvalue solvers need. Here: the
// Rosenbrock function at its minimum (1, 1), where H = [[802, −400],
// [−400, 200]].
func ExampleAt() {
	rosen := func(w *graph.Node) *graph.Node {
		x, y := graph.Index(w, 0), graph.Index(w, 1)
		a := graph.Sub(y, graph.Square(x))
		b := graph.AddScalar(graph.Neg(x), 1)
		return graph.Add(graph.Scale(graph.Square(a), 100), graph.Square(b))
	}
	p := hvp.At(rosen, []float64{1, 1})
	g := p.Grad(nil)
	fmt.Printf("f = %.4g, grad = [%.4g %.4g]\n", p.Value(), g[0]+0, g[1]+0)
	for _, v := range [][]float64{{1, 0}, {0, 1}, {1, 2}} {
		fmt.Printf("H·%v = %.4g\n", v, p.HVP(v, nil))
	}
	// Output:
	// f = 0, grad = [0 0]
	// H·[1 0] = [802 -400]
	// H·[0 1] = [-400 200]
	// H·[1 2] = [2 0]
}
