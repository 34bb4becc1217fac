// Package optim minimises twice-differentiable functions of a flat
// []float64 with first- and second-order methods, and detects and escapes
// saddle points using Hessian-vector products.
//
// An Objective supplies f, ∇f and exact Hessian-vector products; it may be
// hand-written or come from the ad/hvp package, which this package does not
// import. Minimize runs one of the methods
//
//   - GradientDescent: fixed step or Moré–Thuente line search,
//   - SGD (momentum, Nesterov) and Adam (with AdamW weight decay),
//   - LBFGS with a strong-Wolfe Moré–Thuente line search,
//   - NewtonCG: trust-region Newton with Steihaug–Toint CG on HVPs,
//   - SaddleEscape: any of the above plus Lanczos negative-curvature
//     detection and escape,
//
// and returns a Result with the point, ‖∇f‖∞, the evaluation counts (f, ∇f
// and H·v apart), the smallest curvature seen and a Status saying why it
// stopped. Success (GradientThreshold, SecondOrderStationary) is reported
// only where ‖∇f‖∞ is at most the threshold asked for; with
// Settings.CheckCurvature a point with negative curvature is reported as a
// Saddle instead. SGDStepper and AdamStepper apply the same updates to lists
// of parameter tensors for mini-batch training, and GonumProblem adapts an
// Objective to gonum's optimize package.
//
// Misuse (wrong lengths, negative settings) panics with an "optim: "
// message; conditions of the data (NaN or Inf, failed line searches,
// budgets) are reported through Result.Status and the returned error, with
// Result.X the best finite point seen.
package optim
