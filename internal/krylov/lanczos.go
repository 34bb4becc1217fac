// Package krylov computes extreme eigenpairs of a symmetric linear operator
// that is available only through matrix-vector products, such as a Hessian
// applied by Hessian-vector products.
//
// Its one algorithm, Lanczos, is the thick-restart Lanczos method with full
// reorthogonalisation (Wu & Simon, "Thick-restart Lanczos method for large
// symmetric eigenvalue problems", SIAM J. Matrix Anal. Appl. 22, 2000). It is
// shared by optim (negative-curvature detection and saddle escape) and ad/hvp
// (public spectral tools).
package krylov

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Operator applies a symmetric linear map A of dimension n: it stores A·v in
// av. It must not modify v and must not retain either slice.
type Operator func(v, av []float64)

// Which selects the end or ends of the spectrum that Lanczos computes.
type Which int

const (
	// Smallest asks for the K algebraically smallest eigenvalues.
	Smallest Which = iota
	// Largest asks for the K algebraically largest eigenvalues.
	Largest
	// BothEnds asks for the K smallest and the K largest eigenvalues.
	BothEnds
)

// String returns the name of w.
func (w Which) String() string {
	switch w {
	case Smallest:
		return "Smallest"
	case Largest:
		return "Largest"
	case BothEnds:
		return "BothEnds"
	}
	return fmt.Sprintf("Which(%d)", int(w))
}

// Settings configures Lanczos. The zero value asks for the single smallest
// eigenpair with the default tolerance and budgets.
type Settings struct {
	// K is the number of eigenpairs wanted at each requested end of the
	// spectrum. If K is 0, it is defaulted to 1. The total wanted is capped
	// at the dimension n.
	K int

	// Which selects the end(s) of the spectrum.
	Which Which

	// Tol is the relative residual tolerance of the stopping rule: a Ritz
	// pair (θ, u) is converged when ‖A·u − θ·u‖₂ ≤ Tol·‖A‖, where ‖A‖ is
	// estimated by the largest |θ| seen so far. Because A is symmetric, an
	// eigenvalue then lies within Tol·‖A‖ of θ, and usually within
	// (Tol·‖A‖)²/gap. If Tol is 0, it is defaulted to 1e-8.
	Tol float64

	// MaxBasis caps the number of Krylov basis vectors held at once; when the
	// basis is full the method restarts, keeping the wanted Ritz vectors and
	// about half of the basis. Memory is (MaxBasis+K_total+1)·n float64s
	// plus O(MaxBasis²). If MaxBasis is 0, it is defaulted to
	// min(n, max(20, 2·K_total+10)), where K_total is the number of wanted
	// eigenpairs (2K for BothEnds). A value below min(n, K_total+2) panics.
	MaxBasis int

	// MaxOps caps the number of operator applications. When it is reached
	// the current Ritz estimates are returned with Converged false. If MaxOps
	// is 0, it is defaulted to max(1000, 20·MaxBasis).
	MaxOps int

	// Seed determines the pseudo-random start vector (and any vector needed
	// after an invariant subspace has been found), so runs are reproducible.
	Seed uint64

	// Start, if not nil, is used as the start vector instead of a random
	// one. It must have length n and must not be zero; it is not modified
	// or retained.
	Start []float64
}

// Result holds the eigenpairs computed by Lanczos.
type Result struct {
	// Values are the computed eigenvalues (Ritz values) in ascending order.
	Values []float64
	// Vectors[i] is the unit-norm eigenvector estimate for Values[i].
	Vectors [][]float64
	// Residuals[i] is the estimate ‖A·u − θ·u‖₂ of Vectors[i], from the
	// Lanczos recurrence.
	Residuals []float64
	// Ops is the number of operator applications.
	Ops int
	// Restarts is the number of thick restarts.
	Restarts int
	// Converged reports whether every wanted pair met the stopping rule (or
	// an invariant subspace was found, making the Ritz pairs exact).
	Converged bool
	// NormEst is the largest |θ| seen, a lower bound on ‖A‖₂.
	NormEst float64
}

