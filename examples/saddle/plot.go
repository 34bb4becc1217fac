package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/internal/plotutil"
	"github.com/curvature-go/curvature/optim"
)

// The plot's settings.
const (
	gridSize  = 201 // grid points per axis of the surface
	plotGDMax = 300 // gradient descent steps drawn at most
	newtonMax = 30  // pure Newton steps drawn at most
	plotDPI   = 144
)

// offSaddle is added to the start point for the methods that cannot leave
// an exact critical point (gradient descent, Newton): started exactly on
// the saddle they would not move at all.
var offSaddle = []float64{0.01, -0.005}

// contourLevels are the loss values drawn as contour lines; L = 1 is the
// level of the saddle, whose contour is the two axes.
var contourLevels = []float64{0.02, 0.1, 0.3, 0.6, 1.5, 3, 6, 12}

// paths are the optimisation paths drawn on the surface.
type paths struct {
	gd, newton, newtonCG, escape []iterate
	offStart                     []float64
}

// computePaths runs each method drawn on the plot.
func computePaths(x float64, w0 []float64, base optim.Method) (paths, error) {
	off := axpy(w0, 1, offSaddle)
	p := paths{offStart: off}
	p.gd = gradientDescent(x, off, gdRate, plotGDMax)
	p.gd = untilConverged(p.gd, 1e-8)
	p.newton = newtonPath(x, off, newtonMax)
	var err error
	if _, p.newtonCG, err = minimizePath(x, off, optim.NewtonCG{}); err != nil {
		return p, fmt.Errorf("Newton-CG: %w", err)
	}
	if _, p.escape, err = escapeSaddle(x, w0, base); err != nil {
		return p, fmt.Errorf("saddle escape: %w", err)
	}
	return p, nil
}

// untilConverged cuts a path after the first iterate with loss below tol:
// the rest would be drawn on top of it.
func untilConverged(path []iterate, tol float64) []iterate {
	for i, it := range path {
		if it.Loss < tol {
			return path[:i+1]
		}
	}
	return path
}

// newtonPath runs the pure Newton iteration w ← w − H⁻¹∇L, without a
// trust region or line search, for at most steps steps. It is drawn to
// show the classic warning: Newton's method jumps to the nearest
// critical point of the quadratic model, and near a saddle that is the
// saddle. It stops early if H is singular or the step is negligible.
func newtonPath(x float64, w0 []float64, steps int) []iterate {
	f := lossFunc(x)
	w := append([]float64(nil), w0...)
	var path []iterate
	for k := 0; ; k++ {
		val, g := ad.ValueAndGrad(f, w)
		path = append(path, iterate{W: append([]float64(nil), w...), Loss: val, GradNorm: math.Max(math.Abs(g[0]), math.Abs(g[1]))})
		if k == steps {
			return path
		}
		var step mat.VecDense
		if err := step.SolveVec(hvp.Hessian(f, w), mat.NewVecDense(2, g)); err != nil {
			return path
		}
		if math.Hypot(step.AtVec(0), step.AtVec(1)) < 1e-14 {
			return path
		}
		w[0] -= step.AtVec(0)
		w[1] -= step.AtVec(1)
	}
}

// drawPlot writes the loss surface around w0 with the optimisation paths
// to file as a PNG.
func drawPlot(file string, x float64, w0 []float64, base optim.Method) error {
	ps, err := computePaths(x, w0, base)
	if err != nil {
		return err
	}
	lim := plotLimit(ps)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("L(w1,w2) = (1 − w1·w2·x)², x = %g", x)
	p.X.Label.Text = "w1"
	p.Y.Label.Text = "w2"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -lim, lim, -lim, lim
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Tick.Marker = halfTicks{}
	p.Y.Tick.Marker = halfTicks{}
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true

	if err := addSurface(p, &leg, x, lim); err != nil {
		return err
	}
	if err := addValley(p, &leg, x, lim); err != nil {
		return err
	}
	// The saddle escape is drawn first and widest: gradient descent
	// leaves along the same diagonal and is drawn over it.
	for _, s := range []struct {
		name  string
		path  []iterate
		color color.Color
		width vg.Length
	}{
		{"saddle escape from " + pt(w0), ps.escape, color.RGBA{R: 210, G: 20, B: 30, A: 255}, 4},
		{"Newton-CG (trust region) from " + pt(ps.offStart), ps.newtonCG, color.RGBA{R: 20, G: 140, B: 60, A: 255}, 2},
		{fmt.Sprintf("gradient descent (lr %g) from %s", gdRate, pt(ps.offStart)), ps.gd, color.RGBA{R: 245, G: 150, B: 0, A: 255}, 1.5},
		{"pure Newton from " + pt(ps.offStart), ps.newton, color.RGBA{R: 150, G: 40, B: 170, A: 255}, 1.5},
	} {
		if err := addPath(p, &leg, s.name, s.path, s.color, s.width); err != nil {
			return err
		}
	}
	if err := addSaddleMark(p, &leg); err != nil {
		return err
	}
	return save(p, &leg, notes(x, w0, ps), file)
}

