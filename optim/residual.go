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

// JacobianOperator is the Jacobian J of a Residual at a fixed point,
// applied without forming it: J·v by forward mode and Jᵀu by reverse mode.
// Implementations must not retain the slices passed to them.
type JacobianOperator interface {
	// JacVec stores J·v in jv (len(v) = n, len(jv) = m).
	JacVec(v, jv []float64)
	// JacTVec stores Jᵀu in jtu (len(u) = m, len(jtu) = n).
	JacTVec(u, jtu []float64)
}

// JacobianLinearizer is optionally implemented by residuals that can fix a
// point once and then apply its Jacobian many times cheaply (the AD engine
// records r once and pushes each new direction through the recording).
// MatrixFreeLevenbergMarquardt requires it; the dense methods do not use
// it.
//
// LinearizeJacobian stores r(x) in r (len m) and returns J(x) as an
// operator, valid until the next call to LinearizeJacobian on the same
// value (so an implementation may reuse its storage); calls to Residuals
// in between must leave it valid.
type JacobianLinearizer interface {
	LinearizeJacobian(x, r []float64) JacobianOperator
}
