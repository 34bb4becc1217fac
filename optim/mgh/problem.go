package mgh

import "fmt"

// Problem is one test problem: an objective function of Dim() variables with
// its standard starting point and its known minimum value.
//
// Problem satisfies the optim objective interface (Dim, Eval, HessVec)
// structurally. The zero Problem is not usable; obtain problems from
// Problems, SeedProblems or the constructors (Rosenbrock, Beale, ...).
type Problem struct {
	// Name identifies the problem; it matches the problem column of the
	// package's reference table testdata/mgh_fstar.csv (for example "rosenbrock",
	// "ext_rosenbrock_1000", "watson_9").
	Name string

	// FStar is the known global minimum value of f (or, for Watson,
	// Penalty I and II, Gaussian and Brown and Dennis, the minimum the
	// paper reports, polished to full precision).
	FStar float64

	// AltFStar lists other stationary values that a local method may
	// legitimately converge to from X0, with an explanation. It is nil for
	// most problems.
	AltFStar []Stationary

	fn function
	x0 []float64
}

// Stationary describes a documented stationary value of a problem other than
// its global minimum.
type Stationary struct {
	// F is the value of f at the stationary point.
	F float64
	// Note explains where the value comes from.
	Note string
}

// function is the contract every problem implements. Lengths are checked by
// Problem before these are called.
type function interface {
	dim() int
	eval(x, grad []float64) float64
	hessVec(x, v, hv []float64)
}

// Dim returns the number of variables n.
func (p Problem) Dim() int { return p.fn.dim() }

// X0 returns the standard starting point of the problem as a fresh slice
// that the caller owns.
func (p Problem) X0() []float64 { return append([]float64(nil), p.x0...) }

// WithStart returns a copy of p whose starting point (X0) is a copy of x0.
// It panics if len(x0) != p.Dim().
func (p Problem) WithStart(x0 []float64) Problem {
	if len(x0) != p.Dim() {
		panic(fmt.Sprintf("mgh: %s: WithStart: len(x0) = %d, want %d", p.Name, len(x0), p.Dim()))
	}
	p.x0 = append([]float64(nil), x0...)
	p.AltFStar = append([]Stationary(nil), p.AltFStar...)
	return p
}

// Eval returns f(x) and, when grad is not nil, stores ∇f(x) in grad.
// grad must not alias x. It panics if len(x) or len(grad) differs from Dim.
// Eval does not allocate; its cost is stated in the package documentation.
func (p Problem) Eval(x, grad []float64) float64 {
	n := p.fn.dim()
	if len(x) != n {
		panic(fmt.Sprintf("mgh: %s: Eval: len(x) = %d, want %d", p.Name, len(x), n))
	}
	if grad != nil && len(grad) != n {
		panic(fmt.Sprintf("mgh: %s: Eval: len(grad) = %d, want %d", p.Name, len(grad), n))
	}
	return p.fn.eval(x, grad)
}

// HessVec stores the exact Hessian-vector product ∇²f(x)·v in hv. hv must not
// alias x or v. It panics if any length differs from Dim. HessVec does not
// allocate and costs about as much as one Eval with gradient.
func (p Problem) HessVec(x, v, hv []float64) {
	n := p.fn.dim()
	if len(x) != n || len(v) != n || len(hv) != n {
		panic(fmt.Sprintf("mgh: %s: HessVec: len(x) = %d, len(v) = %d, len(hv) = %d, want %d",
			p.Name, len(x), len(v), len(hv), n))
	}
	p.fn.hessVec(x, v, hv)
}

// Problems returns the 19 Moré–Garbow–Hillstrom problems used by the
// project's optimizer benchmarks, from their standard starting points, in
// this order: Rosenbrock; extended Rosenbrock with n = 100 and n = 1000;
// Beale; Powell badly scaled; Brown badly scaled; Wood; helical valley;
// Watson (n = 9); trigonometric (n = 10); variably dimensioned (n = 10);
// Penalty I and II (n = 10); extended Powell singular (n = 12); Box 3-D
// (m = 10); Gaussian; Gulf research and development (m = 99); Biggs EXP6
// (m = 13); Brown and Dennis (m = 20). Each call returns new values.
func Problems() []Problem {
	return []Problem{
		Rosenbrock(),
		ExtendedRosenbrock(100),
		ExtendedRosenbrock(1000),
		Beale(),
		PowellBadlyScaled(),
		BrownBadlyScaled(),
		Wood(),
		HelicalValley(),
		Watson(),
		Trigonometric(),
		VariablyDimensioned(),
		PenaltyI(),
		PenaltyII(),
		ExtendedPowellSingular(),
		Box3D(),
		Gaussian(),
		GulfRD(),
		BiggsEXP6(),
		BrownDennis(),
	}
}

// SeedProblems returns the two small problems the library's examples start
// from: the saddle loss (1 − w1·w2)² started exactly at its saddle (0, 0)
// (SeedSaddle), and the quadratic with condition number 5 (Quadratic5).
// Each call returns new values.
func SeedProblems() []Problem {
	return []Problem{SeedSaddle(), Quadratic5()}
}

// sumSquares turns residuals into the objective f(x) = Σᵢ rᵢ(x)².
type sumSquares struct{ residuals }

// residuals describes a nonlinear least-squares problem row by row. Rows are
// evaluated independently, so a row whose gradient is sparse costs O(1).
type residuals interface {
	dim() int
	rows() int
	// res returns rᵢ(x) and, when d != nil, the directional derivative
	// ∇rᵢ(x)·d.
	res(x, d []float64, i int) (r, rd float64)
	// add adds a·∇rᵢ(x) to out and, when d != nil, b·∇²rᵢ(x)·d.
	add(x, d []float64, i int, a, b float64, out []float64)
}

// eval returns Σᵢ rᵢ² and fills grad with 2·Σᵢ rᵢ·∇rᵢ.
func (s sumSquares) eval(x, grad []float64) float64 {
	if grad != nil {
		clear(grad)
	}
	var f float64
	for i := range s.rows() {
		r, _ := s.res(x, nil, i)
		f += r * r
		if grad != nil {
			s.add(x, nil, i, 2*r, 0, grad)
		}
	}
	return f
}

// hessVec stores 2·Σᵢ [(∇rᵢ·v)·∇rᵢ + rᵢ·∇²rᵢ·v] in hv.
func (s sumSquares) hessVec(x, v, hv []float64) {
	clear(hv)
	for i := range s.rows() {
		r, rv := s.res(x, v, i)
		s.add(x, v, i, 2*rv, 2*r, hv)
	}
}
