// Command saddle analyses the saddle point of L(w1,w2) = (1 − w1·w2·x)²:
// at (0,0) the gradient vanishes, the Hessian is [[0,−2],[−2,0]] with
// eigenvalues ±2, so (0,0) is a saddle, and a step along the eigenvector of
// −2 lowers the loss.
package main

import (
	"flag"
	"fmt"
	"os"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
)

func main() {
	x := flag.Float64("x", 1, "the input x of the one-sample model ŷ = w1·w2·x")
	w1 := flag.Float64("w1", 0, "first weight of the point to analyse")
	w2 := flag.Float64("w2", 0, "second weight of the point to analyse")
	flag.Parse()
	if err := run(*x, []float64{*w1, *w2}); err != nil {
		fmt.Fprintln(os.Stderr, "saddle:", err)
		os.Exit(1)
	}
}

// loss returns L(w) = (1 − w1·w2·x)² for the flat vector w = [w1, w2].
func loss(x float64) ad.Func {
	return func(w *graph.Node) *graph.Node {
		yhat := graph.Scale(graph.Mul(graph.Index(w, 0), graph.Index(w, 1)), x)
		return graph.Square(graph.AddScalar(graph.Neg(yhat), 1))
	}
}

func run(x float64, w []float64) error {
	f := loss(x)
	val, grad := ad.ValueAndGrad(f, w)
	fmt.Printf("L(w1,w2) = (1 − w1·w2·x)², x = %g, at w = (%g, %g)\n\n", x, w[0], w[1])
	fmt.Printf("loss       %.6g\n", val)
	fmt.Printf("gradient   [%.6g %.6g]\n", grad[0]+0, grad[1]+0)
	h := hvp.Hessian(f, w)
	fmt.Printf("Hessian    %v\n", mat.Formatted(h, mat.Prefix("           ")))
	var eig mat.EigenSym
	if !eig.Factorize(h, true) {
		return fmt.Errorf("eigen-decomposition failed")
	}
	vals := eig.Values(nil)
	fmt.Printf("eigenvalues %.6g\n", vals)
	return nil
}
