package hvp

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// DensitySettings configures Density. A nil *DensitySettings, like the
// zero value, takes one probe of 100 Lanczos steps and a grid of 1000
// points.
type DensitySettings struct {
	// Probes is the number of random start vectors, each one Lanczos run;
	// the density is their average. If Probes is 0, it is defaulted to 1,
	// as in PyHessian: one probe already resolves the shape of a large
	// network's spectrum, and more probes reduce the noise of the weights.
	Probes int

	// Steps is the number of Lanczos steps, and so of products, per probe:
	// the quadrature has Steps nodes and integrates polynomials of degree
	// up to 2·Steps−1 exactly. If Steps is 0, it is defaulted to
	// min(100, n). A run ends early, exactly, when its Krylov space is
	// invariant.
	Steps int

	// Sigma is the standard deviation of the Gaussian that broadens each
	// quadrature node into a smooth density. If Sigma is 0, it is
	// defaulted to (θ_max − θ_min)/100 over all nodes (or to
	// 1e-3·max(1, |θ|) when they all coincide).
	Sigma float64

	// Points is the number of grid points, evenly spaced from
	// θ_min − 5·Sigma to θ_max + 5·Sigma. If Points is 0, it is defaulted
	// to 1000; it must otherwise be at least 2.
	Points int

	// Seed seeds the math/rand/v2 PCG source of the probes.
	Seed uint64

	// Reorth reorthogonalises every new Lanczos vector against all the
	// previous ones of its probe (full reorthogonalisation). The default,
	// without it, is the plain three-term recurrence, as Ghorbani et al.
	// use (see Density for why it is accurate): a step costs one product
	// and O(n) flops, and a probe holds 3n float64s. With Reorth a step
	// also reads the probe's basis two to four times, and the basis,
	// Steps·n float64s, is held: at n = 269,000 and 100 steps that is 215
	// MB, and the reading costs more than the products of a small
	// network. Ask for it to read the outliers off the nodes one by one,
	// without the repeated copies that plain Lanczos gives a converged
	// eigenvalue.
	Reorth bool
}

// SpectralDensity is an estimate of the spectral density (the normalised
// eigenvalue histogram) φ(t) = (1/n) Σᵢ δ(t − λᵢ) of a symmetric operator,
// as computed by Density: a discrete quadrature (Nodes and Weights) and
// its Gaussian broadening on a grid.
type SpectralDensity struct {
	// Nodes and Weights are the quadrature: the Ritz values of every probe
	// and their weights, the squared first components of the Ritz vectors
	// divided by the number of probes. The weights are positive and sum to
	// 1; Σ Weights[k]·Nodes[k]^p estimates tr(Aᵖ)/n (see Moment).
	Nodes, Weights []float64

	// Grid and Values are the broadened density: Values[i] =
	// Σₖ Weights[k]·N(Grid[i]; Nodes[k], Sigma²), which integrates to 1
	// (up to the tails beyond the grid, below 1e-6).
	Grid, Values []float64

	// Sigma is the broadening used.
	Sigma float64

	// Dim is the operator's dimension n, and HVPs the products used.
	Dim, HVPs int
}

// Moment returns the p-th moment Σₖ Weights[k]·Nodes[k]^p of the
// quadrature, the estimate of tr(Aᵖ)/n: Moment(1)·Dim estimates the trace
// and Moment(2)·Dim the squared Frobenius norm. For p ≤ 2·Steps−1 it is
// exactly the mean over the probes v of vᵀAᵖv/vᵀv, so its error is that of
// a trace estimator with that many probes (Ubaru, Chen & Saad 2017).
func (d SpectralDensity) Moment(p int) float64 {
	var s float64
	for k, w := range d.Weights {
		s += w * math.Pow(d.Nodes[k], float64(p))
	}
	return s
}

