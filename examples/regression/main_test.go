package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/nn"
)

// The bounds the tests hold every optimizer to, on the generated data
// (seed 1).
const (
	// productSlack: on ŷ = w1·w2·x every method must come within 1% of
	// the least-squares training MSE of a line through the origin.
	productSlack = 1.01
	// netTrainBound and netHeldBound: the network must fit the curve down
	// to the noise, whose variance is curveNoise² = 0.0025, on the
	// training set and on the held-out set.
	netTrainBound = 1.4 * curveNoise * curveNoise // 0.0035
	netHeldBound  = 1.6 * curveNoise * curveNoise // 0.004
)

// trained runs the default comparison once for all tests: it is the
// slowest part of the suite.
var trained = sync.OnceValues(func() ([]problem, [][]outcome) {
	line, curve, err := datasets(options{seed: 1})
	if err != nil {
		panic(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ps := []problem{productProblem(line, rng), networkProblem(curve, rng)}
	rs := make([][]outcome, len(ps))
	for i, p := range ps {
		if rs[i], err = trainAll(p); err != nil {
			panic(err)
		}
	}
	return ps, rs
})

// leastSquaresMSE returns the training MSE of the best line y = s·x.
func leastSquaresMSE(d *nn.Dataset) float64 {
	x, y := d.X.Data(), d.Y.Data()
	var xy, xx float64
	for i := range x {
		xy += x[i] * y[i]
		xx += x[i] * x[i]
	}
	s := xy / xx
	var sum float64
	for i := range x {
		sum += (y[i] - s*x[i]) * (y[i] - s*x[i])
	}
	return sum / float64(len(x))
}

func TestEveryOptimizerFits(t *testing.T) {
	ps, rs := trained()
	best := leastSquaresMSE(ps[0].Train)
	for _, o := range rs[0] {
		if o.Train > productSlack*best {
			t.Errorf("%s: %s reached train MSE %.6g, want ≤ %.6g (least squares %.6g)", ps[0].Name, o.Method, o.Train, productSlack*best, best)
		}
	}
	for _, o := range rs[1] {
		if o.Train > netTrainBound || o.Held > netHeldBound {
			t.Errorf("%s: %s reached train MSE %.4g, held-out %.4g; want ≤ %.4g, ≤ %.4g", ps[1].Name, o.Method, o.Train, o.Held, netTrainBound, netHeldBound)
		}
	}
	for i, p := range ps {
		if len(rs[i]) != 5 {
			t.Fatalf("%s: %d results, want 5", p.Name, len(rs[i]))
		}
		for _, o := range rs[i] {
			// Every method spends at most its budget (one iteration of
			// Newton-CG may overrun it by at most maxCG HVPs).
			work := o.Evals + o.HVPs
			if o.FirstOrder {
				work = o.Iterations
			}
			if work > p.Budget+maxCG+2 {
				t.Errorf("%s: %s did %d passes for a budget of %d", p.Name, o.Method, work, p.Budget)
			}
			if last := o.Curve[len(o.Curve)-1].Loss; math.Abs(last-o.Train) > 1e-12 {
				t.Errorf("%s: %s: the curve ends at %v, the table says %v", p.Name, o.Method, last, o.Train)
			}
		}
	}
}

func TestTrainAllKeepsTheStart(t *testing.T) {
	ps, _ := trained()
	m := nn.NewProduct(productStart...)
	p := ps[0]
	p.Model = m
	if _, err := trainAll(p); err != nil {
		t.Fatal(err)
	}
	if w := nn.Flatten(m.Params()); w[0] != productStart[0] || w[1] != productStart[1] {
		t.Errorf("parameters %v after trainAll, want the start %v", w, productStart)
	}
}

// TestFromSaddle: started at the saddle (0, 0) of ŷ = w1·w2·x, where the
// gradient is zero, only the saddle escape moves.
func TestFromSaddle(t *testing.T) {
	ps, _ := trained()
	outs, err := trainFrom(ps[0], []float64{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	y := ps[0].Train.Y.Data()
	var start float64 // the MSE of ŷ = 0
	for _, v := range y {
		start += v * v
	}
	start /= float64(len(y))
	for _, o := range outs {
		moved := o.Params[0] != 0 || o.Params[1] != 0
		if o.Method == "saddle escape" {
			if !moved || o.Train > productSlack*leastSquaresMSE(ps[0].Train) {
				t.Errorf("saddle escape from (0,0): train MSE %v at %v", o.Train, o.Params)
			}
			continue
		}
		if moved || math.Abs(o.Train-start) > 1e-15 {
			t.Errorf("%s from (0,0) moved to %v (MSE %v, start %v)", o.Method, o.Params, o.Train, start)
		}
	}
}

// TestLBFGSVersusAdam: L-BFGS on the flattened parameters reaches Adam's
// final training loss with far fewer evaluations, and in fewer passes
// over the data.
func TestLBFGSVersusAdam(t *testing.T) {
	_, rs := trained()
	adam, lbfgs := find(rs[1], "Adam"), find(rs[1], "L-BFGS")
	epochs, _ := firstReach(adam.Curve, adam.Train)
	gradients := epochs * float64(adam.Evals) / float64(adam.Iterations)
	evals, ok := firstReach(lbfgs.Curve, adam.Train)
	if !ok {
		t.Fatalf("L-BFGS never reached Adam's train MSE %v (final %v)", adam.Train, lbfgs.Train)
	}
	t.Logf("Adam: %g epochs, %g mini-batch gradients; L-BFGS: %g evaluations", epochs, gradients, evals)
	if evals > gradients/5 || evals > epochs {
		t.Errorf("L-BFGS needed %g evaluations, Adam %g gradients in %g epochs: want ≤ 1/5 of the gradients and ≤ the epochs", evals, gradients, epochs)
	}
}

func TestFirstReach(t *testing.T) {
	c := []curvePoint{{0, 3}, {1, 2}, {2, 2.5}, {4, 1}}
	for _, tc := range []struct {
		target, work float64
		ok           bool
	}{{3, 0, true}, {2, 1, true}, {1.5, 4, true}, {0.5, 0, false}} {
		if w, ok := firstReach(c, tc.target); w != tc.work || ok != tc.ok {
			t.Errorf("firstReach(%v) = %v, %v; want %v, %v", tc.target, w, ok, tc.work, tc.ok)
		}
	}
}

func TestReadCSV(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		x, y     []float64
		err      string // a substring of the error, "" for none
	}{
		{name: "header", in: "x,y\n1,2\n3,4\n5,6\n7,8\n9,10\n", x: []float64{1, 3, 5, 7, 9}, y: []float64{2, 4, 6, 8, 10}},
		{name: "no header", in: "1,2\n3,4\n5,6\n7,8\n9,10\n", x: []float64{1, 3, 5, 7, 9}, y: []float64{2, 4, 6, 8, 10}},
		{name: "spaces, CRLF, blank lines, exponents", in: "x , y\r\n 1 , -2 \r\n\r\n3e-1,4\r\n5,6\r\n7,8\r\n9,1E1\r\n", x: []float64{1, 0.3, 5, 7, 9}, y: []float64{-2, 4, 6, 8, 10}},
		{name: "missing column", in: "x,y\n1,2\n3\n5,6\n", err: "f.csv:3: want 2 columns (x,y), got 1"},
		{name: "extra column", in: "1,2\n3,4,5\n", err: "f.csv:2: want 2 columns (x,y), got 3"},
		{name: "non-number", in: "x,y\n1,2\n3,4\n5,abc\n", err: `f.csv:4: column 2 (y): "abc" is not a number`},
		{name: "non-number x", in: "1,2\n2,3\nfour,5\n", err: `f.csv:3: column 1 (x): "four" is not a number`},
		{name: "half a header", in: "x,1\n2,3\n", err: `f.csv:1: column 1 (x): "x" is not a number`},
		{name: "second header", in: "x,y\nx,y\n", err: `f.csv:2: column 1 (x): "x" is not a number`},
		{name: "empty field", in: "1,2\n3,\n", err: "f.csv:2: column 2 (y): empty field"},
		{name: "NaN", in: "1,2\nNaN,3\n", err: `f.csv:2: column 1 (x): "NaN" is not a finite number`},
		{name: "Inf", in: "1,2\n2,-Inf\n", err: `f.csv:2: column 2 (y): "-Inf" is not a finite number`},
		{name: "bad quote", in: "1,2\n3,\"4\n", err: "f.csv:2:"},
		{name: "empty file", in: "", err: "f.csv: 0 (x,y) rows, need at least 5"},
		{name: "header only", in: "x,y\n", err: "f.csv: 0 (x,y) rows, need at least 5"},
		{name: "too few rows", in: "1,2\n3,4\n", err: "f.csv: 2 (x,y) rows, need at least 5"},
	} {
		p, err := readCSV("f.csv", strings.NewReader(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(p.X, tc.x) || !slices.Equal(p.Y, tc.y) {
			t.Errorf("%s: read x %v, y %v; want %v, %v", tc.name, p.X, p.Y, tc.x, tc.y)
		}
	}
}

// TestRunWithCSV runs the whole program on a small CSV file, and on
// missing and bad files.
func TestRunWithCSV(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "points.csv")
	var b strings.Builder
	b.WriteString("x,y\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for range 30 {
		x := 2*rng.Float64() - 1
		b.WriteString(strings.Join([]string{ftoa(x), ftoa(0.5*x + 0.1*math.Sin(3*x))}, ",") + "\n")
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(&out, options{data: file, seed: 1}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Data: 30 (x,y) pairs from " + file, "24 training points, 6 held out", "L-BFGS", "saddle escape"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(&out, options{data: filepath.Join(dir, "missing.csv")}); err == nil {
		t.Error("a missing file gave no error")
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("x,y\n1,2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(&out, options{data: bad}); err == nil || !strings.Contains(err.Error(), "bad.csv:3: want 2 columns") {
		t.Errorf("bad file: error %v", err)
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// TestPlots writes both PNGs and decodes them.
func TestPlots(t *testing.T) {
	ps, rs := trained()
	prefix := filepath.Join(t.TempDir(), "out")
	files, err := writePlots(prefix, ps, rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0] != prefix+"-loss.png" || files[1] != prefix+"-fit.png" {
		t.Fatalf("wrote %v", files)
	}
	wantW := int(math.Round(2 * float64(panelWidth/vg.Inch) * plotDPI))
	wantH := int(math.Round(float64(panelHeight/vg.Inch) * plotDPI))
	for _, name := range files {
		img := testutil.ReadPNG(t, name)
		if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
			t.Errorf("%s: %dx%d, want %dx%d", name, b.Dx(), b.Dy(), wantW, wantH)
		}
		// Curves in five colours, grey points and black text: a blank
		// or single-colour image has far fewer distinct colours.
		if n := testutil.Colours(img, 2); n < 50 {
			t.Errorf("%s: only %d distinct colours: is the plot empty?", name, n)
		}
	}
	if _, err := writePlots(filepath.Join(t.TempDir(), "no", "dir", "out"), ps, rs); err == nil {
		t.Error("writing into a missing directory did not fail")
	}
}
