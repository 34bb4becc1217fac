package nn_test

import (
	"errors"
	"math"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// randomizeParams sets every parameter of m to standard normal draws times
// scale (biases and gains too, so that no derivative is checked only at a
// special point).
func randomizeParams(m nn.Model, seed uint64, scale float64) {
	rng := newRNG(seed)
	for _, p := range m.Params() {
		for i := range p.Value.Data() {
			p.Value.Data()[i] = scale * rng.NormFloat64()
		}
	}
}

// checkModel checks the gradient and the HVP of loss(m(x), y) against
// central differences (ad.Check), with respect to all parameters and,
// when ofInput, with respect to x.
func checkModel(t *testing.T, m nn.Model, loss nn.Loss, x, y *tensor.Tensor, ofInput bool) {
	t.Helper()
	theta := nn.Flatten(m.Params())
	res := ad.Check(nn.LossFunc(m, loss, x, y), theta, nil)
	if !(res.GradErr < 1e-6) || !(res.HVPErr < 1e-6) {
		t.Errorf("parameters: gradient error %.3g, HVP error %.3g", res.GradErr, res.HVPErr)
	}
	if ofInput {
		f := func(w *graph.Node) *graph.Node {
			return loss(m.Forward(nn.Vars(w.Tape(), m.Params()), graph.Reshape(w, x.Shape()...)), y)
		}
		res = ad.Check(f, x.Data(), nil)
		if !(res.GradErr < 1e-6) || !(res.HVPErr < 1e-6) {
			t.Errorf("input: gradient error %.3g, HVP error %.3g", res.GradErr, res.HVPErr)
		}
	}
	if !sameBits(theta, nn.Flatten(m.Params())) {
		t.Errorf("the checks changed the model's parameters")
	}
}

// TestLayerNetDerivatives checks networks built from each new layer.
func TestLayerNetDerivatives(t *testing.T) {
	rng := newRNG(21)
	const n = 3
	conv := func(in, out int, k [2]int, stride, pad [2]int) *nn.Conv2D {
		c := nn.NewConv2D(rng, in, out, k, nn.HeNormal)
		c.Stride, c.Pad = stride, pad
		return c
	}
	one, zero := [2]int{1, 1}, [2]int{0, 0}
	cases := []struct {
		name    string
		m       nn.Model
		x       *tensor.Tensor
		classes int // 0: MSE against a random target of the output's shape
	}{
		{"Conv2D", nn.NewSequential(conv(2, 3, [2]int{3, 3}, one, zero), nn.Flat{}),
			tensor.RandNormal(rng, n, 2, 5, 5), 0},
		{"Conv2D/stride2,pad1", nn.NewSequential(conv(2, 2, [2]int{3, 3}, [2]int{2, 2}, one), nn.Tanh, nn.Flat{}),
			tensor.RandNormal(rng, n, 2, 5, 6), 0},
		{"Conv2D/stride(2,1),pad(0,1),kernel(2,3)", nn.NewSequential(conv(1, 2, [2]int{2, 3}, [2]int{2, 1}, [2]int{0, 1}), nn.Flat{}),
			tensor.RandNormal(rng, n, 1, 6, 4), 0},
		{"CNN/MaxPool2D", nn.NewSequential(conv(1, 3, [2]int{3, 3}, one, one), nn.Tanh,
			&nn.MaxPool2D{Size: [2]int{2, 2}}, nn.Flat{}, nn.NewLinear(rng, 3*3*3, 4, nn.GlorotUniform)),
			tensor.RandNormal(rng, n, 1, 6, 7), 4},
		{"CNN/MaxPool2D/overlapping,padded", nn.NewSequential(conv(2, 2, [2]int{2, 2}, one, zero), nn.Softplus,
			&nn.MaxPool2D{Size: [2]int{3, 3}, Stride: [2]int{2, 2}, Pad: [2]int{1, 1}}, nn.Flat{}, nn.NewLinear(rng, 2*3*3, 3, nn.GlorotUniform)),
			tensor.RandNormal(rng, n, 2, 6, 6), 3},
		{"CNN/AvgPool2D", nn.NewSequential(conv(2, 2, [2]int{3, 3}, one, one), nn.Tanh,
			&nn.AvgPool2D{Size: [2]int{2, 2}, Pad: [2]int{1, 0}}, nn.Flat{}, nn.NewLinear(rng, 2*3*2, 3, nn.GlorotUniform)),
			tensor.RandNormal(rng, n, 2, 4, 4), 3},
		{"LayerNorm", nn.NewSequential(nn.NewLinear(rng, 4, 5, nn.GlorotUniform), nn.NewLayerNorm(5), nn.Tanh, nn.NewLinear(rng, 5, 3, nn.GlorotUniform)),
			tensor.RandNormal(rng, n, 4), 3},
		{"LayerNorm/3-D", nn.NewLayerNorm(4), tensor.RandNormal(rng, n, 2, 4), 0},
		{"Dropout/evaluation", nn.NewSequential(nn.NewLinear(rng, 4, 3, nn.GlorotUniform), nn.NewDropout(0.5, 1)),
			tensor.RandNormal(rng, n, 4), 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			randomizeParams(c.m, 7, 0.7)
			out := nn.Predict(c.m, c.x)
			if c.classes == 0 {
				checkModel(t, c.m, nn.MSE, c.x, tensor.RandNormal(rng, out.Shape()...), true)
			} else {
				checkModel(t, c.m, nn.CrossEntropy, c.x, labels(rng, n, c.classes), true)
			}
		})
	}
}

