package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
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

// record is the state after one epoch (or, for L-BFGS, a group of
// iterations), kept in the checkpoint and drawn in the plot.
type record struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"` // mean over the epoch's batches
	TrainAcc  float64 `json:"train_acc"`  // on the first evalRows training images, after the epoch
	TestLoss  float64 `json:"test_loss"`
	TestAcc   float64 `json:"test_acc"`
	Seconds   float64 `json:"seconds"` // wall time of the training in the epoch
}

// state is the checkpoint's metadata, written beside the parameter file.
type state struct {
	Model     string   `json:"model"`
	Optimizer string   `json:"optimizer"`
	Seed      uint64   `json:"seed"`
	History   []record `json:"history"`
}

// evalRows is the number of training images on which training accuracy
// is measured after each epoch (a full pass would cost a third of an
// epoch).
const evalRows = 10000

// evaluate returns the mean cross-entropy and the accuracy (a fraction) of
// m on d, in forward passes of at most batch rows.
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
		logits, y := out.Value().Data(), it.Y().Data()
		for r := range y {
			row := logits[r*classes : (r+1)*classes]
			best := 0
			for j, v := range row {
				if v > row[best] {
					best = j
				}
			}
			if best == int(y[r]) {
				correct++
			}
		}
	}
	return loss / float64(d.Len()), float64(correct) / float64(d.Len())
}

// stepper returns the optimiser named kind with learning rate lr (0: its
// default).
func stepper(kind string, lr float64) (nn.Stepper, error) {
	switch kind {
	case "adam":
		if lr == 0 {
			lr = 1e-3
		}
		return &optim.AdamStepper{Adam: optim.Adam{LearningRate: lr}}, nil
	case "sgd":
		if lr == 0 {
			lr = 0.05
		}
		return &optim.SGDStepper{SGD: optim.SGD{LearningRate: lr, Momentum: 0.9, Nesterov: true}}, nil
	}
	return nil, fmt.Errorf("mnist: unknown optimizer %q (want adam, sgd, lbfgs or newtoncg)", kind)
}

// setLearningRate sets the learning rate of a stepper of this program.
func setLearningRate(s nn.Stepper, lr float64) {
	switch s := s.(type) {
	case *optim.AdamStepper:
		s.LearningRate = lr
	case *optim.SGDStepper:
		s.LearningRate = lr
	}
}

func learningRate(s nn.Stepper) float64 {
	switch s := s.(type) {
	case *optim.AdamStepper:
		return s.LearningRate
	case *optim.SGDStepper:
		return s.LearningRate
	}
	return math.NaN()
}

// checkpointFiles returns the parameter file and the metadata file of the
// checkpoint path.
func checkpointFiles(path string) (params, meta string) { return path, path + ".json" }

// saveCheckpoint writes the parameters (nn.Save, atomically) and then the
// metadata (also through a rename), so an interrupted save leaves the
// previous checkpoint's metadata, which a resume checks against.
func saveCheckpoint(path string, m nn.Model, st *state) error {
	pf, mf := checkpointFiles(path)
	if err := nn.Save(pf, m); err != nil {
		return err
	}
	// Hook: the optimiser's state (Adam's moments and step count, SGD's
	// velocities) belongs here too, once the steppers can be checkpointed;
	// until then a resumed run restarts the optimiser's state.
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := mf + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, mf)
}

// errCheckpoint is wrapped by the errors of a checkpoint that does not fit
// the run.
var errCheckpoint = errors.New("mnist: checkpoint does not match")

// loadCheckpoint reads the checkpoint at path into m and returns its
// metadata, after checking that it was written for the same model and
// optimiser. On error m is unchanged.
func loadCheckpoint(path string, m nn.Model, model, opt string) (*state, error) {
	pf, mf := checkpointFiles(path)
	data, err := os.ReadFile(mf)
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("mnist: %s: %w", mf, err)
	}
	if st.Model != model || st.Optimizer != opt {
		return nil, fmt.Errorf("%w: %s holds model %q trained by %q, this run asks for %q with %q",
			errCheckpoint, path, st.Model, st.Optimizer, model, opt)
	}
	if err := nn.Load(pf, m); err != nil {
		return nil, err
	}
	return &st, nil
}

// trainFirstOrder trains m by mini-batch steps of opt for the epochs after
// those in st.History, up to cfg.epochs, multiplying the learning rate by
// cfg.decay every epoch, and after each epoch evaluates, prints a line,
// saves the checkpoint and appends to st.History.
func trainFirstOrder(w io.Writer, cfg config, m nn.Model, opt nn.Stepper, train, test *nn.Dataset, st *state) error {
	lr0 := learningRate(opt)
	evalTrain := train.Subset(firstN(min(evalRows, train.Len())))
	for epoch := len(st.History) + 1; epoch <= cfg.epochs; epoch++ {
		setLearningRate(opt, lr0*math.Pow(cfg.decay, float64(epoch-1)))
		start := time.Now()
		nn.SetTraining(m, true)
		hist, err := nn.Fit(m, nn.CrossEntropy, train, opt, &nn.FitSettings{
			BatchSize: cfg.batch,
			// A seed per epoch, so that each epoch sees its own order and a
			// resumed run the same orders as an uninterrupted one.
			Seed:     cfg.seed*1000 + uint64(epoch),
			Progress: func(nn.EpochStats) error { return nil },
		})
		nn.SetTraining(m, false)
		if err != nil {
			return err
		}
		secs := time.Since(start).Seconds()
		r := record{Epoch: epoch, TrainLoss: hist[0].Loss, Seconds: secs}
		_, r.TrainAcc = evaluate(m, evalTrain, 500)
		r.TestLoss, r.TestAcc = evaluate(m, test, 500)
		st.History = append(st.History, r)
		fmt.Fprintf(w, "epoch %2d/%d  lr %.2g  train loss %.4f  train acc %.2f%%  test loss %.4f  test acc %.2f%%  %.1fs (%.0f images/s)\n",
			epoch, cfg.epochs, learningRate(opt), r.TrainLoss, 100*r.TrainAcc, r.TestLoss, 100*r.TestAcc, secs, float64(train.Len())/secs)
		if cfg.checkpoint != "" {
			if err := saveCheckpoint(cfg.checkpoint, m, st); err != nil {
				return err
			}
		}
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
// passes over the set (Newton-CG: up to 30 HVPs more).
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
			saveErr = saveCheckpoint(cfg.checkpoint, m, st)
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
