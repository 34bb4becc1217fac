package nn_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

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

// newRNG returns a seeded generator.
func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// labels returns a [n] tensor of random class indices in [0, classes).
func labels(rng *rand.Rand, n, classes int) *tensor.Tensor {
	t := tensor.Zeros(n)
	for i := range t.Data() {
		t.Data()[i] = float64(rng.IntN(classes))
	}
	return t
}

// probs returns a tensor of the given shape with elements uniform in [0,1].
func probs(rng *rand.Rand, shape ...int) *tensor.Tensor {
	return tensor.RandUniform(rng, 0, 1, shape...)
}

// relErr is |a−b| / max(1, |a|, |b|).
func relErr(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func maxRelErr(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var worst float64
	for i := range a {
		e := relErr(a[i], b[i])
		if math.IsNaN(e) {
			return math.NaN()
		}
		worst = math.Max(worst, e)
	}
	return worst
}

// sameBits reports whether two slices hold bit-identical float64s.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// mustPanic runs f and fails unless it panics with a message starting with
// "nn: " and containing want.
func mustPanic(t *testing.T, name, want string, f func()) {
	t.Helper()
	r, panicked := testutil.PanicValue(f)
	if !panicked {
		t.Errorf("%s: no panic", name)
		return
	}
	if s, ok := r.(string); !ok || !strings.HasPrefix(s, "nn: ") || !strings.Contains(s, want) {
		t.Errorf("%s: panic %v, want an \"nn: \" message containing %q", name, r, want)
	}
}

// sgd is the plain stochastic gradient step x ← x − lr·g, for tests.
type sgd struct{ lr float64 }

func (s sgd) Step(params, grads [][]float64) {
	for i, p := range params {
		for j := range p {
			p[j] -= s.lr * grads[i][j]
		}
	}
}

var _ nn.Stepper = sgd{}
