package optim

import (
	"fmt"
	"math"
	"strings"
)

// Bounds are box constraints lᵢ ≤ xᵢ ≤ uᵢ on the variables. A nil Lower
// (Upper) means no lower (upper) bound on any variable; an entry of −Inf
// (+Inf) leaves that one variable unbounded on that side, and lᵢ = uᵢ fixes
// xᵢ. Bounds are data of the problem: the methods that support them (LBFGS
// and NewtonCG) take them from Settings.Bounds, and the others panic when
// they are set. Minimize copies them at the start and never modifies them.
//
// A starting point outside the box is projected onto it before the first
// evaluation, f is evaluated only inside the box, and the stationarity test
// becomes the projected gradient (see Settings.GradientThreshold).
type Bounds struct {
	Lower, Upper []float64
}

// check panics, naming the caller, unless b is a valid box for n
// variables: each side nil or of length n, no NaN, no lᵢ > uᵢ, no lᵢ = +Inf
// or uᵢ = −Inf.
func (b *Bounds) check(op string, n int) {
	if b == nil {
		return
	}
	if b.Lower != nil && len(b.Lower) != n {
		panic(fmt.Sprintf("optim: %s: len(Bounds.Lower) = %d, dimension %d", op, len(b.Lower), n))
	}
	if b.Upper != nil && len(b.Upper) != n {
		panic(fmt.Sprintf("optim: %s: len(Bounds.Upper) = %d, dimension %d", op, len(b.Upper), n))
	}
	for i := 0; i < n; i++ {
		l, u := b.lower(i), b.upper(i)
		if math.IsNaN(l) || math.IsNaN(u) || l > u || math.IsInf(l, 1) || math.IsInf(u, -1) {
			panic(fmt.Sprintf("optim: %s: invalid bounds on x[%d]: [%v, %v]", op, i, l, u))
		}
	}
}

// lower returns lᵢ (−Inf when there is none).
func (b *Bounds) lower(i int) float64 {
	if b == nil || b.Lower == nil {
		return math.Inf(-1)
	}
	return b.Lower[i]
}

// upper returns uᵢ (+Inf when there is none).
func (b *Bounds) upper(i int) float64 {
	if b == nil || b.Upper == nil {
		return math.Inf(1)
	}
	return b.Upper[i]
}

// Project moves x onto the box in place: xᵢ ← min(max(xᵢ, lᵢ), uᵢ), in
// O(n). A nil *Bounds leaves x as it is; a side that is not nil must have at
// least len(x) entries.
func (b *Bounds) Project(x []float64) {
	switch {
	case b == nil:
	case b.Lower != nil && b.Upper != nil:
		lo, hi := b.Lower[:len(x)], b.Upper[:len(x)]
		for i, xi := range x {
			// Comparisons leave a NaN as it is, as min and max do.
			if xi < lo[i] {
				x[i] = lo[i]
			} else if xi > hi[i] {
				x[i] = hi[i]
			}
		}
	default:
		for i := range x {
			x[i] = min(max(x[i], b.lower(i)), b.upper(i))
		}
	}
}

// boundedMethod is implemented by the methods that support Settings.Bounds.
type boundedMethod interface {
	Method
	supportsBounds()
}

func (LBFGS) supportsBounds()    {}
func (NewtonCG) supportsBounds() {}

// methodName returns the name of m's type without the package, for panics.
func methodName(m Method) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", m), "optim.")
}

// filled returns a copy of b for n variables with both sides present
// (missing ones as ±Inf), which the methods index directly. The copy also
// keeps a run independent of later changes to the caller's slices.
func (b *Bounds) filled(n int) *Bounds {
	c := &Bounds{Lower: make([]float64, n), Upper: make([]float64, n)}
	for i := range n {
		c.Lower[i], c.Upper[i] = b.lower(i), b.upper(i)
	}
	return c
}

// projGradNorm returns the ∞-norm of the projected gradient P(x − g) − x at
// a point x inside the filled box b, or NaN if g holds NaN or ±Inf. Its
// component is −gᵢ cut to the distance to the bound that −gᵢ points to
// (Byrd, Lu, Nocedal & Zhu 1995, §6), computed as min(|gᵢ|, distance) so
// that no rounding of x − g hides a gradient smaller than ε·|x|; it
// vanishes exactly at the first-order (KKT) points of the box-constrained
// problem.
func (b *Bounds) projGradNorm(x, g []float64) float64 {
	lo, hi := b.Lower[:len(x)], b.Upper[:len(x)]
	g = g[:len(x)]
	var m, nonFinite float64
	for i, xi := range x {
		gi := g[i]
		nonFinite += 0 * gi // NaN once any gᵢ is NaN or ±Inf
		// Plain comparisons rather than min and max: the common case of
		// a far bound is a predictable branch.
		var c float64
		if gi > 0 {
			c = gi
			if room := xi - lo[i]; room < c {
				c = room
			}
		} else {
			c = -gi
			if room := hi[i] - xi; room < c {
				c = room
			}
		}
		if c > m {
			m = c
		}
	}
	if nonFinite != 0 {
		return math.NaN()
	}
	return m
}

// active reports which bounds x lies on exactly.
func (b *Bounds) active(x []float64) (lower, upper []bool) {
	lower, upper = make([]bool, len(x)), make([]bool, len(x))
	for i, xi := range x {
		lower[i] = xi == b.lower(i)
		upper[i] = xi == b.upper(i)
	}
	return lower, upper
}

// free appends to dst the indices of the variables strictly inside their
// bounds at x and returns it.
func (b *Bounds) free(dst []int, x []float64) []int {
	for i, xi := range x {
		if xi > b.lower(i) && xi < b.upper(i) {
			dst = append(dst, i)
		}
	}
	return dst
}

// freeOperator restricts the operator h on ℝⁿ to the variables strictly
// inside their bounds at x (the reduced Hessian of a curvature probe) and
// returns it with its dimension.
func (b *Bounds) freeOperator(h func(v, hv []float64), x []float64) (func(v, hv []float64), int) {
	idx := b.free(nil, x)
	full, hfull := make([]float64, len(x)), make([]float64, len(x))
	return func(v, hv []float64) {
		for k, i := range idx {
			full[i] = v[k]
		}
		h(full, hfull)
		for k, i := range idx {
			hv[k] = hfull[i]
		}
	}, len(idx)
}

// maxStep returns the largest α ≥ 0 with x + α·d inside the filled box b
// (x inside it), capped at limit.
func (b *Bounds) maxStep(x, d []float64, limit float64) float64 {
	lo, hi := b.Lower[:len(x)], b.Upper[:len(x)]
	d = d[:len(x)]
	best := limit
	for i, xi := range x {
		// Compare the room to the bound against best·dᵢ so that only
		// improvements pay for a division.
		di := d[i]
		if di > 0 {
			if room := hi[i] - xi; room < best*di {
				best = room / di
			}
		} else if di < 0 {
			if room := lo[i] - xi; room > best*di {
				best = room / di
			}
		}
	}
	return max(best, 0)
}
