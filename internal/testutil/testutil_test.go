package testutil_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/curvature-go/curvature/internal/testutil"
)

// The helpers check every derivative of the project, so they are checked
// here on cases small enough to verify by hand.

func TestRelErr(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name  string
		a, b  []float64
		worst float64
		at    int
	}{
		{"empty", nil, nil, 0, 0},
		{"equal", []float64{1, -2, inf}, []float64{1, -2, inf}, 0, 0},
		{"absolute below 1", []float64{0.5, 0.25}, []float64{0.5, 0.75}, 0.5, 1},
		{"relative above 1", []float64{10, 100}, []float64{11, 100}, 1.0 / 11, 0},
		{"worst of several", []float64{1, 4, 0}, []float64{1.5, 2, 0.1}, 0.5, 1},
		{"NaN at once", []float64{0, nan, 5}, []float64{3, 1, 50}, nan, 1},
		{"infinity against finite", []float64{inf}, []float64{1}, nan, 0},
	} {
		worst, at := testutil.RelErr(c.a, c.b)
		same := worst == c.worst || math.IsNaN(worst) && math.IsNaN(c.worst)
		if !same || at != c.at {
			t.Errorf("%s: RelErr = %v at %d, want %v at %d", c.name, worst, at, c.worst, c.at)
		}
	}
	testutil.MustPanic(t, "RelErr lengths", func() { testutil.RelErr([]float64{1}, nil) }, "testutil: RelErr", "1", "0")
}

// TestDirectionalDeriv uses polynomials of degree at most 4, on which the
// five-point stencil is exact up to rounding.
func TestDirectionalDeriv(t *testing.T) {
	g := func(x []float64) []float64 {
		return []float64{x[0] * x[0] * x[0] * x[0], x[0] * x[1], 3*x[1] - 2}
	}
	x, v := []float64{1.5, -2}, []float64{0.5, 3}
	keepX, keepV := append([]float64(nil), x...), append([]float64(nil), v...)
	// d/dt g(x + tv) at 0: (4x₀³v₀, v₀x₁ + x₀v₁, 3v₁).
	want := []float64{4 * 1.5 * 1.5 * 1.5 * 0.5, 0.5*-2 + 1.5*3, 9}
	if e, i := testutil.RelErr(testutil.DirectionalDeriv(g, x, v), want); e > 1e-12 {
		t.Errorf("DirectionalDeriv error %.3g at %d", e, i)
	}
	if e, _ := testutil.RelErr(append(x, v...), append(keepX, keepV...)); e != 0 {
		t.Errorf("DirectionalDeriv modified x or v: %v %v", x, v)
	}

	f := func(x []float64) float64 { return x[0]*x[0]*x[1] - x[2]*x[2]*x[2] + 7 }
	y := []float64{2, -1, 0.5}
	wantG := []float64{2 * 2 * -1, 2 * 2, -3 * 0.5 * 0.5}
	if e, i := testutil.RelErr(testutil.FiniteGrad(f, y), wantG); e > 1e-12 {
		t.Errorf("FiniteGrad error %.3g at %d", e, i)
	}
}

func TestRandVec(t *testing.T) {
	a := testutil.RandVec(rand.New(rand.NewPCG(1, 2)), 1000)
	b := testutil.RandVec(rand.New(rand.NewPCG(1, 2)), 1000)
	if len(a) != 1000 {
		t.Fatalf("len = %d", len(a))
	}
	mean, sq := 0.0, 0.0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, element %d: %v and %v", i, a[i], b[i])
		}
		mean += a[i] / 1000
		sq += a[i] * a[i] / 1000
	}
	// Mean 0 and variance 1 within 5 standard errors.
	if math.Abs(mean) > 5/math.Sqrt(1000) || math.Abs(sq-1) > 5*math.Sqrt(2.0/1000) {
		t.Errorf("mean %v, mean square %v: not standard normal", mean, sq)
	}
}

func TestRandSym(t *testing.T) {
	a := testutil.RandSym(rand.New(rand.NewPCG(3, 4)), 3)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3; i++ {
		for j := i; j < 3; j++ {
			if want := rng.NormFloat64(); a.At(i, j) != want || a.At(j, i) != want {
				t.Errorf("(%d, %d): %v and %v, want %v, row by row from rng", i, j, a.At(i, j), a.At(j, i), want)
			}
		}
	}
}

// recorder is a testing.TB that records the failures reported to it.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// Fatalf records the failure like Errorf but, unlike testing.T, returns.
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

