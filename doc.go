// Package curvature is the root of a Go library for differentiable
// programming in which second-order information is cheap: gradients,
// exact Hessian-vector products, curvature analysis and the optimizers
// that use them, in pure Go on top of gonum.
//
// The library lives in its subpackages:
//
//   - tensor: dense float64 n-d arrays with broadcasting and fast kernels;
//   - graph: the tape that records operations as code runs them;
//   - ad: reverse mode (Grad, ValueAndGrad), forward mode (JVP,
//     PushTangents), Check;
//   - ad/hvp: Hessian-vector products, dense Hessians, Lanczos, Classify,
//     the Taylor model, Hutchinson's trace, and objectives for optim;
//   - optim: GD, SGD, Adam(W), L-BFGS, Newton-CG and saddle escape;
//   - optim/mgh: the Moré–Garbow–Hillstrom test problems, with exact
//     Hessian-vector products;
//   - nn: layers, losses, parameters, training and checkpoints.
//
// This package itself holds no code; its example is README.md's quick
// start, kept here so that it always compiles and runs.
package curvature
