package nn_test

import (
	"io"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// twoSpirals returns n points of two interleaved spirals in the plane,
// labelled 0 and 1, with no randomness.
func twoSpirals(n int) *nn.Dataset {
	x, y := tensor.Zeros(n, 2), tensor.Zeros(n)
	for i := 0; i < n; i++ {
		c := i % 2
		t := 0.5 + 3*math.Pi*float64(i/2)/float64(n/2)
		r := t / (3 * math.Pi)
		s := 1.0
		if c == 1 {
			s = -1
		}
		x.Data()[2*i] = s * r * math.Cos(t)
		x.Data()[2*i+1] = s * r * math.Sin(t)
		y.Data()[i] = float64(c)
	}
	return nn.NewDataset(x, y)
}

// spectrumNet returns a 2-28-28-2 tanh network (954 parameters; 2-14-14-2,
// 282, under the race detector) trained briefly on the two spirals, with
// its exact Hessian and eigenvalues.
func spectrumNet(t *testing.T) (*hvp.Point, *mat.SymDense, []float64) {
	t.Helper()
	d := twoSpirals(120)
	width := 28
	if raceEnabled {
		width = 14
	}
	m := nn.NewMLP(newRNG(21), nn.Tanh, 2, width, width, 2)
	if _, err := nn.Fit(m, nn.CrossEntropy, d, sgd{0.5}, &nn.FitSettings{Epochs: 200, Output: io.Discard}); err != nil {
		t.Fatal(err)
	}
	p := nn.Curvature(m, nn.CrossEntropy, d)
	h := hvp.Dense(p)
	var eig mat.EigenSym
	if !eig.Factorize(h, false) {
		t.Fatal("EigenSym failed")
	}
	return p, h, eig.Values(nil)
}

// TestSpectrumOfNetwork checks the spectral tools on a network of about
// 1,000 parameters against its full eigendecomposition: the top
// eigenpairs, the density (mass, moments, shape), Hutchinson and Hutch++
// (unbiased, Hutch++ with the smaller variance at equal products), and
// the diagonal.
func TestSpectrumOfNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("dense eigendecomposition of a 954-parameter Hessian")
	}
	p, h, lambda := spectrumNet(t)
	n := len(lambda)
	var tr, fro2, diag2 float64
	for i, l := range lambda {
		tr += l
		fro2 += l * l
		diag2 += h.At(i, i) * h.At(i, i)
	}
	// ‖H²‖_F² = Σλ⁴ and (H²)ᵢᵢ = Σⱼ Hᵢⱼ², for the variance of the second
	// moment.
	var fro4, diag4 float64
	for i, l := range lambda {
		fro4 += l * l * l * l
		var r float64
		for j := 0; j < n; j++ {
			r += h.At(i, j) * h.At(i, j)
		}
		diag4 += r * r
	}

	// The top five eigenvalues.
	top, err := hvp.Lanczos(p, &hvp.LanczosSettings{K: 5, Which: hvp.Largest, Tol: 1e-10})
	if err != nil || !top.Converged {
		t.Fatalf("Lanczos: %v, converged %v", err, top.Converged)
	}
	for i, v := range top.Values {
		want := lambda[n-5+i]
		if math.Abs(v-want) > 1e-8*lambda[n-1] {
			t.Errorf("top eigenvalue %d: %v, want %v", i, v, want)
		}
	}

	// The density: mass 1; moments within four standard errors of their
	// trace estimators (Var zᵀAz = 2(‖A‖_F² − Σ Aᵢᵢ²) for Rademacher z).
	const probes = 10
	sd, err := hvp.Density(p, &hvp.DensitySettings{Probes: probes, Steps: 80, Seed: 3, Reorth: true})
	if err != nil {
		t.Fatal(err)
	}
	if sd.HVPs > probes*80 {
		t.Errorf("Density used %d products for %d probes of 80 steps", sd.HVPs, probes)
	}
	if e := math.Abs(trapezoid(sd.Grid, sd.Values) - 1); e > 1e-4 {
		t.Errorf("density integrates to 1%+g", e)
	}
	se1 := math.Sqrt(2 * (fro2 - diag2) / probes)
	if e := math.Abs(sd.Moment(1)*float64(n) - tr); e > 4*se1 {
		t.Errorf("n·Moment(1) = %v, tr(H) = %v: error %v > 4·%v", sd.Moment(1)*float64(n), tr, e, se1)
	}
	se2 := math.Sqrt(2 * (fro4 - diag4) / probes)
	if e := math.Abs(sd.Moment(2)*float64(n) - fro2); e > 4*se2 {
		t.Errorf("n·Moment(2) = %v, tr(H²) = %v: error %v > 4·%v", sd.Moment(2)*float64(n), fro2, e, se2)
	}
	// The shape: against the exact eigenvalues broadened the same way, on
	// the same grid, the L1 distance (at most 2) is small.
	var l1 float64
	exact := make([]float64, len(sd.Grid))
	for i, x := range sd.Grid {
		for _, l := range lambda {
			z := (x - l) / sd.Sigma
			exact[i] += math.Exp(-z*z/2) / (sd.Sigma * math.Sqrt(2*math.Pi)) / float64(n)
		}
	}
	for i := 1; i < len(sd.Grid); i++ {
		l1 += (sd.Grid[i] - sd.Grid[i-1]) * (math.Abs(sd.Values[i]-exact[i]) + math.Abs(sd.Values[i-1]-exact[i-1])) / 2
	}
	t.Logf("density: %d nodes, σ = %.3g, L1 distance to the exact density %.3f", len(sd.Nodes), sd.Sigma, l1)
	if l1 > 0.05 {
		t.Errorf("L1 distance between the SLQ and the exact density %v > 0.05", l1)
	}
	// Without reorthogonalisation (the default): the same moments (they
	// depend on the first steps only) and, within the broadening, the same
	// density.
	plain, err := hvp.Density(p, &hvp.DensitySettings{Probes: probes, Steps: 80, Seed: 3, Sigma: sd.Sigma})
	if err != nil {
		t.Fatal(err)
	}
	if e := math.Abs(plain.Moment(2) - sd.Moment(2)); e > 1e-8*sd.Moment(2) {
		t.Errorf("default: Moment(2) %v, with reorthogonalisation %v", plain.Moment(2), sd.Moment(2))
	}
	var dl1 float64
	for i := range plain.Grid {
		var v float64
		for k, w := range plain.Weights {
			z := (plain.Grid[i] - plain.Nodes[k]) / plain.Sigma
			v += w * math.Exp(-z*z/2) / (plain.Sigma * math.Sqrt(2*math.Pi))
		}
		dl1 += math.Abs(v - exactAt(plain.Grid[i], lambda, sd.Sigma))
	}
	dl1 *= plain.Grid[1] - plain.Grid[0]
	t.Logf("default (no reorthogonalisation): L1 distance to the exact density %.3f", dl1)
	if dl1 > 0.05 {
		t.Errorf("default (no reorthogonalisation): L1 distance to the exact density %v > 0.05", dl1)
	}

	// Hutchinson and Hutch++ at 30 products, over 20 seeds.
	const seeds, m = 20, 30
	var hs, ps []float64
	for seed := uint64(0); seed < seeds; seed++ {
		a, err1 := hvp.Trace(p, &hvp.TraceSettings{Samples: m, Seed: seed})
		b, err2 := hvp.TraceHutchPP(p, &hvp.TraceSettings{Samples: m, Seed: seed})
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		hs, ps = append(hs, a.Trace), append(ps, b.Trace)
	}
	mh, vh := meanVar(hs)
	mp, vp := meanVar(ps)
	t.Logf("tr(H) = %.6g; Hutchinson %.6g (sd %.3g), Hutch++ %.6g (sd %.3g) over %d seeds at %d products", tr, mh, math.Sqrt(vh), mp, math.Sqrt(vp), seeds, m)
	// Unbiased: each mean within 4 standard errors of the exact trace
	// (the sample sd over 20 seeds is itself uncertain by about 16%).
	if e := math.Abs(mh - tr); e > 4*math.Sqrt(vh/seeds) {
		t.Errorf("Hutchinson mean %v, tr(H) %v: bias %v", mh, tr, e)
	}
	if e := math.Abs(mp - tr); e > 4*math.Sqrt(vp/seeds) {
		t.Errorf("Hutch++ mean %v, tr(H) %v: bias %v", mp, tr, e)
	}
	// Lower variance: the sample variances of 20 draws differ by chance by
	// a factor up to about 2.5 (F test, 1%), so ask for more than that.
	if !(vp*2.5 < vh) {
		t.Errorf("Hutch++ variance %v not below Hutchinson's %v/2.5", vp, vh)
	}

	// The diagonal: relative error as predicted, √(Σᵢ Σ_{j≠i} Hᵢⱼ² / m).
	const dm = 200
	de, err := hvp.Diagonal(p, &hvp.TraceSettings{Samples: dm, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var errSq float64
	for i := 0; i < n; i++ {
		d := de.Diag[i] - h.At(i, i)
		errSq += d * d
	}
	predicted := (fro2 - diag2) / dm
	if r := errSq / predicted; r < 0.5 || r > 2 {
		t.Errorf("diagonal: squared error %v, predicted %v (ratio %v)", errSq, predicted, r)
	}
}

func meanVar(x []float64) (mean, variance float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(x)-1)
}