// ErrNonFinite is returned by Lanczos when the operator produces NaN or Inf.
var ErrNonFinite = errors.New("krylov: operator returned NaN or Inf")

// breakdownTol is the relative size of the orthogonalised residual below
// which the Krylov subspace is treated as invariant.
const breakdownTol = 1e-12

// Lanczos computes extreme eigenpairs of the symmetric operator op of
// dimension n by the thick-restart Lanczos method with full
// reorthogonalisation (Wu & Simon 2000; Golub & Van Loan §10.1).
//
// Each step applies op once and orthogonalises the new vector against the
// whole current basis twice (classical Gram–Schmidt, twice), costing
// O(MaxBasis·n) flops; the projected matrix, tridiagonal except for the
// arrowhead left by restarts, is diagonalised with mat.EigenSym at
// O(MaxBasis³) per step. The stopping rule is residual based: see
// Settings.Tol. Ritz values never lie below the smallest eigenvalue nor above
// the largest, so an unconverged smallest Ritz value is still an upper bound
// on λ_min.
//
// Like every single-vector Krylov method it sees one copy of a repeated
// eigenvalue; if the Krylov subspace becomes invariant before K_total Ritz
// values exist, it continues from a fresh random vector orthogonal to the
// basis.
//
// Lanczos panics if n < 1, if the settings are invalid (negative K, Tol,
// MaxBasis or MaxOps, an unknown Which, MaxBasis too small, a Start of the
// wrong length or zero). It returns ErrNonFinite if op returns NaN or Inf.
func Lanczos(op Operator, n int, settings *Settings) (Result, error) {
	if op == nil {
		panic("krylov: Lanczos: nil operator")
	}
	if n < 1 {
		panic(fmt.Sprintf("krylov: Lanczos: dimension n = %d < 1", n))
	}
	var s Settings
	if settings != nil {
		s = *settings
	}
	k, total, m, maxOps, tol := resolve(&s, n)

	l := &lanczos{
		op: op, n: n, m: m, which: s.Which, k: k, total: total,
		basis: make([]float64, m*n),
		h:     make([]float64, m*m),
		w:     make([]float64, n),
		coef:  make([]float64, m),
		coef2: make([]float64, m),
		rng:   rand.New(rand.NewPCG(s.Seed, 0x9e3779b97f4a7c15)),
	}
	v0 := l.vec(0)
	if s.Start != nil {
		if len(s.Start) != n {
			panic(fmt.Sprintf("krylov: Lanczos: len(Start) = %d, want n = %d", len(s.Start), n))
		}
		copy(v0, s.Start)
		if !normalize(v0) {
			panic("krylov: Lanczos: Start is zero or not finite")
		}
	} else {
		l.random(v0)
	}

	var (
		res    Result
		j      int // index of the basis vector expanded next
		norm   float64
		theta  []float64
		y      mat.Dense
		eig    mat.EigenSym
		sym    mat.SymDense
		beta   float64
		ops    int
		wanted []int
		local  bool // whether v_j continues a plain three-term recurrence
	)
	for {
		// Expand: w = A·v_j, orthogonalised against v_0..v_j.
		op(l.vec(j), l.w)
		ops++
		wnorm := blas64.Nrm2(blas64.Vector{N: n, Inc: 1, Data: l.w})
		if math.IsNaN(wnorm) || math.IsInf(wnorm, 0) {
			return Result{Ops: ops, Restarts: res.Restarts}, ErrNonFinite
		}
		size := j + 1
		if local {
			// The three-term recurrence first, then one global pass,
			// repeated only if it removed much (Daniel et al. 1976).
			l.orthogonalizeLocal(j, beta)
		} else {
			// After a start, restart or injected vector the new vector
			// couples to the whole basis: classical Gram–Schmidt twice.
			l.orthogonalize(size)
		}
		for i := 0; i < size; i++ {
			l.h[i*m+j] = l.coef[i]
		}
		beta = blas64.Nrm2(blas64.Vector{N: n, Inc: 1, Data: l.w})
		local = true

		// Rayleigh–Ritz on the projected matrix (upper triangle of h).
		sym.SetRawSymmetric(blas64.Symmetric{Uplo: blas.Upper, N: size, Stride: m, Data: l.h})
		if !eig.Factorize(&sym, true) {
			panic("krylov: Lanczos: eigendecomposition of the projected matrix failed")
		}
		theta = eig.Values(nil)
		y.Reset()
		eig.VectorsTo(&y)
		norm = math.Max(norm, math.Max(math.Abs(theta[0]), math.Abs(theta[size-1])))

		breakdown := size == n || beta <= breakdownTol*math.Max(norm, wnorm)
		wanted = l.wantedIndices(wanted[:0], size)
		converged := size >= total
		for _, i := range wanted {
			if beta*math.Abs(y.At(size-1, i)) > tol*norm {
				converged = false
			}
		}
		if breakdown && size >= total {
			converged = true
		}
		if converged || ops >= maxOps {
			res.Converged = converged
			res.Ops = ops
			res.NormEst = norm
			l.extract(&res, theta, &y, wanted, size, beta)
			return res, nil
		}

		if breakdown {
			// Invariant subspace with too few Ritz values: continue from a
			// fresh vector orthogonal to the basis.
			if size == m {
				l.restart(theta, &y, size, 0)
				res.Restarts++
				size = l.kept
			}
			for attempt := 0; ; attempt++ {
				if attempt == 10 {
					panic("krylov: Lanczos: cannot extend an invariant subspace")
				}
				l.random(l.w)
				l.orthogonalize(size)
				if normalize(l.w) {
					break
				}
			}
			copy(l.vec(size), l.w)
			j = size
			local = false
			continue
		}
		if size == m {
			l.restart(theta, &y, size, beta)
			res.Restarts++
			j = l.kept
			local = false
			continue
		}
		scale(1/beta, l.w)
		copy(l.vec(size), l.w)
		j = size
	}
}

