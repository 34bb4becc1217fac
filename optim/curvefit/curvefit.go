// Package curvefit fits a model y = g(x; θ) to data (xᵢ, yᵢ) by nonlinear
// least squares in one call, with exact Jacobians from the tape, and
// reports what a fitting user needs: θ, the residuals, χ² and reduced χ²,
// the covariance matrix s²(JᵀJ)⁻¹ and its exact-Hessian alternative,
// standard errors and the correlation matrix. When the parameters are not
// all identifiable from the data (JᵀJ singular or nearly so) it names the
// ones that are not, instead of returning Inf or garbage.
//
// The model is written with graph operations, so its derivatives are exact:
//
//	model := func(x, th *graph.Node) *graph.Node {
//		a, b := graph.Index(th, 0), graph.Index(th, 1)
//		return graph.Mul(a, graph.Exp(graph.Neg(graph.Mul(b, x))))
//	}
//	fit, err := curvefit.Fit(model, curvefit.Data{X: x, Y: y}, []float64{1, 1}, nil)
//
// Fitting runs optim.LeastSquares (Levenberg–Marquardt by default) on the
// weighted residuals rᵢ = (yᵢ − g(xᵢ; θ))/σᵢ.
package curvefit

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// Model is the regression function g(x; θ) in graph operations: x is the
// data's predictors as a constant node (shape [m] for one predictor, [m, k]
// for k), theta the parameter vector (shape [n]); it returns the m model
// values (any shape with m elements, in the order of the observations).
// A Model must not keep the nodes it is given.
type Model func(x, theta *graph.Node) *graph.Node

// Data are the observations to fit.
type Data struct {
	// X holds the predictors: m values for one predictor, or m·K values
	// row by row (observation i's predictors at X[i·K : (i+1)·K]).
	X []float64
	// K is the number of predictors per observation. If it is 0, it is
	// defaulted to 1.
	K int
	// Y holds the m responses.
	Y []float64
	// Sigma, if not nil, holds the standard deviation of each response:
	// the residuals are (yᵢ − gᵢ)/σᵢ, so χ² is the usual weighted sum.
	Sigma []float64
	// Weights, if not nil, holds a weight wᵢ ≥ 0 per response: the
	// residuals are √wᵢ·(yᵢ − gᵢ). Setting both Sigma and Weights panics.
	Weights []float64
}

// Options controls Fit. A nil *Options, and every zero field, means the
// documented default.
type Options struct {
	// Method is the least-squares method. If it is nil, it is defaulted to
	// optim.LevenbergMarquardt{}.
	Method optim.LeastSquaresMethod
	// Settings are passed to optim.LeastSquares (tolerances, budgets,
	// bounds on θ); nil means its defaults.
	Settings *optim.LeastSquaresSettings
	// AbsoluteSigma uses the covariance (JᵀJ)⁻¹ itself, for σᵢ that are
	// true standard deviations, instead of scaling it by the reduced χ²
	// s² = χ²/(m − n) (the default, for σᵢ known only up to a factor, or
	// none at all).
	AbsoluteSigma bool
	// IdentifiabilityTolerance is the relative singular value of J (with
	// its columns scaled to unit norm) below which a direction of
	// parameter space counts as not identified. If it is 0, it is
	// defaulted to 1e-8 (√ε): below it, (JᵀJ)⁻¹ has no correct digit.
	IdentifiabilityTolerance float64
}

// Result is the outcome of Fit.
type Result struct {
	// Theta is the fitted parameter vector.
	Theta []float64
	// Residuals are the weighted residuals rᵢ = (yᵢ − g(xᵢ; θ))/σᵢ (or
	// √wᵢ·(yᵢ − gᵢ), or yᵢ − gᵢ) at Theta.
	Residuals []float64
	// ChiSq is Σᵢ rᵢ², DoF is m − n, and RedChiSq is ChiSq/DoF (NaN when
	// DoF is 0).
	ChiSq, RedChiSq float64
	DoF             int
	// Covariance is s²(JᵀJ)⁻¹ (s² = RedChiSq, or 1 with AbsoluteSigma),
	// the Gauss–Newton covariance scipy's curve_fit reports, computed
	// from the SVD of J with its columns scaled (JᵀJ is never formed).
	// HessianCovariance is s²·H⁻¹ with H = ∇²(½χ²) = JᵀJ + Σᵢ rᵢ∇²rᵢ the
	// exact Hessian from the tape (n Hessian-vector products); it is nil
	// when H is not positive definite at Theta. Both are nil when a
	// parameter is not identifiable.
	Covariance, HessianCovariance *mat.SymDense
	// StdErr holds √diag(Covariance), and Correlation the matrix
	// Covᵢⱼ/(σᵢσⱼ); nil when a parameter is not identifiable.
	StdErr      []float64
	Correlation *mat.SymDense
	// Rank is the numerical rank of J at Theta (with columns scaled to
	// unit norm, relative tolerance IdentifiabilityTolerance).
	Rank int
	// NotIdentifiable lists the parameters that take part in a direction
	// of parameter space J does not see (a singular value of the scaled J
	// below the tolerance): those with a component of magnitude at least
	// 0.1 in such a right singular vector. Nil when all are identified.
	NotIdentifiable []int
	// LeastSquares is the solver's own report (status, evaluation counts,
	// active bounds).
	LeastSquares optim.LeastSquaresResult
}