// addSurface shades the loss surface and draws its contour lines.
func addSurface(p *plot.Plot, leg *plot.Legend, x, lim float64) error {
	grid := newSurface(x, lim)
	pal, err := shading()
	if err != nil {
		return err
	}
	// Shade by √L = |1 − w1·w2·x|, the size of the residual: L itself
	// would paint everything but the far corners in the palest colour.
	heat := plotter.NewHeatMap(residual{grid}, pal)
	heat.Min, heat.Max = 0, math.Sqrt(contourLevels[len(contourLevels)-1])
	heat.Overflow = pal.Colors()[len(pal.Colors())-1]
	heat.Rasterized = true
	p.Add(heat)

	// No palette: every level is drawn in the one grey line style.
	cont := plotter.NewContour(grid, contourLevels, nil)
	cont.LineStyles = []draw.LineStyle{{Color: color.Gray{Y: 90}, Width: vg.Points(0.6)}}
	p.Add(cont)
	leg.Add("contours of L at "+levelList(), &plotter.Line{LineStyle: cont.LineStyles[0]})
	return nil
}

// plotLimit returns the half-width of the square drawn: at least 2, and
// wide enough for every path.
func plotLimit(ps paths) float64 {
	lim := 2.0
	for _, path := range [][]iterate{ps.gd, ps.newton, ps.newtonCG, ps.escape} {
		for _, it := range path {
			lim = math.Max(lim, 1.1*math.Max(math.Abs(it.W[0]), math.Abs(it.W[1])))
		}
	}
	return math.Min(lim, 10) // a diverging path is cut off rather than squeezing the surface
}

// surface is L sampled on a square grid, as a plotter.GridXYZ.
type surface struct {
	lim float64
	z   []float64 // row-major, gridSize×gridSize, rows along w2
}

func newSurface(x, lim float64) surface {
	s := surface{lim: lim, z: make([]float64, gridSize*gridSize)}
	for r := 0; r < gridSize; r++ {
		for c := 0; c < gridSize; c++ {
			// L in closed form: the grid is only for drawing, and 40 000
			// tape recordings would be slow for nothing.
			e := 1 - s.X(c)*s.Y(r)*x
			s.z[r*gridSize+c] = e * e
		}
	}
	return s
}

// residual is the surface shaded by √L.
type residual struct{ surface }

func (s residual) Z(c, r int) float64 { return math.Sqrt(s.surface.Z(c, r)) }

// shading returns a palette from near-white (low loss) to dark blue
// (high loss) whose luminance falls linearly, so that equal steps of √L
// look like equal steps of shade (Moreland's luminance-linear maps).
func shading() (palette.Palette, error) {
	cmap, err := moreland.NewLuminance([]color.Color{
		color.RGBA{R: 8, G: 48, B: 107, A: 255},
		color.RGBA{R: 33, G: 113, B: 181, A: 255},
		color.RGBA{R: 107, G: 174, B: 214, A: 255},
		color.RGBA{R: 198, G: 219, B: 239, A: 255},
		color.RGBA{R: 250, G: 252, B: 255, A: 255},
	})
	if err != nil {
		return nil, err
	}
	return palette.Reverse(cmap).Palette(256), nil
}

// Dims, Z, X and Y make a surface a plotter.GridXYZ.
func (s surface) Dims() (c, r int)   { return gridSize, gridSize }
func (s surface) Z(c, r int) float64 { return s.z[r*gridSize+c] }
func (s surface) X(c int) float64    { return -s.lim + 2*s.lim*float64(c)/(gridSize-1) }
func (s surface) Y(r int) float64    { return s.X(r) }

