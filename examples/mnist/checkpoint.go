package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// runInfo describes a run: what a checkpoint was written by, and what a
// resumed run must match to continue it exactly. LR is the resolved
// initial rate (after the optimiser's default).
type runInfo struct {
	Model     string  `json:"model"`
	Optimizer string  `json:"optimizer"`
	Seed      uint64  `json:"seed"`
	Train     int     `json:"train"` // training images
	Batch     int     `json:"batch"`
	LR        float64 `json:"lr"`
	Decay     float64 `json:"decay"`
	Clip      float64 `json:"clip"`
	Iters     int     `json:"iters"`
}

// state is the checkpoint's history file, written beside the checkpoint
// as path + ".json": the run's settings and a record per epoch, for the
// report and the plot.
type state struct {
	runInfo
	History []record `json:"history"`
}

// historyFile returns the name of the history file of the checkpoint path.
func historyFile(path string) string { return path + ".json" }

// errCheckpoint is wrapped by the errors of a checkpoint that does not fit
// the run.
var errCheckpoint = errors.New("mnist: checkpoint does not match")

// errAbandoned wraps errCheckpoint for a mismatch found only after the
// checkpoint was restored (a history file with fewer epochs than the
// checkpoint): the run's model is then not returned.
var errAbandoned = fmt.Errorf("%w: its history", errCheckpoint)

// saveHistory writes st to the history file of the checkpoint path,
// through a temporary file renamed over it. It is written before the
// checkpoint itself: if the checkpoint's save then fails or is
// interrupted, the history holds one epoch more than the checkpoint, and
// readHistory drops it (a resumed run computes that epoch again, the same
// bits).
func saveHistory(path string, st *state) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	f := historyFile(path)
	tmp := f + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, f)
}

// readHistory reads the history file of the checkpoint path and checks
// that it was written by a run with the settings want, naming every
// setting that differs.
func readHistory(path string, want runInfo) (*state, error) {
	f := historyFile(path)
	data, err := os.ReadFile(f)
	if err != nil {
		return nil, fmt.Errorf("mnist: -resume: the checkpoint's history: %w", err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("mnist: %s: %w", f, err)
	}
	if diff := st.runInfo.diff(want); diff != "" {
		return nil, fmt.Errorf("%w: %s was written by a run of %s; this run asks for %s",
			errCheckpoint, path, st.runInfo.flags(diff), want.flags(diff))
	}
	return &st, nil
}

// fields returns the settings as the flags that set them, in order: the
// model, the optimiser, the seed and the training set's size, and then
// those that apply to the optimiser (-iters for the full-batch methods,
// the batch, learning rate, decay and clipping for the others).
func (r runInfo) fields() [][2]string {
	f := [][2]string{
		{"model", r.Model}, {"opt", r.Optimizer}, {"seed", fmt.Sprint(r.Seed)}, {"train", fmt.Sprint(r.Train)},
	}
	if fullBatchMethod(r.Optimizer) != nil {
		return append(f, [2]string{"iters", fmt.Sprint(r.Iters)})
	}
	return append(f, [][2]string{
		{"batch", fmt.Sprint(r.Batch)}, {"lr", fmt.Sprint(r.LR)}, {"decay", fmt.Sprint(r.Decay)}, {"clip", fmt.Sprint(r.Clip)},
	}...)
}

// diff returns the names of the settings in which r and s differ, space
// separated, or "". Of a full-batch run and a mini-batch one, only the
// first four settings are compared.
func (r runInfo) diff(s runInfo) string {
	a, b := r.fields(), s.fields()
	n := len(a)
	if len(a) != len(b) {
		n = 4
	}
	var names []string
	for i := range n {
		if a[i] != b[i] {
			names = append(names, a[i][0])
		}
	}
	return strings.Join(names, " ")
}

// flags writes the settings named in names as command-line flags, such as
// "-model mlp -opt adam".
func (r runInfo) flags(names string) string {
	var parts []string
	for _, f := range r.fields() {
		for _, n := range strings.Fields(names) {
			if f[0] == n {
				parts = append(parts, fmt.Sprintf("-%s %s", f[0], f[1]))
			}
		}
	}
	return strings.Join(parts, " ")
}
