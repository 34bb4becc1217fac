package tensor

import (
	"math"
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
)

// softmaxRef is the plain loop SoftmaxTo is checked against.
func softmaxRef(x []float64, c int) (p, shift, logSum []float64) {
	p = make([]float64, len(x))
	for r := 0; r < len(x); r += c {
		m := math.Inf(-1)
		for _, v := range x[r : r+c] {
			m = math.Max(m, v)
		}
		s := 0.0
		for j := r; j < r+c; j++ {
			s += math.Exp(x[j] - m)
		}
		for j := r; j < r+c; j++ {
			p[j] = math.Exp(x[j]-m) / s
		}
		shift, logSum = append(shift, m), append(logSum, math.Log(s))
	}
	return p, shift, logSum
}

func TestSoftmaxTo(t *testing.T) {
	rng := newRNG(11)
	inf, nan := math.Inf(1), math.NaN()
	for _, c := range []struct {
		name  string
		x     *Tensor
		scale float64
	}{
		{"(4,7)", randNormal(rng, 4, 7), 1},
		{"(3,33) odd rows", randNormal(rng, 3, 33), 1},
		{"(2,3,5)", randNormal(rng, 2, 3, 5), 1},
		{"(9)", randNormal(rng, 9), 1},
		{"(2,1)", randNormal(rng, 2, 1), 1},
		{"(3,6) large", randNormal(rng, 3, 6), 800}, // exp overflows without the shift
		{"specials", New([]float64{inf, 0, 1, nan, 0, 1, math.Inf(-1), 0, 1, -0.0, 0, 0}, 4, 3), 1},
	} {
		x := c.x.Clone()
		ScaleTo(x, x, c.scale)
		rows := x.Size() / x.Dim(-1)
		shift, logSum := make([]float64, rows), make([]float64, rows)
		got := SoftmaxTo(nil, x, shift, logSum)
		wp, ws, wl := softmaxRef(x.Data(), x.Dim(-1))
		check := func(what string, got, want []float64) {
			for i := range want {
				g, w := got[i], want[i]
				if math.IsNaN(w) != math.IsNaN(g) || (!math.IsNaN(w) && math.Abs(g-w) > 1e-15*max(1, math.Abs(w))) {
					t.Errorf("%s: %s[%d] = %v, plain loop %v", c.name, what, i, g, w)
				}
			}
		}
		check("p", got.Data(), wp)
		check("shift", shift, ws)
		check("logSum", logSum, wl)
		in := x.Clone()
		SoftmaxTo(in, in, nil, nil) // in place
		check("in place", in.Data(), wp)
	}
	x := Zeros(2, 3)
	testutil.MustPanic(t, "shape", func() { SoftmaxTo(Zeros(3, 2), x, nil, nil) }, "tensor: Softmax")
	testutil.MustPanic(t, "rows", func() { SoftmaxTo(nil, x, make([]float64, 3), nil) }, "tensor: Softmax", "2 rows")
}
