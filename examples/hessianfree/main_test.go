package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
)

// TestRun runs the comparison on the spirals at the default budget and on
// 300 MNIST images for 40 passes (when the MNIST files are found), and
// checks the tables, the plots, and what the example claims of
// Hessian-free: it converges on the spirals within the budget, and no
// accepted step of it raises the loss.
func TestRun(t *testing.T) {
	o := defaults()
	o.mnistExamples, o.mnistPasses = 300, 40
	o.plot = filepath.Join(t.TempDir(), "hf")
	var out bytes.Buffer
	if err := run(&out, o); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"two spirals", "training loss after passes over the data", "training loss after seconds",
		"passes (seconds) to reach", "HessianFree (Gauss–Newton)  loss", "wrote " + o.plot + "-spirals.png"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	files := []string{"-spirals.png"}
	if strings.Contains(s, "MNIST skipped") {
		t.Log("MNIST files not found: only the spirals compared")
	} else {
		files = append(files, "-mnist.png")
	}
	for _, f := range files {
		b, err := os.ReadFile(o.plot + f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if c := testutil.Colours(img, 4); c < 8 {
			t.Errorf("%s: only %d colours: blank?", f, c)
		}
	}
	t.Log("\n" + s)
}

// TestHessianFreeSpirals checks Hessian-free on the spirals: it converges
// (‖∇f‖∞ ≤ 1e-7) within the budget, never raising the loss, and every
// method lowers the loss from the same start.
func TestHessianFreeSpirals(t *testing.T) {
	o := defaults()
	p := spiralsProblem(o)
	runs, err := compare(p, o.seed)
	if err != nil {
		t.Fatal(err)
	}
	hf := runs[0]
	if hf.Status != "GradientThreshold" {
		t.Errorf("Hessian-free: %s at loss %v after %v passes", hf.Status, hf.last().Loss, hf.last().Passes)
	}
	for k := 1; k < len(hf.Curve); k++ {
		if hf.Curve[k].Loss > hf.Curve[k-1].Loss {
			t.Errorf("Hessian-free raised the loss at iteration %d: %v → %v", k, hf.Curve[k-1].Loss, hf.Curve[k].Loss)
		}
	}
	for _, r := range runs {
		if r.Curve[0].Loss != hf.Curve[0].Loss || !(r.last().Loss < 0.01*r.Curve[0].Loss) {
			t.Errorf("%s: loss %v → %v", r.Name, r.Curve[0].Loss, r.last().Loss)
		}
	}
}
