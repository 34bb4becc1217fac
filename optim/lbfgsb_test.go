package optim

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// denseBFGS returns the BFGS matrix built from B₀ = θI by the pairs in
// order, by the textbook update B ← B − BssᵀB/sᵀBs + yyᵀ/yᵀs (Nocedal &
// Wright eq. 6.19): an independent reference for the compact form.
func denseBFGS(n int, theta float64, s, y [][]float64) *mat.Dense {
	b := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		b.Set(i, i, theta)
	}
	for k := range s {
		sv, yv := mat.NewVecDense(n, s[k]), mat.NewVecDense(n, y[k])
		var bs mat.VecDense
		bs.MulVec(b, sv)
		sbs := mat.Dot(sv, &bs)
		ys := mat.Dot(yv, sv)
		var u, w mat.Dense
		u.Outer(1/sbs, &bs, &bs)
		w.Outer(1/ys, yv, yv)
		b.Sub(b, &u)
		b.Add(b, &w)
	}
	return b
}

// refCauchy returns the first local minimiser of the model m(z) = gᵀz +
// ½zᵀBz along the projected path x(t) = P(x − t·g), t ≥ 0, walking its
// segments with the dense B.
func refCauchy(b *mat.Dense, box *Bounds, x, g []float64) []float64 {
	n := len(x)
	ts, ti := []float64{}, make([]float64, n)
	for i := range x {
		ti[i] = math.Inf(1)
		switch {
		case g[i] < 0 && !math.IsInf(box.upper(i), 1):
			ti[i] = (x[i] - box.upper(i)) / g[i]
		case g[i] > 0 && !math.IsInf(box.lower(i), -1):
			ti[i] = (x[i] - box.lower(i)) / g[i]
		}
		ts = append(ts, ti[i])
	}
	ts = append(ts, math.Inf(1))
	sort.Float64s(ts)
	at := func(t float64) []float64 {
		p := make([]float64, n)
		for i := range x {
			p[i] = min(max(x[i]-t*g[i], box.lower(i)), box.upper(i))
		}
		return p
	}
	told := 0.0
	for _, tb := range ts {
		if tb <= told {
			continue
		}
		// On (told, tb) the path is x(told) + (t − told)·d.
		p0 := at(told)
		d := make([]float64, n)
		for i := range d {
			if ti[i] > told {
				d[i] = -g[i]
			}
		}
		z := make([]float64, n)
		for i := range z {
			z[i] = p0[i] - x[i]
		}
		var bz, bd mat.VecDense
		bz.MulVec(b, mat.NewVecDense(n, z))
		bd.MulVec(b, mat.NewVecDense(n, d))
		fp := dot(g, d) + mat.Dot(&bz, mat.NewVecDense(n, d))
		fpp := mat.Dot(mat.NewVecDense(n, d), &bd)
		if fp >= 0 {
			return p0
		}
		if dt := -fp / fpp; told+dt < tb {
			return at(told + dt)
		}
		told = tb
	}
	return at(told)
}

