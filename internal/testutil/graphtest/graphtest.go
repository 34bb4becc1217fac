// Package graphtest holds test functions written with graph operations
// that several of the project's test packages use: the seed loss and the
// extended Rosenbrock function. It serves the tests of this module only
// and is not part of its API.
//
// It imports package graph, so only external test packages (package
// graph_test, for graph itself) can use it.
package graphtest

import "github.com/curvature-go/curvature/graph"

// Seed records the seed loss L(w1, w2) = (1 − w1·w2·x)² on w1's tape, for
// scalar nodes w1 and w2 and the data value x, as
// Square(Sub(1, Mul(Mul(w1, w2), x))): four ops and two constants.
func Seed(w1, w2 *graph.Node, x float64) *graph.Node {
	tp := w1.Tape()
	yhat := graph.Mul(graph.Mul(w1, w2), tp.Scalar(x))
	return graph.Square(graph.Sub(tp.Scalar(1), yhat))
}

// SeedLoss is the seed loss with x = 1 over the flat vector w = (w1, w2):
// Seed(w[0], w[1], 1). It has a saddle at (0, 0), where its Hessian is
// [[0, −2], [−2, 0]].
func SeedLoss(w *graph.Node) *graph.Node {
	return Seed(graph.Index(w, 0), graph.Index(w, 1), 1)
}

// SeedLossAt returns the seed loss for the data value x over the flat
// vector w = (w1, w2): w ↦ Seed(w[0], w[1], x).
func SeedLossAt(x float64) func(w *graph.Node) *graph.Node {
	return func(w *graph.Node) *graph.Node {
		return Seed(graph.Index(w, 0), graph.Index(w, 1), x)
	}
}

// ExtRosenbrock is the extended Rosenbrock function of the vector x of
// even length n (Moré, Garbow & Hillstrom 1981, problem 21),
//
//	f(x) = Σᵢ 100(x₂ᵢ₊₁ − x₂ᵢ²)² + (1 − x₂ᵢ)²,  i = 0, …, n/2 − 1,
//
// written with strided graph.Slice so that its derivatives come from the
// tape, as a user writes it (1 − x₂ᵢ is graph.ScalarSub, the one-op form,
// as `1 - xe` in PyTorch): eleven graph operations whatever n, O(n) work.
// Its minimum is 0 at (1, …, 1) and its Hessian is block diagonal with 2×2
// blocks.
func ExtRosenbrock(x *graph.Node) *graph.Node {
	n := x.Shape()[0]
	odd := graph.Slice(x, 0, 0, n, 2)
	even := graph.Slice(x, 0, 1, n, 2)
	t := graph.Sub(even, graph.Square(odd))
	u := graph.ScalarSub(1, odd)
	return graph.Add(graph.Scale(graph.Sum(graph.Square(t)), 100), graph.Sum(graph.Square(u)))
}
