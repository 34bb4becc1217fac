package optim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// lbfgsb is the state of the L-BFGS-B method of Byrd, Lu, Nocedal and Zhu
// ("A limited memory algorithm for bound constrained optimization", SIAM J.
// Sci. Comput. 16(5), 1995), which LBFGS runs when Settings.Bounds is set.
//
// The quasi-Newton matrix is held in the compact form of Byrd, Nocedal and
// Schnabel (1994),
//
//	B = θI − W·M·Wᵀ,  W = [Y  θS],  M = [[−D, Lᵀ], [L, θSᵀS]]⁻¹,
//
// with D = diag(sᵢᵀyᵢ), L the strictly lower triangle of SᵀY (oldest pair
// first) and θ = yᵀy/sᵀy of the newest pair. Each iteration finds the
// generalized Cauchy point, the first minimiser of the quadratic model along
// the projected steepest-descent path P(x − t·∇f), t ≥ 0, by walking its
// breakpoints in order (the paper's Algorithm CP); fixes the variables that
// the path put on a bound; minimises the model over the others (the direct
// primal method of the paper's §5.1, by the Sherman–Morrison–Woodbury
// formula on the 2m×2m middle matrix); projects that minimiser onto the box,
// falling back to the feasible part of the segment from the Cauchy point when
// the projection is not a descent direction (Morales & Nocedal, ACM TOMS 38,
// 2011); and searches along the segment to it by the Moré–Thuente line
// search, with the step capped where the line leaves the box.
//
// When no variable is on a bound and the whole quasi-Newton step x − B⁻¹∇f
// lies inside the box, the Cauchy point is interior (its step along −∇f is at
// most ∇fᵀB⁻¹∇f/∇fᵀ∇f by the Cauchy–Schwarz inequality in the B inner
// product, which is checked against the first breakpoint), the subspace is
// every variable and the iteration is exactly the unconstrained L-BFGS step,
// computed by the two-loop recursion on the same pairs. The inner products
// of the compact form (SᵀY, SᵀS, YᵀY) are computed only when an iteration
// needs them, pair by pair, so iterations whose bounds are inactive cost
// about what unbounded LBFGS iterations do. The same products over the
// variables the Cauchy point fixes, which the subspace step subtracts, are
// kept from one iteration to the next and updated for the new pair and the
// variables that joined or left that set.
type lbfgsb struct {
	n, store    int
	s, y        [][]float64
	rho, alpha  []float64 // two-loop work
	count, next int       // pairs held; ring index of the next pair
	gamma       float64   // sᵀy/yᵀy of the newest pair (1/θ); 0 until known
	alpha0      float64   // first trial step along d
	wasGeneral  bool      // the latest direction came from the general path
	alphaMax    float64   // largest step along d inside the box, capped

	// Inner products by ring slot (store×store, row-major): ss[i·store+j]
	// = sᵢᵀsⱼ, sy[i·store+j] = sᵢᵀyⱼ, yy[i·store+j] = yᵢᵀyⱼ. known[j]
	// says that slot j's row and column are up to date.
	ss, sy, yy []float64
	known      []bool

	d, xc, rc, wv, du []float64 // direction, Cauchy point, reduced gradient, work
	t                 []float64 // breakpoints
	fixed             []bool    // variables held on a bound by the Cauchy point
	heap              []int     // variables ordered by breakpoint
	order             []int     // ring slots, oldest pair first
	small             []float64 // 2m-vectors: p, c, Mp, Mc, w_b, Mw_b, v, z
	gather            []float64 // rows of W for W_ZᵀW_Z, 2m×k

	// The same inner products over the variables of a set A only (the
	// fixed set of the latest iteration that used it), updated as pairs
	// arrive and variables enter or leave A: aYY[i·store+j] = Σ_{k∈A}
	// yᵢ[k]·yⱼ[k], and so on. aKnown[j] says that slot j's row and column
	// are up to date; aUpdates counts the variables moved in or out of A
	// since the last full computation.
	inA           []bool
	aIdx          []int
	aYY, aSY, aSS []float64
	aKnown        []bool
	aUpdates      int
	gS, gY        [][]float64 // slot j's s and y on the variables of A
	gValid        []bool
	aFresh, fresh []bool // slots whose products this call computes
	k, wzw, nmat  *mat.Dense
	lu, nlu       denseLU
}

