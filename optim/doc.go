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
// Saddle instead, and a point whose curvature could not be established
// within the budget as CurvatureInconclusive. SGDStepper and AdamStepper apply the same updates to lists
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
//
// # The curvature probe
//
// Settings.CheckCurvature and SaddleEscape decide whether a point with a
// small gradient is a minimum or a saddle by a probe of the smallest
// Hessian eigenvalue λ_min. The probe has three outcomes, and only one of
// them is a success:
//
//   - it finds an explicit unit vector u with uᵀ∇²f·u < −τ, which proves
//     λ_min < −τ (Saddle, or an escape along u);
//   - it establishes λ_min ≥ −τ (success), with probability at least
//     1 − 10⁻⁴ over its random start, by the bound of Kuczyński &
//     Woźniakowski (1992) on Lanczos from a random vector: the number of
//     steps grows like √(‖H‖/τ)·log(√n/10⁻⁴), and the probe runs that many
//     before it trusts a smallest Ritz value, whether or not the Ritz pair
//     looks converged (a residual test does not exclude an eigenvalue the
//     Krylov space has not reached yet);
//   - its budget (Settings.CurvatureMaxHVPs) runs out first
//     (CurvatureInconclusive; Result.LambdaMin is then only an upper bound
//     on λ_min).
//
// The search is plain Lanczos, which at O(n) memory keeps the optimal
// convergence of the extreme Ritz values: on ½Σdᵢxᵢ² with d₀ = −2 and the
// other dᵢ log-spaced in [1, 1e6] it finds the −2 in about 2,000 steps for
// n from 2,000 to 20,000 (2,054 to 5,730 HVPs in all, with the eigenvector).
// For n ≤ 256 it keeps its basis orthogonal, so the answer is exact after at
// most n steps.
//
// The threshold τ of negligible curvature is that of ε-second-order
// stationarity (Nesterov & Polyak 2006): with ε = Settings.GradientThreshold
// and ρ the Lipschitz constant of the Hessian,
//
//	τ = max(√(ρ·ε), 1e-8·‖H‖).
//
// With a ρ-Lipschitz Hessian, a step of length t along an eigenvector of
// λ < 0 lowers f by at least ½|λ|t² − ρt³/6, at best 2|λ|³/(3ρ²), and the
// curvature test is on a par with the gradient test ‖∇f‖ ≤ ε exactly when
// |λ| = √(ρε): shallower negative curvature belongs to the third-order
// terms of f, not to a direction a second-order method can exploit at the
// accuracy asked. The rule is invariant under rescaling f or x. A
// threshold relative to ‖H‖ alone cannot serve both cases that matter: on a
// trained tanh network with ‖H‖ ≈ 3e-4, eigenvalues of −1e-7 (3e-4·‖H‖)
// are curvature at the level of the third-order terms, while on the
// quadratic above −2 = −2e-6·‖H‖ is a real descent direction of unbounded
// depth; √(ρε) tells them apart, as ρ ≈ 1e-5 on the network (τ ≈ 3e-6)
// and ρ = 0 on the quadratic. ρ is estimated at each probe by the central
// difference of two Hessian-vector products at x ± h·v along a random unit
// vector v (two more HVPs); this is the third derivative along v, a lower
// bound on ρ, so the estimate errs toward treating curvature as
// significant. On an exact quadratic ρ = 0, and every eigenvalue below
// −1e-8·‖H‖, the resolution floor, counts. A positive
// Settings.CurvatureTolerance replaces the rule by τ =
// CurvatureTolerance·‖H‖. The same rule decides Classify's verdicts in
// package ad/hvp.
//
// # Contract checks
//
// Before every call of Objective.Eval the gradient buffer is filled with a
// NaN carrying a payload of its own; an entry that still holds it after a
// call that returned a finite f was not written (or only added to), and
// the run stops with BadObjective, naming the entry. A reused buffer would
// otherwise keep the previous point's values and could end a run with a
// false success. This is reported as a Status rather than a panic because it
// is found while running, possibly after a long run whose best point the
// Result still returns.
//
// # Unbounded objectives
//
// A run stops with Unbounded as soon as an evaluated f falls below
// f(x0) − max(1, |f(x0)|)/ε, with ε = 2⁻⁵² the float64 machine epsilon
// (about 4.5e15·max(1, |f(x0)|) below the start). At that depth the
// starting value and the scale it set are below the rounding level of f,
// so a finite minimum cannot be located by descent any more; for a loss
// bounded below on the scale of its starting value the bound is never
// reached. The test costs one comparison per evaluation. It is reached
// quickly by the methods whose steps grow with the slope: a line search
// extrapolates by a factor of up to 4 per trial, a trust region doubles, an
// escape doubles, SGD's steps grow with the gradient. Adam's steps are
// bounded by its learning rate, so on an unbounded objective it moves at
// most LearningRate per coordinate and step and may stop at its iteration
// limit before f crosses the bound.
package optim