// resolve validates s and returns K, the total number of wanted pairs, the
// basis size, the operator budget and the tolerance.
func resolve(s *Settings, n int) (k, total, m, maxOps int, tol float64) {
	if s.K < 0 {
		panic(fmt.Sprintf("krylov: Lanczos: K = %d < 0", s.K))
	}
	if s.Tol < 0 || math.IsNaN(s.Tol) {
		panic(fmt.Sprintf("krylov: Lanczos: Tol = %v < 0", s.Tol))
	}
	if s.MaxBasis < 0 {
		panic(fmt.Sprintf("krylov: Lanczos: MaxBasis = %d < 0", s.MaxBasis))
	}
	if s.MaxOps < 0 {
		panic(fmt.Sprintf("krylov: Lanczos: MaxOps = %d < 0", s.MaxOps))
	}
	k = s.K
	if k == 0 {
		k = 1
	}
	switch s.Which {
	case Smallest, Largest:
		total = k
	case BothEnds:
		total = 2 * k
	default:
		panic(fmt.Sprintf("krylov: Lanczos: unknown Which %d", int(s.Which)))
	}
	total = min(total, n)
	m = s.MaxBasis
	if m == 0 {
		m = max(20, 2*total+10)
	}
	m = min(m, n)
	if m < min(n, total+2) {
		panic(fmt.Sprintf("krylov: Lanczos: MaxBasis = %d too small for %d wanted eigenpairs (need at least %d)",
			s.MaxBasis, total, min(n, total+2)))
	}
	maxOps = s.MaxOps
	if maxOps == 0 {
		maxOps = max(1000, 20*m)
	}
	tol = s.Tol
	if tol == 0 {
		tol = 1e-8
	}
	return k, total, m, maxOps, tol
}

// lanczos holds the working storage of one Lanczos run. The basis vectors
// are stored contiguously, vector i at basis[i*n:(i+1)*n].
type lanczos struct {
	op       Operator
	n, m     int
	which    Which
	k, total int
	kept     int // basis vectors kept by the last restart

	basis       []float64
	h           []float64 // projected matrix, upper triangle, m×m row-major
	w           []float64
	coef, coef2 []float64
	rng         *rand.Rand
}