func newLBFGSB(n, store int) *lbfgsb {
	b := &lbfgsb{n: n, store: store}
	b.s, b.y = make([][]float64, store), make([][]float64, store)
	for i := range b.s {
		b.s[i], b.y[i] = make([]float64, n), make([]float64, n)
	}
	b.rho, b.alpha = make([]float64, store), make([]float64, store)
	b.known, b.aKnown = make([]bool, store), make([]bool, store)
	b.d = make([]float64, n)
	return b
}

// allocGeneral allocates the work space of the general path on first use,
// so that a run whose bounds stay inactive allocates what LBFGS does.
func (b *lbfgsb) allocGeneral() {
	if b.xc != nil {
		return
	}
	n, store := b.n, b.store
	b.ss, b.sy, b.yy = make([]float64, store*store), make([]float64, store*store), make([]float64, store*store)
	b.inA = make([]bool, n)
	b.gS, b.gY, b.gValid = make([][]float64, store), make([][]float64, store), make([]bool, store)
	b.aFresh, b.fresh = make([]bool, store), make([]bool, store)
	b.aYY, b.aSY, b.aSS = make([]float64, store*store), make([]float64, store*store), make([]float64, store*store)
	b.xc, b.rc, b.wv, b.du = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	b.t, b.fixed = make([]float64, n), make([]bool, n)
	b.small = make([]float64, 8*2*store)
}

func (m LBFGS) minimizeBounded(r *runner, loc *location, store int) Status {
	n, box := r.n, r.box
	b := newLBFGSB(n, store)
	trial := newLocation(n)
	ls := newMoreThuente(n, 0.9)
	for {
		if st := r.check(loc); st != NotTerminated {
			return st
		}
		fresh := b.count == 0
		if !b.direction(box, loc.x, loc.g) {
			if fresh {
				r.err = fmt.Errorf("%w: the projected gradient path is not a descent direction (∇fᵀd = %v, projected ‖∇f‖∞ = %v)",
					ErrNoProgress, dot(b.d, loc.g), loc.gnorm)
				return NoProgress
			}
			b.count = 0
			continue
		}
		outcome, _, st := ls.search(r, loc, b.d, b.alpha0, math.Max(b.alphaMax, b.alpha0), trial)
		if st != NotTerminated {
			return st
		}
		if outcome == lsFail {
			if !fresh {
				b.count = 0
				continue
			}
			return lineSearchFailed(r, ls, loc)
		}
		b.push(loc, trial)
		*loc, *trial = *trial, *loc
		if st := r.accept(loc, false); st != NotTerminated {
			return st
		}
	}
}

// push stores the pair s = to.x − from.x, y = to.g − from.g when sᵀy > 0
// (relative to yᵀy), which keeps B positive definite.
func (b *lbfgsb) push(from, to *location) {
	j := b.next
	sn, yn := b.s[j], b.y[j]
	for i := range sn {
		sn[i] = to.x[i] - from.x[i]
		yn[i] = to.g[i] - from.g[i]
	}
	sy, yy := dot(sn, yn), dot(yn, yn)
	if sy > 1e-16*yy && yy > 0 {
		b.rho[j] = 1 / sy
		b.gamma = sy / yy
		b.known[j], b.aKnown[j] = false, false
		if b.gValid != nil {
			b.gValid[j] = false
		}
		b.next = (j + 1) % b.store
		b.count = min(b.count+1, b.store)
	}
}

