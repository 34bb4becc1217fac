package nn

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
)

// ErrCheckpoint is wrapped by the errors of Trainer.ReadCheckpoint and
// Trainer.LoadCheckpoint for a valid checkpoint that the trainer cannot
// continue: one written with another kind of stepper, with a shuffling
// stream the trainer's settings turn off (or the reverse), or with model
// state the model cannot take. A checkpoint of a model with other
// parameters is reported with ErrArchitecture instead.
var ErrCheckpoint = errors.New("checkpoint does not match the trainer")

// WriteCheckpoint writes the whole state of the run to w, in one write:
// the model's parameters (as WriteParams lays them out), the number of
// epochs and steps taken (the position of the Schedule), the state of the
// shuffling stream, the early stopping's best validation loss, count of
// epochs without improvement and (with RestoreBest) the parameters at the
// best, the stepper's kind and state, and the model's own state when the
// model implements encoding.BinaryMarshaler (the random stream of a
// dropout layer, say). A Trainer outside Fit is always between epochs, and
// so is one inside the Progress callback: a checkpoint is taken there or
// between Fit calls. The format, all integers little-endian:
//
//	magic     8 bytes  "curvCK\x00\x01" (the last byte is the version)
//	params    the count and tensors, as in a parameter file
//	epoch     uint64
//	step      uint64
//	best      uint64   IEEE-754 bits of the best validation loss (+Inf if none)
//	stale     uint64
//	bestp     uint64 count, then that many float64 bits: the parameters at
//	          the best validation loss (RestoreBest), count 0 if none
//	shuffle   uint32 length, then the stream's state (math/rand/v2
//	          PCG.MarshalBinary); length 0 without shuffling
//	stepper   uint32 length, then the stepper's Go type, as "%T" prints it
//	state     uint64 length, then its MarshalBinary
//	model     uint8 1 and a uint64 length and the model's MarshalBinary,
//	          or 0 for none
//	crc       uint32   CRC-32C (Castagnoli) of every preceding byte
//
// The stepper must implement encoding.BinaryMarshaler (the steppers of
// package optim do); otherwise WriteCheckpoint returns an error and
// writes nothing. The file takes about 8 bytes per parameter plus the
// stepper's state (8 more per parameter for SGD with momentum, 16 for
// Adam), built in memory first.
func (t *Trainer) WriteCheckpoint(w io.Writer) error {
	b, err := t.encodeCheckpoint()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func (t *Trainer) encodeCheckpoint() ([]byte, error) {
	sm, ok := t.opt.(encoding.BinaryMarshaler)
	if !ok {
		return nil, fmt.Errorf("nn: WriteCheckpoint: the stepper %T cannot save its state: it has no MarshalBinary method", t.opt)
	}
	state, err := sm.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("nn: WriteCheckpoint: the stepper's state: %w", err)
	}
	var shuffle []byte
	if t.src != nil {
		if shuffle, err = t.src.MarshalBinary(); err != nil {
			return nil, fmt.Errorf("nn: WriteCheckpoint: the shuffling stream: %w", err)
		}
	}
	var model []byte
	mm, hasModel := t.model.(encoding.BinaryMarshaler)
	if hasModel {
		if model, err = mm.MarshalBinary(); err != nil {
			return nil, fmt.Errorf("nn: WriteCheckpoint: the model's state: %w", err)
		}
	}
	kind := fmt.Sprintf("%T", t.opt)
	le := binary.LittleEndian
	b := make([]byte, 0, len(checkpointMagic)+tensorsSize(t.params)+5*8+8*len(t.bestParams)+4+len(shuffle)+4+len(kind)+8+len(state)+9+len(model)+trailerSize)
	b = append(b, checkpointMagic...)
	b = appendTensors(b, "WriteCheckpoint", t.params)
	b = le.AppendUint64(b, uint64(t.epoch))
	b = le.AppendUint64(b, uint64(t.step))
	b = le.AppendUint64(b, math.Float64bits(t.best))
	b = le.AppendUint64(b, uint64(t.stale))
	b = le.AppendUint64(b, uint64(len(t.bestParams)))
	for _, v := range t.bestParams {
		b = le.AppendUint64(b, math.Float64bits(v))
	}
	b = le.AppendUint32(b, uint32(len(shuffle)))
	b = append(b, shuffle...)
	b = le.AppendUint32(b, uint32(len(kind)))
	b = append(b, kind...)
	b = le.AppendUint64(b, uint64(len(state)))
	b = append(b, state...)
	if hasModel {
		b = append(b, 1)
		b = le.AppendUint64(b, uint64(len(model)))
		b = append(b, model...)
	} else {
		b = append(b, 0)
	}
	return le.AppendUint32(b, crc32.Checksum(b, castagnoli)), nil
}

