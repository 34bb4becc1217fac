package krylov_test

import (
	"fmt"

	"github.com/curvature-go/curvature/internal/krylov"
)

// ExampleLanczos finds both extreme eigenpairs of the Hessian [[0,−2],[−2,0]]
// of the seed loss (1 − w1·w2)² at its saddle point, from products alone.
func ExampleLanczos() {
	hess := func(v, hv []float64) { hv[0], hv[1] = -2*v[1], -2*v[0] }
	res, err := krylov.Lanczos(hess, 2, &krylov.Settings{Which: krylov.BothEnds})
	if err != nil {
		fmt.Println(err)
		return
	}
	u := res.Vectors[0]
	if u[0] < 0 {
		u[0], u[1] = -u[0], -u[1]
	}
	fmt.Printf("λ = %.4f, %.4f; λ_min vector (%.4f, %.4f); %d products\n",
		res.Values[0], res.Values[1], u[0], u[1], res.Ops)
	// Output:
	// λ = -2.0000, 2.0000; λ_min vector (0.7071, 0.7071); 2 products
}
