package nn_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// refMLP computes an MLP's output with plain loops, independently of the
// tape.
func refMLP(m *nn.MLP, x *tensor.Tensor) []float64 {
	act := map[nn.Activation]func(float64) float64{
		nn.Identity: func(v float64) float64 { return v },
		nn.Tanh:     math.Tanh,
		nn.Sigmoid:  func(v float64) float64 { return 1 / (1 + math.Exp(-v)) },
		nn.ReLU:     func(v float64) float64 { return math.Max(v, 0) },
		nn.Softplus: func(v float64) float64 { return math.Log1p(math.Exp(v)) },
	}[m.Activation]
	rows := x.Dim(0)
	h := x.Data()
	for li, l := range m.Layers {
		in, out := l.In(), l.Out()
		w, b := l.W.Value.Data(), l.B.Value.Data()
		next := make([]float64, rows*out)
		for r := 0; r < rows; r++ {
			for j := 0; j < out; j++ {
				s := b[j]
				for k := 0; k < in; k++ {
					s += h[r*in+k] * w[k*out+j]
				}
				if li+1 < len(m.Layers) {
					s = act(s)
				}
				next[r*out+j] = s
			}
		}
		h = next
	}
	return h
}

var activations = []nn.Activation{nn.Identity, nn.Tanh, nn.Sigmoid, nn.ReLU, nn.Softplus}

func TestMLPForward(t *testing.T) {
	rng := newRNG(3)
	for _, act := range activations {
		for _, sizes := range [][]int{{3, 2}, {4, 5, 3}, {2, 6, 6, 1}} {
			m := nn.NewMLP(rng, act, sizes...)
			for _, p := range m.Params() { // non-zero biases too
				copy(p.Value.Data(), tensor.RandNormal(rng, p.Value.Size()).Data())
			}
			x := tensor.RandNormal(rng, 7, sizes[0])
			got := nn.Predict(m, x)
			want := refMLP(m, x)
			if s := got.Shape(); len(s) != 2 || s[0] != 7 || s[1] != sizes[len(sizes)-1] {
				t.Errorf("%v %v: output shape %v", act, sizes, s)
			}
			if e := maxRelErr(got.Data(), want); e > 1e-13 {
				t.Errorf("%v %v: output differs from the reference by %.3g", act, sizes, e)
			}
		}
	}
}

// TestLayerDerivatives checks gradients and HVPs of a network's loss, with
// respect to all parameters (through Split) and with respect to the input,
// against central differences, for every activation and loss.
func TestLayerDerivatives(t *testing.T) {
	rng := newRNG(4)
	const rows = 5
	losses := []struct {
		name   string
		loss   nn.Loss
		out    int
		target func() *tensor.Tensor
	}{
		{"MSE", nn.MSE, 2, func() *tensor.Tensor { return tensor.RandNormal(rng, rows, 2) }},
		{"CrossEntropy", nn.CrossEntropy, 3, func() *tensor.Tensor { return labels(rng, rows, 3) }},
		{"BCEWithLogits", nn.BCEWithLogits, 1, func() *tensor.Tensor { return probs(rng, rows, 1) }},
	}
	for _, act := range activations {
		for _, lc := range losses {
			t.Run(fmt.Sprintf("%v/%s", act, lc.name), func(t *testing.T) {
				m := nn.NewMLP(rng, act, 3, 4, 4, lc.out)
				for _, l := range m.Layers {
					copy(l.B.Value.Data(), tensor.RandNormal(rng, l.Out()).Data())
				}
				x, y := tensor.RandNormal(rng, rows, 3), lc.target()
				checkModel(t, m, lc.loss, x, y, true)
			})
		}
	}
}

// TestSplitMatchesVars checks that the two ways of recording parameters,
// one Var per tensor and views of one flat Var, give the same loss and
// gradient.
func TestSplitMatchesVars(t *testing.T) {
	rng := newRNG(5)
	x := tensor.RandNormal(rng, 6, 2)
	y := tensor.RandNormal(rng, 6, 1)
	models := []struct {
		name string
		m    nn.Model
	}{
		{"Linear", nn.NewLinear(rng, 2, 1, nn.GlorotUniform)},
		{"MLP", nn.NewMLP(rng, nn.Tanh, 2, 5, 3, 1)},
		{"Product", nn.NewProduct(0.7, -1.3, 0.4)},
	}
	for _, c := range models {
		xin := x
		if c.name == "Product" {
			xin = y // the product model maps a column to a column
		}
		tp := graph.NewTape()
		nodes := nn.Vars(tp, c.m.Params())
		l := nn.MSE(c.m.Forward(nodes, tp.Const(xin)), y)
		var perTensor []float64
		for _, g := range ad.Grad(l, nodes...) {
			perTensor = append(perTensor, g.Value().Data()...)
		}
		val, flat := ad.ValueAndGrad(nn.LossFunc(c.m, nn.MSE, xin, y), nn.Flatten(c.m.Params()))
		if relErr(val, l.Item()) > 1e-15 || maxRelErr(flat, perTensor) > 1e-15 {
			t.Errorf("%s: flat path gives %v, %v; per-tensor path %v, %v", c.name, val, flat, l.Item(), perTensor)
		}
	}
}

