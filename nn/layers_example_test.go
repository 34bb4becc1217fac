package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// A small convolutional network for 1×8×8 images: a convolution, ReLU,
// max pooling, Flat and a dense layer, composed by NewSequential.
func ExampleNewSequential() {
	rng := rand.New(rand.NewPCG(1, 2))
	conv := nn.NewConv2D(rng, 1, 4, [2]int{3, 3}, nn.HeNormal)
	conv.Pad = [2]int{1, 1} // "same" padding: 8×8 stays 8×8
	m := nn.NewSequential(
		conv, nn.ReLU,
		&nn.MaxPool2D{Size: [2]int{2, 2}}, // 8×8 → 4×4
		nn.Flat{},                         // [N 4 4 4] → [N 64]
		nn.NewLinear(rng, 4*4*4, 3, nn.GlorotUniform),
	)
	for _, p := range m.Params() {
		fmt.Println(p.Name, p.Value.Shape())
	}
	y := nn.Predict(m, tensor.RandNormal(rng, 5, 1, 8, 8))
	fmt.Println("output", y.Shape())
	// Output:
	// layer0.weight [4 1 3 3]
	// layer0.bias [4]
	// layer4.weight [64 3]
	// layer4.bias [3]
	// output [5 3]
}

// Per-example gradients of a small MLP from one sweep over the batch:
// their mean is the batch gradient.
func ExamplePerExampleGrads() {
	rng := rand.New(rand.NewPCG(3, 4))
	m := nn.NewMLP(rng, nn.Tanh, 4, 8, 3)
	x := tensor.RandNormal(rng, 16, 4)
	y := tensor.New([]float64{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0}, 16)
	per := nn.PerExampleGrads(m, nn.CrossEntropy, x, y, nil)
	norms := nn.PerExampleGradNorms(m, nn.CrossEntropy, x, y, nil)
	obj := nn.NewObjective(m, nn.CrossEntropy, nn.NewDataset(x, y))
	batch := make([]float64, nn.NumParams(m.Params()))
	obj.Eval(nn.Flatten(m.Params()), batch)
	worst, normErr := 0.0, 0.0
	for j := range batch {
		mean := 0.0
		for _, g := range per {
			mean += g[j] / 16
		}
		worst = math.Max(worst, math.Abs(mean-batch[j]))
	}
	for i, g := range per {
		s := 0.0
		for _, v := range g {
			s += v * v
		}
		normErr = math.Max(normErr, math.Abs(math.Sqrt(s)-norms[i]))
	}
	fmt.Printf("%d examples × %d parameters\n", len(per), len(per[0]))
	fmt.Println("mean equals the batch gradient:", worst < 1e-15)
	fmt.Println("norms agree:", normErr < 1e-14)
	// Output:
	// 16 examples × 67 parameters
	// mean equals the batch gradient: true
	// norms agree: true
}
