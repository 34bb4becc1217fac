package tensor_test

import (
	"fmt"

	"github.com/curvature-go/curvature/tensor"
)

// Adding a row vector to every row of a matrix: the shapes [2 3] and [3]
// broadcast to [2 3].
func ExampleAdd() {
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	bias := tensor.FromSlice([]float64{10, 20, 30})
	fmt.Println(tensor.Add(x, bias))

	// A column [2 1] and a row [3] broadcast to a [2 3] table.
	col := tensor.New([]float64{100, 200}, 2, 1)
	fmt.Println(tensor.Add(col, bias))
	// Output:
	// [[11 22 33]
	//  [14 25 36]]
	// [[110 120 130]
	//  [210 220 230]]
}

// SumTo undoes broadcasting: it sums a [2 3] gradient back to the shape
// [3] of the bias that was broadcast.
func ExampleSumTo() {
	g := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(tensor.SumTo(g, []int{3}))
	fmt.Println(tensor.SumTo(g, []int{2, 1}))
	// Output:
	// [5 7 9]
	// [[6]
	//  [15]]
}

func ExampleMatMul() {
	a := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.New([]float64{1, 0, 0, 1, 1, 1}, 3, 2)
	fmt.Println(tensor.MatMul(a, b))

	// aᵀ·a without forming aᵀ.
	fmt.Println(tensor.MatMulT(a, a, true, false))
	// Output:
	// [[4 5]
	//  [10 11]]
	// [[17 22 27]
	//  [22 29 36]
	//  [27 36 45]]
}

// Accumulating the gradients of y = x + bias, with x of shape [2 3] and the
// bias of shape [3] broadcast: the gradient g of y is added into x's
// gradient as it is and into the bias's summed over the rows, with no
// temporaries.
func ExampleSumToAcc() {
	g := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	gx := tensor.Ones(2, 3) // gradient accumulated so far
	gbias := tensor.Ones(3) // likewise
	tensor.AddInto(gx, g)
	tensor.SumToAcc(gbias, g)
	fmt.Println(gx)
	fmt.Println(gbias)
	// Output:
	// [[2 3 4]
	//  [5 6 7]]
	// [6 8 10]
}

// The adjoint of a strided slice accumulated into its operand's gradient:
// the even and the odd elements of x each receive their own part.
func ExampleUnsliceAccTo() {
	gx := tensor.Zeros(6)
	tensor.UnsliceAccTo(gx, tensor.FromSlice([]float64{1, 2, 3}), 0, 0, 6, 2)
	tensor.UnsliceAccTo(gx, tensor.FromSlice([]float64{10, 20, 30}), 0, 1, 6, 2)
	fmt.Println(gx)
	// Output:
	// [1 10 2 20 3 30]
}
