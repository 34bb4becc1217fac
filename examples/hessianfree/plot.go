package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var palette = []color.Color{
	color.RGBA{R: 200, G: 30, B: 30, A: 255},
	color.RGBA{R: 30, G: 100, B: 200, A: 255},
	color.RGBA{R: 20, G: 150, B: 60, A: 255},
	color.RGBA{R: 220, G: 140, B: 0, A: 255},
}

// writePlot writes the training loss of every method against passes and
// against seconds, side by side, both axes logarithmic, to file.
func writePlot(file string, p problem, runs []methodRun) error {
	left, err := lossPlot(p, runs, true)
	if err != nil {
		return err
	}
	right, err := lossPlot(p, runs, false)
	if err != nil {
		return err
	}
	img := vgimg.New(12*vg.Inch, 4.5*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 4, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2,
		PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align([][]*plot.Plot{{left, right}}, tiles, dc)
	left.Draw(canvases[0][0])
	right.Draw(canvases[0][1])
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// lossPlot draws the loss curves against passes or against seconds.
func lossPlot(p problem, runs []methodRun, byPasses bool) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = p.short + ": training loss against work (Gauss–Newton product: 1 pass, HVP: 2)"
	pl.X.Label.Text = "passes over the data"
	if !byPasses {
		pl.Title.Text = p.short + ": training loss against time"
		pl.X.Label.Text = "seconds"
	}
	pl.Y.Label.Text = "training loss"
	pl.X.Scale, pl.Y.Scale = plot.LogScale{}, plot.LogScale{}
	pl.X.Tick.Marker, pl.Y.Tick.Marker = powerTicks{}, powerTicks{}
	pl.Add(plotter.NewGrid())
	pl.Legend.Left = true // the lower left is empty: the curves start high and fall
	xmin, ymin := math.Inf(1), math.Inf(1)
	for _, r := range runs {
		for _, q := range r.Curve[1:] {
			x := q.Passes
			if !byPasses {
				x = q.Seconds
			}
			if x > 0 {
				xmin = math.Min(xmin, x)
			}
			ymin = math.Min(ymin, q.Loss)
		}
	}
	for i, r := range runs {
		var xys plotter.XYs
		for _, q := range r.Curve[1:] {
			x := q.Passes
			if !byPasses {
				x = q.Seconds
			}
			if x > 0 && q.Loss > 0 {
				xys = append(xys, plotter.XY{X: x, Y: q.Loss})
			}
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", p.short, r.Name, err)
		}
		l.LineStyle = draw.LineStyle{Color: palette[i%len(palette)], Width: vg.Points(1.5)}
		pl.Add(l)
		pl.Legend.Add(r.Name, l)
	}
	pl.X.Min = xmin
	pl.Y.Min = math.Max(ymin, 1e-12)
	return pl, nil
}

// powerTicks marks and labels the powers of ten of an axis.
type powerTicks struct{}

// Ticks returns a labelled tick at each power of ten in [lo, hi].
func (powerTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for k := math.Floor(math.Log10(lo)); k <= math.Ceil(math.Log10(hi)); k++ {
		if x := math.Pow(10, k); x >= lo*(1-1e-9) && x <= hi*(1+1e-9) {
			label := strconv.FormatFloat(x, 'g', 1, 64)
			if x >= 1 && x < 1e6 {
				label = strconv.FormatFloat(x, 'f', 0, 64)
			}
			ticks = append(ticks, plot.Tick{Value: x, Label: label})
		}
	}
	return ticks
}
