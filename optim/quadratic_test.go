package optim

import (
	"math"
	"testing"
)

// TestGradientDescentZigzag: on the quadratic with condition
// number 5 (A = [[3,2],[2,3]], eigenvalue 5 along q1 = [1,1]/√2 and 1 along
// q2 = [1,−1]/√2), gradient descent at the optimal fixed step 2/(1+5) = 1/3
// multiplies the q1-component of x by 1 − 5/3 = −2/3 (it flips sides of the
// valley every step: the zigzag) and the q2-component by 1 − 1/3 = 2/3. The
// iteration count to ‖∇f‖∞ ≤ tol therefore follows in closed form.
func TestGradientDescentZigzag(t *testing.T) {
	const tol = 1e-6
	x0 := []float64{2, -1}
	c1 := (x0[0] + x0[1]) / math.Sqrt2 // component along q1
	c2 := (x0[0] - x0[1]) / math.Sqrt2 // along q2
	theory := 0
	for ; ; theory++ {
		a := 5 * c1 * math.Pow(-2.0/3, float64(theory)) // gradient along q1
		b := 1 * c2 * math.Pow(2.0/3, float64(theory))  // along q2
		if math.Max(math.Abs(a+b), math.Abs(a-b))/math.Sqrt2 <= tol {
			break
		}
	}
	var along1 []float64
	res, err := Minimize(quad5(), x0, GradientDescent{StepSize: 1.0 / 3}, &Settings{
		GradientThreshold: tol,
		Callback: func(it Iteration) bool {
			along1 = append(along1, (it.X[0]+it.X[1])/math.Sqrt2)
			return false
		},
	})
	if err != nil || res.Status != GradientThreshold {
		t.Fatalf("status %v, err %v", res.Status, err)
	}
	if res.Iterations != theory {
		t.Errorf("GD took %d iterations, theory (κ−1)/(κ+1) = 2/3 per step gives %d", res.Iterations, theory)
	}
	t.Logf("GD at step 1/3: %d iterations (theory %d), %d evaluations", res.Iterations, theory, res.FuncEvals)
	prev := c1
	for k, a := range along1 {
		if a*prev >= 0 || math.Abs(a/prev+2.0/3) > 1e-9 {
			t.Fatalf("step %d: q1-component %v after %v: want a sign flip with ratio −2/3", k+1, a, prev)
		}
		prev = a
	}

	// With a line search, GD still zigzags (exact line search on a
	// quadratic makes consecutive gradients orthogonal) and needs many
	// more iterations than Newton.
	ls, err := Minimize(quad5(), x0, GradientDescent{}, nil)
	if err != nil || ls.Status != GradientThreshold || ls.Iterations < 5 {
		t.Errorf("GD with line search: status %v, %d iterations, err %v", ls.Status, ls.Iterations, err)
	}
	t.Logf("GD with line search: %d iterations, %d evaluations", ls.Iterations, ls.FuncEvals)
}

// TestNewtonCGQuadratic: with a trust region large enough for the Newton
// step, Newton-CG reaches the minimum of a quadratic in one outer iteration:
// CG solves the 2×2 system in two HVPs, and the step lands on the minimiser.
// From the default radius 1 the first steps are truncated by the region.
func TestNewtonCGQuadratic(t *testing.T) {
	x0 := []float64{2, -1} // Newton step length √5
	res, err := Minimize(quad5(), x0, NewtonCG{InitialRadius: 10}, nil)
	if err != nil || res.Status != GradientThreshold {
		t.Fatalf("status %v, err %v", res.Status, err)
	}
	if res.Iterations != 1 || res.HessVecEvals != 2 || res.FuncEvals != 2 {
		t.Errorf("iterations %d, HVPs %d, evaluations %d; want 1, 2, 2", res.Iterations, res.HessVecEvals, res.FuncEvals)
	}
	if math.Abs(res.X[0]) > 1e-14 || math.Abs(res.X[1]) > 1e-14 {
		t.Errorf("X = %v, want the origin", res.X)
	}
	if math.Abs(res.MinCurvature-1) > 0.5 || res.MinCurvature < 1-1e-12 {
		t.Errorf("MinCurvature = %v, want in [1, 5] (a Rayleigh quotient of A)", res.MinCurvature)
	}
	def, err := Minimize(quad5(), x0, NewtonCG{}, nil)
	if err != nil || def.Status != GradientThreshold {
		t.Fatalf("default radius: status %v, err %v", def.Status, err)
	}
	t.Logf("default radius 1: %d iterations, %d HVPs", def.Iterations, def.HessVecEvals)
	if def.Iterations < 2 {
		t.Errorf("default radius 1 cannot contain the step of length √5, yet took %d iteration", def.Iterations)
	}
	// A larger, ill-conditioned quadratic: n = 30, eigenvalues 1..1e4
	// spread geometrically. In floating point CG needs more than n steps
	// here (about 70), so allow them.
	n := 30
	a := make([]float64, n*n)
	b := make([]float64, n)
	for i := 0; i < n; i++ {
		a[i*n+i] = math.Pow(1e4, float64(i)/float64(n-1))
		b[i] = 1
	}
	x := make([]float64, n)
	res, err = Minimize(quadratic{a: a, b: b}, x, NewtonCG{InitialRadius: 100, ForcingMax: 1e-12, MaxCG: 10 * n}, nil)
	if err != nil || res.Iterations != 1 {
		t.Errorf("n = 30, exact CG: %d iterations, status %v, err %v; want 1", res.Iterations, res.Status, err)
	}
}

