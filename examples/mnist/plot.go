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

var (
	trainStyle = draw.LineStyle{Color: color.RGBA{R: 30, G: 100, B: 200, A: 255}, Width: vg.Points(1.6)}
	testStyle  = draw.LineStyle{Color: color.RGBA{R: 220, G: 90, B: 0, A: 255}, Width: vg.Points(1.6),
		Dashes: []vg.Length{vg.Points(6), vg.Points(3)}}
)

// writePlot writes to path a PNG of two panels: the training and test loss
// per epoch (on a log scale), and the training and test accuracy in
// percent.
func writePlot(path, model string, hist []record) error {
	loss := plot.New()
	loss.Title.Text = fmt.Sprintf("MNIST %s: cross-entropy", model)
	loss.X.Label.Text = "epoch"
	loss.Y.Label.Text = "loss"
	loss.Y.Scale, loss.Y.Tick.Marker = plot.LogScale{}, logTicks{}
	loss.Legend.Top = true
	acc := plot.New()
	acc.Title.Text = fmt.Sprintf("MNIST %s: accuracy", model)
	acc.X.Label.Text = "epoch"
	acc.Y.Label.Text = "accuracy, %"
	acc.Legend.Left = false
	for _, p := range []*plot.Plot{loss, acc} {
		p.Add(plotter.NewGrid())
		p.Legend.XOffs = -vg.Points(12)
		p.X.Tick.Marker = epochTicks{}
	}
	series := func(f func(r record) float64) plotter.XYs {
		xy := make(plotter.XYs, len(hist))
		for i, r := range hist {
			xy[i].X, xy[i].Y = float64(r.Epoch), f(r)
		}
		return xy
	}
	for _, s := range []struct {
		p     *plot.Plot
		name  string
		style draw.LineStyle
		f     func(r record) float64
	}{
		{loss, "training (mean over the epoch)", trainStyle, func(r record) float64 { return r.TrainLoss }},
		{loss, "test", testStyle, func(r record) float64 { return r.TestLoss }},
		{acc, "training (first 10,000)", trainStyle, func(r record) float64 { return 100 * r.TrainAcc }},
		{acc, "test", testStyle, func(r record) float64 { return 100 * r.TestAcc }},
	} {
		l, pts, err := plotter.NewLinePoints(series(s.f))
		if err != nil {
			return err
		}
		l.LineStyle = s.style
		pts.Color = s.style.Color
		s.p.Add(l, pts)
		s.p.Legend.Add(s.name, l)
	}
	const w, h = 6 * vg.Inch, 4.5 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(2*w, h), vgimg.UseDPI(144))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2}
	canvases := plot.Align([][]*plot.Plot{{loss, acc}}, tiles, dc)
	loss.Draw(canvases[0][0])
	acc.Draw(canvases[0][1])
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// logTicks labels a log axis at 1, 2 and 5 times the powers of ten in its
// range, with unlabelled minor ticks at the other integers, so that even
// a range of less than a decade gets several labels.
type logTicks struct{}

// Ticks returns the ticks between lo and hi.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		p := math.Pow(10, e)
		for k := 1; k <= 9; k++ {
			v := float64(k) * p
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if k == 1 || k == 2 || k == 5 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// epochTicks labels every epoch when there are few, and every few
// otherwise.
type epochTicks struct{}

// Ticks returns the ticks between lo and hi.
func (epochTicks) Ticks(lo, hi float64) []plot.Tick {
	step := math.Max(1, math.Ceil((hi-lo)/10))
	var ts []plot.Tick
	for v := math.Ceil(lo); v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ts
}
