package optim

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
)

// stateStepper is a stepper whose state can be saved and restored.
type stateStepper interface {
	Step(params, grads [][]float64)
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}

// randTensors returns tensors of the given sizes with normal entries.
func randTensors(rng *rand.Rand, sizes ...int) [][]float64 {
	out := make([][]float64, len(sizes))
	for i, n := range sizes {
		out[i] = testutil.RandVec(rng, n)
	}
	return out
}

func cloneTensors(ts [][]float64) [][]float64 {
	out := make([][]float64, len(ts))
	for i, t := range ts {
		out[i] = append([]float64(nil), t...)
	}
	return out
}

func sameTensors(a, b [][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if math.Float64bits(a[i][j]) != math.Float64bits(b[i][j]) {
				return false
			}
		}
	}
	return true
}

// TestStepperStateRoundTrip: a stepper restored from the state of another
// after k steps continues exactly as the original does, bit for bit.
func TestStepperStateRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		make func() stateStepper
	}{
		{"Adam", func() stateStepper { return &AdamStepper{Adam: Adam{LearningRate: 0.01}} }},
		{"AdamW", func() stateStepper { return &AdamStepper{Adam: Adam{LearningRate: 0.01, WeightDecay: 0.1, Beta1: 0.8}} }},
		{"SGD", func() stateStepper { return &SGDStepper{SGD: SGD{LearningRate: 0.1}} }},
		{"SGD momentum", func() stateStepper { return &SGDStepper{SGD: SGD{LearningRate: 0.1, Momentum: 0.9}} }},
		{"SGD Nesterov", func() stateStepper {
			return &SGDStepper{SGD: SGD{LearningRate: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01}}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			p := randTensors(rng, 7, 1, 3)
			orig := c.make()
			for range 3 {
				orig.Step(p, randTensors(rng, 7, 1, 3))
			}
			state, err := orig.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			restored := c.make()
			if err := restored.UnmarshalBinary(state); err != nil {
				t.Fatal(err)
			}
			q := cloneTensors(p)
			for range 4 {
				g := randTensors(rng, 7, 1, 3)
				orig.Step(p, g)
				restored.Step(q, g)
			}
			if !sameTensors(p, q) {
				t.Errorf("the restored stepper took different steps")
			}
			// A stepper of no parameters, and a fresh stepper's empty
			// state, round-trip too.
			none := c.make()
			none.Step([][]float64{}, [][]float64{})
			if b, _ := none.MarshalBinary(); c.make().UnmarshalBinary(b) != nil {
				t.Errorf("the state of a stepper of no parameters: %v", c.make().UnmarshalBinary(b))
			}
			empty, _ := c.make().MarshalBinary()
			s := c.make()
			if err := s.UnmarshalBinary(empty); err != nil {
				t.Errorf("empty state: %v", err)
			}
		})
	}
}

// TestStepperStateBad: another stepper's state, a truncated or altered
// state: an error naming the problem, and the stepper untouched.
func TestStepperStateBad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := randTensors(rng, 5, 2)
	adam := &AdamStepper{}
	sgd := &SGDStepper{SGD: SGD{Momentum: 0.5}}
	adam.Step(p, randTensors(rng, 5, 2))
	sgd.Step(p, randTensors(rng, 5, 2))
	adamState, _ := adam.MarshalBinary()
	sgdState, _ := sgd.MarshalBinary()
	if err := adam.UnmarshalBinary(sgdState); err == nil || !strings.Contains(err.Error(), "state of an SGDStepper") {
		t.Errorf("SGD state into Adam: %v", err)
	}
	if err := sgd.UnmarshalBinary(adamState); err == nil || !strings.Contains(err.Error(), "state of an AdamStepper") {
		t.Errorf("Adam state into SGD: %v", err)
	}
	for _, c := range []struct {
		s     stateStepper
		state []byte
	}{{adam, adamState}, {sgd, sgdState}} {
		check := func(what string, data []byte) {
			t.Helper()
			err := c.s.UnmarshalBinary(data)
			if err == nil || !strings.HasPrefix(err.Error(), "optim: ") {
				t.Fatalf("%T, %s: error %v", c.s, what, err)
			}
			if now, _ := c.s.MarshalBinary(); !bytes.Equal(now, c.state) {
				t.Fatalf("%T, %s: a failed UnmarshalBinary changed the state", c.s, what)
			}
		}
		for n := range len(c.state) {
			check("truncated", c.state[:n])
		}
		check("one byte more", append(bytes.Clone(c.state), 0))
		v := bytes.Clone(c.state)
		v[strings.IndexByte(string(v), 1)] = 9 // the version byte
		check("unknown version", v)
		huge := bytes.Clone(c.state)
		i := bytes.IndexByte(huge, 1) + 1
		if _, ok := c.s.(*AdamStepper); ok {
			i += 8 // past the step count
		} else {
			i++ // past the velocity flag
		}
		huge[i], huge[i+1], huge[i+2], huge[i+3] = 0xff, 0xff, 0xff, 0x7f
		check("huge tensor count", huge)
	}
}