// ErrNotIdentifiable is returned (wrapped, naming the parameters) by Fit
// when J is numerically rank deficient at the fitted θ.
var ErrNotIdentifiable = errors.New("curvefit: parameters not identifiable from the data")

// Fit fits model to data from theta0 and returns the fitted parameters
// with their uncertainties. It costs one optim.LeastSquares run (each
// Jacobian about min(m, n) model evaluations by forward or reverse mode),
// then one Jacobian, an SVD of the m×n Jacobian and n Hessian-vector
// products for the covariances.
//
// The error is the solver's (a status that is not success, see
// optim.LeastSquares) or ErrNotIdentifiable; the Result is filled in
// either case, as far as it is defined. Fit panics on misuse: lengths of
// X, Y, Sigma or Weights that do not match, both Sigma and Weights set, a
// σᵢ ≤ 0 or wᵢ < 0, or a model whose output does not have m elements.
func Fit(model Model, data Data, theta0 []float64, opts *Options) (*Result, error) {
	if opts == nil {
		opts = &Options{}
	}
	m, n := len(data.Y), len(theta0)
	scale := data.scales(m)
	tol := opts.IdentifiabilityTolerance
	if tol == 0 {
		tol = 1e-8
	}
	if !(tol > 0 && tol < 1) {
		panic(fmt.Sprintf("curvefit: Fit: IdentifiabilityTolerance = %v outside (0, 1)", tol))
	}
	xt := data.xTensor(m)
	yt := tensor.FromSlice(data.Y)
	st := tensor.FromSlice(scale)
	resFunc := func(th *graph.Node) *graph.Node {
		tp := th.Tape()
		g := model(tp.Const(xt), th)
		if g.Value().Size() != m {
			panic(fmt.Sprintf("curvefit: Fit: the model returned %v for %d observations", g, m))
		}
		return graph.Mul(graph.Sub(tp.Const(yt), graph.Reshape(g, m)), tp.Const(st))
	}
	res := ad.NewResidual(resFunc, n)
	ls, err := optim.LeastSquares(res, theta0, opts.Method, opts.Settings)
	out := &Result{LeastSquares: ls, DoF: m - n, RedChiSq: math.NaN(), ChiSq: math.NaN()}
	if ls.X == nil {
		return out, err
	}
	out.Theta = append([]float64(nil), ls.X...)
	out.Residuals = append([]float64(nil), ls.Residuals...)
	out.ChiSq = 2 * ls.Cost
	if out.DoF > 0 {
		out.RedChiSq = out.ChiSq / float64(out.DoF)
	}
	s2 := out.RedChiSq
	if opts.AbsoluteSigma {
		s2 = 1
	}

	J := mat.NewDense(m, n, nil)
	res.Jacobian(out.Theta, J)
	cov, rank, null := gaussNewtonCovariance(J, tol)
	out.Rank = rank
	if null != nil {
		out.NotIdentifiable = null
		if err == nil || errors.Is(err, optim.ErrRankDeficient) {
			err = fmt.Errorf("%w: parameters %v (J has rank %d of %d at θ)", ErrNotIdentifiable, null, rank, n)
		}
		return out, err
	}
	if math.IsNaN(s2) {
		return out, err // no degrees of freedom: no scale for the covariance
	}
	cov.ScaleSym(s2, cov)
	out.Covariance = cov
	out.StdErr = make([]float64, n)
	for i := range out.StdErr {
		out.StdErr[i] = math.Sqrt(cov.At(i, i))
	}
	out.Correlation = mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			out.Correlation.SetSym(i, j, cov.At(i, j)/(out.StdErr[i]*out.StdErr[j]))
		}
	}

	// The exact-Hessian covariance s²·H⁻¹, H = ∇²(½χ²).
	half := func(th *graph.Node) *graph.Node { return graph.Scale(graph.Sum(graph.Square(resFunc(th))), 0.5) }
	H := hvp.Hessian(half, out.Theta)
	var chol mat.Cholesky
	if chol.Factorize(H) {
		hc := mat.NewSymDense(n, nil)
		if chol.InverseTo(hc) == nil {
			hc.ScaleSym(s2, hc)
			out.HessianCovariance = hc
		}
	}
	return out, err
}

