package main

import (
	"math/rand/v2"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
)

// productStart is where every optimizer starts ŷ = w1·w2·x: just off the
// saddle at the origin, where the gradient is small, as in
// examples/saddle.
var productStart = []float64{0.1, -0.05}

// hidden are the hidden layer widths of the network.
var hidden = []int{16, 16}

// The optimizers' settings. Every method of a problem gets the same
// budget of passes over the training set: epochs for SGD and Adam,
// evaluations of f and ∇f plus Hessian-vector products for the others.
// The initial learning rates of SGD and Adam (decayed by a cosine
// schedule, see trainFit) are about the best of a small search (0.005 to
// 0.1, batch sizes 8 to 64) on the generated data; the other methods need
// none.
const (
	productBudget = 60
	productBatch  = 8
	productSGDLR  = 0.05
	productAdamLR = 0.05

	netBudget = 600
	netBatch  = 32
	netSGDLR  = 0.05
	netAdamLR = 0.01

	// maxCG caps the conjugate-gradient steps (HVPs) of one Newton-CG
	// iteration, so that one iteration is a small part of the budget: the
	// default, 2n, is 642 for the network.
	maxCG = 50
)

// productProblem is ŷ = w1·w2·x on the points p.
func productProblem(p points, rng *rand.Rand) problem {
	train, held := split(p, rng)
	return problem{
		Name:      "ŷ = w1·w2·x",
		Model:     nn.NewProduct(productStart...),
		Train:     train,
		Held:      held,
		Budget:    productBudget,
		BatchSize: productBatch,
		Methods:   methods(productSGDLR, productAdamLR),
	}
}

// networkProblem is a 1-16-16-1 tanh network on the points p, its
// weights drawn from rng.
func networkProblem(p points, rng *rand.Rand) problem {
	train, held := split(p, rng)
	sizes := append(append([]int{1}, hidden...), 1)
	return problem{
		Name:      "tanh MLP 1-16-16-1",
		Model:     nn.NewMLP(rng, nn.Tanh, sizes...),
		Train:     train,
		Held:      held,
		Budget:    netBudget,
		BatchSize: netBatch,
		Methods:   methods(netSGDLR, netAdamLR),
	}
}

// methods returns the five optimizers compared.
func methods(sgdLR, adamLR float64) []method {
	return []method{
		{Name: "SGD+momentum", Stepper: func() (nn.Stepper, *float64) {
			s := &optim.SGDStepper{SGD: optim.SGD{LearningRate: sgdLR, Momentum: 0.9}}
			return s, &s.LearningRate
		}},
		{Name: "Adam", Stepper: func() (nn.Stepper, *float64) {
			s := &optim.AdamStepper{Adam: optim.Adam{LearningRate: adamLR}}
			return s, &s.LearningRate
		}},
		{Name: "L-BFGS", Minimizer: optim.LBFGS{}},
		{Name: "Newton-CG", Minimizer: optim.NewtonCG{MaxCG: maxCG}},
		{Name: "saddle escape", Minimizer: optim.SaddleEscape{Base: optim.NewtonCG{MaxCG: maxCG}}},
	}
}
