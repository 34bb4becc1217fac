package nn_test

import (
	"math"
	"testing"

	"github.com/curvature-go/curvature/nn"
)

func TestSchedules(t *testing.T) {
	cases := []struct {
		name  string
		s     nn.Schedule
		steps []int
		want  []float64
	}{
		{"constant", nn.ConstantRate(0.3), []int{0, 1, 1000}, []float64{0.3, 0.3, 0.3}},
		{"step decay", nn.StepDecay(1, 3, 0.5), []int{0, 2, 3, 5, 6, 9}, []float64{1, 1, 0.5, 0.5, 0.25, 0.125}},
		{"cosine", nn.CosineDecay(1, 0.2, 4), []int{0, 1, 2, 3, 4, 10},
			[]float64{1, 0.2 + 0.8*(1+math.Sqrt2/2)/2, 0.6, 0.2 + 0.8*(1-math.Sqrt2/2)/2, 0.2, 0.2}},
		{"warm-up then constant", nn.WarmUp(4, nn.ConstantRate(2)), []int{0, 1, 3, 4, 100}, []float64{0.5, 1, 2, 2, 2}},
		{"warm-up then step decay", nn.WarmUp(2, nn.StepDecay(1, 1, 0.1)), []int{0, 1, 2, 3, 4}, []float64{0.5, 1, 1, 0.1, 0.01}},
		{"a user's function", nn.Schedule(func(t int) float64 { return 1 / float64(t+1) }), []int{0, 3}, []float64{1, 0.25}},
	}
	for _, c := range cases {
		for i, step := range c.steps {
			if got := c.s(step); math.Abs(got-c.want[i]) > 1e-15 {
				t.Errorf("%s at step %d: %v, want %v", c.name, step, got, c.want[i])
			}
		}
	}
	mustPanic(t, "negative rate", "lr = -1", func() { nn.ConstantRate(-1) })
	mustPanic(t, "NaN rate", "lr = NaN", func() { nn.CosineDecay(math.NaN(), 0, 1) })
	mustPanic(t, "zero period", "every = 0", func() { nn.StepDecay(1, 0, 0.5) })
	mustPanic(t, "zero steps", "steps = 0", func() { nn.CosineDecay(1, 0, 0) })
	mustPanic(t, "nil warm-up", "WarmUp", func() { nn.WarmUp(3, nil) })
}

func TestClipGlobalNorm(t *testing.T) {
	cases := []struct {
		name  string
		grads [][]float64
		max   float64
		norm  float64
		want  [][]float64
	}{
		{"within", [][]float64{{3}, {4}}, 5, 5, [][]float64{{3}, {4}}},
		{"clipped", [][]float64{{3, 0}, {-4}}, 1, 5, [][]float64{{0.6, 0}, {-0.8}}},
		{"to zero", [][]float64{{3}, {4}}, 0, 5, [][]float64{{0}, {0}}},
		{"no overflow", [][]float64{{3e200}, {4e200}}, 1, 5e200, [][]float64{{0.6}, {0.8}}},
		{"no underflow", [][]float64{{3e-200}, {4e-200}}, 1, 5e-200, [][]float64{{3e-200}, {4e-200}}},
		{"zero", [][]float64{{0}, {}}, 1, 0, [][]float64{{0}, {}}},
	}
	for _, c := range cases {
		norm := nn.ClipGlobalNorm(c.grads, c.max)
		if math.Abs(norm-c.norm) > 1e-15*c.norm {
			t.Errorf("%s: norm %v, want %v", c.name, norm, c.norm)
		}
		for i := range c.want {
			if maxRelErr(c.grads[i], c.want[i]) > 1e-15 {
				t.Errorf("%s: clipped to %v, want %v", c.name, c.grads, c.want)
			}
		}
	}
	g := [][]float64{{1, math.NaN()}, {2}}
	if norm := nn.ClipGlobalNorm(g, 1); !math.IsNaN(norm) || g[0][0] != 1 || g[1][0] != 2 {
		t.Errorf("with a NaN: norm %v, gradients %v", norm, g)
	}
	if norm := nn.ClipGlobalNorm([][]float64{{math.Inf(-1)}}, 1); !math.IsNaN(norm) {
		t.Errorf("with an Inf: norm %v", norm)
	}
	mustPanic(t, "negative max", "maxNorm = -1", func() { nn.ClipGlobalNorm(g, -1) })
}
