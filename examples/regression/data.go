package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// points is a set of (x, y) pairs.
type points struct {
	X, Y []float64
}

// The generated data sets.
const (
	productN     = 50   // points of the noisy line y = 2x
	productNoise = 0.1  // its noise's standard deviation
	curveN       = 240  // points of the curve sin(2x) + 0.3x
	curveNoise   = 0.05 // its noise's standard deviation
	heldOutShare = 0.2  // share of the points held out of training
	minRows      = 5    // fewest rows a CSV file may hold
)

// lineData draws productN points of y = 2x + noise with x uniform in
// [−1, 1]: data for ŷ = w1·w2·x, whose best fit has w1·w2 ≈ 2.
func lineData(rng *rand.Rand) points {
	return sample(rng, productN, -1, 1, productNoise, trueLine)
}

// trueLine is the noiseless line behind lineData.
func trueLine(x float64) float64 { return 2 * x }

// curveData draws curveN points of the smooth curve sin(2x) + 0.3x + noise
// with x uniform in [−2, 2]: two bends, which a line cannot follow but a
// small tanh network can.
func curveData(rng *rand.Rand) points {
	return sample(rng, curveN, -2, 2, curveNoise, trueCurve)
}

// trueCurve is the noiseless curve behind curveData.
func trueCurve(x float64) float64 { return math.Sin(2*x) + 0.3*x }

func sample(rng *rand.Rand, n int, lo, hi, noise float64, f func(float64) float64) points {
	p := points{X: make([]float64, n), Y: make([]float64, n)}
	for i := range p.X {
		p.X[i] = lo + (hi-lo)*rng.Float64()
		p.Y[i] = f(p.X[i]) + noise*rng.NormFloat64()
	}
	return p
}

// split shuffles p with rng and returns the training set and the
// held-out set (heldOutShare of the points, at least one) as datasets of
// shape [n, 1].
func split(p points, rng *rand.Rand) (train, held *nn.Dataset) {
	all := nn.NewDataset(tensor.New(append([]float64(nil), p.X...), len(p.X), 1),
		tensor.New(append([]float64(nil), p.Y...), len(p.Y), 1))
	perm := rng.Perm(len(p.X))
	nHeld := max(1, int(math.Round(heldOutShare*float64(len(p.X)))))
	return all.Subset(perm[nHeld:]), all.Subset(perm[:nHeld])
}

// loadCSV reads (x, y) pairs from the CSV file name (see readCSV).
func loadCSV(name string) (points, error) {
	f, err := os.Open(name)
	if err != nil {
		return points{}, err
	}
	defer f.Close()
	return readCSV(name, f)
}

// readCSV reads (x, y) pairs, one per line, two columns, from r. A first
// line whose two fields are both not numbers is taken for a header and
// skipped. Errors name the file and line ("data.csv:7: ..."): a line
// without exactly two columns, a field that is not a finite number, a
// file with fewer than minRows pairs.
func readCSV(name string, r io.Reader) (points, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // the column count is checked below, with a clearer message
	cr.TrimLeadingSpace = true
	var p points
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return points{}, fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
			}
			return points{}, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 2 {
			return points{}, fmt.Errorf("%s:%d: want 2 columns (x,y), got %d", name, line, len(rec))
		}
		x, errX := parseField(rec[0])
		y, errY := parseField(rec[1])
		if first && errX != nil && errY != nil {
			continue // a header such as "x,y"
		}
		if errX != nil {
			return points{}, fmt.Errorf("%s:%d: column 1 (x): %v", name, line, errX)
		}
		if errY != nil {
			return points{}, fmt.Errorf("%s:%d: column 2 (y): %v", name, line, errY)
		}
		p.X = append(p.X, x)
		p.Y = append(p.Y, y)
	}
	if len(p.X) < minRows {
		return points{}, fmt.Errorf("%s: %d (x,y) rows, need at least %d", name, len(p.X), minRows)
	}
	return p, nil
}

// parseField parses one CSV field as a finite number.
func parseField(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty field")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}
