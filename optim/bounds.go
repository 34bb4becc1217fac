package optim

import (
	"fmt"
	"math"
)

// Bounds are box constraints lᵢ ≤ xᵢ ≤ uᵢ on the variables. A nil Lower
// (Upper) means no lower (upper) bound on any variable; an entry of −Inf
// (+Inf) leaves that one variable unbounded on that side. Bounds are data
// of the problem: the methods that support them (see each method's
// documentation) take them from Settings.Bounds, and the others panic when
// they are set.
//
// A starting point outside the box is projected onto it before the first
// evaluation, and the stationarity test becomes the projected gradient.
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

// Project moves x onto the box in place: xᵢ ← min(max(xᵢ, lᵢ), uᵢ). A nil
// *Bounds leaves x as it is.
func (b *Bounds) Project(x []float64) {
	if b == nil {
		return
	}
	for i := range x {
		x[i] = min(max(x[i], b.lower(i)), b.upper(i))
	}
}
