package nn_test

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// ExampleSharpnessMonitor watches the edge of stability: full-batch
// gradient descent (SGD without momentum, one step per epoch) at
// learning rate η = 0.2 on two interleaved spirals, with
// FitSettings.Sharpness estimating λ_max every 200 steps. λ_max rises to
// about 2/η = 10 and then hovers there (Cohen et al. 2021); the progress
// report shows it beside the bound, and the monitor's History holds the
// curve.
func ExampleSharpnessMonitor() {
	const n = 200
	x, y := tensor.Zeros(n, 2), tensor.Zeros(n, 2) // MSE on one-hot targets
	for i := range n {
		c, t := i%2, 0.5+3*math.Pi*float64(i/2)/(n/2)
		r := (1 - 2*float64(c)) * t / (3 * math.Pi)
		x.Set(r*math.Cos(t), i, 0)
		x.Set(r*math.Sin(t), i, 1)
		y.Set(1, i, c)
	}
	train := nn.NewDataset(x, y)
	m := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), nn.Tanh, 2, 32, 32, 2)

	const lr = 0.2
	monitor := &nn.SharpnessMonitor{Every: 200, Data: train, LearningRate: lr}
	_, err := nn.Fit(m, nn.MSE, train, &optim.SGDStepper{SGD: optim.SGD{LearningRate: lr}}, &nn.FitSettings{
		Epochs:    3000,
		NoShuffle: true,
		Sharpness: monitor,
		Output:    io.Discard, // or nil, for a report of every epoch with its λ_max
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	hovers := true
	for _, p := range monitor.History {
		if p.Step <= 1600 { // progressive sharpening
			fmt.Printf("step %4d  loss %.4f  λ_max %.2f  2/η %.0f\n", p.Step, p.Loss, p.LambdaMax, p.Bound)
		} else { // the edge of stability
			hovers = hovers && math.Abs(p.LambdaMax/p.Bound-1) < 0.2
		}
	}
	fmt.Println("after step 1600, λ_max within 20% of 2/η:", hovers)
	// Output:
	// step  200  loss 0.2329  λ_max 4.76  2/η 10
	// step  400  loss 0.2324  λ_max 4.75  2/η 10
	// step  600  loss 0.2318  λ_max 4.80  2/η 10
	// step  800  loss 0.2307  λ_max 5.10  2/η 10
	// step 1000  loss 0.2287  λ_max 5.59  2/η 10
	// step 1200  loss 0.2262  λ_max 6.32  2/η 10
	// step 1400  loss 0.2198  λ_max 7.44  2/η 10
	// step 1600  loss 0.2139  λ_max 9.16  2/η 10
	// after step 1600, λ_max within 20% of 2/η: true
}
