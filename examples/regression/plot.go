package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/curvature-go/curvature/internal/plotutil"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// The figures' size: one panel per problem, side by side.
const (
	panelWidth  = 6.5 * vg.Inch
	panelHeight = 4.8 * vg.Inch
	plotDPI     = 144
	fitSamples  = 300 // points on each fitted curve
)

// methodStyles gives each method (in the order of methods) a colour and
// a dash pattern, so that curves lying on top of one another stay
// distinguishable.
var methodStyles = []draw.LineStyle{
	{Color: color.RGBA{R: 230, G: 120, B: 0, A: 255}, Width: vg.Points(1.6)},
	{Color: color.RGBA{R: 30, G: 100, B: 200, A: 255}, Width: vg.Points(1.6)},
	{Color: color.RGBA{R: 20, G: 150, B: 60, A: 255}, Width: vg.Points(1.6), Dashes: []vg.Length{vg.Points(7), vg.Points(3)}},
	{Color: color.RGBA{R: 200, G: 20, B: 30, A: 255}, Width: vg.Points(1.6), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}},
	{Color: color.RGBA{R: 190, G: 140, B: 220, A: 255}, Width: vg.Points(4.5)},
}

// writePlots writes prefix-loss.png and prefix-fit.png and returns their
// names.
func writePlots(prefix string, ps []problem, rs [][]outcome) ([]string, error) {
	var lossPanels, fitPanels []*plot.Plot
	for i, p := range ps {
		lp, err := lossPanel(p, rs[i])
		if err != nil {
			return nil, err
		}
		fp, err := fitPanel(p, rs[i])
		if err != nil {
			return nil, err
		}
		lossPanels, fitPanels = append(lossPanels, lp), append(fitPanels, fp)
	}
	files := []string{prefix + "-loss.png", prefix + "-fit.png"}
	for i, panels := range [][]*plot.Plot{lossPanels, fitPanels} {
		if err := savePanels(files[i], panels); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// lossPanel draws the training loss of every method against the work
// done, in passes over the training set, both on log scales: the first
// passes, where the methods differ most, get as much room as the last
// hundreds. A first-order curve starts after its first epoch, a
// full-batch one at its first evaluation (one pass, at the start point).
func lossPanel(p problem, outs []outcome) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = p.Name + ": training loss"
	pl.X.Label.Text = "passes over the training set"
	pl.Y.Label.Text = "training MSE"
	pl.X.Scale, pl.Y.Scale = plot.LogScale{}, plot.LogScale{}
	pl.X.Tick.Marker, pl.Y.Tick.Marker = plotutil.LogTicks{}, plotutil.LogTicks{}
	pl.Legend.Top = true
	pl.Add(plotter.NewGrid())
	// Draw the last methods first, so that where curves coincide (the
	// saddle escape is Newton-CG until a curvature probe) the earlier
	// ones stay visible on top.
	lines := make([]*plotter.Line, len(outs))
	for i := len(outs) - 1; i >= 0; i-- {
		var xys plotter.XYs
		for _, c := range outs[i].Curve {
			if c.Work >= 1 {
				xys = append(xys, plotter.XY{X: c.Work, Y: c.Loss})
			}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.LineStyle = methodStyles[i%len(methodStyles)]
		pl.Add(l)
		lines[i] = l
	}
	for i, o := range outs {
		unit := "evaluations"
		switch {
		case o.FirstOrder:
			unit = "epochs"
		case o.HVPs > 0:
			unit = "evaluations + HVPs"
		}
		pl.Legend.Add(fmt.Sprintf("%s (%s)", o.Method, unit), lines[i])
	}
	return pl, nil
}

// fitPanel draws the training and held-out points and the curve each
// method fitted.
func fitPanel(p problem, outs []outcome) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = p.Name + ": fitted curves"
	pl.X.Label.Text = "x"
	pl.Y.Label.Text = "y"
	pl.Legend.Top, pl.Legend.Left = true, true
	for _, d := range []struct {
		name   string
		data   *nn.Dataset
		filled bool
	}{{"training points", p.Train, true}, {"held-out points", p.Held, false}} {
		s, err := plotter.NewScatter(datasetXYs(d.data))
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: color.Gray{Y: 110}, Radius: vg.Points(2.2), Shape: draw.RingGlyph{}}
		if d.filled {
			s.GlyphStyle.Shape = draw.CircleGlyph{}
			s.GlyphStyle.Color = color.Gray{Y: 160}
		}
		pl.Add(s)
		pl.Legend.Add(d.name, s)
	}
	xs := sampleRange(p.Train, p.Held)
	params := p.Model.Params()
	saved := nn.Flatten(params)
	defer nn.Unflatten(params, saved)
	// Widest (last) first, as in lossPanel: the fits nearly coincide.
	lines := make([]*plotter.Line, len(outs))
	for i := len(outs) - 1; i >= 0; i-- {
		nn.Unflatten(params, outs[i].Params)
		y := nn.Predict(p.Model, tensor.New(append([]float64(nil), xs...), len(xs), 1)).Data()
		l, err := curveLine(xs, y)
		if err != nil {
			return nil, err
		}
		l.LineStyle = methodStyles[i%len(methodStyles)]
		pl.Add(l)
		lines[i] = l
	}
	for i, o := range outs {
		pl.Legend.Add(fmt.Sprintf("%s (held-out MSE %.3g)", o.Method, o.Held), lines[i])
	}
	if p.Truth != nil {
		y := make([]float64, len(xs))
		for i, x := range xs {
			y[i] = p.Truth(x)
		}
		l, err := curveLine(xs, y)
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(3), vg.Points(3)}}
		pl.Add(l)
		pl.Legend.Add("noiseless truth", l)
	}
	return pl, nil
}

// curveLine returns the line through the points (xs[i], ys[i]).
func curveLine(xs, ys []float64) (*plotter.Line, error) {
	xys := make(plotter.XYs, len(xs))
	for i := range xs {
		xys[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	return plotter.NewLine(xys)
}

// datasetXYs returns the (x, y) pairs of a dataset of shape [n, 1].
func datasetXYs(d *nn.Dataset) plotter.XYs {
	x, y := d.X.Data(), d.Y.Data()
	xys := make(plotter.XYs, len(x))
	for i := range x {
		xys[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	return xys
}

// sampleRange returns fitSamples evenly spaced x over the range of the
// data sets' inputs.
func sampleRange(ds ...*nn.Dataset) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, d := range ds {
		for _, x := range d.X.Data() {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	xs := make([]float64, fitSamples)
	for i := range xs {
		xs[i] = lo + (hi-lo)*float64(i)/(fitSamples-1)
	}
	return xs
}

// savePanels draws the panels side by side into one PNG.
func savePanels(file string, panels []*plot.Plot) error {
	w, h := panelWidth*vg.Length(len(panels)), panelHeight
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(plotDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	tiles := draw.Tiles{
		Rows: 1, Cols: len(panels),
		PadX: vg.Points(24), PadTop: vg.Points(8), PadBottom: vg.Points(8), PadLeft: vg.Points(8), PadRight: vg.Points(16),
	}
	canvases := plot.Align([][]*plot.Plot{panels}, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[0][i])
	}
	return plotutil.SavePNG(file, img)
}
