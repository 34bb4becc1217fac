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
// with bound constraints lᵢ ≤ xᵢ ≤ uᵢ for LBFGS (L-BFGS-B) and NewtonCG
// (TRON), see Bounds below,
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
//
// # NaN and Inf
//
// A trial point where f or ∇f is NaN or ±Inf is a rejected step, not the end
// of the run: a loss that overflows far from the current point (an exp on a
// long line-search step, a large trust radius) only makes the step shorter. The line searches of LBFGS and
// GradientDescent back off halfway toward the best finite step, NewtonCG
// cuts its trust radius to a quarter of the rejected step, and the escape
// search of SaddleEscape keeps halving; every such trial counts as an
// evaluation. The run stops with NonFinite, at the best finite point, when a
// method gives up while its latest trial is still non-finite (its line
// search ends, or its trust region shrinks below the rounding level of x),
// or after 50 consecutive non-finite evaluations, so an objective that
// returns NaN forever ends the run within a bounded number of evaluations.
// Points a method must move to are not trials: a non-finite f or ∇f at x0,
// or at the next iterate of SGD, Adam or fixed-step GradientDescent (a real
// divergence), stops the run with NonFinite at once, and so does a
// non-finite Hessian-vector product.
//
// # Bounds
//
// Settings.Bounds confines the variables to a box lᵢ ≤ xᵢ ≤ uᵢ, either side
// of which may be infinite (a nil Lower or Upper leaves that side open for
// every variable) and lᵢ = uᵢ fixes a variable. Two methods support bounds:
// LBFGS, which then runs L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995), and
// NewtonCG, which then runs a projected trust-region Newton method on HVPs
// in the manner of TRON (Lin & Moré 1999); the others panic. Invalid bounds
// (a side of the wrong length, NaN, lᵢ > uᵢ) panic with an "optim: " message.
//
// A starting point outside the box is projected onto it, and f is only ever
// evaluated inside the box, so an objective that is undefined outside it
// (a logarithm of a variable bounded below by a positive number) is safe.
// The stationarity test is on the projected gradient ‖P(x − ∇f) − x‖∞,
// which is zero exactly at the first-order (KKT) points: a variable on a
// bound may keep a gradient that pushes it outward. Result.GradNorm reports
// it, and Result.ActiveLower and ActiveUpper say which bounds the final
// point lies on. With Settings.CheckCurvature the Lanczos probe examines the
// Hessian restricted to the variables strictly inside their bounds, so a
// minimiser held by a bound against negative curvature is not reported as a
// saddle; curvature along a variable that is on a bound with a zero
// gradient component is not examined.
package optim