// checkpoint is a checkpoint file as read, its parts slices of the file.
type checkpoint struct {
	raws                 [][]byte // the parameters' values
	epoch, step, stale   uint64
	best                 float64
	bestParams           []byte // 8 bytes per parameter, or none
	shuffle, kind, state []byte
	model                []byte
	hasModel             bool
}

// decodeCheckpoint parses and checks a checkpoint file against params.
func decodeCheckpoint(data []byte, params []*Param) (*checkpoint, error) {
	body, err := checkEnvelope(data, checkpointMagic)
	if err != nil {
		return nil, err
	}
	d := decoder{b: body}
	c := &checkpoint{}
	if c.raws, err = readTensors(&d, params); err != nil {
		return nil, err
	}
	c.epoch, c.step = d.u64(), d.u64()
	c.best, c.stale = math.Float64frombits(d.u64()), d.u64()
	switch n := d.u64(); {
	case d.err != nil:
	case n != 0 && n != uint64(NumParams(params)):
		return nil, fmt.Errorf("%w: %d best parameters for %d parameters", ErrFormat, n, NumParams(params))
	default:
		c.bestParams = d.bytes(8 * int(n))
	}
	c.shuffle = d.bytes(int(d.u32()))
	c.kind = d.bytes(int(d.u32()))
	c.state = d.bytes(d.len64())
	switch flag := d.u8(); {
	case d.err != nil:
	case flag == 1:
		c.hasModel = true
		c.model = d.bytes(d.len64())
	case flag != 0:
		return nil, fmt.Errorf("%w: bad model-state flag %d", ErrFormat, flag)
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, d.err)
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d unexpected bytes at the end", ErrFormat, len(d.b))
	}
	if c.epoch > math.MaxInt32 || c.step > math.MaxInt || c.stale > c.epoch {
		return nil, fmt.Errorf("%w: epoch %d, step %d, %d epochs without improvement", ErrFormat, c.epoch, c.step, c.stale)
	}
	return c, nil
}

// ReadCheckpoint reads a checkpoint written by WriteCheckpoint from r (to
// its end) and restores the run from it: the model's parameters, the
// epoch and step counts, the shuffling stream, the early stopping's state,
// the stepper's state and the model's. The trainer's settings are its own
// (they are not in the checkpoint): the next Fit continues exactly as the
// run that wrote the checkpoint would have, given the same settings and
// training set.
//
// It checks everything first: the file (ErrFormat), the model's parameter
// names and shapes (ErrArchitecture), the kind of stepper, the shuffling
// and the model's state (ErrCheckpoint), then the stepper's state, which
// the stepper's UnmarshalBinary checks; on any error the trainer, its
// model and its stepper are left as they were (the stepper's
// UnmarshalBinary must leave it untouched when it fails, as those of
// package optim do). A parameter file is not a checkpoint: it is
// reported as such (use Load for it).
func (t *Trainer) ReadCheckpoint(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err == nil {
		err = t.restore(data)
	}
	if err != nil {
		return fmt.Errorf("nn: ReadCheckpoint: %w", err)
	}
	return nil
}

