package nn_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// ExampleMLP builds a network with one hidden layer of 8 tanh units and
// lists its parameters.
func ExampleMLP() {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewMLP(rng, nn.Tanh, 2, 8, 1)
	for _, p := range m.Params() {
		fmt.Println(p.Name, p.Value.Shape())
	}
	fmt.Println("parameters:", nn.NumParams(m.Params()))
	y := nn.Predict(m, tensor.Zeros(5, 2)) // a batch of 5 inputs
	fmt.Println("output shape:", y.Shape())
	// Output:
	// layer0.weight [2 8]
	// layer0.bias [8]
	// layer1.weight [8 1]
	// layer1.bias [1]
	// parameters: 33
	// output shape: [5 1]
}

// ExampleFit trains ŷ = w1·w2·x on y = 2x by mini-batch gradient descent,
// reporting the loss every 5 epochs.
func ExampleFit() {
	x := tensor.New([]float64{-1, -0.5, 0.5, 1, 1.5, 2}, 6, 1)
	data := nn.NewDataset(x, tensor.Scale(x, 2))
	m := nn.NewProduct(0.5, 0.5)
	_, err := nn.Fit(m, nn.MSE, data, gd{0.02}, &nn.FitSettings{
		Epochs:    20,
		BatchSize: 2,
		Seed:      1,
		Progress: func(s nn.EpochStats) error {
			if s.Epoch%5 == 0 {
				fmt.Printf("epoch %2d: loss %.2g\n", s.Epoch, s.Loss)
			}
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	w := nn.Flatten(m.Params())
	fmt.Printf("w1·w2 = %.4f\n", w[0]*w[1])
	// Output:
	// epoch  5: loss 0.37
	// epoch 10: loss 0.0002
	// epoch 15: loss 3.3e-08
	// epoch 20: loss 5.8e-12
	// w1·w2 = 2.0000
}

// gd is plain gradient descent, x ← x − lr·g: package optim's SGDStepper
// and AdamStepper are the real ones.
type gd struct{ lr float64 }

func (s gd) Step(params, grads [][]float64) {
	for i, p := range params {
		for j := range p {
			p[j] -= s.lr * grads[i][j]
		}
	}
}

// ExampleHVP shows the seed example's saddle: for ŷ = w1·w2·x with the
// squared loss on (x, y) = (1, 1), the gradient at w = (0, 0) is zero and
// the Hessian is [[0 −2] [−2 0]], so H·[1 1] = [−2 −2]: along [1 1] the
// loss curves down.
func ExampleHVP() {
	m := nn.NewProduct(0, 0)
	d := nn.NewDataset(tensor.New([]float64{1}, 1, 1), tensor.New([]float64{1}, 1, 1))
	grad := make([]float64, 2)
	loss := nn.NewObjective(m, nn.MSE, d).Eval(nn.Flatten(m.Params()), grad)
	fmt.Println("loss", loss, "gradient", grad[0]+0, grad[1]+0) // +0 turns −0 into 0
	fmt.Println("H·[1 1] =", nn.HVP(m, nn.MSE, d, []float64{1, 1}))
	fmt.Println("H·[1 0] =", nn.HVP(m, nn.MSE, d, []float64{1, 0}))
	// Output:
	// loss 1 gradient 0 0
	// H·[1 1] = [-2 -2]
	// H·[1 0] = [0 -2]
}

// ExampleSave saves a network's parameters, loads them into a second
// network of the same architecture, and shows that a network of another
// architecture refuses them.
func ExampleSave() {
	dir, err := os.MkdirTemp("", "nn-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.bin")

	a := nn.NewMLP(rand.New(rand.NewPCG(1, 1)), nn.ReLU, 4, 16, 3)
	if err := nn.Save(path, a); err != nil {
		fmt.Println(err)
		return
	}
	b := nn.NewMLP(rand.New(rand.NewPCG(2, 2)), nn.ReLU, 4, 16, 3)
	if err := nn.Load(path, b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same parameters:", tensor.Equal(tensor.FromSlice(nn.Flatten(a.Params())), tensor.FromSlice(nn.Flatten(b.Params()))))

	c := nn.NewMLP(rand.New(rand.NewPCG(3, 3)), nn.ReLU, 4, 32, 3)
	err = nn.Load(path, c)
	fmt.Println("wrong architecture:", errors.Is(err, nn.ErrArchitecture))
	// Output:
	// same parameters: true
	// wrong architecture: true
}