func (l *lanczos) vec(i int) []float64 { return l.basis[i*l.n : (i+1)*l.n] }

// random fills v with a normalised pseudo-random Gaussian vector.
func (l *lanczos) random(v []float64) {
	for {
		for i := range v {
			v[i] = l.rng.NormFloat64()
		}
		if normalize(v) {
			return
		}
	}
}

// orthogonalize removes from l.w its components along the first size basis
// vectors by classical Gram–Schmidt applied twice, leaving the combined
// coefficients in l.coef[:size].
func (l *lanczos) orthogonalize(size int) {
	n := l.n
	v := blas64.General{Rows: size, Cols: n, Stride: n, Data: l.basis[:size*n]}
	w := blas64.Vector{N: n, Inc: 1, Data: l.w}
	c := blas64.Vector{N: size, Inc: 1, Data: l.coef[:size]}
	c2 := blas64.Vector{N: size, Inc: 1, Data: l.coef2[:size]}
	blas64.Gemv(blas.NoTrans, 1, v, w, 0, c)
	blas64.Gemv(blas.Trans, -1, v, c, 1, w)
	blas64.Gemv(blas.NoTrans, 1, v, w, 0, c2)
	blas64.Gemv(blas.Trans, -1, v, c2, 1, w)
	for i := 0; i < size; i++ {
		l.coef[i] += l.coef2[i]
	}
}

// orthogonalizeLocal orthogonalises l.w = A·v_j, where v_j follows v_{j−1}
// with coupling beta in a plain Lanczos recurrence: it removes the
// components along v_j and v_{j−1} (the three-term recurrence), then does one
// global classical Gram–Schmidt pass against v_0..v_j, and a second one only
// when the first removed more than 1/√2 of the remaining norm (the "twice is
// enough" criterion of Daniel, Gragg, Kaufman & Stewart 1976). The combined
// coefficients are left in l.coef[:j+1]. This reads the basis twice per step
// instead of four times.
func (l *lanczos) orthogonalizeLocal(j int, beta float64) {
	n, size := l.n, j+1
	w := l.w
	vj := l.vec(j)
	alpha := blas64.Dot(blas64.Vector{N: n, Inc: 1, Data: vj}, blas64.Vector{N: n, Inc: 1, Data: w})
	if j > 0 {
		vp := l.vec(j - 1)
		for i := range w {
			w[i] -= alpha*vj[i] + beta*vp[i]
		}
	} else {
		for i := range w {
			w[i] -= alpha * vj[i]
		}
	}
	before := blas64.Nrm2(blas64.Vector{N: n, Inc: 1, Data: w})
	v := blas64.General{Rows: size, Cols: n, Stride: n, Data: l.basis[:size*n]}
	wv := blas64.Vector{N: n, Inc: 1, Data: w}
	c := blas64.Vector{N: size, Inc: 1, Data: l.coef[:size]}
	blas64.Gemv(blas.NoTrans, 1, v, wv, 0, c)
	blas64.Gemv(blas.Trans, -1, v, c, 1, wv)
	if after := blas64.Nrm2(wv); after < before/math.Sqrt2 {
		c2 := blas64.Vector{N: size, Inc: 1, Data: l.coef2[:size]}
		blas64.Gemv(blas.NoTrans, 1, v, wv, 0, c2)
		blas64.Gemv(blas.Trans, -1, v, c2, 1, wv)
		for i := 0; i < size; i++ {
			l.coef[i] += l.coef2[i]
		}
	}
	l.coef[j] += alpha
	if j > 0 {
		l.coef[j-1] += beta
	}
}

// wantedIndices appends to dst the indices, in ascending order, of the wanted
// Ritz values among size ascending ones.
func (l *lanczos) wantedIndices(dst []int, size int) []int {
	lo, hi := 0, 0 // number taken from the bottom and from the top
	switch l.which {
	case Smallest:
		lo = min(l.k, size)
	case Largest:
		hi = min(l.k, size)
	case BothEnds:
		lo = min(l.k, size)
		hi = min(l.k, size-lo)
	}
	for i := 0; i < lo; i++ {
		dst = append(dst, i)
	}
	for i := size - hi; i < size; i++ {
		dst = append(dst, i)
	}
	return dst
}