func TestPanics(t *testing.T) {
	for _, c := range []struct {
		name     string
		f        func()
		panicked bool
		msg      string
		wants    []string
		errs     []string // substrings of MustPanic's failures, one per failure
	}{
		{"no panic", func() {}, false, "", []string{"x"}, []string{"op: no panic"}},
		{"string", func() { panic("pkg: Op: shape [2 3]") }, true, "pkg: Op: shape [2 3]", []string{"pkg: Op", "[2 3]"}, nil},
		{"missing want", func() { panic("pkg: Op: shape") }, true, "pkg: Op: shape", []string{"pkg:", "[2 3]", "size"},
			[]string{`does not mention "[2 3]"`, `does not mention "size"`}},
		{"error value", func() { panic(errors.New("pkg: failed")) }, true, "pkg: failed", []string{"failed"}, nil},
		{"empty message", func() { panic("") }, true, "", nil, nil},
		{"nil", func() { panic(nil) }, true, "panic called with nil argument", []string{"nil"}, nil},
	} {
		v, panicked := testutil.PanicValue(c.f)
		if panicked != c.panicked || fmt.Sprint(v) != c.msg && panicked {
			t.Errorf("%s: PanicValue = %v, %v", c.name, v, panicked)
		}
		if msg := testutil.PanicMessage(c.f); msg != c.msg {
			t.Errorf("%s: PanicMessage = %q, want %q", c.name, msg, c.msg)
		}
		r := &recorder{}
		testutil.MustPanic(r, "op", c.f, c.wants...)
		if len(r.errs) != len(c.errs) {
			t.Errorf("%s: MustPanic reported %q, want %d failures", c.name, r.errs, len(c.errs))
			continue
		}
		for i, e := range c.errs {
			if !strings.Contains(r.errs[i], e) {
				t.Errorf("%s: failure %q does not mention %q", c.name, r.errs[i], e)
			}
		}
	}
}

func TestColours(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4)) // transparent black
	if n := testutil.Colours(img, 1); n != 1 {
		t.Errorf("blank image: %d colours, want 1", n)
	}
	img.Set(1, 1, color.White)
	img.Set(2, 2, color.RGBA{R: 255, A: 255})
	img.Set(3, 3, color.White)
	if n := testutil.Colours(img, 1); n != 3 {
		t.Errorf("every pixel: %d colours, want 3", n)
	}
	if n := testutil.Colours(img, 2); n != 2 { // samples (0,0), (0,2), (2,0), (2,2)
		t.Errorf("every second pixel: %d colours, want 2", n)
	}
}

func TestReadPNG(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{G: 255, A: 255})
	good := filepath.Join(dir, "good.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.png")
	if err := os.WriteFile(good, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, buf.Bytes()[:20], 0o644); err != nil {
		t.Fatal(err)
	}
	got := testutil.ReadPNG(t, good)
	if b := got.Bounds(); b.Dx() != 3 || b.Dy() != 2 {
		t.Errorf("ReadPNG: bounds %v, want 3×2", b)
	}
	if r, g, _, _ := got.At(1, 1).RGBA(); r != 0 || g != 0xffff {
		t.Errorf("ReadPNG: pixel (1, 1) = %v, want green", got.At(1, 1))
	}
	for _, c := range []struct{ file, want string }{
		{bad, "bad.png: not a valid PNG"},
		{filepath.Join(dir, "missing.png"), "missing.png"},
	} {
		r := &recorder{}
		if img := testutil.ReadPNG(r, c.file); img != nil || len(r.errs) != 1 || !strings.Contains(r.errs[0], c.want) {
			t.Errorf("ReadPNG(%s) = %v with failures %q, want nil and one failure mentioning %q", c.file, img, r.errs, c.want)
		}
	}
}

func TestTimeEach(t *testing.T) {
	spin := func(d time.Duration) {
		for t0 := time.Now(); time.Since(t0) < d; {
		}
	}
	var order []int
	var per []float64
	res := testing.Benchmark(func(b *testing.B) {
		order = order[:0]
		per = testutil.TimeEach(b,
			func() { order = append(order, 0); spin(20 * time.Microsecond) },
			func() { order = append(order, 1); spin(60 * time.Microsecond) })
	})
	if res.N < 2 || len(order) != 2*res.N {
		t.Fatalf("%d iterations made %d calls, want two each", res.N, len(order))
	}
	for i := 0; i < len(order); i += 2 {
		if want := (i / 2) % 2; order[i] != want || order[i+1] != 1-want {
			t.Fatalf("iteration %d called %v, want the order to alternate", i/2, order[i:i+2])
		}
	}
	if len(per) != 2 || per[0] < 20e3 || per[1] < 60e3 || per[1] < per[0] {
		t.Errorf("TimeEach = %v ns, want at least 20000 and 60000", per)
	}
}