// TestConv2DLayer checks the layer's output against the convolution by
// its definition plus the bias, and its initial weights' scale.
func TestConv2DLayer(t *testing.T) {
	rng := newRNG(22)
	c := nn.NewConv2D(rng, 2, 3, [2]int{3, 2}, nn.HeNormal)
	c.Stride, c.Pad = [2]int{2, 1}, [2]int{1, 0}
	randomizeParams(c, 3, 1)
	x := tensor.RandNormal(rng, 2, 2, 5, 4)
	got := nn.Predict(c, x)
	if s := got.Shape(); len(s) != 4 || s[0] != 2 || s[1] != 3 || s[2] != 3 || s[3] != 3 {
		t.Fatalf("output shape %v, want [2 3 3 3]", s)
	}
	w, b := c.W.Value, c.B.Value
	for n := 0; n < 2; n++ {
		for o := 0; o < 3; o++ {
			for i := 0; i < 3; i++ {
				for j := 0; j < 3; j++ {
					s := b.At(o)
					for ch := 0; ch < 2; ch++ {
						for p := 0; p < 3; p++ {
							for q := 0; q < 2; q++ {
								if y, z := 2*i+p-1, j+q; y >= 0 && y < 5 && z < 4 {
									s += w.At(o, ch, p, q) * x.At(n, ch, y, z)
								}
							}
						}
					}
					if e := relErr(got.At(n, o, i, j), s); e > 1e-14 {
						t.Errorf("y[%d %d %d %d] = %v, want %v", n, o, i, j, got.At(n, o, i, j), s)
					}
				}
			}
		}
	}
	// He initialisation: variance 2/fan-in with fan-in 64·9.
	big := nn.NewConv2D(newRNG(1), 64, 64, [2]int{3, 3}, nn.HeNormal)
	var sq float64
	for _, v := range big.W.Value.Data() {
		sq += v * v
	}
	if v := sq / float64(big.W.Value.Size()); math.Abs(v/(2.0/576)-1) > 0.03 {
		t.Errorf("HeNormal variance %.4g, want %.4g", v, 2.0/576)
	}
}

