package optim

// Objective is a twice-differentiable function of a flat parameter vector.
//
// Implementations must not modify x or v, must not retain any slice passed to
// them, and must return exact derivatives (not finite differences).
type Objective interface {
	// Dim returns the number of parameters n.
	Dim() int
	// Eval returns f(x); it fills grad with ∇f(x) when grad != nil.
	Eval(x, grad []float64) float64
	// HessVec stores ∇²f(x)·v in hv, exactly and without forming an n×n
	// matrix.
	HessVec(x, v, hv []float64)
}

// Linearizer is optionally implemented by objectives that can fix a point
// once and then apply the Hessian there many times cheaply (the AD engine
// records the forward pass once). NewtonCG calls Linearize once per outer
// iteration and the Lanczos curvature probe once per probe.
//
// The returned function stores ∇²f(x)·v in hv. It is used only until the
// caller next modifies x, and must not retain v or hv.
type Linearizer interface {
	Linearize(x []float64) func(v, hv []float64)
}

// AnomalyReporter is optionally implemented by objectives that can name the
// operation that produced a NaN or ±Inf (the tape's anomaly detection, see
// hvp.Objective.DetectAnomalies). When a run stops with NonFinite, Minimize
// appends the report to its error.
type AnomalyReporter interface {
	Anomaly() error
}