// direction stores in b.d the search direction x̄ − x of one L-BFGS-B
// iteration at x with gradient g, in b.alpha0 the first trial step and in
// b.alphaMax the largest step along d that stays in the box, and reports whether it is a descent direction
// (false asks the caller to clear the memory).
func (b *lbfgsb) direction(box *Bounds, x, g []float64) bool {
	d := b.d
	b.alpha0 = 1
	if b.count == 0 {
		// B = θI: the Cauchy point is P(x − g/θ) and no subspace step
		// improves on it. Before the first pair θ = ‖g‖₂, so the first
		// trial is a unit step along the projected gradient path. When
		// the path is not bent within that step the direction and
		// first step are those of LBFGS (−γ·∇f with step 1, or −∇f with
		// step 1/‖∇f‖₂ before the first pair), which makes the two
		// methods take the same iterates when no bound is near.
		scale := b.gamma
		if scale == 0 {
			b.alpha0 = 1 / math.Sqrt(dot(g, g))
			scale = 1
		}
		for i, gi := range g {
			d[i] = -scale * gi
		}
		b.alphaMax = box.maxStep(x, d, 1e10*b.alpha0)
		if b.alphaMax < b.alpha0 {
			step := b.alpha0 * scale
			for i, gi := range g {
				d[i] = min(max(x[i]-step*gi, box.lower(i)), box.upper(i)) - x[i]
			}
			b.alpha0 = 1
			b.alphaMax = box.maxStep(x, d, 1e10)
		}
		return dot(d, g) < 0
	}
	// After an iteration on the general path, look for a variable held on
	// a bound first: then the two-loop step cannot be the L-BFGS-B one.
	if !b.wasGeneral || !pushedOut(box, x, g) {
		twoLoop(d, g, b.s, b.y, b.rho, b.alpha, b.count, b.next, b.gamma)
		if ghg := -dot(d, g); ghg > 0 {
			if a, ok := interiorStep(box, x, g, d, ghg/dot(g, g)); ok {
				b.alphaMax = a
				b.wasGeneral = false
				return true
			}
		}
	}
	b.wasGeneral = true
	if !b.general(box, x, g) {
		return false
	}
	b.alphaMax = box.maxStep(x, d, 1e10)
	return true
}

// pushedOut reports whether some variable is on a bound with the gradient
// pushing it out of the box. The Cauchy point then holds it there, so the
// unconstrained step cannot be the L-BFGS-B step and is not computed.
func pushedOut(box *Bounds, x, g []float64) bool {
	lo, hi := box.Lower[:len(x)], box.Upper[:len(x)]
	g = g[:len(x)]
	for i, xi := range x {
		if xi == lo[i] && g[i] > 0 || xi == hi[i] && g[i] < 0 {
			return true
		}
	}
	return false
}

// interiorStep reports whether x − c·g lies strictly inside the box in every
// variable that g moves (so the Cauchy step, at most c, meets no breakpoint
// and leaves no variable on a bound) and x + d lies in the box; if so it
// returns the largest step α ≤ 1e10 with x + α·d in the box, as maxStep
// does, from the same pass.
func interiorStep(box *Bounds, x, g, d []float64, c float64) (alphaMax float64, ok bool) {
	lo, hi := box.Lower[:len(x)], box.Upper[:len(x)]
	g, d = g[:len(x)], d[:len(x)]
	best := 1e10
	for i, xi := range x {
		l, u, gi := lo[i], hi[i], g[i]
		if e := xi - c*gi; gi != 0 && !(e > l && e < u) {
			return 0, false
		}
		if di := d[i]; di > 0 {
			if room := u - xi; room < best*di {
				best = room / di
			}
		} else if di < 0 {
			if room := l - xi; room > best*di {
				best = room / di
			}
		}
	}
	return best, best >= 1
}