// TestLayerNormValues checks that with gain 1 and bias 0 every row has
// mean 0 and variance var/(var+eps), and the gain and bias act per column.
func TestLayerNormValues(t *testing.T) {
	rng := newRNG(23)
	l := nn.NewLayerNorm(6)
	x := tensor.RandNormal(rng, 4, 6)
	y := nn.Predict(l, x)
	for r := 0; r < 4; r++ {
		var mx, vx, my, vy float64
		for j := 0; j < 6; j++ {
			mx += x.At(r, j) / 6
			my += y.At(r, j) / 6
		}
		for j := 0; j < 6; j++ {
			vx += (x.At(r, j) - mx) * (x.At(r, j) - mx) / 6
			vy += y.At(r, j) * y.At(r, j) / 6
		}
		if math.Abs(my) > 1e-15 || relErr(vy, vx/(vx+1e-5)) > 1e-14 {
			t.Errorf("row %d: mean %v, variance %v; want 0, %v", r, my, vy, vx/(vx+1e-5))
		}
	}
	randomizeParams(l, 4, 1)
	y2 := nn.Predict(l, x)
	for r := 0; r < 4; r++ {
		for j := 0; j < 6; j++ {
			if want := y.At(r, j)*l.Gain.Value.At(j) + l.Bias.Value.At(j); relErr(y2.At(r, j), want) > 1e-14 {
				t.Errorf("y[%d %d] = %v, want %v", r, j, y2.At(r, j), want)
			}
		}
	}
}

// TestEmbedding checks the lookup, its shapes, and the gradient with
// repeated ids (each row receives the sum of its adjoints) against central
// differences and the analytic scatter-add.
func TestEmbedding(t *testing.T) {
	rng := newRNG(24)
	e := nn.NewEmbedding(rng, 5, 3)
	ids := tensor.New([]float64{4, 1, 1, 0, 4, 4}, 3, 2)
	y := nn.Predict(e, ids)
	if s := y.Shape(); len(s) != 3 || s[0] != 3 || s[1] != 2 || s[2] != 3 {
		t.Fatalf("output shape %v, want [3 2 3]", s)
	}
	for i, id := range ids.Data() {
		for j := 0; j < 3; j++ {
			if y.Data()[i*3+j] != e.W.Value.At(int(id), j) {
				t.Fatalf("row %d is not table row %v", i, id)
			}
		}
	}
	// Σ y ⊙ R: the gradient of row v is the sum of R over the ids equal to v.
	r := tensor.RandNormal(rng, 3, 2, 3)
	tp := graph.NewTape()
	nodes := nn.Vars(tp, e.Params())
	g := ad.Grad(graph.Sum(graph.Mul(e.Forward(nodes, tp.Const(ids)), tp.Const(r))), nodes...)[0].Value()
	want := make([]float64, 15)
	for i, id := range ids.Data() {
		for j := 0; j < 3; j++ {
			want[int(id)*3+j] += r.Data()[i*3+j]
		}
	}
	if maxRelErr(g.Data(), want) > 1e-15 {
		t.Errorf("gradient %v, want %v", g.Data(), want)
	}
	m := nn.NewSequential(e, nn.Flat{}, nn.NewLinear(rng, 6, 4, nn.GlorotUniform))
	checkModel(t, m, nn.CrossEntropy, ids, labels(rng, 3, 4), false)
	// One id per example, shape [N].
	checkModel(t, nn.NewSequential(nn.NewEmbedding(rng, 4, 2), nn.Tanh), nn.MSE,
		tensor.New([]float64{3, 3, 0}, 3), tensor.RandNormal(rng, 3, 2), false)
}

