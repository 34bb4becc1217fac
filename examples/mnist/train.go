package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// newModel returns the network named kind: "mlp", the 784-256-256-10 ReLU
// perceptron, or "cnn", two 3×3 convolutions (16 and 32 channels, each
// followed by ReLU and 2×2 max pooling) and a 128-unit dense layer.
func newModel(kind string, seed uint64) (nn.Model, error) {
	rng := rand.New(rand.NewPCG(seed, 0x6d6e697374)) // "mnist"
	switch kind {
	case "mlp":
		return nn.NewMLP(rng, nn.ReLU, imageSize, 256, 256, classes), nil
	case "cnn":
		c1 := nn.NewConv2D(rng, 1, 16, [2]int{3, 3}, nn.HeNormal)
		c1.Pad = [2]int{1, 1}
		c2 := nn.NewConv2D(rng, 16, 32, [2]int{3, 3}, nn.HeNormal)
		c2.Pad = [2]int{1, 1}
		pool := &nn.MaxPool2D{Size: [2]int{2, 2}}
		return nn.NewSequential(
			c1, nn.ReLU, pool,
			c2, nn.ReLU, pool,
			nn.Flat{},
			nn.NewLinear(rng, 32*7*7, 128, nn.HeNormal), nn.ReLU,
			nn.NewLinear(rng, 128, classes, nn.GlorotUniform),
		), nil
	}
	return nil, fmt.Errorf("mnist: unknown model %q (want mlp or cnn)", kind)
}

// inputShape returns the shape of one example as the model reads it.
func inputShape(kind string) []int {
	if kind == "cnn" {
		return []int{1, imageSide, imageSide}
	}
	return []int{imageSize}
}

// asInputs views the images of d in the shape the model reads.
func asInputs(d *nn.Dataset, kind string) *nn.Dataset {
	shape := append([]int{d.Len()}, inputShape(kind)...)
	return nn.NewDataset(tensor.Reshape(d.X, shape...), d.Y)
}

// record is the state after one epoch (or, for L-BFGS and Newton-CG, a
// round of iterations), kept in the history file and drawn in the plot.
type record struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"` // mean over the epoch's batches
	TrainAcc  float64 `json:"train_acc"`  // on the first evalRows training images, after the epoch
	TestLoss  float64 `json:"test_loss"`
	TestAcc   float64 `json:"test_acc"`
	Seconds   float64 `json:"seconds"` // wall time of the training in the epoch
}

// evalRows is the number of training images on which training accuracy
// is measured after each epoch (a full pass would cost a third of an
// epoch).
const evalRows = 10000

// evaluate returns the mean cross-entropy and the accuracy (a fraction) of
// m on d, in forward passes of at most batch rows: nn.Evaluate and
// nn.Accuracy in one pass.
func evaluate(m nn.Model, d *nn.Dataset, batch int) (loss, acc float64) {
	tp := graph.NewTape()
	params := m.Params()
	var correct int
	for it := d.Batches(batch, nil); it.Next(); {
		tp.Reset()
		nodes := make([]*graph.Node, len(params))
		for i, p := range params {
			nodes[i] = tp.Const(p.Value)
		}
		out := m.Forward(nodes, tp.Const(it.X()))
		loss += nn.CrossEntropy(out, it.Y()).Item() * float64(it.X().Dim(0))
		y := it.Y().Data()
		for r, c := range nn.ArgMax(out.Value()) {
			if float64(c) == y[r] {
				correct++
			}
		}
	}
	return loss / float64(d.Len()), float64(correct) / float64(d.Len())
}

// stepper returns the optimiser named kind and its learning rate: lr, or
// when lr is 0 the default of the kind (1e-3 for Adam, 0.05 for SGD).
func stepper(kind string, lr float64) (nn.Stepper, float64, error) {
	switch kind {
	case "adam":
		if lr == 0 {
			lr = 1e-3
		}
		return &optim.AdamStepper{Adam: optim.Adam{LearningRate: lr}}, lr, nil
	case "sgd":
		if lr == 0 {
			lr = 0.05
		}
		return &optim.SGDStepper{SGD: optim.SGD{LearningRate: lr, Momentum: 0.9, Nesterov: true}}, lr, nil
	}
	return nil, 0, fmt.Errorf("mnist: unknown optimizer %q (want adam, sgd, lbfgs or newtoncg)", kind)
}