// trapezoid integrates y(x) on the grid x.
func trapezoid(x, y []float64) float64 {
	var s float64
	for i := 1; i < len(x); i++ {
		s += (x[i] - x[i-1]) * (y[i] + y[i-1]) / 2
	}
	return s
}

// exactAt is the density of the eigenvalues lambda broadened by Gaussians
// of width sigma, at x.
func exactAt(x float64, lambda []float64, sigma float64) float64 {
	var v float64
	for _, l := range lambda {
		z := (x - l) / sigma
		v += math.Exp(-z*z/2) / (sigma * math.Sqrt(2*math.Pi))
	}
	return v / float64(len(lambda))
}

// TestFilterNormalized checks that every filter of the direction has the
// norm of the parameters' filter, that biases are not moved, and that the
// loss along the top eigenvector curves by λ_max.
func TestFilterNormalized(t *testing.T) {
	m := nn.NewMLP(newRNG(31), nn.Tanh, 2, 5, 2)
	params := m.Params()
	d := nn.FilterNormalized(newRNG(32), params)
	off := 0
	for _, p := range params {
		w := p.Value.Data()
		seg := d[off : off+len(w)]
		off += len(w)
		if p.Value.Dims() == 1 {
			for _, v := range seg {
				if v != 0 {
					t.Fatalf("%s: bias direction %v, want 0", p.Name, seg)
				}
			}
			continue
		}
		in, out := p.Value.Dim(0), p.Value.Dim(1)
		for k := 0; k < out; k++ {
			var dn, wn float64
			for i := 0; i < in; i++ {
				dn += seg[i*out+k] * seg[i*out+k]
				wn += w[i*out+k] * w[i*out+k]
			}
			if math.Abs(math.Sqrt(dn)-math.Sqrt(wn)) > 1e-12*math.Sqrt(wn) {
				t.Errorf("%s column %d: norm %v, want %v", p.Name, k, math.Sqrt(dn), math.Sqrt(wn))
			}
		}
	}
	if !sameBits(d, nn.FilterNormalized(newRNG(32), params)) {
		t.Error("FilterNormalized is not deterministic for a seeded rng")
	}
	// Along the unit top eigenvector u, (f(α) − 2f(0) + f(−α))/α² → λ_max.
	data := twoSpirals(40)
	p := nn.Curvature(m, nn.CrossEntropy, data)
	top, err := hvp.Lanczos(p, &hvp.LanczosSettings{Which: hvp.Largest, Tol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	const a = 1e-3
	f := hvp.Line(nn.NewObjective(m, nn.CrossEntropy, data), nn.Flatten(params), top.Vectors[0], []float64{-a, 0, a})
	if curv := (f[0] - 2*f[1] + f[2]) / (a * a); math.Abs(curv-top.Values[0]) > 1e-4*top.Values[0] {
		t.Errorf("second difference along the top eigenvector %v, λ_max %v", curv, top.Values[0])
	}
}