// Density estimates the spectral density of the symmetric operator op by
// stochastic Lanczos quadrature (Golub & Meurant 1994; Lin, Saad & Yang,
// "Approximating spectral densities of large matrices", SIAM Review 58,
// 2016; Ghorbani, Krishnan & Xiao, "An investigation into neural net
// optimization via Hessian eigenvalue density", ICML 2019; as PyHessian's
// density): for each probe, Steps Lanczos steps from a random Rademacher
// start vector v give a tridiagonal T whose eigenvalues θₖ and squared
// first eigenvector components τₖ are the Gauss quadrature of the measure
// Σᵢ (uᵢᵀv)²/‖v‖² δ(t − λᵢ); its expectation is the spectral density.
// Each node is then broadened into a Gaussian of width Sigma on the grid.
//
// The Lanczos vectors are not reorthogonalised unless Reorth is set. In
// floating point they then lose orthogonality as soon as a Ritz value
// converges, and the converged eigenvalue (an outlier of a network's
// Hessian, typically) reappears as further nodes, "ghosts", at the same
// place. For a density this is benign: the finite-precision recurrence is
// the exact one of a larger matrix whose eigenvalues lie within rounding
// of those of the operator, clustered where they converged (Greenbaum,
// Linear Algebra Appl. 113, 1989), so the quadrature is still the Gauss
// rule of a measure close to the true one; the ghosts share the weight of
// the eigenvalue they copy, and the density, which sees only the total
// weight near each point, and the moments (Moment) are unchanged to
// about the accuracy of the Ritz values (Knizhnerman 1996; Meurant &
// Strakoš, Acta Numerica 15, 2006). Ghorbani et al. use no
// reorthogonalisation for this reason. What changes is the node list: an
// eigenvalue may appear there several times with its weight split.
//
// Cost: Probes·Steps products and O(n) flops and 3n float64s per step
// (with Reorth, O(Steps·n) flops per step and Steps·n float64s: see
// Reorth). On the MLP 784-256-256-10 (269,000 parameters) at batch 128,
// 100 steps cost about 1.2 times the 100 products alone, against about
// 3.5 times with Reorth (BenchmarkSpectrumMLP in package nn). Outliers
// (the few large eigenvalues of a network's Hessian) are resolved sharply;
// the bulk is resolved to about the spacing of the nodes,
// (λ_max − λ_min)/Steps.
//
// Density panics if op.Dim() < 1 or a setting is negative, NaN or Inf, or
// Points is 1. It returns ErrNonFinite if a product is NaN or Inf, or op
// is a SecondOrder whose value or gradient is.
func Density(op Operator, settings *DensitySettings) (SpectralDensity, error) {
	if op == nil {
		panic("hvp: Density: nil Operator")
	}
	n := op.Dim()
	if n < 1 {
		panic(fmt.Sprintf("hvp: Density: operator dimension %d < 1", n))
	}
	var s DensitySettings
	if settings != nil {
		s = *settings
	}
	switch {
	case s.Probes < 0:
		panic(fmt.Sprintf("hvp: Density: Probes = %d < 0", s.Probes))
	case s.Steps < 0:
		panic(fmt.Sprintf("hvp: Density: Steps = %d < 0", s.Steps))
	case s.Points < 0 || s.Points == 1:
		panic(fmt.Sprintf("hvp: Density: Points = %d, want 0 or at least 2", s.Points))
	case !(s.Sigma >= 0) || math.IsInf(s.Sigma, 0):
		panic(fmt.Sprintf("hvp: Density: Sigma = %v, want a finite value ≥ 0", s.Sigma))
	}
	if s.Probes == 0 {
		s.Probes = 1
	}
	if s.Steps == 0 {
		s.Steps = 100
	}
	s.Steps = min(s.Steps, n)
	if s.Points == 0 {
		s.Points = 1000
	}
	if !finitePoint(op) {
		return SpectralDensity{}, ErrNonFinite
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x736c71)) // stream: "slq"
	d := SpectralDensity{Dim: n}
	l := newTridiag(op, n, s.Steps, s.Reorth, false)
	for probe := 0; probe < s.Probes; probe++ {
		rademacher(rng, l.v(0))
		alpha, beta, ok := l.run()
		d.HVPs += len(alpha)
		if !ok {
			return SpectralDensity{HVPs: d.HVPs}, ErrNonFinite
		}
		theta, tau := gaussQuadrature(alpha, beta)
		for k := range theta {
			d.Nodes = append(d.Nodes, theta[k])
			d.Weights = append(d.Weights, tau[k]/float64(s.Probes))
		}
	}
	lo, hi := d.Nodes[0], d.Nodes[0]
	for _, t := range d.Nodes {
		lo, hi = math.Min(lo, t), math.Max(hi, t)
	}
	d.Sigma = s.Sigma
	if d.Sigma == 0 {
		d.Sigma = (hi - lo) / 100
		if d.Sigma == 0 {
			d.Sigma = 1e-3 * math.Max(1, math.Abs(hi))
		}
	}
	a, b := lo-5*d.Sigma, hi+5*d.Sigma
	d.Grid = make([]float64, s.Points)
	d.Values = make([]float64, s.Points)
	norm := 1 / (d.Sigma * math.Sqrt(2*math.Pi))
	for i := range d.Grid {
		t := a + (b-a)*float64(i)/float64(s.Points-1)
		d.Grid[i] = t
		var v float64
		for k, w := range d.Weights {
			z := (t - d.Nodes[k]) / d.Sigma
			if z*z < 80 {
				v += w * math.Exp(-z*z/2)
			}
		}
		d.Values[i] = v * norm
	}
	return d, nil
}