// ensureProducts brings the inner products of every held pair up to date.
func (b *lbfgsb) ensureProducts() {
	st := b.store
	b.order = b.order[:0]
	for k := 0; k < b.count; k++ {
		b.order = append(b.order, (b.next-b.count+k+2*st)%st)
	}
	// A product of two new pairs is computed once, in the pass of the
	// first of them.
	for _, j := range b.order {
		b.fresh[j] = !b.known[j]
	}
	for _, j := range b.order {
		if b.known[j] {
			continue
		}
		for _, i := range b.order {
			if b.fresh[i] && b.known[i] {
				continue // done in i's pass
			}
			b.ss[i*st+j] = dot(b.s[i], b.s[j])
			b.ss[j*st+i] = b.ss[i*st+j]
			b.yy[i*st+j] = dot(b.y[i], b.y[j])
			b.yy[j*st+i] = b.yy[i*st+j]
			b.sy[i*st+j] = dot(b.s[i], b.y[j])
			b.sy[j*st+i] = dot(b.s[j], b.y[i])
		}
		b.known[j] = true
	}
}

// general computes the direction by the generalized Cauchy point and
// subspace minimisation on the compact representation. It reports false
// when the middle matrix is singular to working precision or the result is
// not a descent direction.
func (b *lbfgsb) general(box *Bounds, x, g []float64) bool {
	b.allocGeneral()
	b.ensureProducts()
	m, st, order := b.count, b.store, b.order
	m2 := 2 * m
	theta := 1 / b.gamma
	sm := b.small[:8*m2]
	p, c, mp, mc := sm[0:m2], sm[m2:2*m2], sm[2*m2:3*m2], sm[3*m2:4*m2]
	wb, mwb, v, z := sm[4*m2:5*m2], sm[5*m2:6*m2], sm[6*m2:7*m2], sm[7*m2:8*m2]

	// K = M⁻¹ = [[−D, Lᵀ], [L, θSᵀS]].
	b.k = resize(b.k, m2)
	for a, ia := range order {
		for e, ie := range order {
			var tl, bl float64
			if a == e {
				tl = -b.sy[ia*st+ia]
			}
			if a > e {
				bl = b.sy[ia*st+ie]
			}
			b.k.Set(a, e, tl)
			b.k.Set(m+a, e, bl)
			b.k.Set(e, m+a, bl)
			b.k.Set(m+a, m+e, theta*b.ss[ia*st+ie])
		}
	}
	if !b.lu.factorize(b.k) {
		return false
	}
	// wRow stores row i of W = [Y θS] in dst.
	wRow := func(dst []float64, i int) {
		for a, ia := range order {
			dst[a] = b.y[ia][i]
			dst[m+a] = theta * b.s[ia][i]
		}
	}
	// wtVec stores Wᵀv in dst.
	wtVec := func(dst, v []float64) {
		for a, ia := range order {
			dst[a] = dot(b.y[ia], v)
			dst[m+a] = theta * dot(b.s[ia], v)
		}
	}
	// wVec stores W·v in dst (length n).
	wVec := func(dst, v []float64) {
		clear(dst)
		for a, ia := range order {
			axpy(v[a], b.y[ia], dst)
			axpy(theta*v[m+a], b.s[ia], dst)
		}
	}

	// Generalized Cauchy point (Algorithm CP).
	d, xc, t, fixed := b.d, b.xc, b.t, b.fixed
	b.heap = b.heap[:0]
	for i, gi := range g {
		ti := math.Inf(1)
		switch {
		case gi < 0 && !math.IsInf(box.upper(i), 1):
			ti = (x[i] - box.upper(i)) / gi
		case gi > 0 && !math.IsInf(box.lower(i), -1):
			ti = (x[i] - box.lower(i)) / gi
		}
		t[i] = ti
		xc[i] = x[i]
		fixed[i] = ti == 0
		d[i] = -gi
		if fixed[i] {
			d[i] = 0
		} else if !math.IsInf(ti, 1) {
			b.heap = append(b.heap, i)
		}
	}
	heapInit(b.heap, t)
	wtVec(p, d)
	clear(c)
	clear(mc)
	b.lu.solve(mp, p) // M·p
	fp := -dot(d, d)
	fpp := -theta*fp - dot(p, mp)
	fpp0 := fpp
	dtMin := 0.0
	if fp < 0 && fpp > 0 {
		dtMin = -fp / fpp
	}
	told := 0.0
	for len(b.heap) > 0 && fp < 0 {
		i := b.heap[0]
		dt := t[i] - told
		if dtMin < dt {
			break
		}
		b.heap = heapPop(b.heap, t)
		bound := box.lower(i)
		if d[i] > 0 {
			bound = box.upper(i)
		}
		zi := bound - x[i]
		xc[i] = bound
		axpy(dt, p, c)
		axpy(dt, mp, mc)
		wRow(wb, i)
		b.lu.solve(mwb, wb)
		gi := g[i]
		fp += dt*fpp + gi*gi + theta*gi*zi - gi*dot(wb, mc)
		fpp += -theta*gi*gi - 2*gi*dot(wb, mp) - gi*gi*dot(wb, mwb)
		fpp = math.Max(epsilon*fpp0, fpp)
		axpy(gi, wb, p)
		axpy(gi, mwb, mp)
		d[i] = 0
		fixed[i] = true
		told = t[i]
		dtMin = 0
		if fp < 0 {
			dtMin = -fp / fpp
		}
	}
	dtMin = math.Max(dtMin, 0)
	told += dtMin
	nfree := 0
	for i := range xc {
		if !fixed[i] {
			xc[i] = min(max(x[i]+told*d[i], box.lower(i)), box.upper(i))
			nfree++
		}
	}
	axpy(dtMin, p, c)
	axpy(dtMin, mp, mc)

	// Subspace minimisation over the free variables (direct primal method).
	du := b.du
	clear(du)
	if nfree > 0 {
		// The reduced gradient of the model at x^c is r = Z(g + θ(x^c −
		// x) − W·M·c) = r₀ − Z·W·M·c. The paper's step is
		//
		//	du = −r/θ − Z·W·N⁻¹·M·W_Zᵀr/θ²,  N = I − M·W_ZᵀW_Z/θ,
		//
		// and since N⁻¹·M = (M⁻¹ − W_ZᵀW_Z/θ)⁻¹ it needs one solve with
		// K − W_ZᵀW_Z/θ. With W_Zᵀr = W_Zᵀr₀ − W_ZᵀW_Z·M·c, and
		// du = −r₀/θ + Z·W·(M·c/θ − v/θ²) for v the solution, the
		// products with W over n are two: Wᵀr₀ and one W·u. W_ZᵀW_Z
		// comes from the smaller of the free and the fixed sets.
		r0 := b.rc
		for i := range r0 {
			r0[i] = 0
			if !fixed[i] {
				r0[i] = g[i] + theta*(xc[i]-x[i])
			}
		}
		nfixed := len(fixed) - nfree
		b.wzw = resize(b.wzw, m2)
		if nfixed <= nfree {
			// WᵀW less the products over the fixed set.
			b.fixedProducts(fixed, nfixed)
			for a, ia := range order {
				for e, ie := range order {
					b.wzw.Set(a, e, b.yy[ia*st+ie]-b.aYY[ia*st+ie])
					ys := theta * (b.sy[ie*st+ia] - b.aSY[ie*st+ia])
					b.wzw.Set(a, m+e, ys)
					b.wzw.Set(m+e, a, ys)
					b.wzw.Set(m+a, m+e, theta*theta*(b.ss[ia*st+ie]-b.aSS[ia*st+ie]))
				}
			}
		} else {
			// The product of the free rows, by one rank-k update.
			k := nfree
			if cap(b.gather) < m2*k {
				b.gather = make([]float64, m2*k)
			}
			xs := b.gather[:m2*k]
			col := 0
			for i, f := range fixed {
				if f {
					continue
				}
				for a, ia := range order {
					xs[a*k+col] = b.y[ia][i]
					xs[(m+a)*k+col] = theta * b.s[ia][i]
				}
				col++
			}
			var xxt mat.SymDense
			xxt.SymOuterK(1, mat.NewDense(m2, k, xs))
			for a := 0; a < m2; a++ {
				for e := 0; e < m2; e++ {
					b.wzw.Set(a, e, xxt.At(a, e))
				}
			}
		}
		zv := mat.NewVecDense(m2, z)
		zv.MulVec(b.wzw, mat.NewVecDense(m2, mc))
		wtVec(v, r0)
		for a := range z {
			z[a] = v[a] - z[a]
		}
		b.nmat = resize(b.nmat, m2)
		b.nmat.Scale(-1/theta, b.wzw)
		b.nmat.Add(b.nmat, b.k)
		if !b.nlu.factorize(b.nmat) {
			return false
		}
		b.nlu.solve(v, z)
		for a := range v {
			v[a] = mc[a]/theta - v[a]/(theta*theta)
		}
		wVec(b.wv, v)
		for i := range du {
			if !fixed[i] {
				du[i] = -r0[i]/theta + b.wv[i]
			}
		}
	}

	// x̄ = P(x^c + du); d = x̄ − x.
	for i := range d {
		d[i] = min(max(xc[i]+du[i], box.lower(i)), box.upper(i)) - x[i]
	}
	if dot(d, g) < 0 {
		return true
	}
	// The projection spoiled descent: take the feasible part of the
	// segment from x^c instead (the paper's original rule).
	a := box.maxStep(xc, du, 1)
	for i := range d {
		d[i] = min(max(xc[i]+a*du[i], box.lower(i)), box.upper(i)) - x[i]
	}
	return dot(d, g) < 0
}