// TestMethodsConverge runs every method on problems it should solve and
// checks the minimiser itself, not just the status.
func TestMethodsConverge(t *testing.T) {
	// A well-conditioned 3-D quadratic with minimiser A⁻¹b.
	q3 := quadratic{a: []float64{4, 1, 0, 1, 3, -1, 0, -1, 2}, b: []float64{1, -2, 0.5}}
	q3min := solve3(q3.a, q3.b)
	for _, tc := range []struct {
		name   string
		obj    Objective
		x0     []float64
		method Method
		xmin   []float64
		tol    float64
	}{
		{"LBFGS/rosenbrock", rosenbrock{2}, []float64{-1.2, 1}, LBFGS{}, []float64{1, 1}, 1e-5},
		{"LBFGS-store1/rosenbrock", rosenbrock{2}, []float64{-1.2, 1}, LBFGS{Store: 1}, []float64{1, 1}, 1e-5},
		{"NewtonCG/rosenbrock", rosenbrock{2}, []float64{-1.2, 1}, NewtonCG{}, []float64{1, 1}, 1e-5},
		{"NewtonCG/rosenbrock100", rosenbrock{100}, fill(100, -1.2, 1), NewtonCG{}, fill(100, 1, 1), 1e-5},
		{"LBFGS/rosenbrock100", rosenbrock{100}, fill(100, -1.2, 1), LBFGS{}, fill(100, 1, 1), 1e-5},
		{"GD/rosenbrock", rosenbrock{2}, []float64{-1.2, 1}, GradientDescent{}, []float64{1, 1}, 1e-4},
		{"SaddleEscape/rosenbrock", rosenbrock{2}, []float64{-1.2, 1}, SaddleEscape{}, []float64{1, 1}, 1e-5},
		{"GD/quad3", q3, []float64{0, 0, 0}, GradientDescent{StepSize: 0.2}, q3min, 1e-5},
		{"SGD/quad3", q3, []float64{0, 0, 0}, SGD{LearningRate: 0.1}, q3min, 1e-5},
		{"SGD-momentum/quad3", q3, []float64{0, 0, 0}, SGD{LearningRate: 0.05, Momentum: 0.9}, q3min, 1e-5},
		{"SGD-nesterov/quad3", q3, []float64{0, 0, 0}, SGD{LearningRate: 0.05, Momentum: 0.9, Nesterov: true}, q3min, 1e-5},
		{"Adam/quad3", q3, []float64{0, 0, 0}, Adam{LearningRate: 0.01}, q3min, 1e-5},
		{"LBFGS/quad3", q3, []float64{0, 0, 0}, LBFGS{}, q3min, 1e-6},
		{"NewtonCG/quad3", q3, []float64{0, 0, 0}, NewtonCG{}, q3min, 1e-6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := &counting{Objective: tc.obj}
			res, err := Minimize(obj, tc.x0, tc.method, &Settings{MaxIterations: 100000})
			if err != nil || !res.Status.Success() {
				t.Fatalf("status %v, err %v after %d iterations", res.Status, err, res.Iterations)
			}
			for i := range tc.xmin {
				if math.Abs(res.X[i]-tc.xmin[i]) > tc.tol {
					t.Fatalf("X[%d] = %v, want %v", i, res.X[i], tc.xmin[i])
				}
			}
			if res.GradNorm > 1e-6 {
				t.Errorf("GradNorm %v", res.GradNorm)
			}
			if obj.evals != res.FuncEvals || obj.grads != res.GradEvals || obj.hvps != res.HessVecEvals {
				t.Errorf("counts: objective saw %d/%d/%d, Result says %d/%d/%d",
					obj.evals, obj.grads, obj.hvps, res.FuncEvals, res.GradEvals, res.HessVecEvals)
			}
			g := make([]float64, len(res.X))
			if f := tc.obj.Eval(res.X, g); f != res.F || normInf(g) != res.GradNorm {
				t.Errorf("Result F, GradNorm = %v, %v; recomputed %v, %v", res.F, res.GradNorm, f, normInf(g))
			}
		})
	}
}