// rademacher fills v with independent ±1 entries.
func rademacher(rng *rand.Rand, v []float64) {
	for i := 0; i < len(v); i += 64 {
		bits := rng.Uint64()
		for j := i; j < min(i+64, len(v)); j++ {
			v[j] = float64(int64(bits&1)*2 - 1)
			bits >>= 1
		}
	}
}

// tridiag runs the Lanczos recurrence for at most m steps from the
// vector in v(0), returning the tridiagonal matrix's diagonal and
// off-diagonal. With reorth, each new vector is reorthogonalised against
// the whole basis; with keep (implied by reorth) the basis is kept for
// Ritz vectors; otherwise only two vectors are held.
type tridiag struct {
	op     Operator
	n, m   int
	reorth bool
	slots  int
	basis  []float64
	w      []float64
	buf    []float64 // the storage of basis and w
	lastB  float64   // the last off-diagonal computed, for residuals
	// stop, if not nil, is asked after each step whether to end the run,
	// given the recurrence so far and the next off-diagonal b.
	stop func(alpha, beta []float64, b float64) bool
}

func newTridiag(op Operator, n, m int, reorth, keep bool) *tridiag {
	return newTridiagIn(nil, op, n, m, reorth, keep)
}

// newTridiagIn is newTridiag with its vectors in buf when it is long
// enough (its contents do not matter), else in new storage; the storage
// is l.buf.
func newTridiagIn(buf []float64, op Operator, n, m int, reorth, keep bool) *tridiag {
	slots := 2
	if reorth || keep {
		slots = m
	}
	if len(buf) < (slots+1)*n {
		buf = make([]float64, (slots+1)*n)
	}
	return &tridiag{op: op, n: n, m: m, reorth: reorth, slots: slots,
		basis: buf[:slots*n], w: buf[slots*n : (slots+1)*n], buf: buf}
}

func (l *tridiag) v(i int) []float64 {
	i %= l.slots
	return l.basis[i*l.n : (i+1)*l.n]
}