// TestDropout checks evaluation mode (the identity), the mask statistics
// in training mode, that kept elements are scaled by 1/(1−p), that the
// gradient is the mask, and that SetTraining reaches layers inside a
// Sequential.
func TestDropout(t *testing.T) {
	const p = 0.3
	d := nn.NewDropout(p, 5)
	m := nn.NewSequential(d)
	x := tensor.RandUniform(newRNG(25), 1, 2, 200, 100)
	if !sameBits(nn.Predict(m, x).Data(), x.Data()) || d.Training() {
		t.Fatalf("a new Dropout is not the identity")
	}
	nn.SetTraining(m, true)
	if !d.Training() {
		t.Fatalf("SetTraining did not reach the layer")
	}
	tp := graph.NewTape()
	xv := tp.Var(x)
	y := m.Forward(nil, xv)
	g := ad.Grad(graph.Sum(y), xv)[0].Value().Data()
	dropped := 0
	for i, v := range y.Value().Data() {
		switch {
		case v == 0:
			dropped++
			if g[i] != 0 {
				t.Fatalf("gradient %v at a dropped element", g[i])
			}
		case relErr(v, x.Data()[i]/(1-p)) > 1e-15 || relErr(g[i], 1/(1-p)) > 1e-15:
			t.Fatalf("kept element %v of %v, gradient %v; want ×%v", v, x.Data()[i], g[i], 1/(1-p))
		}
	}
	// 20000 draws: the dropped fraction is within 4 standard deviations.
	if frac := float64(dropped) / 20000; math.Abs(frac-p) > 4*math.Sqrt(p*(1-p)/20000) {
		t.Errorf("dropped fraction %v, want %v", frac, p)
	}
	if again := nn.Predict(m, x); sameBits(again.Data(), y.Value().Data()) {
		t.Errorf("two training passes drew the same mask")
	}
	same := nn.NewDropout(p, 5)
	same.SetTraining(true)
	if !sameBits(nn.Predict(same, x).Data(), y.Value().Data()) {
		t.Errorf("the same seed gave another mask")
	}
	nn.SetTraining(m, false)
	if !sameBits(nn.Predict(m, x).Data(), x.Data()) {
		t.Errorf("evaluation mode is not the identity")
	}
}

func TestLayerPanics(t *testing.T) {
	rng := newRNG(26)
	tp := graph.NewTape()
	c := nn.NewConv2D(rng, 2, 3, [2]int{3, 3}, nn.HeNormal)
	mustPanic(t, "Conv2D input", "input shape", func() { c.Forward(nn.Vars(tp, c.Params()), tp.Const(tensor.Zeros(1, 3, 5, 5))) })
	mustPanic(t, "NewConv2D", "channels", func() { nn.NewConv2D(rng, 0, 3, [2]int{3, 3}, nn.HeNormal) })
	mustPanic(t, "NewConv2D rng", "nil rng", func() { nn.NewConv2D(nil, 1, 3, [2]int{3, 3}, nn.HeNormal) })
	mustPanic(t, "MaxPool2D params", "parameter nodes", func() {
		(&nn.MaxPool2D{Size: [2]int{2, 2}}).Forward([]*graph.Node{tp.Scalar(1)}, tp.Const(tensor.Zeros(1, 1, 4, 4)))
	})
	e := nn.NewEmbedding(rng, 4, 2)
	for _, bad := range []float64{4, -1, 1.5, math.NaN()} {
		mustPanic(t, "Embedding id", "not in [0, 4)", func() { e.Forward(nn.Vars(tp, e.Params()), tp.Const(tensor.New([]float64{0, bad}, 2))) })
	}
	mustPanic(t, "Embedding shape", "ids of shape", func() { e.Forward(nn.Vars(tp, e.Params()), tp.Const(tensor.Zeros(1, 1, 1))) })
	mustPanic(t, "NewEmbedding", "ids", func() { nn.NewEmbedding(rng, 0, 2) })
	mustPanic(t, "NewDropout", "rate", func() { nn.NewDropout(1, 0) })
	mustPanic(t, "NewDropout NaN", "rate", func() { nn.NewDropout(math.NaN(), 0) })
	l := nn.NewLayerNorm(3)
	mustPanic(t, "LayerNorm input", "input shape", func() { l.Forward(nn.Vars(tp, l.Params()), tp.Const(tensor.Zeros(2, 4))) })
	mustPanic(t, "NewLayerNorm", "dimension", func() { nn.NewLayerNorm(0) })
	mustPanic(t, "NewSequential", "no layers", func() { nn.NewSequential() })
	s := nn.NewSequential(nn.NewLinear(rng, 2, 2, nn.HeNormal))
	mustPanic(t, "Sequential params", "parameter nodes", func() { s.Forward(nil, tp.Const(tensor.Zeros(1, 2))) })
	mustPanic(t, "Flat scalar", "batch dimension", func() { nn.Flat{}.Forward(nil, tp.Scalar(1)) })
}