// gaussNewtonCovariance returns (JᵀJ)⁻¹ from the SVD of J with its columns
// scaled to unit norm, the numerical rank, and the parameters of the
// directions whose singular value is below tol times the largest. cov is
// nil exactly when null is not.
func gaussNewtonCovariance(J *mat.Dense, tol float64) (cov *mat.SymDense, rank int, null []int) {
	m, n := J.Dims()
	norms := make([]float64, n)
	Js := mat.NewDense(m, n, nil)
	Js.Copy(J)
	for j := 0; j < n; j++ {
		norms[j] = mat.Norm(J.ColView(j), 2)
		if norms[j] > 0 {
			for i := 0; i < m; i++ {
				Js.Set(i, j, J.At(i, j)/norms[j])
			}
		}
	}
	var svd mat.SVD
	kind := mat.SVDThin
	if m < n {
		kind = mat.SVDFull
	}
	if !svd.Factorize(Js, kind) {
		return nil, 0, allParams(n)
	}
	s := svd.Values(nil)
	var v mat.Dense
	svd.VTo(&v)
	s0 := s[0]
	rank = 0
	inNull := make([]bool, n)
	for k := 0; k < n; k++ {
		if k < len(s) && s[k] > tol*s0 && s0 > 0 {
			rank++
			continue
		}
		for i := 0; i < n; i++ {
			if math.Abs(v.At(i, k)) >= 0.1 {
				inNull[i] = true
			}
		}
	}
	for j := 0; j < n; j++ {
		if norms[j] == 0 {
			inNull[j] = true
		}
	}
	for i, b := range inNull {
		if b {
			null = append(null, i)
		}
	}
	if null != nil {
		return nil, rank, null
	}
	cov = mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			var sum float64
			for k := 0; k < n; k++ {
				sum += v.At(i, k) * v.At(j, k) / (s[k] * s[k])
			}
			cov.SetSym(i, j, sum/(norms[i]*norms[j]))
		}
	}
	return cov, rank, nil
}

func allParams(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// scales returns the factor each residual is multiplied by (1/σᵢ or √wᵢ),
// checking the data's lengths.
func (d Data) scales(m int) []float64 {
	k := d.K
	if k == 0 {
		k = 1
	}
	if k < 0 || len(d.X) != m*k {
		panic(fmt.Sprintf("curvefit: Fit: len(X) = %d for %d responses with K = %d", len(d.X), m, d.K))
	}
	if m == 0 {
		panic("curvefit: Fit: no data")
	}
	if d.Sigma != nil && d.Weights != nil {
		panic("curvefit: Fit: both Sigma and Weights are set")
	}
	out := make([]float64, m)
	for i := range out {
		out[i] = 1
	}
	switch {
	case d.Sigma != nil:
		if len(d.Sigma) != m {
			panic(fmt.Sprintf("curvefit: Fit: len(Sigma) = %d for %d responses", len(d.Sigma), m))
		}
		for i, s := range d.Sigma {
			if !(s > 0) || math.IsInf(s, 1) {
				panic(fmt.Sprintf("curvefit: Fit: Sigma[%d] = %v is not a positive finite number", i, s))
			}
			out[i] = 1 / s
		}
	case d.Weights != nil:
		if len(d.Weights) != m {
			panic(fmt.Sprintf("curvefit: Fit: len(Weights) = %d for %d responses", len(d.Weights), m))
		}
		for i, w := range d.Weights {
			if !(w >= 0) || math.IsInf(w, 1) {
				panic(fmt.Sprintf("curvefit: Fit: Weights[%d] = %v is not a non-negative finite number", i, w))
			}
			out[i] = math.Sqrt(w)
		}
	}
	return out
}

func (d Data) xTensor(m int) *tensor.Tensor {
	x := append([]float64(nil), d.X...)
	if d.K <= 1 {
		return tensor.New(x, m)
	}
	return tensor.New(x, m, d.K)
}