// TestSetLearningRate: a rate set between steps replaces LearningRate, and
// 0 means no movement (LearningRate 0 means the default).
func TestSetLearningRate(t *testing.T) {
	for _, s := range []interface {
		Step(params, grads [][]float64)
		SetLearningRate(float64)
	}{&AdamStepper{}, &SGDStepper{SGD: SGD{Momentum: 0.9}}} {
		p := [][]float64{{1, -2}}
		s.SetLearningRate(0)
		s.Step(p, [][]float64{{3, 4}})
		if p[0][0] != 1 || p[0][1] != -2 {
			t.Errorf("%T at rate 0 moved to %v", s, p[0])
		}
		s.SetLearningRate(0.5)
		s.Step(p, [][]float64{{3, 4}})
		if p[0][0] == 1 {
			t.Errorf("%T at rate 0.5 did not move", s)
		}
		testutil.MustPanic(t, "negative rate", func() { s.SetLearningRate(-1) }, "optim: ", "SetLearningRate", "-1")
		testutil.MustPanic(t, "NaN rate", func() { s.SetLearningRate(math.NaN()) }, "optim: ", "NaN")
	}
	// With a positive rate the override is exactly LearningRate.
	a, b := &AdamStepper{Adam: Adam{LearningRate: 0.3}}, &AdamStepper{}
	b.SetLearningRate(0.3)
	p, q := [][]float64{{1, 2}}, [][]float64{{1, 2}}
	for range 3 {
		a.Step(p, [][]float64{{0.5, -1}})
		b.Step(q, [][]float64{{0.5, -1}})
	}
	if !sameTensors(p, q) {
		t.Errorf("SetLearningRate(0.3) %v, LearningRate 0.3 %v", q, p)
	}
}

// textbookAdam is Adam as Kingma & Ba write it, with the bias-corrected
// moments formed per element: the reference for the fused Step.
func textbookAdam(p, g, m, v []float64, t int, lr, b1, b2, eps, wd float64) {
	c1, c2 := 1-math.Pow(b1, float64(t)), 1-math.Pow(b2, float64(t))
	for i := range p {
		m[i] = b1*m[i] + (1-b1)*g[i]
		v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
		p[i] = (1-lr*wd)*p[i] - lr*(m[i]/c1)/(math.Sqrt(v[i]/c2)+eps)
	}
}

// TestAdamStepperTextbook compares 50 fused steps with the textbook
// formula on gradients spanning many magnitudes.
func TestAdamStepperTextbook(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, lr, wd = 200, 0.01, 0.05
	s := &AdamStepper{Adam: Adam{LearningRate: lr, WeightDecay: wd}}
	p := testutil.RandVec(rng, n)
	q := append([]float64(nil), p...)
	m, v := make([]float64, n), make([]float64, n)
	for k := 1; k <= 50; k++ {
		g := testutil.RandVec(rng, n)
		for i := range g {
			g[i] *= math.Pow(10, float64(rng.IntN(17)-8))
		}
		s.Step([][]float64{p}, [][]float64{g})
		textbookAdam(q, g, m, v, k, lr, 0.9, 0.999, 1e-8, wd)
	}
	if worst, at := testutil.RelErr(p, q); worst > 1e-13 {
		t.Errorf("fused Adam differs from the textbook by %.3g at %d", worst, at)
	}
}

// mlpSizes are the parameter tensors of an MLP 784-256-256-10: 269,322
// parameters.
var mlpSizes = []int{784 * 256, 256, 256 * 256, 256, 256 * 10, 10}

// BenchmarkAdamStep times one Adam update of the 269,322 parameters of an
// MLP 784-256-256-10, fused (AdamStepper.Step, with GOMAXPROCS 1 and 2)
// and by the textbook formula, and reports nanoseconds per parameter.
func BenchmarkAdamStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	p, g := randTensors(rng, mlpSizes...), randTensors(rng, mlpSizes...)
	n := float64(sumSizes(mlpSizes))
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("fused/procs=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			b.ReportAllocs()
			s := &AdamStepper{}
			s.Step(p, g)
			for b.Loop() {
				s.Step(p, g)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/param")
		})
	}
	b.Run("textbook", func(b *testing.B) {
		b.ReportAllocs()
		m, v := randTensors(rng, mlpSizes...), randTensors(rng, mlpSizes...)
		for i := range v {
			for j := range v[i] {
				v[i][j] = math.Abs(v[i][j])
			}
		}
		t := 0
		for b.Loop() {
			t++
			for i := range p {
				textbookAdam(p[i], g[i], m[i], v[i], t, 0.001, 0.9, 0.999, 1e-8, 0)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/param")
	})
}

// TestAdamStepperSplit: the pass split between two goroutines gives the
// same bits as one pass, for sizes around the threshold and splits that
// fall inside and between tensors.
func TestAdamStepperSplit(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sizes := range [][]int{{adamParallelMin}, {adamParallelMin/2 + 1, 3, adamParallelMin / 2}, {1, adamParallelMin*2 + 1}, {100}} {
		p, g := randTensors(rng, sizes...), randTensors(rng, sizes...)
		q := cloneTensors(p)
		split := &AdamStepper{Adam: Adam{WeightDecay: 0.1}}
		one := &AdamStepper{Adam: Adam{WeightDecay: 0.1}}
		for range 3 {
			split.Step(p, g) // GOMAXPROCS 2: split when large enough
			runtime.GOMAXPROCS(1)
			one.Step(q, g)
			runtime.GOMAXPROCS(2)
		}
		if !sameTensors(p, q) {
			t.Errorf("sizes %v: the split pass differs from one pass", sizes)
		}
	}
}

// BenchmarkAdamStepSize times Adam updates of one tensor of n parameters
// with GOMAXPROCS 1 and 2, to place the size from which Step splits its
// pass (adamParallelMin).
func BenchmarkAdamStepSize(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1 << 12, 1 << 14, 1 << 15, 1 << 16, 1 << 18} {
		p, g := randTensors(rng, n), randTensors(rng, n)
		for _, procs := range []int{1, 2} {
			b.Run(fmt.Sprintf("n=%d/procs=%d", n, procs), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				s := &AdamStepper{}
				for b.Loop() {
					s.Step(p, g)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/param")
			})
		}
	}
}
