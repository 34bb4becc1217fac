package nn_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

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