// fixedProducts brings the inner products over the fixed set (aYY, aSY,
// aSS) up to date for the set fixed, of size nfixed. Between iterations
// whose fixed sets differ in c variables this costs O(Store·|A|) for the
// newest pair and O(Store²) per changed variable; it recomputes everything
// (O(Store²·|A|)) when more than about half the set changed or the
// incremental updates outnumber the set, which also bounds the rounding
// they accumulate.
func (b *lbfgsb) fixedProducts(fixed []bool, nfixed int) {
	st, order := b.store, b.order
	changes := 0
	for i, f := range fixed {
		if f != b.inA[i] {
			changes++
		}
	}
	full := changes > nfixed/2+16 || b.aUpdates+changes > max(nfixed, 64)
	if full {
		copy(b.inA, fixed)
		b.aUpdates = 0
		for _, j := range order {
			b.aKnown[j] = false
		}
	}
	if full {
		b.rebuildAIdx()
	}
	// New pairs over the current set A. A product of two new pairs is
	// computed once, in the pass of the first of them.
	for _, j := range order {
		b.aFresh[j] = !b.aKnown[j]
	}
	for _, j := range order {
		if b.aKnown[j] {
			continue
		}
		sj, yj := b.gathered(j)
		for _, i := range order {
			if b.aFresh[i] && b.aKnown[i] {
				continue // done in i's pass
			}
			si, yi := b.gathered(i)
			yy, sy, ys, ss := dot(yi, yj), dot(si, yj), dot(sj, yi), dot(si, sj)
			b.aYY[i*st+j], b.aYY[j*st+i] = yy, yy
			b.aSS[i*st+j], b.aSS[j*st+i] = ss, ss
			b.aSY[i*st+j], b.aSY[j*st+i] = sy, ys
		}
		b.aKnown[j] = true
	}
	if full || changes == 0 {
		return
	}
	// Variables entering (+) or leaving (−) A.
	for k, f := range fixed {
		if f == b.inA[k] {
			continue
		}
		sign := 1.0
		if !f {
			sign = -1
		}
		for _, i := range order {
			yik, sik := sign*b.y[i][k], sign*b.s[i][k]
			for _, j := range order {
				b.aYY[i*st+j] += yik * b.y[j][k]
				b.aSY[i*st+j] += sik * b.y[j][k]
				b.aSS[i*st+j] += sik * b.s[j][k]
			}
		}
		b.inA[k] = f
	}
	b.aUpdates += changes
	b.rebuildAIdx()
}

