package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/nn"
)

// analysis is the curvature of the trained network's loss.
type analysis struct {
	LR        float64 // of the run analysed
	Dim       int
	Loss      float64
	Accuracy  float64
	Exact     []float64 // every eigenvalue of H, ascending
	ExactTime time.Duration

	Top, TopGGN       hvp.LanczosResult // the five largest of H and of G
	Min               hvp.LanczosResult // λ_min of H
	TraceExact        float64
	Hutch, HutchPP    hvp.TraceEstimate
	TraceGGN          hvp.TraceEstimate
	Density           hvp.SpectralDensity
	DensityTime       time.Duration
	ExactDensity      []float64 // the exact eigenvalues broadened as Density
	Mass, L1          float64   // ∫ of the SLQ density; ∫|SLQ − exact|
	Moment1, Moment2  float64   // n·Moment(1), n·Moment(2)
	TraceSq           float64   // tr(H²)
	LineT, LineTop    []float64 // loss along the top eigenvector
	LineModel         []float64 // the quadratic model there
	LineA, LineRandom []float64 // loss along a filter-normalised direction
	PlaneT            []float64
	Plane             [][]float64 // loss on the plane of the top two eigenvectors
}

// analyse examines the network of run r at its final parameters.
func analyse(d *nn.Dataset, r trainRun, o options) (analysis, error) {
	m := r.Model
	p := nn.Curvature(m, nn.MSE, d)
	n := p.Dim()
	a := analysis{LR: r.LR, Dim: n, Loss: p.Value(), Accuracy: accuracy(m, d)}

	t0 := time.Now()
	var eig mat.EigenSym
	if !eig.Factorize(hvp.Dense(p), false) {
		return a, fmt.Errorf("eigendecomposition of the %d×%d Hessian failed", n, n)
	}
	a.Exact = eig.Values(nil)
	a.ExactTime = time.Since(t0)
	for _, l := range a.Exact {
		a.TraceExact += l
		a.TraceSq += l * l
	}

	var err error
	top := &hvp.LanczosSettings{K: 5, Which: hvp.Largest, Tol: 1e-8, Seed: o.seed}
	if a.Top, err = hvp.Lanczos(p, top); err != nil {
		return a, err
	}
	if a.Min, err = hvp.Lanczos(p, &hvp.LanczosSettings{Which: hvp.Smallest, Tol: 1e-8, Seed: o.seed}); err != nil {
		return a, err
	}
	g := nn.GaussNewton(m, nn.MSE, d)
	if a.TopGGN, err = hvp.Lanczos(g, top); err != nil {
		return a, err
	}
	ts := &hvp.TraceSettings{Samples: 99, Seed: o.seed}
	if a.Hutch, err = hvp.Trace(p, ts); err != nil {
		return a, err
	}
	if a.HutchPP, err = hvp.TraceHutchPP(p, ts); err != nil {
		return a, err
	}
	if a.TraceGGN, err = hvp.TraceHutchPP(g, ts); err != nil {
		return a, err
	}

	t0 = time.Now()
	if a.Density, err = hvp.Density(p, &hvp.DensitySettings{Probes: 4, Steps: 80, Seed: o.seed}); err != nil {
		return a, err
	}
	a.DensityTime = time.Since(t0)
	sd := a.Density
	a.ExactDensity = make([]float64, len(sd.Grid))
	for i, x := range sd.Grid {
		for _, l := range a.Exact {
			z := (x - l) / sd.Sigma
			a.ExactDensity[i] += math.Exp(-z*z/2) / (sd.Sigma * math.Sqrt(2*math.Pi)) / float64(n)
		}
	}
	for i := 1; i < len(sd.Grid); i++ {
		h := sd.Grid[i] - sd.Grid[i-1]
		a.Mass += h * (sd.Values[i] + sd.Values[i-1]) / 2
		a.L1 += h * (math.Abs(sd.Values[i]-a.ExactDensity[i]) + math.Abs(sd.Values[i-1]-a.ExactDensity[i-1])) / 2
	}
	a.Moment1, a.Moment2 = float64(n)*sd.Moment(1), float64(n)*sd.Moment(2)

	// Landscape: along the top eigenvector (unit length) with the quadratic
	// model beside it, along a filter-normalised random direction, and on
	// the plane of the two top eigenvectors.
	obj := nn.NewObjective(m, nn.MSE, d)
	theta := nn.Flatten(m.Params())
	u1, u2 := a.Top.Vectors[4], a.Top.Vectors[3]
	a.LineT = span(-0.6, 0.6, 61)
	a.LineTop = hvp.Line(obj, theta, u1, a.LineT)
	model := hvp.Taylor(p)
	for _, t := range a.LineT {
		step := make([]float64, n)
		for i := range step {
			step[i] = t * u1[i]
		}
		a.LineModel = append(a.LineModel, model.Predict(step))
	}
	a.LineA = span(-1, 1, 61)
	dir := nn.FilterNormalized(rand.New(rand.NewPCG(o.seed, 3)), m.Params())
	a.LineRandom = hvp.Line(obj, theta, dir, a.LineA)
	a.PlaneT = span(-0.6, 0.6, 7)
	a.Plane = hvp.Plane(obj, theta, u1, u2, a.PlaneT, a.PlaneT)
	return a, nil
}

// span returns k evenly spaced values from lo to hi.
func span(lo, hi float64, k int) []float64 {
	out := make([]float64, k)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(k-1)
	}
	return out
}

// accuracy returns the fraction of points whose larger output is their
// class.
func accuracy(m nn.Model, d *nn.Dataset) float64 {
	out := nn.Predict(m, d.X).Data()
	y := d.Y.Data()
	right := 0
	for i := 0; i < d.Len(); i++ {
		if (out[2*i] > out[2*i+1]) == (y[2*i] > y[2*i+1]) {
			right++
		}
	}
	return float64(right) / float64(d.Len())
}