// trainFirstOrder trains m by mini-batch steps of opt through an
// nn.Trainer, up to cfg.epochs epochs in all, with the learning rate lr
// multiplied by cfg.decay after every epoch (nn.StepDecay over the
// batches of an epoch) and the gradient clipped to norm cfg.clip (0:
// not). With -resume the trainer first restores the run from the
// checkpoint (nn.Trainer.LoadCheckpoint: parameters, the optimiser's
// moments and step count, the shuffling stream's and the schedule's
// positions), so that the epochs that follow are those of an
// uninterrupted run, bit for bit. After each epoch it evaluates, prints a
// line, appends to st.History and saves the history file and the
// checkpoint.
func trainFirstOrder(w io.Writer, cfg config, m nn.Model, opt nn.Stepper, lr float64, train, test *nn.Dataset, st *state) error {
	batches := (train.Len() + cfg.batch - 1) / cfg.batch
	evalTrain := train.Subset(firstN(min(evalRows, train.Len())))
	var saveErr error
	var trainer *nn.Trainer
	var spent time.Duration // this run's time so far, evaluation included
	var done int            // epochs this run
	progress := func(s nn.EpochStats) error {
		begin := time.Now()
		nn.SetTraining(m, false) // Fit switches it back on for the next epoch
		r := record{Epoch: s.Epoch, TrainLoss: s.Loss, Seconds: s.Elapsed.Seconds()}
		_, r.TrainAcc = evaluate(m, evalTrain, 500)
		r.TestLoss, r.TestAcc = evaluate(m, test, 500)
		st.History = append(st.History, r)
		if cfg.checkpoint != "" {
			// The history first: see saveHistory.
			if saveErr = saveHistory(cfg.checkpoint, st); saveErr == nil {
				saveErr = trainer.SaveCheckpoint(cfg.checkpoint)
			}
		}
		spent += s.Elapsed + time.Since(begin)
		done++
		left := time.Duration(float64(spent) / float64(done) * float64(s.Epochs-s.Epoch))
		fmt.Fprintf(w, "epoch %2d/%d  step %d  lr %.3g  loss %.4f  train acc %.2f%%  test loss %.4f  test acc %.2f%%  %.0f ex/s  %.1fs  %s left\n",
			s.Epoch, s.Epochs, s.Step, s.LearningRate, r.TrainLoss, 100*r.TrainAcc, r.TestLoss, 100*r.TestAcc,
			float64(train.Len())/s.Elapsed.Seconds(), r.Seconds, left.Round(time.Second))
		return saveErr
	}
	trainer = nn.NewTrainer(m, nn.CrossEntropy, opt, &nn.FitSettings{
		BatchSize: cfg.batch,
		Seed:      cfg.seed,
		Schedule:  nn.StepDecay(lr, batches, cfg.decay),
		ClipNorm:  cfg.clip,
		Progress:  progress,
	})
	if cfg.resume {
		if err := trainer.LoadCheckpoint(cfg.checkpoint); err != nil {
			return err
		}
		// The history may hold an epoch more than the checkpoint (see
		// saveHistory), never fewer: fewer means files of two runs, and
		// the run, restored already, is abandoned (run returns no model).
		if n := trainer.Epoch(); n > len(st.History) {
			return fmt.Errorf("%w: %s is at epoch %d, its history file at epoch %d", errAbandoned, cfg.checkpoint, n, len(st.History))
		}
		st.History = st.History[:trainer.Epoch()]
		fmt.Fprintf(w, "resumed from %s after epoch %d, step %d (parameters, optimizer state, shuffle and schedule positions)\n",
			cfg.checkpoint, trainer.Epoch(), trainer.Step())
	}
	if left := cfg.epochs - trainer.Epoch(); left > 0 {
		_, err := trainer.Fit(train, left)
		return err
	}
	return nil
}