// TestSequentialSaveLoad checks that a CNN's parameters, named by
// NewSequential, go through Save and Load, and that Load refuses another
// architecture.
func TestSequentialSaveLoad(t *testing.T) {
	build := func(seed uint64, out int) *nn.Sequential {
		rng := newRNG(seed)
		return nn.NewSequential(nn.NewConv2D(rng, 1, 2, [2]int{3, 3}, nn.HeNormal), nn.ReLU,
			&nn.AvgPool2D{Size: [2]int{2, 2}}, nn.Flat{}, nn.NewLayerNorm(2*2*2), nn.NewLinear(rng, 8, out, nn.HeNormal))
	}
	a, b := build(1, 3), build(2, 3)
	names := []string{"layer0.weight", "layer0.bias", "layer4.gain", "layer4.bias", "layer5.weight", "layer5.bias"}
	for i, p := range a.Params() {
		if p.Name != names[i] {
			t.Errorf("parameter %d is named %q, want %q", i, p.Name, names[i])
		}
	}
	path := t.TempDir() + "/cnn.params"
	if err := nn.Save(path, a); err != nil {
		t.Fatal(err)
	}
	if err := nn.Load(path, b); err != nil {
		t.Fatal(err)
	}
	if !sameBits(nn.Flatten(a.Params()), nn.Flatten(b.Params())) {
		t.Errorf("Load did not restore the parameters")
	}
	other := build(3, 4)
	before := nn.Flatten(other.Params())
	if err := nn.Load(path, other); !errors.Is(err, nn.ErrArchitecture) {
		t.Errorf("Load into another architecture: %v", err)
	}
	if !sameBits(before, nn.Flatten(other.Params())) {
		t.Errorf("a refused Load changed the model")
	}
}

// TestDropoutTrainingDerivatives checks the gradient and HVP of a network
// with Dropout in training mode against central differences. Each call of
// the loss builds a fresh Dropout with the same seed, so every evaluation
// draws the same mask and the loss is a smooth function of the parameters.
func TestDropoutTrainingDerivatives(t *testing.T) {
	rng := newRNG(27)
	l1, l2 := nn.NewLinear(rng, 4, 6, nn.GlorotUniform), nn.NewLinear(rng, 6, 3, nn.GlorotUniform)
	params := append(l1.Params(), l2.Params()...)
	x, y := tensor.RandNormal(rng, 5, 4), labels(rng, 5, 3)
	var dropped int
	f := func(w *graph.Node) *graph.Node {
		nodes := nn.Split(w, params)
		d := nn.NewDropout(0.4, 7)
		d.SetTraining(true)
		h := d.Forward(nil, l1.Forward(nodes[:2], w.Tape().Const(x)))
		dropped = 0
		for _, v := range h.Value().Data() {
			if v == 0 {
				dropped++
			}
		}
		return nn.CrossEntropy(l2.Forward(nodes[2:], graph.Tanh(h)), y)
	}
	res := ad.Check(f, nn.Flatten(params), nil)
	if !(res.GradErr < 1e-6) || !(res.HVPErr < 1e-6) {
		t.Errorf("gradient error %.3g, HVP error %.3g", res.GradErr, res.HVPErr)
	}
	if dropped == 0 || dropped == 30 {
		t.Errorf("the mask dropped %d of 30 elements", dropped)
	}
}
