package optim

import (
	"math"
	"testing"
)

// hostile wraps a well-behaved objective with one fault, active where
// ‖x‖∞ > r (everywhere when r ≤ 0): the cases a careless or adversarial
// objective presents to the methods.
type hostile struct {
	base  Objective
	fault uint8
	r     float64
}

const (
	faultNone = iota
	faultNaNF
	faultInfF
	faultNegInfF
	faultNaNGrad
	faultPartialGrad
	faultFlippedGrad
	faultWrongSignEntry
	faultNaNHessVec
	faultHugeNegativeF
	numFaults
)

func (h hostile) Dim() int { return h.base.Dim() }

func (h hostile) active(x []float64) bool { return h.r <= 0 || normInf(x) > h.r }

func (h hostile) Eval(x, grad []float64) float64 {
	var full []float64
	if grad != nil {
		full = make([]float64, len(grad))
	}
	f := h.base.Eval(x, full)
	on := h.active(x)
	if grad != nil {
		for i, g := range full {
			if on && h.fault == faultPartialGrad && i == len(full)-1 {
				continue // left unwritten
			}
			grad[i] = g
		}
		if on {
			switch h.fault {
			case faultNaNGrad:
				grad[0] = math.NaN()
			case faultFlippedGrad:
				for i := range grad {
					grad[i] = -grad[i]
				}
			case faultWrongSignEntry:
				grad[0] *= -0.5
			}
		}
	}
	if on {
		switch h.fault {
		case faultNaNF:
			return math.NaN()
		case faultInfF:
			return math.Inf(1)
		case faultNegInfF:
			return math.Inf(-1)
		case faultHugeNegativeF:
			return -1e300
		}
	}
	return f
}

func (h hostile) HessVec(x, v, hv []float64) {
	h.base.HessVec(x, v, hv)
	if h.fault == faultNaNHessVec && h.active(x) {
		hv[0] = math.NaN()
	}
}

var fuzzMethods = []Method{
	GradientDescent{}, GradientDescent{StepSize: 0.01}, SGD{Momentum: 0.5}, Adam{LearningRate: 0.05},
	LBFGS{}, NewtonCG{}, SaddleEscape{}, SaddleEscape{Base: LBFGS{}},
}

// monotone reports whether m never accepts a point with a higher f.
func monotone(m Method) bool {
	switch m := m.(type) {
	case GradientDescent:
		return m.StepSize == 0
	case LBFGS, NewtonCG, SaddleEscape:
		return true
	}
	return false
}

// fuzzBases are the objectives under the faults; the fuzzer's base index
// also selects, past their end, noisy (rounding-level noise away from x0).
var fuzzBases = []Objective{rosenbrock{2}, seedLoss{}, quad5(), negSquares{2}}

// FuzzMinimize runs every method on hostile objectives (NaN, ±Inf, partial
// or wrong-signed gradients, NaN Hessian products, values far below any
// bound) from arbitrary starts and checks the invariants that must hold
// whatever the objective does: x0 is not modified; X is finite, or nil with
// NonFinite or BadObjective when x0 itself could not be evaluated; the
// monotone methods never return a point worse than x0; and success is
// claimed only where ‖∇f‖∞, recomputed at X, meets the threshold.
func FuzzMinimize(f *testing.F) {
	for m := range fuzzMethods {
		for fault := 0; fault < numFaults; fault++ {
			f.Add(uint8(m), uint8(fault), uint8(m+fault)%5, 1.5, -1.2, 1.0)
			f.Add(uint8(m), uint8(fault), uint8(fault)%5, 0.0, 0.3, -0.2)
		}
	}
	f.Fuzz(func(t *testing.T, mi, fault, base uint8, r, x0a, x0b float64) {
		method := fuzzMethods[int(mi)%len(fuzzMethods)]
		x0 := []float64{x0a, x0b}
		var b Objective = noisy{x0: append([]float64(nil), x0...)} // rounding-level noise off x0
		if i := int(base) % (len(fuzzBases) + 1); i < len(fuzzBases) {
			b = fuzzBases[i]
		}
		obj := hostile{base: b, fault: fault % numFaults, r: r}
		orig := append([]float64(nil), x0...)
		settings := &Settings{MaxIterations: 200, MaxEvaluations: 3000, CurvatureMaxHVPs: 300}
		res, err := Minimize(obj, x0, method, settings)
		if x0[0] != orig[0] && !(x0[0] != x0[0]) || x0[1] != orig[1] && !(x0[1] != x0[1]) {
			t.Fatalf("x0 modified: %v → %v", orig, x0)
		}
		if (err == nil) != (res.Status.Err() == nil) {
			t.Fatalf("status %v with err %v", res.Status, err)
		}
		if res.Status == NotTerminated {
			t.Fatal("status NotTerminated")
		}
		if res.X == nil {
			if res.Status != NonFinite && res.Status != BadObjective {
				t.Fatalf("X nil with status %v (%v)", res.Status, err)
			}
			return
		}
		for _, v := range res.X {
			if !isFinite(v) {
				t.Fatalf("X = %v not finite (status %v)", res.X, res.Status)
			}
		}
		if !isFinite(res.F) {
			t.Fatalf("F = %v at a returned X (status %v)", res.F, res.Status)
		}
		f0 := obj.Eval(orig, nil)
		if monotone(method) && isFinite(f0) && !(res.F <= f0) {
			t.Fatalf("%T: F = %v > f(x0) = %v (status %v)", method, res.F, f0, res.Status)
		}
		if res.Status.Success() {
			g := make([]float64, 2)
			fx := obj.Eval(res.X, g)
			if gn := normInf(g); !(gn <= 1e-6) || fx != res.F || gn != res.GradNorm {
				t.Fatalf("%v claimed at X = %v with f = %v (Result.F %v), ‖∇f‖∞ = %v (Result %v)",
					res.Status, res.X, fx, res.F, gn, res.GradNorm)
			}
		}
	})
}