// denseLU is an LU factorization with partial pivoting of a small square
// matrix (LAPACK's dgetrf and dgetrs), without the condition estimate of
// mat.LU, which would cost more than the factorization.
type denseLU struct {
	a    blas64.General
	ipiv []int
}

// factorize factorizes m and reports whether it is nonsingular to working
// precision: every pivot at least ε·n times the largest in magnitude.
func (f *denseLU) factorize(m *mat.Dense) bool {
	n, _ := m.Dims()
	if cap(f.a.Data) < n*n {
		f.a.Data = make([]float64, n*n)
		f.ipiv = make([]int, n)
	}
	f.a = blas64.General{Rows: n, Cols: n, Stride: n, Data: f.a.Data[:n*n]}
	f.ipiv = f.ipiv[:cap(f.ipiv)][:n]
	raw := m.RawMatrix()
	for i := 0; i < n; i++ {
		copy(f.a.Data[i*n:(i+1)*n], raw.Data[i*raw.Stride:i*raw.Stride+n])
	}
	if !lapack64.Getrf(f.a, f.ipiv) {
		return false
	}
	var lo, hi float64 = math.Inf(1), 0
	for i := 0; i < n; i++ {
		d := math.Abs(f.a.Data[i*n+i])
		lo, hi = math.Min(lo, d), math.Max(hi, d)
	}
	return isFinite(hi) && lo > float64(n)*epsilon*hi
}