// TestLBFGSBAgainstDense checks the compact-form computations of L-BFGS-B
// (the generalized Cauchy point and the subspace step) against a dense BFGS
// matrix built by the textbook update and a dense solve, on random pairs
// and boxes with several breakpoints and active bounds; and checks that when
// no bound is near the general path gives the two-loop direction.
func TestLBFGSBAgainstDense(t *testing.T) {
	const n, store = 12, 5
	rng := rand.New(rand.NewPCG(5, 5))
	compared, fixedSeen, freeSeen := 0, 0, 0
	var persist *lbfgsb
	for trial := 0; trial < 120; trial++ {
		// Pairs with y = A·s for an SPD A, so sᵀy > 0.
		a := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				a.Set(i, j, rng.NormFloat64())
			}
		}
		var spd mat.Dense
		spd.Mul(a.T(), a)
		for i := 0; i < n; i++ {
			spd.Set(i, i, spd.At(i, i)+1)
		}
		newPair := func(b *lbfgsb) {
			s := make([]float64, n)
			for i := range s {
				s[i] = rng.NormFloat64()
			}
			y := make([]float64, n)
			yv := mat.NewVecDense(n, y)
			yv.MulVec(&spd, mat.NewVecDense(n, s))
			from := &location{x: make([]float64, n), g: make([]float64, n)}
			to := &location{x: s, g: y}
			b.push(from, to)
		}
		// The first trials start afresh with 1 to 5 pairs; the later ones
		// keep one state and add a pair each, so that the products over
		// the fixed set are updated from call to call.
		var b *lbfgsb
		if trial < 20 {
			b = newLBFGSB(n, store)
			count := 1 + trial%store
			for k := 0; k < count+2; k++ { // wrap the ring
				newPair(b)
			}
			b.count = min(b.count, count)
		} else {
			if persist == nil {
				persist = newLBFGSB(n, store)
			}
			b = persist
			newPair(b)
		}
		var ps, py [][]float64
		for k := 0; k < b.count; k++ {
			j := (b.next - b.count + k + 2*store) % store
			ps, py = append(ps, b.s[j]), append(py, b.y[j])
		}
		theta := 1 / b.gamma
		bd := denseBFGS(n, theta, ps, py)

		x, g := make([]float64, n), make([]float64, n)
		lo, hi := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
			g[i] = 3 * rng.NormFloat64()
			lo[i], hi[i] = x[i]-0.3*rng.Float64(), x[i]+0.3*rng.Float64()
			switch i % 4 {
			case 0:
				lo[i] = x[i] // on its lower bound
			case 1:
				hi[i] = math.Inf(1)
			}
		}
		box := &Bounds{Lower: lo, Upper: hi}
		if !b.general(box, x, g) {
			t.Fatalf("trial %d: general path failed", trial)
		}
		want := refCauchy(bd, box, x, g)
		for i := range want {
			if math.Abs(b.xc[i]-want[i]) > 1e-9*(1+math.Abs(want[i])) {
				t.Fatalf("trial %d: Cauchy point x[%d] = %v, dense reference %v", trial, i, b.xc[i], want[i])
			}
		}
		// Subspace step: minimise the model over the variables not on a
		// bound at x^c, the others held, by a dense solve; then project.
		var free []int
		for i := range want {
			if want[i] > lo[i] && want[i] < hi[i] {
				free = append(free, i)
			}
		}
		z := make([]float64, n)
		for i := range z {
			z[i] = want[i] - x[i]
		}
		var bz mat.VecDense
		bz.MulVec(bd, mat.NewVecDense(n, z))
		nf := len(free)
		xbar := append([]float64(nil), want...)
		if nf > 0 {
			bff := mat.NewDense(nf, nf, nil)
			rhs := mat.NewVecDense(nf, nil)
			for p, i := range free {
				rhs.SetVec(p, -(g[i] + bz.AtVec(i)))
				for q, j := range free {
					bff.Set(p, q, bd.At(i, j))
				}
			}
			var du mat.VecDense
			if err := du.SolveVec(bff, rhs); err != nil {
				t.Fatal(err)
			}
			for p, i := range free {
				xbar[i] = min(max(want[i]+du.AtVec(p), lo[i]), hi[i])
			}
		}
		var gd float64
		for i := range xbar {
			gd += g[i] * (xbar[i] - x[i])
		}
		if gd >= 0 {
			continue // the fallback rule applies; the reference is not it
		}
		compared++
		fixedSeen += n - nf
		freeSeen += nf
		for i := range xbar {
			if got := x[i] + b.d[i]; math.Abs(got-xbar[i]) > 1e-8*(1+math.Abs(xbar[i])) {
				t.Fatalf("trial %d (%d free): x̄[%d] = %v, dense reference %v", trial, nf, i, got, xbar[i])
			}
		}

		// Far bounds: the general path gives the two-loop step.
		far := &Bounds{Lower: make([]float64, n), Upper: make([]float64, n)}
		for i := range x {
			far.Lower[i], far.Upper[i] = x[i]-1e6, x[i]+1e6
		}
		if !b.general(far, x, g) {
			t.Fatalf("trial %d: general path failed with far bounds", trial)
		}
		two := make([]float64, n)
		twoLoop(two, g, b.s, b.y, b.rho, b.alpha, b.count, b.next, b.gamma)
		for i := range two {
			if math.Abs(b.d[i]-two[i]) > 1e-8*(1+math.Abs(two[i])) {
				t.Fatalf("trial %d: far bounds: d[%d] = %v, two-loop %v", trial, i, b.d[i], two[i])
			}
		}
	}
	// The cases must exercise both parts: subspace steps compared, with
	// variables fixed by the Cauchy point and variables free.
	if compared < 60 || fixedSeen < compared || freeSeen < compared {
		t.Errorf("only %d subspace steps compared (%d fixed, %d free variables in all)", compared, fixedSeen, freeSeen)
	}
	t.Logf("%d subspace steps compared, %d fixed and %d free variables", compared, fixedSeen, freeSeen)
}

// TestTRONLinearize: with bounds, NewtonCG (TRON) fixes each point once
// through Linearize, rejected steps reuse it, and every HVP, including those
// of the Cauchy and projected searches, goes through it and is counted.
func TestTRONLinearize(t *testing.T) {
	const n = 20
	obj := &linearized{Objective: rosenbrock{n}}
	lo, hi := fill(n, -2, -2), fill(n, 0.5, 2)
	res, err := Minimize(obj, fill(n, -1.2, 1), NewtonCG{}, &Settings{Bounds: &Bounds{Lower: lo, Upper: hi}, CheckCurvature: true})
	if err != nil || res.Status != GradientThreshold {
		t.Fatalf("status %v, err %v", res.Status, err)
	}
	if obj.directHVPs != 0 {
		t.Errorf("%d direct HessVec calls, want 0", obj.directHVPs)
	}
	if obj.linHVPs != res.HessVecEvals {
		t.Errorf("%d products through Linearize, Result says %d", obj.linHVPs, res.HessVecEvals)
	}
	// One per point, and two for the curvature probe's estimate of the
	// Hessian's Lipschitz constant at x ± h·v.
	if want := res.Iterations + 1 + 2; obj.linearizes != want {
		t.Errorf("%d Linearize calls for %d iterations, want %d", obj.linearizes, res.Iterations, want)
	}
	if res.X[0] != 0.5 || !res.ActiveUpper[0] {
		t.Errorf("X[0] = %v, active upper %v; want 0.5 on its bound", res.X[0], res.ActiveUpper[0])
	}
	t.Logf("%d iterations, %d Linearize, %d HVPs", res.Iterations, obj.linearizes, res.HessVecEvals)
}