// fullBatchMethod returns the optimiser of package optim named kind
// ("lbfgs" or "newtoncg"), or nil.
func fullBatchMethod(kind string) optim.Method {
	switch kind {
	case "lbfgs":
		return optim.LBFGS{}
	case "newtoncg":
		// Exact Hessian-vector products; a few tens of CG steps per
		// iteration are enough far from the minimum.
		return optim.NewtonCG{MaxCG: 30}
	}
	return nil
}

// trainFullBatch minimises the full-batch loss on train by the method of
// package optim (exact gradients, and for Newton-CG exact Hessian-vector
// products, over the whole set at each evaluation) in one run of
// optim.Minimize, for the rounds of cfg.iters iterations after those in
// st.History, up to cfg.epochs; after each round a callback evaluates,
// prints, checkpoints and appends to st.History. It suits the small
// training sets chosen by -train: each iteration costs one or a few
// passes over the set (Newton-CG: up to 30 HVPs more). Its checkpoint is
// the parameters alone (nn.Save), then the history file: these methods
// keep no state from one run to the next (a resumed L-BFGS starts a new
// curvature memory), so a resumed run is not the uninterrupted one.
func trainFullBatch(w io.Writer, cfg config, m nn.Model, train, test *nn.Dataset, st *state) error {
	rounds := cfg.epochs - len(st.History)
	if rounds <= 0 {
		return nil
	}
	obj := nn.NewObjective(m, nn.CrossEntropy, train)
	params := m.Params()
	evalTrain := train.Subset(firstN(min(evalRows, train.Len())))
	start := time.Now()
	var saveErr error
	round := func(it optim.Iteration) {
		nn.Unflatten(params, it.X)
		r := record{Epoch: len(st.History) + 1, TrainLoss: it.F, Seconds: time.Since(start).Seconds()}
		start = time.Now()
		_, r.TrainAcc = evaluate(m, evalTrain, 500)
		r.TestLoss, r.TestAcc = evaluate(m, test, 500)
		st.History = append(st.History, r)
		fmt.Fprintf(w, "round %2d/%d  %d %s iterations (%d gradients, %d HVPs so far)  train loss %.4f  train acc %.2f%%  test loss %.4f  test acc %.2f%%  %.1fs\n",
			r.Epoch, cfg.epochs, it.Iter, cfg.opt, it.GradEvals, it.HessVecEvals, r.TrainLoss, 100*r.TrainAcc, r.TestLoss, 100*r.TestAcc, r.Seconds)
		if cfg.checkpoint != "" && saveErr == nil {
			if saveErr = nn.Save(cfg.checkpoint, m); saveErr == nil {
				saveErr = saveHistory(cfg.checkpoint, st)
			}
		}
	}
	res, err := optim.Minimize(obj, nn.Flatten(params), fullBatchMethod(cfg.opt), &optim.Settings{
		MaxIterations: rounds * cfg.iters,
		Callback: func(it optim.Iteration) bool {
			if it.Iter%cfg.iters == 0 {
				round(it)
			}
			return saveErr != nil
		},
	})
	if saveErr != nil {
		return saveErr
	}
	if res.X == nil {
		return err
	}
	// A stop before the planned rounds ended (convergence, or no further
	// progress): report it, and record the final point as a last round.
	if res.Status != optim.IterationLimit {
		fmt.Fprintf(w, "%s stopped after %d iterations: %v\n", cfg.opt, res.Iterations, res.Status)
		if res.Iterations%cfg.iters != 0 || res.Iterations == 0 {
			round(optim.Iteration{Iter: res.Iterations, X: res.X, F: res.F, GradEvals: res.GradEvals, HessVecEvals: res.HessVecEvals})
		}
	}
	return saveErr
}

func firstN(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
