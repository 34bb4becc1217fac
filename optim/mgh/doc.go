// Package mgh provides the unconstrained test problems of Moré, Garbow and
// Hillstrom, with hand-written values, gradients and exact Hessian-vector
// products, for testing and benchmarking optimizers.
//
// Reference: J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing
// Unconstrained Optimization Software", ACM Transactions on Mathematical
// Software 7(1):17–41, 1981. Problem numbers in the documentation ("MGH 21")
// are the paper's.
//
// Every Problem satisfies, structurally, the objective shape used by package
// optim (this package does not import it):
//
//	Dim() int
//	Eval(x, grad []float64) float64 // f(x); fills grad with ∇f(x) when grad != nil
//	HessVec(x, v, hv []float64)     // hv = ∇²f(x)·v, exact
//
// Most problems are nonlinear least squares, f(x) = Σᵢ rᵢ(x)², and their
// Hessian-vector products are the exact ones,
//
//	∇²f(x)·v = 2·Σᵢ [ (∇rᵢ·v)·∇rᵢ + rᵢ·∇²rᵢ·v ],
//
// not the Gauss–Newton approximation. No method forms an n×n matrix and none
// allocates: Eval and HessVec cost O(Σᵢ nnz(∇rᵢ)), which is O(n) for the
// extended Rosenbrock, extended Powell, trigonometric, variably dimensioned
// and penalty problems and O(m·n) for the small data-fitting problems.
//
// The known minimum values (Problem.FStar) are those of the reference table
// shipped with the package, testdata/mgh_fstar.csv (column fstar_ref): exact
// zeros where the paper gives f* = 0, and otherwise values polished by
// Levenberg–Marquardt that round to the paper's printed values, with
// ‖∇f‖∞ from 2e-14 (Penalty I) to 7e-8 (Brown and Dennis, where f ≈ 8.6e4).
//
// Problems are values without mutable state: the same Problem may be used by
// several goroutines at once.
package mgh
