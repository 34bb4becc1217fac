package optim

import (
	"fmt"
	"math"
)

// LBFGS is the limited-memory BFGS quasi-Newton method (Nocedal 1980; Liu &
// Nocedal 1989; Nocedal & Wright, Numerical Optimization, Algorithms 7.4 and
// 7.5) with the Moré–Thuente line search enforcing the strong Wolfe
// conditions (c1 = 1e-4, c2 = 0.9).
//
// Each iteration costs O(Store·n) flops for the two-loop recursion plus the
// line search, usually a single evaluation of f and ∇f; memory is
// O(Store·n). The initial inverse Hessian is γ·I with γ = sᵀy/yᵀy from the
// latest pair; pairs with sᵀy ≤ ε·yᵀy are skipped.
//
// A line search that finds no lower f leaves x where it was; a trial where f
// or ∇f is NaN or ±Inf is rejected and the search backs off halfway toward
// the best finite step. After a failure along the quasi-Newton direction the
// memory is cleared and the search is retried along −γ·∇f; if that fails
// too, LBFGS stops with LineSearchFailure (NonFinite if its last trial was
// non-finite), at the best point.
//
// With Settings.Bounds, LBFGS runs the L-BFGS-B algorithm of Byrd, Lu,
// Nocedal and Zhu (1995) on the same pairs: a generalized Cauchy point along
// the projected gradient path, minimisation of the quasi-Newton model over
// the variables it leaves free, and the line search along the segment to
// that point, capped at the edge of the box. An iteration whose bounds are
// inactive (no variable on a bound, the quasi-Newton step inside the box) is
// the L-BFGS iteration above plus O(n) tests, and gives the same iterate;
// one with active bounds works on the compact representation, at about
// three times the O(Store·n) flops of the two-loop recursion, plus
// O(Store²) per breakpoint the Cauchy point passes and per variable that
// joins or leaves the set it fixes, O(Store·k) for the newest pair's
// products over the k fixed variables, and O(Store³) for two
// factorizations of order 2·Store. After a memory reset the first step is
// along the projected gradient path with the same scaling as without
// bounds.
type LBFGS struct {
	// Store is the number of correction pairs (s, y) kept. If Store is 0,
	// it is defaulted to 20 (gonum uses 15, SciPy 10, PyTorch 100; on the
	// Moré–Garbow–Hillstrom set 20 needed fewer evaluations than 10 or 15).
	// A negative Store panics.
	Store int
}

var _ Method = LBFGS{}

func (m LBFGS) minimize(r *runner, loc *location) Status {
	if m.Store < 0 {
		panic(fmt.Sprintf("optim: LBFGS.Store = %d < 0", m.Store))
	}
	store := m.Store
	if store == 0 {
		store = 20
	}
	if r.box != nil {
		return m.minimizeBounded(r, loc, store)
	}
	n := r.n
	s := make([][]float64, store)
	y := make([][]float64, store)
	for i := range s {
		s[i] = make([]float64, n)
		y[i] = make([]float64, n)
	}
	rho := make([]float64, store)
	alpha := make([]float64, store)
	d := make([]float64, n)
	trial := newLocation(n)
	ls := newMoreThuente(n, 0.9)

	count, next := 0, 0 // pairs held; ring index of the next pair
	gamma := 0.0        // scale of the initial inverse Hessian; 0 until known
	for {
		if st := r.check(loc); st != NotTerminated {
			return st
		}
		fresh := count == 0
		if fresh {
			for i, g := range loc.g {
				d[i] = -g
			}
		} else {
			twoLoop(d, loc.g, s, y, rho, alpha, count, next, gamma)
		}
		alpha0 := 1.0
		if fresh {
			if gamma > 0 {
				scale(gamma, d)
			} else {
				alpha0 = 1 / math.Sqrt(dot(loc.g, loc.g))
			}
		}
		if !(dot(d, loc.g) < 0) {
			if fresh {
				r.err = fmt.Errorf("%w: ∇fᵀd = %v along −∇f", ErrNonDescent, dot(d, loc.g))
				return NonDescent
			}
			count = 0
			continue
		}
		outcome, _, st := ls.search(r, loc, d, alpha0, 1e10*alpha0, trial)
		if st != NotTerminated {
			return st
		}
		if outcome == lsFail {
			if !fresh {
				count = 0
				continue
			}
			return lineSearchFailed(r, ls, loc)
		}
		sn, yn := s[next], y[next]
		for i := range sn {
			sn[i] = trial.x[i] - loc.x[i]
			yn[i] = trial.g[i] - loc.g[i]
		}
		sy, yy := dot(sn, yn), dot(yn, yn)
		if sy > 1e-16*yy && yy > 0 {
			rho[next] = 1 / sy
			gamma = sy / yy
			next = (next + 1) % store
			count = min(count+1, store)
		}
		*loc, *trial = *trial, *loc
		if st := r.accept(loc, false); st != NotTerminated {
			return st
		}
	}
}

// lineSearchFailed sets the error of a failed search along −∇f and returns
// NonFinite when its last trial was non-finite (the search gave up while
// backing away from NaN or Inf), NonDescent when f rose even at the
// smallest step (∇f does not match f), LineSearchFailure otherwise.
func lineSearchFailed(r *runner, ls *moreThuente, loc *location) Status {
	if r.nonFinite > 0 {
		return r.nonFiniteStop()
	}
	if bad, slope := ls.inconsistent(); bad {
		r.err = fmt.Errorf("%w: along d = −∇f, ∇fᵀd = %.6g but f changes at the rate %.6g: ∇f does not match f",
			ErrNonDescent, ls.ginit, slope)
		return NonDescent
	}
	r.err = fmt.Errorf("%w: no lower f along −∇f from f = %v, ‖∇f‖∞ = %v", ErrLineSearch, loc.f, loc.gnorm)
	return LineSearchFailure
}

// twoLoop stores in d the L-BFGS direction −H·g, with H the inverse Hessian
// approximation built from the count newest pairs before ring index next and
// initial matrix gamma·I (Nocedal & Wright Algorithm 7.4).
func twoLoop(d, g []float64, s, y [][]float64, rho, alpha []float64, count, next int, gamma float64) {
	store := len(s)
	copy(d, g)
	for k := 1; k <= count; k++ {
		i := (next - k + store) % store
		alpha[i] = rho[i] * dot(s[i], d)
		axpy(-alpha[i], y[i], d)
	}
	scale(gamma, d)
	for k := count; k >= 1; k-- {
		i := (next - k + store) % store
		beta := rho[i] * dot(y[i], d)
		axpy(alpha[i]-beta, s[i], d)
	}
	scale(-1, d)
}