// restart replaces the basis by the kept Ritz vectors followed by the
// normalised residual direction l.w/beta, and the projected matrix by the
// matching diagonal-plus-arrowhead (Wu & Simon 2000, §2). With beta = 0 the
// residual direction is not added.
func (l *lanczos) restart(theta []float64, y *mat.Dense, size int, beta float64) {
	n, m := l.n, l.m
	keep := max(l.total, (size-1)/2) // leave room for new vectors
	keep = min(keep, size-2)
	keep = max(keep, l.total)
	var idx []int
	switch l.which {
	case Smallest:
		for i := 0; i < keep; i++ {
			idx = append(idx, i)
		}
	case Largest:
		for i := size - keep; i < size; i++ {
			idx = append(idx, i)
		}
	case BothEnds:
		lo := (keep + 1) / 2
		for i := 0; i < lo; i++ {
			idx = append(idx, i)
		}
		for i := size - (keep - lo); i < size; i++ {
			idx = append(idx, i)
		}
	}
	// yk (size×keep) holds the kept Ritz vectors' coefficients.
	yk := make([]float64, size*keep)
	for r := 0; r < size; r++ {
		for c, i := range idx {
			yk[r*keep+c] = y.At(r, i)
		}
	}
	// New basis vector c = Σ_r yk[r,c]·v_r, computed in place one block of
	// coordinates at a time: each block depends only on the same block.
	const block = 4096
	tmp := make([]float64, keep*block)
	for a := 0; a < n; a += block {
		b := min(a+block, n)
		w := b - a
		for c := 0; c < keep; c++ {
			t := tmp[c*w : (c+1)*w]
			clear(t)
			for r := 0; r < size; r++ {
				floats.AddScaled(t, yk[r*keep+c], l.basis[r*n+a:r*n+b])
			}
		}
		for c := 0; c < keep; c++ {
			copy(l.basis[c*n+a:c*n+b], tmp[c*w:(c+1)*w])
		}
	}
	for i := range l.h {
		l.h[i] = 0
	}
	for c, i := range idx {
		l.h[c*m+c] = theta[i]
		l.h[c*m+keep] = beta * y.At(size-1, i)
	}
	if beta > 0 {
		v := l.vec(keep)
		for i := range v {
			v[i] = l.w[i] / beta
		}
	}
	l.kept = keep
}

// extract fills res with the wanted Ritz pairs.
func (l *lanczos) extract(res *Result, theta []float64, y *mat.Dense, wanted []int, size int, beta float64) {
	n := l.n
	nw := len(wanted)
	yk := make([]float64, size*nw)
	for r := 0; r < size; r++ {
		for c, i := range wanted {
			yk[r*nw+c] = y.At(r, i)
		}
	}
	out := make([]float64, nw*n)
	for c := 0; c < nw; c++ {
		u := out[c*n : (c+1)*n]
		for r := 0; r < size; r++ {
			floats.AddScaled(u, yk[r*nw+c], l.basis[r*n:(r+1)*n])
		}
	}
	res.Values = make([]float64, nw)
	res.Vectors = make([][]float64, nw)
	res.Residuals = make([]float64, nw)
	for c, i := range wanted {
		res.Values[c] = theta[i]
		res.Vectors[c] = out[c*n : (c+1)*n : (c+1)*n]
		normalize(res.Vectors[c])
		res.Residuals[c] = beta * math.Abs(y.At(size-1, i))
	}
	if !sort.Float64sAreSorted(res.Values) {
		panic("krylov: internal error: Ritz values out of order")
	}
}

// normalize scales v to unit 2-norm and reports whether that was possible.
func normalize(v []float64) bool {
	nrm := blas64.Nrm2(blas64.Vector{N: len(v), Inc: 1, Data: v})
	if nrm == 0 || math.IsNaN(nrm) || math.IsInf(nrm, 0) {
		return false
	}
	scale(1/nrm, v)
	return true
}

func scale(a float64, v []float64) {
	for i := range v {
		v[i] *= a
	}
}
