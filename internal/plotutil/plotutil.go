// Package plotutil holds the small gonum/plot helpers that the example
// programs share: writing a canvas to a PNG file and labelling log axes.
package plotutil

import (
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/vgimg"
)

// SavePNG writes the canvas c to file as a PNG, creating or truncating the
// file. It returns the first error of creating, writing or closing it.
func SavePNG(file string, c *vgimg.Canvas) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LogTicks is a plot.Ticker for log axes that marks 1, 2 and 5 times each
// power of ten, labelled, and the other digits unlabelled: plot.LogTicks
// labels only the powers of ten, too few on a range of one or two decades.
// Values within a relative 1e-9 of the range's ends count as inside it, so
// that an end computed as a power of ten is not lost to rounding.
type LogTicks struct{}

// Ticks returns the ticks between lo and hi, for 0 < lo ≤ hi.
func (LogTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		p := math.Pow(10, e)
		for d := 1; d <= 9; d++ {
			v := float64(d) * p
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if d == 1 || d == 2 || d == 5 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}
