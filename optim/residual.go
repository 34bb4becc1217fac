package optim

import "gonum.org/v1/gonum/mat"

// Residual is a vector function r: ℝⁿ → ℝᵐ whose half sum of squares
// ½‖r(x)‖² LeastSquares minimises, with its exact Jacobian J(x) (the m×n
// matrix ∂rᵢ/∂xⱼ). It may be hand-written or come from package ad
// (ad.NewResidual), which this package does not import.
//
// Implementations must not modify x, must not retain any slice or matrix
// passed to them, and must return exact derivatives (not finite
// differences): the covariance and convergence tests of the least-squares
// methods rely on them. A residual that cannot be computed at x (a model
// that overflows there) stores NaN or ±Inf in r: LeastSquares treats such
// a trial point as a rejected step.
type Residual interface {
	// Dims returns the number of residuals m and of parameters n.
	Dims() (m, n int)
	// Residuals stores r(x) in r (len m).
	Residuals(x, r []float64)
	// Jacobian stores J(x) in jac, an m×n matrix.
	Jacobian(x []float64, jac *mat.Dense)
}

// JacobianLinearizer is optionally implemented by residuals that can fix a
// point once and then apply its Jacobian J there many times cheaply,
// without forming it: J·v by forward mode and Jᵀu by reverse mode (the AD
// engine records r once and pushes each new direction through the
// recording). MatrixFreeLevenbergMarquardt requires it; the dense methods
// do not use it.
//
// LinearizeJacobian stores r(x) in r (len m) and returns two functions:
// jacVec stores J(x)·v in dst (len(v) = n, len(dst) = m) and jacTVec
// stores J(x)ᵀu in dst (len(u) = m, len(dst) = n). They are valid until
// the next call to LinearizeJacobian on the same value (calls to
// Residuals in between must leave them valid), and must not retain the
// slices passed to them.
type JacobianLinearizer interface {
	LinearizeJacobian(x, r []float64) (jacVec, jacTVec func(v, dst []float64))
}
