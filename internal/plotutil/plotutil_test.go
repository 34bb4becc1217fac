package plotutil

import (
	"math"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/curvature-go/curvature/internal/testutil"
)

func TestLogTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		values []float64
		labels []string
	}{
		{0.03, 0.7, []float64{0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7},
			[]string{"", "", "0.05", "", "", "", "", "0.1", "0.2", "", "", "0.5", "", ""}},
		{2, 20, []float64{2, 3, 4, 5, 6, 7, 8, 9, 10, 20},
			[]string{"2", "", "", "5", "", "", "", "", "10", "20"}},
		// Ends a rounding error inside a tick keep it.
		{1 + 1e-12, 100 * (1 - 1e-12), []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100},
			[]string{"1", "2", "", "", "5", "", "", "", "", "10", "20", "", "", "50", "", "", "", "", "100"}},
		{3.5, 3.9, nil, nil},
	} {
		ts := LogTicks{}.Ticks(tc.lo, tc.hi)
		if len(ts) != len(tc.values) {
			t.Errorf("Ticks(%v, %v): %d ticks %v, want %d", tc.lo, tc.hi, len(ts), ts, len(tc.values))
			continue
		}
		for i, tk := range ts {
			if math.Abs(tk.Value-tc.values[i]) > 1e-12*tc.values[i] || tk.Label != tc.labels[i] {
				t.Errorf("Ticks(%v, %v)[%d] = {%v %q}, want {%v %q}", tc.lo, tc.hi, i, tk.Value, tk.Label, tc.values[i], tc.labels[i])
			}
		}
	}
}

func TestSavePNG(t *testing.T) {
	c := vgimg.NewWith(vgimg.UseWH(2*vg.Inch, vg.Inch), vgimg.UseDPI(72))
	file := filepath.Join(t.TempDir(), "a.png")
	if err := SavePNG(file, c); err != nil {
		t.Fatal(err)
	}
	img := testutil.ReadPNG(t, file)
	if b := img.Bounds(); b.Dx() != 144 || b.Dy() != 72 {
		t.Errorf("image of %v, want 144×72", b)
	}
	if err := SavePNG(filepath.Join(t.TempDir(), "no", "such", "dir.png"), c); err == nil {
		t.Errorf("SavePNG into a missing folder returned no error")
	}
}