// TestNewtonCGLinearize: NewtonCG fixes each point once through Linearize
// and takes all its HVPs through the returned function.
func TestNewtonCGLinearize(t *testing.T) {
	obj := &linearized{Objective: rosenbrock{20}}
	res, err := Minimize(obj, fill(20, -1.2, 1), NewtonCG{}, &Settings{CheckCurvature: true})
	if err != nil || res.Status != GradientThreshold {
		t.Fatalf("status %v, err %v", res.Status, err)
	}
	if obj.directHVPs != 0 {
		t.Errorf("%d direct HessVec calls, want 0", obj.directHVPs)
	}
	if obj.linHVPs != res.HessVecEvals {
		t.Errorf("%d products through Linearize, Result says %d", obj.linHVPs, res.HessVecEvals)
	}
	// CG runs at x0 and at every accepted point but the last, rejected
	// steps reuse the point's linearisation, and the probe adds three
	// (its own and the two of the Lipschitz estimate at X ± h·v).
	if obj.linearizes != res.Iterations+3 {
		t.Errorf("%d Linearize calls for %d iterations, want %d", obj.linearizes, res.Iterations, res.Iterations+3)
	}
	t.Logf("%d iterations, %d Linearize, %d HVPs", res.Iterations, obj.linearizes, res.HessVecEvals)
}

// TestMinCurvature: NewtonCG records the negative curvature its CG meets on
// the seed loss away from the saddle; LBFGS takes no HVPs and reports NaN.
func TestMinCurvature(t *testing.T) {
	// At (0.3, 0.1) the gradient has a component along [1,1], the
	// direction of negative curvature: the first CG direction −∇f already
	// has curvature −0.964 (computed here by hand from the Hessian).
	x0 := []float64{0.3, 0.1}
	g, hd := make([]float64, 2), make([]float64, 2)
	seedLoss{}.Eval(x0, g)
	seedLoss{}.HessVec(x0, g, hd)
	first := dot(g, hd) / dot(g, g)
	res, err := Minimize(seedLoss{}, x0, NewtonCG{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !(res.MinCurvature <= first) || first > -0.9 {
		t.Errorf("MinCurvature = %v, want ≤ %v, the curvature along −∇f(x0)", res.MinCurvature, first)
	}
	if !math.IsNaN(res.LambdaMin) {
		t.Errorf("LambdaMin = %v without a probe, want NaN", res.LambdaMin)
	}
	res, _ = Minimize(seedLoss{}, []float64{0.3, 0.1}, LBFGS{}, nil)
	if !math.IsNaN(res.MinCurvature) || res.HessVecEvals != 0 {
		t.Errorf("LBFGS: MinCurvature = %v, HVPs %d; want NaN, 0", res.MinCurvature, res.HessVecEvals)
	}
}

func fill(n int, even, odd float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = even
		if i%2 == 1 {
			x[i] = odd
		}
	}
	return x
}

// solve3 solves a 3×3 system by Cramer's rule.
func solve3(a, b []float64) []float64 {
	det := func(m []float64) float64 {
		return m[0]*(m[4]*m[8]-m[5]*m[7]) - m[1]*(m[3]*m[8]-m[5]*m[6]) + m[2]*(m[3]*m[7]-m[4]*m[6])
	}
	d := det(a)
	x := make([]float64, 3)
	for c := 0; c < 3; c++ {
		m := append([]float64(nil), a...)
		for r := 0; r < 3; r++ {
			m[r*3+c] = b[r]
		}
		x[c] = det(m) / d
	}
	return x
}
