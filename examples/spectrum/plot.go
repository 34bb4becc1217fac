package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

const (
	plotWidth  = 7 * vg.Inch
	plotHeight = 4.5 * vg.Inch
)

var palette = []color.Color{
	color.RGBA{R: 30, G: 100, B: 200, A: 255},
	color.RGBA{R: 220, G: 90, B: 0, A: 255},
	color.RGBA{R: 20, G: 150, B: 60, A: 255},
}

// writePlots writes the three figures and returns their file names.
func writePlots(prefix string, runs []trainRun, a analysis) ([]string, error) {
	files := []string{prefix + "-sharpness.png", prefix + "-density.png", prefix + "-landscape.png"}
	makers := []func() (*plot.Plot, error){
		func() (*plot.Plot, error) { return sharpnessPlot(runs) },
		func() (*plot.Plot, error) { return densityPlot(a) },
		func() (*plot.Plot, error) { return landscapePlot(a) },
	}
	for i, mk := range makers {
		p, err := mk()
		if err != nil {
			return nil, err
		}
		if err := p.Save(plotWidth, plotHeight, files[i]); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// sharpnessPlot draws λ_max against the step for each learning rate, with
// its bound 2/η dashed.
func sharpnessPlot(runs []trainRun) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Sharpness during full-batch gradient descent: the edge of stability"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "λ_max of the Hessian"
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	for i, r := range runs {
		xys := make(plotter.XYs, len(r.Curve))
		for k, c := range r.Curve {
			xys[k] = plotter.XY{X: float64(c.Step), Y: c.LambdaMax}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: palette[i%len(palette)], Width: vg.Points(1.5)}
		bound, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 2 / r.LR}, {X: float64(r.Curve[len(r.Curve)-1].Step), Y: 2 / r.LR}})
		if err != nil {
			return nil, err
		}
		bound.LineStyle = draw.LineStyle{Color: palette[i%len(palette)], Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
		p.Add(l, bound)
		p.Legend.Add(fmt.Sprintf("λ_max, η = %g", r.LR), l)
		p.Legend.Add(fmt.Sprintf("2/η = %g", 2/r.LR), bound)
	}
	top := 0.0
	for _, r := range runs {
		top = math.Max(top, 2/r.LR)
		for _, c := range r.Curve {
			top = math.Max(top, c.LambdaMax)
		}
	}
	p.Y.Min, p.Y.Max = 0, 1.4*top // room for the legend above the curves
	return p, nil
}

// densityPlot draws the SLQ density and the exact one, broadened alike, on
// a logarithmic density axis as PyHessian draws it.
func densityPlot(a analysis) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Hessian eigenvalue density, %d parameters", a.Dim)
	p.X.Label.Text = "eigenvalue"
	p.Y.Label.Text = "density (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	const floor = 1e-6 // a log axis cannot show the zeros of the tails
	for i, s := range []struct {
		name string
		y    []float64
		w    float64
	}{
		{fmt.Sprintf("stochastic Lanczos quadrature (%d HVPs)", a.Density.HVPs), a.Density.Values, 2.5},
		{"exact (dense eigendecomposition)", a.ExactDensity, 1},
	} {
		xys := make(plotter.XYs, len(a.Density.Grid))
		for k, x := range a.Density.Grid {
			xys[k] = plotter.XY{X: x, Y: math.Max(s.y[k], floor)}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: palette[i], Width: vg.Points(s.w)}
		if i == 1 {
			l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	p.Y.Min = floor
	return p, nil
}

// landscapePlot draws the loss along the top eigenvector with its
// quadratic model, and along a filter-normalised random direction.
func landscapePlot(a analysis) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Loss landscape through the trained point"
	p.X.Label.Text = "t along u₁ (unit length) / α along the filter-normalised direction"
	p.Y.Label.Text = "training loss"
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	for i, s := range []struct {
		name string
		x, y []float64
	}{
		{"along the top eigenvector u₁", a.LineT, a.LineTop},
		{"quadratic model along u₁", a.LineT, a.LineModel},
		{"along a filter-normalised random direction", a.LineA, a.LineRandom},
	} {
		xys := make(plotter.XYs, len(s.x))
		for k := range s.x {
			xys[k] = plotter.XY{X: s.x[k], Y: s.y[k]}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: palette[i], Width: vg.Points(1.6)}
		if i == 1 {
			l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	top := 0.0
	for _, ys := range [][]float64{a.LineTop, a.LineModel, a.LineRandom} {
		for _, y := range ys {
			top = math.Max(top, y)
		}
	}
	p.Y.Min, p.Y.Max = 0, 1.45*top // room for the legend above the curves
	p.Legend.Top = true
	return p, nil
}