func TestFlattenUnflatten(t *testing.T) {
	rng := newRNG(6)
	m := nn.NewMLP(rng, nn.ReLU, 3, 4, 2)
	ps := m.Params()
	if got, want := nn.NumParams(ps), 3*4+4+4*2+2; got != want {
		t.Fatalf("NumParams = %d, want %d", got, want)
	}
	flat := nn.Flatten(ps)
	// Order: each tensor in turn, row-major.
	var want []float64
	for _, p := range ps {
		want = append(want, p.Value.Data()...)
	}
	if !sameBits(flat, want) {
		t.Fatalf("Flatten order differs")
	}
	flat[0] = 42 // Flatten returns a copy
	if ps[0].Value.Data()[0] == 42 {
		t.Fatalf("Flatten shares storage with the model")
	}
	v := tensor.RandNormal(rng, len(flat)).Data()
	nn.Unflatten(ps, v)
	if !sameBits(nn.Flatten(ps), v) {
		t.Fatalf("Unflatten then Flatten is not the identity")
	}
	v[0] = 7 // Unflatten does not retain v
	if ps[0].Value.Data()[0] == 7 {
		t.Fatalf("Unflatten retained its argument")
	}
	before := nn.Flatten(ps)
	for _, n := range []int{0, len(before) - 1, len(before) + 1} {
		mustPanic(t, fmt.Sprintf("Unflatten %d", n), "values for", func() { nn.Unflatten(ps, make([]float64, n)) })
		if !sameBits(nn.Flatten(ps), before) {
			t.Fatalf("a failed Unflatten of %d values wrote to the model", n)
		}
	}
	// Params is stable: same tensors, names and order on every call.
	again := m.Params()
	for i := range ps {
		if ps[i].Value != again[i].Value || ps[i].Name != again[i].Name {
			t.Errorf("Params()[%d] changed between calls", i)
		}
	}
	names := []string{"layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"}
	for i, p := range ps {
		if p.Name != names[i] {
			t.Errorf("Params()[%d].Name = %q, want %q", i, p.Name, names[i])
		}
	}
}

func TestInit(t *testing.T) {
	const in, out = 300, 200
	cases := []struct {
		init       nn.Init
		bound      float64 // 0: unbounded
		wantVar    float64
		activation string
	}{
		{nn.GlorotUniform, math.Sqrt(6.0 / (in + out)), 2.0 / (in + out), "Glorot"},
		{nn.HeNormal, 0, 2.0 / in, "He"},
	}
	for _, c := range cases {
		l := nn.NewLinear(newRNG(7), in, out, c.init)
		w := l.W.Value.Data()
		var mean, sq float64
		for _, v := range w {
			if c.bound > 0 && math.Abs(v) > c.bound {
				t.Fatalf("%v: weight %v outside ±%v", c.init, v, c.bound)
			}
			mean += v
			sq += v * v
		}
		n := float64(len(w))
		mean /= n
		variance := sq/n - mean*mean
		// 60000 draws: the sample variance is within a few percent.
		if math.Abs(variance/c.wantVar-1) > 0.03 || math.Abs(mean) > 3*math.Sqrt(c.wantVar/n)+1e-12 {
			t.Errorf("%v: mean %.3g, variance %.4g, want 0 and %.4g", c.init, mean, variance, c.wantVar)
		}
		for _, b := range l.B.Value.Data() {
			if b != 0 {
				t.Fatalf("%v: non-zero bias", c.init)
			}
		}
		if !sameBits(nn.NewLinear(newRNG(7), in, out, c.init).W.Value.Data(), w) {
			t.Errorf("%v: the same seed gave different weights", c.init)
		}
		if sameBits(nn.NewLinear(newRNG(8), in, out, c.init).W.Value.Data(), w) {
			t.Errorf("%v: different seeds gave the same weights", c.init)
		}
	}
}

