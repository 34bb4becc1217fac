package main

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
)

// TestRun runs the program: the Misra1a fit must match NIST's certified
// values to the printed LRE of 11 for both parameters, the comparison
// must contain every method, and -plot must write a PNG with a visible
// picture (several colours).
func TestRun(t *testing.T) {
	file := filepath.Join(t.TempDir(), "fit.png")
	var out bytes.Buffer
	if err := run(&out, file); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"b1 ", "b2 ", "LevenbergMarquardt", "GaussNewton", "NewtonCG", "LBFGS", "b ≥ 0"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "b1 ") || strings.HasPrefix(line, "b2 ") {
			f := strings.Fields(line)
			fit, err1 := strconv.ParseFloat(f[len(f)-2], 64)
			sd, err2 := strconv.ParseFloat(f[len(f)-1], 64)
			if err1 != nil || err2 != nil || fit < 6 || sd < 4 {
				t.Errorf("LRE below 6 (parameter) or 4 (std err): %s", line)
			}
		}
	}
	img := testutil.ReadPNG(t, file)
	if n := testutil.Colours(img, 4); n < 4 {
		t.Errorf("the plot has %d colours", n)
	}
}