// solve stores in dst the solution x of m·x = src.
func (f *denseLU) solve(dst, src []float64) {
	copy(dst, src)
	lapack64.Getrs(blas.NoTrans, f.a, blas64.General{Rows: f.a.Rows, Cols: 1, Stride: 1, Data: dst}, f.ipiv)
}

// rebuildAIdx lists the variables of A and drops the gathered rows.
func (b *lbfgsb) rebuildAIdx() {
	b.aIdx = b.aIdx[:0]
	for i, f := range b.inA {
		if f {
			b.aIdx = append(b.aIdx, i)
		}
	}
	clear(b.gValid)
}

// gathered returns the components of slot j's pair on the variables of A,
// gathered into contiguous vectors so that products over A run as dense
// dot products.
func (b *lbfgsb) gathered(j int) (s, y []float64) {
	k := len(b.aIdx)
	if !b.gValid[j] {
		if cap(b.gS[j]) < k {
			b.gS[j], b.gY[j] = make([]float64, k), make([]float64, k)
		}
		s, y = b.gS[j][:k], b.gY[j][:k]
		sj, yj := b.s[j], b.y[j]
		for p, i := range b.aIdx {
			s[p], y[p] = sj[i], yj[i]
		}
		b.gS[j], b.gY[j], b.gValid[j] = s, y, true
	}
	return b.gS[j][:k], b.gY[j][:k]
}

// resize returns a zeroed n×n matrix, reusing m when it has that size.
func resize(m *mat.Dense, n int) *mat.Dense {
	if m != nil {
		if r, _ := m.Dims(); r == n {
			m.Zero()
			return m
		}
	}
	return mat.NewDense(n, n, nil)
}

// heapInit orders h as a binary min-heap on key[h[i]].
func heapInit(h []int, key []float64) {
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, key, i)
	}
}

// heapPop removes the minimum of the heap h and returns the shortened heap.
func heapPop(h []int, key []float64) []int {
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	siftDown(h, key, 0)
	return h
}

func siftDown(h []int, key []float64, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && key[h[r]] < key[h[l]] {
			c = r
		}
		if key[h[c]] >= key[h[i]] {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