func (t *Trainer) restore(data []byte) error {
	c, err := decodeCheckpoint(data, t.params)
	if err != nil {
		return err
	}
	if kind := fmt.Sprintf("%T", t.opt); string(c.kind) != kind {
		return fmt.Errorf("%w: it holds the state of a %s stepper, the trainer steps with %s", ErrCheckpoint, c.kind, kind)
	}
	su, ok := t.opt.(encoding.BinaryUnmarshaler)
	if !ok {
		return fmt.Errorf("%w: the stepper %T cannot restore its state: it has no UnmarshalBinary method", ErrCheckpoint, t.opt)
	}
	var src *rand.PCG
	switch {
	case len(c.shuffle) > 0 && t.src == nil:
		return fmt.Errorf("%w: it shuffles the training set, the trainer's settings say NoShuffle", ErrCheckpoint)
	case len(c.shuffle) == 0 && t.src != nil:
		return fmt.Errorf("%w: it does not shuffle the training set (NoShuffle), the trainer does", ErrCheckpoint)
	case t.src != nil:
		src = new(rand.PCG)
		if err := src.UnmarshalBinary(c.shuffle); err != nil {
			return fmt.Errorf("%w: the shuffling stream: %v", ErrFormat, err)
		}
	}
	mu, modelOK := t.model.(encoding.BinaryUnmarshaler)
	switch {
	case c.hasModel && !modelOK:
		return fmt.Errorf("%w: it holds model state, which %T cannot take (it has no UnmarshalBinary method)", ErrCheckpoint, t.model)
	case !c.hasModel && modelOK:
		return fmt.Errorf("%w: it holds no model state, but %T has some", ErrCheckpoint, t.model)
	}
	// What remains can fail only in the stepper's and the model's own
	// checks; the stepper is restored first and put back if the model's
	// state is refused.
	var undo []byte
	if c.hasModel {
		if sm, ok := t.opt.(encoding.BinaryMarshaler); ok {
			if undo, err = sm.MarshalBinary(); err != nil {
				return fmt.Errorf("%w: the stepper's current state: %v", ErrCheckpoint, err)
			}
		} else {
			return fmt.Errorf("%w: the stepper %T cannot save its state: it has no MarshalBinary method", ErrCheckpoint, t.opt)
		}
	}
	if err := su.UnmarshalBinary(c.state); err != nil {
		return fmt.Errorf("%w: the stepper's state: %w", ErrCheckpoint, err)
	}
	if c.hasModel {
		if err := mu.UnmarshalBinary(c.model); err != nil {
			if uerr := su.UnmarshalBinary(undo); uerr != nil {
				return fmt.Errorf("%w: the model's state: %w; and the stepper could not be put back: %v", ErrCheckpoint, err, uerr)
			}
			return fmt.Errorf("%w: the model's state: %w", ErrCheckpoint, err)
		}
	}
	copyValues(t.params, c.raws)
	t.epoch, t.step, t.best, t.stale = int(c.epoch), int(c.step), c.best, int(c.stale)
	t.bestParams = nil
	if len(c.bestParams) > 0 && t.set.RestoreBest {
		t.bestParams = make([]float64, t.size)
		for i := range t.bestParams {
			t.bestParams[i] = math.Float64frombits(binary.LittleEndian.Uint64(c.bestParams[8*i:]))
		}
	}
	if src != nil {
		t.src = src
		t.rng = rand.New(src)
	}
	return nil
}

// SaveCheckpoint writes the run's checkpoint (see WriteCheckpoint) to the
// file path, as Save writes a parameter file: through a temporary file
// renamed over path, so that a crash leaves the old checkpoint or the new
// one, with the same handling of links, stale temporaries and errors.
func (t *Trainer) SaveCheckpoint(path string) error {
	b, err := t.encodeCheckpoint()
	if err == nil {
		err = writeFileAtomic(path, b, syncDir)
	}
	if err != nil {
		return fmt.Errorf("nn: SaveCheckpoint %s: %w", path, err)
	}
	return nil
}

// LoadCheckpoint restores the run from the checkpoint file path (see
// ReadCheckpoint), all or nothing.
func (t *Trainer) LoadCheckpoint(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("nn: LoadCheckpoint: %w", err)
	}
	if err := t.restore(data); err != nil {
		return fmt.Errorf("nn: LoadCheckpoint %s: %w", path, err)
	}
	return nil
}

// isCheckpoint reports whether data opens as a checkpoint file.
func isCheckpoint(data []byte) bool {
	return bytes.HasPrefix(data, []byte(checkpointMagic[:len(checkpointMagic)-1]))
}