// TestProductSaddle is the seed example: ŷ = w1·w2·x on (x, y) = (1, 1),
// whose squared loss has gradient 0 and Hessian [[0 −2] [−2 0]] at the
// origin, and the analytic Hessian [[2w2² 2w1w2−2r] [· 2w1²]] with
// r = 1 − w1w2 elsewhere.
func TestProductSaddle(t *testing.T) {
	d := nn.NewDataset(tensor.New([]float64{1}, 1, 1), tensor.New([]float64{1}, 1, 1))
	for _, w := range [][2]float64{{0, 0}, {0.5, 3}, {-1.2, 0.7}} {
		m := nn.NewProduct(w[0], w[1])
		r := 1 - w[0]*w[1]
		wantLoss := r * r
		wantGrad := []float64{-2 * r * w[1], -2 * r * w[0]}
		wantH := [2][2]float64{{2 * w[1] * w[1], 2*w[0]*w[1] - 2*r}, {2*w[0]*w[1] - 2*r, 2 * w[0] * w[0]}}

		obj := nn.NewObjective(m, nn.MSE, d)
		grad := make([]float64, 2)
		if l := obj.Eval(nn.Flatten(m.Params()), grad); relErr(l, wantLoss) > 1e-15 || maxRelErr(grad, wantGrad) > 1e-15 {
			t.Errorf("w = %v: loss %v, gradient %v; want %v, %v", w, l, grad, wantLoss, wantGrad)
		}
		for j := 0; j < 2; j++ {
			e := make([]float64, 2)
			e[j] = 1
			col := nn.HVP(m, nn.MSE, d, e)
			if maxRelErr(col, []float64{wantH[0][j], wantH[1][j]}) > 1e-14 {
				t.Errorf("w = %v: H·e%d = %v, want %v", w, j, col, []float64{wantH[0][j], wantH[1][j]})
			}
		}
	}
}

// TestHVPNetwork checks nn.HVP on a network against central differences
// of the gradient computed by NewObjective, for random directions.
func TestHVPNetwork(t *testing.T) {
	rng := newRNG(9)
	m := nn.NewMLP(rng, nn.Tanh, 2, 6, 3)
	d := nn.NewDataset(tensor.RandNormal(rng, 10, 2), labels(rng, 10, 3))
	theta := nn.Flatten(m.Params())
	obj := nn.NewObjective(m, nn.CrossEntropy, d)
	n := len(theta)
	for trial := 0; trial < 3; trial++ {
		v := tensor.RandNormal(rng, n).Data()
		hv := nn.HVP(m, nn.CrossEntropy, d, v)
		const h = 1e-5
		xp, xm := make([]float64, n), make([]float64, n)
		for i := range theta {
			xp[i], xm[i] = theta[i]+h*v[i], theta[i]-h*v[i]
		}
		gp, gm := make([]float64, n), make([]float64, n)
		obj.Eval(xp, gp)
		obj.Eval(xm, gm)
		fd := make([]float64, n)
		for i := range fd {
			fd[i] = (gp[i] - gm[i]) / (2 * h)
		}
		if e := maxRelErr(hv, fd); e > 1e-7 {
			t.Errorf("trial %d: HVP differs from differences of gradients by %.3g", trial, e)
		}
	}
	if !sameBits(theta, nn.Flatten(m.Params())) {
		t.Errorf("HVP changed the model's parameters")
	}
}

func TestModelPanics(t *testing.T) {
	rng := newRNG(10)
	l := nn.NewLinear(rng, 3, 2, nn.GlorotUniform)
	tp := graph.NewTape()
	mustPanic(t, "Linear input", "input shape", func() { l.Forward(nn.Vars(tp, l.Params()), tp.Const(tensor.Zeros(4, 2))) })
	mustPanic(t, "Linear nodes", "parameter nodes", func() { l.Forward(nn.Vars(tp, l.Params())[:1], tp.Const(tensor.Zeros(4, 3))) })
	mustPanic(t, "Linear node shape", "has shape", func() {
		l.Forward([]*graph.Node{tp.Var(tensor.Zeros(2, 3)), tp.Var(tensor.Zeros(2))}, tp.Const(tensor.Zeros(4, 3)))
	})
	mustPanic(t, "NewLinear size", "sizes", func() { nn.NewLinear(rng, 0, 2, nn.HeNormal) })
	mustPanic(t, "NewLinear rng", "nil rng", func() { nn.NewLinear(nil, 1, 2, nn.HeNormal) })
	mustPanic(t, "NewMLP sizes", "sizes", func() { nn.NewMLP(rng, nn.Tanh, 3) })
	mustPanic(t, "NewMLP activation", "activation", func() { nn.NewMLP(rng, nn.Activation(99), 3, 1) })
	mustPanic(t, "Split", "flat node", func() { nn.Split(tp.Var(tensor.Zeros(7)), l.Params()) })
	mustPanic(t, "NewProduct", "no parameters", func() { nn.NewProduct() })
	m := nn.NewMLP(rng, nn.Tanh, 3, 2)
	d := nn.NewDataset(tensor.Zeros(4, 3), tensor.Zeros(4, 2))
	mustPanic(t, "HVP", "len(v)", func() { nn.HVP(m, nn.MSE, d, make([]float64, 3)) })
}
