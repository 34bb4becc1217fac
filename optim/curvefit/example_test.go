package curvefit_test

import (
	"fmt"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/optim/curvefit"
)

// ExampleFit fits NIST's Misra1a problem, y = b1·(1 − exp(−b2·x)), from
// its first starting point; the certified values are b1 = 238.94212918 ±
// 2.7070075241 and b2 = 5.5015643181e-4 ± 7.2668688436e-6.
func ExampleFit() {
	x := []float64{77.6, 114.9, 141.1, 190.8, 239.9, 289.0, 332.8, 378.4, 434.8, 477.3, 536.8, 593.1, 689.1, 760.0}
	y := []float64{10.07, 14.73, 17.94, 23.93, 29.61, 35.18, 40.02, 44.82, 50.76, 55.05, 61.01, 66.40, 75.47, 81.78}
	model := func(x, th *graph.Node) *graph.Node {
		b1, b2 := graph.Index(th, 0), graph.Index(th, 1)
		return graph.Mul(b1, graph.Sub(x.Tape().Scalar(1), graph.Exp(graph.Neg(graph.Mul(b2, x)))))
	}
	fit, err := curvefit.Fit(model, curvefit.Data{X: x, Y: y}, []float64{500, 1e-4}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("b1 = %.7f ± %.8f\n", fit.Theta[0], fit.StdErr[0])
	fmt.Printf("b2 = %.8e ± %.8e\n", fit.Theta[1], fit.StdErr[1])
	fmt.Printf("χ² = %.8f, reduced χ² = %.8f, corr(b1, b2) = %.4f\n", fit.ChiSq, fit.RedChiSq, fit.Correlation.At(0, 1))
	fmt.Println(fit.LeastSquares.Status)
	// Output:
	// b1 = 238.9421292 ± 2.70700752
	// b2 = 5.50156432e-04 ± 7.26686884e-06
	// χ² = 0.12455139, reduced χ² = 0.01037928, corr(b1, b2) = -0.9988
	// SmallStep
}