// run normalises v(0) and runs up to m steps. ok is false when a product
// was NaN or Inf. With reorth, each step removes the three-term
// recurrence's components and then makes one classical Gram–Schmidt pass
// against the whole basis, repeated only when it removed more than 1/√2 of
// the norm ("twice is enough", Daniel, Gragg, Kaufman & Stewart 1976): the
// basis is read two or four times a step.
func (l *tridiag) run() (alpha, beta []float64, ok bool) {
	n := l.n
	v0 := l.v(0)
	scaleVec(1/math.Sqrt(dot(v0, v0)), v0)
	coef := make([]float64, l.m)
	var norm, b float64
	for j := 0; j < l.m; j++ {
		vj := l.v(j)
		l.op.Apply(vj, l.w)
		a := dot(vj, l.w) // not finite when w is not, as vj is finite and nonzero
		if !finite(a) {
			return alpha, beta, false
		}
		alpha = append(alpha, a)
		var prev []float64
		if j > 0 {
			prev = l.v(j - 1)
		}
		ww := lanczosUpdate(l.w, a, vj, b, prev)
		if !finite(ww) {
			return alpha, beta, false
		}
		if l.reorth {
			before := math.Sqrt(dot(l.w, l.w))
			basis := blas64.General{Rows: j + 1, Cols: n, Stride: n, Data: l.basis[:(j+1)*n]}
			w := blas64.Vector{N: n, Inc: 1, Data: l.w}
			c := blas64.Vector{N: j + 1, Inc: 1, Data: coef[:j+1]}
			for pass := 0; pass < 2; pass++ {
				blas64.Gemv(blas.NoTrans, 1, basis, w, 0, c)
				blas64.Gemv(blas.Trans, -1, basis, c, 1, w)
				after := blas64.Nrm2(w)
				if after >= before/math.Sqrt2 {
					break
				}
				before = after
			}
		}
		if l.reorth {
			ww = dot(l.w, l.w)
		}
		b = math.Sqrt(ww)
		l.lastB = b
		norm = math.Max(norm, math.Abs(a)+b)
		if j == l.m-1 || b <= 1e-12*norm || (l.stop != nil && l.stop(alpha, beta, b)) {
			return alpha, beta, true // done, or the Krylov space is invariant
		}
		beta = append(beta, b)
		next := l.v(j + 1) // in plain mode, the slot of v(j−1), no longer needed
		for i := range next {
			next[i] = l.w[i] / b
		}
	}
	return alpha, beta, true
}

// lanczosUpdate sets w −= a·v + b·prev (prev may be nil) in one pass and
// returns ‖w‖² after it.
func lanczosUpdate(w []float64, a float64, v []float64, b float64, prev []float64) float64 {
	var s0, s1 float64
	if prev == nil {
		v = v[:len(w)]
		for i := range w {
			x := w[i] - a*v[i]
			w[i] = x
			s0 += x * x
		}
		return s0
	}
	v, prev = v[:len(w)], prev[:len(w)]
	i := 0
	for ; i+2 <= len(w); i += 2 {
		x0 := w[i] - a*v[i] - b*prev[i]
		x1 := w[i+1] - a*v[i+1] - b*prev[i+1]
		w[i], w[i+1] = x0, x1
		s0 += x0 * x0
		s1 += x1 * x1
	}
	for ; i < len(w); i++ {
		x := w[i] - a*v[i] - b*prev[i]
		w[i] = x
		s0 += x * x
	}
	return s0 + s1
}

// gaussQuadrature returns the eigenvalues of the symmetric tridiagonal
// matrix with diagonal alpha and off-diagonal beta, and the squared first
// components of its unit eigenvectors (which sum to 1).
func gaussQuadrature(alpha, beta []float64) (theta, tau []float64) {
	theta, vecs := tridiagEigen(alpha, beta)
	tau = make([]float64, len(theta))
	for k := range tau {
		u := vecs.At(0, k)
		tau[k] = u * u
	}
	return theta, tau
}

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}

func scaleVec(a float64, v []float64) {
	for i := range v {
		v[i] *= a
	}
}
