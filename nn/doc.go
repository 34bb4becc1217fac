// Package nn builds small neural networks on package graph: parameters that
// flatten into one []float64, layers (Linear, MLP, Conv2D, MaxPool2D,
// AvgPool2D, Flat, Embedding, Dropout, LayerNorm, composed by Sequential;
// scalar-parameter models), per-example gradients, losses, an in-memory
// Dataset with shuffled mini-batches, a training loop (Fit, and Trainer for
// runs that continue and resume), metrics, and Save/Load of parameters.
//
// # Models and parameters
//
// A Model lists its trainable tensors (Params) and computes its output
// from nodes standing for them (Forward). The nodes can be recorded two
// ways, and every model works with both:
//
//   - Vars records one tape variable per parameter tensor: the fast path
//     of a first-order training loop (see Fit).
//   - Split views one flat variable, the whole parameter vector, as one
//     node per tensor: the path by which a second-order method of package
//     optim (L-BFGS, Newton-CG, saddle escape) sees a network as a function
//     of a single []float64 (see LossFunc, NewObjective and HVP).
//
// Flatten and Unflatten move parameter values between a model and a flat
// vector, in the order of Params.
//
// # Derivatives
//
// Losses and layers are written with graph operations only, so their
// gradients come from package ad and their exact Hessian-vector products
// from package ad/hvp (forward-over-reverse, Pearlmutter 1994), with no
// derivative rule in this package. HVP computes ∇²L(θ)·v for a network's
// loss L over all its parameters θ in one call, at a few times the cost of
// one gradient and without forming the Hessian.
//
// # Training
//
// Fit trains a model by mini-batch steps of a Stepper (package optim's
// SGDStepper and AdamStepper, or one's own) and reports each epoch. Its
// settings add a learning-rate Schedule (ConstantRate, StepDecay,
// CosineDecay, WarmUp, or any function of the step), gradient clipping by
// global norm (ClipNorm, ClipGlobalNorm), early stopping (Patience on the
// validation loss, or a Progress callback returning StopTraining), and a
// progress line with throughput and time remaining. A Trainer is one run:
// its Fit calls continue where the last one ended, and its checkpoints
// (SaveCheckpoint, LoadCheckpoint) hold the whole run, the stepper's state,
// the shuffling stream and the schedule's position included, so that a
// resumed run is bit for bit the uninterrupted one. Models that behave
// differently while training implement TrainingMode. Accuracy, ArgMax and
// PredictClasses measure a classifier.
package nn
