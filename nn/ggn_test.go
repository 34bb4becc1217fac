package nn_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// denseJacobian returns J = ∂f/∂θ of the model's output on x (rows: the
// output's elements in row-major order; columns: the parameters in the
// order of Flatten), one JVP per parameter.
func denseJacobian(m nn.Model, x *tensor.Tensor) *mat.Dense {
	params := m.Params()
	theta := nn.Flatten(params)
	out := func(w *graph.Node) *graph.Node {
		return graph.Flatten(m.Forward(nn.Split(w, params), w.Tape().Const(x)))
	}
	e := make([]float64, len(theta))
	var j *mat.Dense
	for c := range theta {
		e[c] = 1
		_, col := ad.JVP(out, theta, e)
		e[c] = 0
		if j == nil {
			j = mat.NewDense(col.Size(), len(theta), nil)
		}
		j.SetCol(c, col.Data())
	}
	return j
}

// lossHessian returns the closed-form Hessian of the loss with respect to
// the output z (flattened row-major) against the targets y.
func lossHessian(name string, z, y *tensor.Tensor) *mat.Dense {
	size := z.Size()
	h := mat.NewDense(size, size, nil)
	zd := z.Data()
	switch name {
	case "MSE":
		for i := 0; i < size; i++ {
			h.Set(i, i, 2/float64(size))
		}
	case "BCEWithLogits":
		for i := 0; i < size; i++ {
			s := 1 / (1 + math.Exp(-zd[i]))
			h.Set(i, i, s*(1-s)/float64(size))
		}
	case "CrossEntropy":
		b, k := z.Dim(0), z.Dim(1)
		for r := 0; r < b; r++ {
			row := zd[r*k : (r+1)*k]
			mx := row[0]
			for _, v := range row {
				mx = math.Max(mx, v)
			}
			p := make([]float64, k)
			var sum float64
			for i, v := range row {
				p[i] = math.Exp(v - mx)
				sum += p[i]
			}
			for i := range p {
				p[i] /= sum
			}
			for i := 0; i < k; i++ {
				for j := 0; j < k; j++ {
					v := -p[i] * p[j]
					if i == j {
						v += p[i]
					}
					h.Set(r*k+i, r*k+j, v/float64(b))
				}
			}
		}
	}
	return h
}

type ggnCase struct {
	name string
	loss nn.Loss
	y    *tensor.Tensor
}

func ggnCases(rng *rand.Rand, batch, out int) []ggnCase {
	return []ggnCase{
		{"MSE", nn.MSE, tensor.RandNormal(rng, batch, out)},
		{"CrossEntropy", nn.CrossEntropy, labels(rng, batch, out)},
		{"BCEWithLogits", nn.BCEWithLogits, probs(rng, batch, out)},
	}
}

// TestGGNDense checks G·v against the dense Jᵀ H_L J, with J from one JVP
// per parameter and H_L in closed form, on small nets of each activation.
func TestGGNDense(t *testing.T) {
	rng := newRNG(11)
	for _, act := range []nn.Activation{nn.Tanh, nn.Sigmoid, nn.Softplus} {
		for _, tc := range ggnCases(rng, 5, 3) {
			m := nn.NewMLP(newRNG(12), act, 4, 3, 3)
			x := tensor.RandNormal(rng, 5, 4)
			d := nn.NewDataset(x, tc.y)
			g := nn.GaussNewton(m, tc.loss, d)
			j := denseJacobian(m, x)
			hl := lossHessian(tc.name, nn.Predict(m, x), tc.y)
			var want, tmp mat.Dense
			tmp.Mul(hl, j)
			want.Mul(j.T(), &tmp)
			got := hvp.Dense(g)
			n := g.Dim()
			scale := mat.Norm(&want, math.Inf(1))
			for r := 0; r < n; r++ {
				for c := 0; c < n; c++ {
					if e := math.Abs(got.At(r, c) - want.At(r, c)); e > 1e-12*scale {
						t.Fatalf("%v %s: G[%d,%d] = %v, JᵀH_LJ = %v (scale %v)", act, tc.name, r, c, got.At(r, c), want.At(r, c), scale)
					}
				}
			}
			// The value and gradient are the loss's.
			p := nn.Curvature(m, tc.loss, d)
			if relErr(g.Value(), p.Value()) > 1e-15 || maxRelErr(g.Grad(nil), p.Grad(nil)) > 1e-14 {
				t.Errorf("%v %s: GGN value or gradient differs from the loss's", act, tc.name)
			}
		}
	}
}

