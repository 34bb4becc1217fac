//go:build !race

// The spirals-net checks train a network, a few seconds of work that the
// race detector would make minutes; they add nothing to its coverage.

package optim_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// spirals returns 2·perClass points on two interleaved spirals of 1.5 turns,
// labelled 0 and 1, with no randomness.
func spirals(perClass int) *nn.Dataset {
	x := make([]float64, 0, 4*perClass)
	y := make([]float64, 0, 2*perClass)
	for c := 0; c < 2; c++ {
		for i := 0; i < perClass; i++ {
			s := float64(i) / float64(perClass)
			r := 0.1 + 0.9*s
			th := 3*math.Pi*s + float64(c)*math.Pi
			x = append(x, r*math.Cos(th), r*math.Sin(th))
			y = append(y, float64(c))
		}
	}
	return nn.NewDataset(tensor.New(x, 2*perClass, 2), tensor.New(y, 2*perClass))
}

// spiralsNet is a 2-32-32-2 tanh network (1,218 parameters) on 600 spiral
// points with the cross-entropy loss, trained by 3,000 full-batch Adam
// steps (learning rate 0.01) from a fixed initialisation.
type spiralsNet struct {
	model   *nn.MLP
	data    *nn.Dataset
	obj     optim.Objective
	trained []float64
}

var (
	spiralsOnce sync.Once
	spiralsVal  *spiralsNet
)

func trainedSpirals(t testing.TB) *spiralsNet {
	spiralsOnce.Do(func() {
		data := spirals(300)
		m := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), nn.Tanh, 2, 32, 32, 2)
		obj := nn.NewObjective(m, nn.CrossEntropy, data)
		res, _ := optim.Minimize(obj, nn.Flatten(m.Params()), optim.Adam{LearningRate: 0.01},
			&optim.Settings{MaxIterations: 3000})
		spiralsVal = &spiralsNet{model: m, data: data, obj: obj, trained: res.X}
	})
	if spiralsVal.trained == nil {
		t.Fatal("training the spirals net failed")
	}
	return spiralsVal
}

// TestSpiralsSaddleEscape: from the Adam solution, SaddleEscape at its
// defaults ends SecondOrderStationary within a few thousand HVPs: the
// shallow negative curvature left at a trained network (λ_min ≈ −1e-7
// beside ‖H‖ ≈ 3e-4) lies inside the ε-SOSP threshold √(ρ·ε). A purely
// relative threshold of 1e-6·‖H‖ at the same point calls it a saddle.
func TestSpiralsSaddleEscape(t *testing.T) {
	net := trainedSpirals(t)
	if n := net.obj.Dim(); n != 1218 {
		t.Fatalf("%d parameters, want 1218", n)
	}
	start := time.Now()
	res, err := optim.Minimize(net.obj, net.trained, optim.SaddleEscape{}, nil)
	took := time.Since(start)
	if err != nil || res.Status != optim.SecondOrderStationary {
		t.Fatalf("status %v, err %v", res.Status, err)
	}
	if res.Escapes > 2 || res.HessVecEvals > 5000 {
		t.Errorf("%d escapes, %d HVPs: the defaults chase curvature at noise level", res.Escapes, res.HessVecEvals)
	}
	if !(res.LambdaMin < 0) || !(res.LambdaMin >= -res.CurvatureTol) {
		t.Errorf("λ_min ≤ %v, τ = %v: want a shallow negative value inside the threshold", res.LambdaMin, res.CurvatureTol)
	}
	t.Logf("SaddleEscape: f = %.3g, ‖g‖∞ = %.3g, λ_min ≤ %.3g, τ = %.3g, %d escapes, %d HVPs, %d evaluations, %v",
		res.F, res.GradNorm, res.LambdaMin, res.CurvatureTol, res.Escapes, res.HessVecEvals, res.FuncEvals, took)

	rel, err := optim.Minimize(net.obj, res.X, optim.LBFGS{}, &optim.Settings{CheckCurvature: true, CurvatureTolerance: 1e-6})
	if rel.Status != optim.Saddle || !errors.Is(err, optim.ErrSaddle) {
		t.Errorf("relative threshold 1e-6·‖H‖: status %v, want Saddle (the case the default rule exists for)", rel.Status)
	}
}

// TestSpiralsClassify: at the Newton-CG solution, Classify at its defaults
// does not call the network a saddle because of its λ_min ≈ −1e-7 beside
// λ_max ≈ 3e-4, while the relative tolerance 1e-8·‖H‖ does.
func TestSpiralsClassify(t *testing.T) {
	net := trainedSpirals(t)
	ncg, err := optim.Minimize(net.obj, net.trained, optim.NewtonCG{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), nn.Tanh, 2, 32, 32, 2)
	f := nn.LossFunc(m, nn.CrossEntropy, net.data.X, net.data.Y)
	c := hvp.Classify(hvp.At(f, ncg.X), nil)
	if c.Kind == hvp.Saddle || !c.Critical {
		t.Errorf("Kind %v, Critical %v; want a critical point that is not a saddle", c.Kind, c.Critical)
	}
	if !(c.MinEigenvalue < -1e-8*c.MaxEigenvalue) {
		t.Errorf("λ_min = %v, λ_max = %v: the test needs negative curvature beyond 1e-8·‖H‖", c.MinEigenvalue, c.MaxEigenvalue)
	}
	t.Logf("Classify: %v, f = %.3g, ‖g‖∞ = %.3g, λ = [%.3g, %.3g], tol = %.3g (ρ ≈ %.3g), %d HVPs",
		c.Kind, c.Value, c.GradNormInf, c.MinEigenvalue, c.MaxEigenvalue, c.Tol, c.Rho, c.HVPs)
	rel := hvp.Classify(hvp.At(f, ncg.X), &hvp.ClassifySettings{RelTol: 1e-8})
	if rel.Kind != hvp.Saddle {
		t.Errorf("RelTol 1e-8: Kind %v, want Saddle", rel.Kind)
	}
}

// BenchmarkSpiralsSaddleEscape measures SaddleEscape at its defaults from
// the Adam solution of the spirals net (training is not timed).
func BenchmarkSpiralsSaddleEscape(b *testing.B) {
	net := trainedSpirals(b)
	b.ReportAllocs()
	var hvps int
	for b.Loop() {
		res, err := optim.Minimize(net.obj, net.trained, optim.SaddleEscape{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		hvps = res.HessVecEvals
	}
	b.ReportMetric(float64(hvps), "HVPs/op")
}
