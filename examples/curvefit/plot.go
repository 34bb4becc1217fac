package main

import (
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/plotutil"
	"github.com/curvature-go/curvature/optim/curvefit"
	"github.com/curvature-go/curvature/tensor"
)

const bandSamples = 200

// band returns the fitted curve ŷ(x) on a grid and the half-width of its
// 95 % confidence band, 1.96·√(gᵀCg) with g = ∂ŷ/∂θ (exact, by the tape)
// and C the fit's covariance.
func band(fit *curvefit.Result, lo, hi float64) (xs, ys, half []float64) {
	xs = make([]float64, bandSamples)
	for i := range xs {
		xs[i] = lo + (hi-lo)*float64(i)/float64(bandSamples-1)
	}
	xt := tensor.FromSlice(xs)
	curve := func(th *graph.Node) *graph.Node { return misra(th.Tape().Const(xt), th) }
	G := ad.Jacobian(curve, fit.Theta) // bandSamples × n, forward mode
	l := ad.Linearize(curve, fit.Theta)
	ys = l.Value(nil)
	half = make([]float64, bandSamples)
	var cg mat.VecDense
	for i := range xs {
		g := G.RowView(i)
		cg.MulVec(fit.Covariance, g)
		half[i] = 1.96 * math.Sqrt(mat.Dot(g, &cg))
	}
	return xs, ys, half
}

func writePlot(file string, fit *curvefit.Result) error {
	p := plot.New()
	p.Title.Text = "Misra1a: y = b1·(1 − exp(−b2·x)), Levenberg–Marquardt fit"
	p.X.Label.Text = "pressure x"
	p.Y.Label.Text = "volume y"
	p.Legend.Top, p.Legend.Left = true, true

	xs, ys, half := band(fit, 0, 800)
	upper, lower, mid := make(plotter.XYs, len(xs)), make(plotter.XYs, len(xs)), make(plotter.XYs, len(xs))
	for i := range xs {
		mid[i] = plotter.XY{X: xs[i], Y: ys[i]}
		upper[i] = plotter.XY{X: xs[i], Y: ys[i] + half[i]}
		lower[i] = plotter.XY{X: xs[i], Y: ys[i] - half[i]}
	}
	// The band as a closed polygon: upper edge left to right, lower back.
	poly := append(plotter.XYs(nil), upper...)
	for i := len(lower) - 1; i >= 0; i-- {
		poly = append(poly, lower[i])
	}
	bandPoly, err := plotter.NewPolygon(poly)
	if err != nil {
		return err
	}
	bandPoly.Color = color.NRGBA{R: 120, G: 170, B: 230, A: 110}
	bandPoly.LineStyle.Width = 0
	curve, err := plotter.NewLine(mid)
	if err != nil {
		return err
	}
	curve.LineStyle = draw.LineStyle{Color: color.RGBA{R: 30, G: 80, B: 180, A: 255}, Width: vg.Points(1.5)}

	s := math.Sqrt(fit.RedChiSq)
	pts := make(plotter.XYs, len(misraX))
	errs := make(plotter.YErrors, len(misraX))
	for i := range misraX {
		pts[i] = plotter.XY{X: misraX[i], Y: misraY[i]}
		errs[i].Low, errs[i].High = s, s
	}
	data := struct {
		plotter.XYs
		plotter.YErrors
	}{pts, errs}
	bars, err := plotter.NewYErrorBars(data)
	if err != nil {
		return err
	}
	bars.LineStyle.Width = vg.Points(1)
	scatter, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	scatter.GlyphStyle = draw.GlyphStyle{Color: color.RGBA{R: 200, G: 40, B: 30, A: 255}, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}

	p.Add(bandPoly, curve, bars, scatter)
	p.Legend.Add("95% confidence band of the fit", bandPoly)
	p.Legend.Add("fit", curve)
	p.Legend.Add("data ± s (residual std. dev.)", scatter)

	// The same, relative to the fit: at the data's scale the band and the
	// error bars are thinner than the line.
	q := plot.New()
	q.Title.Text = "residuals y − ŷ with ± s error bars, and the 95% band of ŷ"
	q.X.Label.Text = "pressure x"
	q.Y.Label.Text = "y − ŷ"
	rel := make(plotter.XYs, 0, 2*len(xs))
	for i := range xs {
		rel = append(rel, plotter.XY{X: xs[i], Y: half[i]})
	}
	for i := len(xs) - 1; i >= 0; i-- {
		rel = append(rel, plotter.XY{X: xs[i], Y: -half[i]})
	}
	relPoly, err := plotter.NewPolygon(rel)
	if err != nil {
		return err
	}
	relPoly.Color = bandPoly.Color
	relPoly.LineStyle.Width = 0
	// The fit's residuals are y − ŷ (the data minus the model).
	res := make(plotter.XYs, len(misraX))
	for i := range misraX {
		res[i] = plotter.XY{X: misraX[i], Y: fit.Residuals[i]}
	}
	resBars, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{res, errs})
	if err != nil {
		return err
	}
	resScatter, err := plotter.NewScatter(res)
	if err != nil {
		return err
	}
	resScatter.GlyphStyle = scatter.GlyphStyle
	zero, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 800, Y: 0}})
	if err != nil {
		return err
	}
	zero.LineStyle = curve.LineStyle
	q.Add(relPoly, zero, resBars, resScatter)

	const w, h = 7 * vg.Inch, 4.2 * vg.Inch
	img := vgimg.New(w, 2*h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1}
	canvases := plot.Align([][]*plot.Plot{{p}, {q}}, tiles, dc)
	p.Draw(canvases[0][0])
	q.Draw(canvases[1][0])
	return plotutil.SavePNG(file, img)
}