// addValley draws the curve of minima w1·w2·x = 1, where L = 0.
func addValley(p *plot.Plot, leg *plot.Legend, x, lim float64) error {
	if x == 0 {
		return nil // L ≡ 1: no valley
	}
	style := draw.LineStyle{Color: color.Black, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	for _, sign := range []float64{1, -1} {
		var xys plotter.XYs
		// Parametrise by w1 on a geometric grid, clipped to the square.
		for t := -6.0; t <= 6; t += 0.01 {
			w1 := sign * math.Exp(t)
			w2 := 1 / (x * w1)
			if math.Abs(w1) <= lim && math.Abs(w2) <= lim {
				xys = append(xys, plotter.XY{X: w1, Y: w2})
			}
		}
		if len(xys) < 2 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		l.LineStyle = style
		p.Add(l)
	}
	leg.Add("minima: w1·w2·x = 1 (L = 0)", &plotter.Line{LineStyle: style})
	return nil
}

// addPath draws an optimisation path as a line through its iterates, with
// the start marked by a ring and the end by a filled dot.
func addPath(p *plot.Plot, leg *plot.Legend, name string, path []iterate, c color.Color, width vg.Length) error {
	xys := make(plotter.XYs, len(path))
	for i, it := range path {
		xys[i] = plotter.XY{X: it.W[0], Y: it.W[1]}
	}
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	line.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(float64(width))}
	points.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(float64(width) + 0.5), Shape: draw.CircleGlyph{}}
	end, err := plotter.NewScatter(xys[len(xys)-1:])
	if err != nil {
		return err
	}
	end.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(float64(width) + 3), Shape: draw.CircleGlyph{}}
	p.Add(line, points, end)
	last := path[len(path)-1]
	label := fmt.Sprintf("%s: %d steps, L = %.1g", name, len(path)-1, last.Loss)
	if math.Hypot(last.W[0], last.W[1]) < 1e-6 {
		label += ", stuck at the saddle"
	}
	leg.Add(label, line, points)
	return nil
}

// addSaddleMark marks the saddle point (0,0).
func addSaddleMark(p *plot.Plot, leg *plot.Legend) error {
	s, err := plotter.NewScatter(plotter.XYs{{X: 0, Y: 0}})
	if err != nil {
		return err
	}
	s.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(5), Shape: draw.CrossGlyph{}}
	p.Add(s)
	leg.Add("saddle point (0, 0)", s)
	return nil
}

// save draws the plot with its legend to the right of it and writes the
// PNG. The legend sits outside the axes so that it hides no part of the
// surface.
func save(p *plot.Plot, leg *plot.Legend, notes []string, file string) error {
	const width, height = 12 * vg.Inch, 6.5 * vg.Inch
	const legendWidth = 5.1 * vg.Inch
	leg.TextStyle.Font.Size = vg.Points(11)
	leg.Padding = vg.Points(4)
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(plotDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	p.Draw(draw.Crop(dc, vg.Points(8), -legendWidth, vg.Points(8), -vg.Points(8)))
	leg.Draw(draw.Crop(dc, width-legendWidth+vg.Points(16), -vg.Points(8), 0, -vg.Points(40)))
	// Notes under the legend, in its text style.
	sty := leg.TextStyle
	sty.Font.Size = vg.Points(10)
	y := height - vg.Points(40) - vg.Length(leg.Rectangle(dc).Size().Y) - vg.Points(24)
	for _, line := range notes {
		dc.FillText(sty, vg.Point{X: width - legendWidth + vg.Points(16), Y: y}, line)
		y -= vg.Points(14)
	}
	return plotutil.SavePNG(file, img)
}

// notes returns the lines of explanation printed under the legend, each
// stated only when the computed paths bear it out.
func notes(x float64, w0 []float64, ps paths) []string {
	lines := []string{"Shading: √L = |1 − w1·w2·x|, light where the loss is small."}
	start := analyse(x, w0)
	if start.Class.Critical && start.Class.Kind == hvp.Saddle {
		u := start.Class.Escape
		lines = append(lines,
			"Started exactly at the saddle, where the gradient is zero,",
			"gradient descent and Newton do not move: here they start",
			"a little off it. The saddle escape steps along",
			fmt.Sprintf("u = [%.3g, %.3g], the eigenvector of λ_min = %g.", u[0]+0, u[1]+0, start.Class.MinEigenvalue))
	}
	if last := ps.newton[len(ps.newton)-1]; math.Hypot(last.W[0], last.W[1]) < 1e-6 {
		lines = append(lines,
			"Pure Newton is drawn into the saddle, the critical point of its",
			"quadratic model; trust-region Newton-CG is not.")
	}
	return lines
}

// halfTicks marks every half unit and labels the whole ones.
type halfTicks struct{}

// Ticks returns the ticks between lo and hi.
func (halfTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 0.5
	for (hi-lo)/step > 24 { // keep wide ranges readable
		step *= 2
	}
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		t := plot.Tick{Value: v}
		if math.Mod(v, 2*step) == 0 {
			t.Label = fmt.Sprint(v + 0)
		}
		ts = append(ts, t)
	}
	return ts
}

func levelList() string {
	s := ""
	for i, l := range contourLevels {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(l)
	}
	return s
}

func pt(w []float64) string { return fmt.Sprintf("(%g, %g)", w[0], w[1]) }