// TestGGNLinearMSE checks that for a model linear in its parameters and
// MSE the Gauss–Newton matrix is the Hessian, and that for a nonlinear
// model it is not.
func TestGGNLinearMSE(t *testing.T) {
	rng := newRNG(13)
	x, y := tensor.RandNormal(rng, 9, 4), tensor.RandNormal(rng, 9, 2)
	d := nn.NewDataset(x, y)
	lin := nn.NewLinear(newRNG(14), 4, 2, nn.GlorotUniform)
	lin.B.Value.Data()[0] = 0.3
	g, h := hvp.Dense(nn.GaussNewton(lin, nn.MSE, d)), hvp.Dense(nn.Curvature(lin, nn.MSE, d))
	if !mat.EqualApprox(g, h, 1e-14) {
		t.Errorf("linear model, MSE: G ≠ H:\n%v\n%v", mat.Formatted(g), mat.Formatted(h))
	}
	mlp := nn.NewMLP(newRNG(14), nn.Tanh, 4, 3, 2)
	g, h = hvp.Dense(nn.GaussNewton(mlp, nn.MSE, d)), hvp.Dense(nn.Curvature(mlp, nn.MSE, d))
	if mat.EqualApprox(g, h, 1e-3) {
		t.Error("tanh network: G equals H, so the test above cannot tell them apart")
	}
}

// TestGGNSymmetricPSD checks uᵀGv = vᵀGu and vᵀGv ≥ 0 on random vectors
// for a larger net (whose Hessian is indefinite), for each loss.
func TestGGNSymmetricPSD(t *testing.T) {
	rng := newRNG(15)
	for _, tc := range ggnCases(rng, 32, 4) {
		m := nn.NewMLP(newRNG(16), nn.Tanh, 6, 16, 16, 4)
		d := nn.NewDataset(tensor.RandNormal(rng, 32, 6), tc.y)
		g := nn.GaussNewton(m, tc.loss, d)
		n := g.Dim()
		gu, gv := make([]float64, n), make([]float64, n)
		for k := 0; k < 20; k++ {
			u, v := tensor.RandNormal(rng, n).Data(), tensor.RandNormal(rng, n).Data()
			g.Apply(u, gu)
			g.Apply(v, gv)
			a, b := dot(u, gv), dot(v, gu)
			if math.Abs(a-b) > 1e-12*(math.Sqrt(dot(u, gu)*dot(v, gv))+1e-300) {
				t.Errorf("%s: uᵀGv = %v, vᵀGu = %v", tc.name, a, b)
			}
			if q := dot(v, gv); q < -1e-14*dot(v, v) {
				t.Errorf("%s: vᵀGv = %v < 0", tc.name, q)
			}
		}
		// The same product twice is bit-identical (no state carried over).
		v := tensor.RandNormal(rng, n).Data()
		a, b := make([]float64, n), make([]float64, n)
		g.Apply(v, a)
		g.Apply(tensor.RandNormal(rng, n).Data(), b)
		g.Apply(v, b)
		if !sameBits(a, b) {
			t.Errorf("%s: repeated product differs", tc.name)
		}
		// Smallest eigenvalue of G ≥ 0 (to rounding), of H < 0.
		if e, err := hvp.ExtremeEigenvalues(g, nil); err != nil || e.Min < -1e-10*e.Max {
			t.Errorf("%s: λ_min(G) = %v (λ_max %v, %v)", tc.name, e.Min, e.Max, err)
		}
	}
	mustPanic(t, "Apply length", "GGN.Apply", func() {
		g := nn.GaussNewton(nn.NewLinear(newRNG(1), 2, 1, 0), nn.MSE, nn.NewDataset(tensor.Zeros(3, 2), tensor.Zeros(3, 1)))
		g.Apply(make([]float64, 2), make([]float64, 3))
	})
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// BenchmarkGGN times one Gauss–Newton product at a fixed point of the MLP
// 784-256-256-10 with batch 128 and cross-entropy, beside one gradient
// (record the model and loss, one reverse sweep: the work of a training
// step) and one HVP at a fixed point, measured alternately in one loop. It
// reports GGN/grad and HVP/grad.
func BenchmarkGGN(b *testing.B) {
	c := benchNets[0]
	x, y := benchData(c.sizes, c.batch, c.loss)
	m := nn.NewMLP(newRNG(1), nn.Tanh, c.sizes...)
	d := nn.NewDataset(x, y)
	g := nn.GaussNewton(m, c.loss, d)
	p := nn.Curvature(m, c.loss, d)
	n := g.Dim()
	v := tensor.RandNormal(newRNG(2), n).Data()
	dst := make([]float64, n)
	tp := graph.NewTape()
	params := m.Params()
	grad := func() {
		tp.Reset()
		nodes := nn.Vars(tp, params)
		ad.Grad(c.loss(m.Forward(nodes, tp.Const(x)), y), nodes...)
	}
	b.ReportAllocs()
	t := testutil.TimeEach(b, grad, func() { g.Apply(v, dst) }, func() { p.Apply(v, dst) })
	b.ReportMetric(t[1]/t[0], "GGN/grad")
	b.ReportMetric(t[2]/t[0], "HVP/grad")
	b.ReportMetric(t[0]/1e6, "ms/grad")
}
