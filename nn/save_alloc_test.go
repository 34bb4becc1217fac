package nn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/curvature-go/curvature/optim"
	"github.com/curvature-go/curvature/tensor"
)

// fuzzModel returns the small model whose parameters the decoder fuzz
// target reads into.
func fuzzModel() *MLP { return NewMLP(rand.New(rand.NewPCG(1, 2)), Tanh, 2, 3, 1) }

// allocated returns the bytes allocated on the heap while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// craftedFile returns a parameter file of about size bytes, with a valid
// checksum, that declares as many parameters as its length could hold
// but holds only zeros after the count: the shape of a hostile file.
func craftedFile(size int) []byte {
	b := []byte(fileMagic)
	b = binary.LittleEndian.AppendUint32(b, uint32(size/minTensorSize))
	b = append(b, make([]byte, size-len(b))...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeBound is the most the decoder may allocate for n bytes of input:
// a fixed amount for slice headers and messages, nothing per byte.
func decodeBound(n int) uint64 { return 64<<10 + uint64(n)/8 }

// TestLoadAllocationBounded reads a crafted 1 MiB file that declares
// 65,536 parameters and checks that neither the decoder nor Load
// allocates in proportion to the declared count (an earlier decoder
// allocated 64 bytes per declared parameter before failing: 4 MB here,
// 6.5 GB for a 100 MB file).
func TestLoadAllocationBounded(t *testing.T) {
	data := craftedFile(1 << 20)
	m := fuzzModel()
	var err error
	if got := allocated(func() { err = decodeInto(data, m.Params()) }); got > decodeBound(len(data)) {
		t.Errorf("decoding %d bytes allocated %d bytes, want at most %d", len(data), got, decodeBound(len(data)))
	}
	if !errors.Is(err, ErrFormat) {
		t.Errorf("error %v, want ErrFormat", err)
	}
	path := filepath.Join(t.TempDir(), "crafted.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// Load reads the file into memory once (its size), then decodes it.
	limit := uint64(len(data)) + decodeBound(len(data))
	if got := allocated(func() { err = Load(path, m) }); got > limit {
		t.Errorf("Load of %d bytes allocated %d bytes, want at most %d", len(data), got, limit)
	}
	if !errors.Is(err, ErrFormat) {
		t.Errorf("Load: error %v, want ErrFormat", err)
	}
}

// FuzzDecodeParams feeds arbitrary bytes to the parameter-file decoder
// and checks that it never panics, allocates no more than decodeBound of
// the input, leaves the model untouched on error, and accepts only files
// that WriteParams reproduces byte for byte.
func FuzzDecodeParams(f *testing.F) {
	m := fuzzModel()
	var valid bytes.Buffer
	if err := WriteParams(&valid, m.Params()); err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Bytes())
	f.Add(valid.Bytes()[:len(valid.Bytes())-1])
	f.Add(craftedFile(4096))
	f.Add(craftedFile(64))
	huge := []byte(fileMagic)
	huge = binary.LittleEndian.AppendUint32(huge, math.MaxUint32)
	f.Add(binary.LittleEndian.AppendUint32(huge, crc32.Checksum(huge, castagnoli)))
	f.Add([]byte{})
	_, ckpt := fuzzTrainer(f)
	f.Add(ckpt)
	f.Fuzz(func(t *testing.T, data []byte) {
		m := fuzzModel()
		before := Flatten(m.Params())
		var err error
		if got := allocated(func() { err = decodeInto(data, m.Params()) }); got > decodeBound(len(data)) {
			t.Fatalf("decoding %d bytes allocated %d bytes, want at most %d", len(data), got, decodeBound(len(data)))
		}
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrArchitecture) {
				t.Fatalf("error %v wraps neither ErrFormat nor ErrArchitecture", err)
			}
			after := Flatten(m.Params())
			for i := range before {
				if math.Float64bits(before[i]) != math.Float64bits(after[i]) {
					t.Fatalf("a failed decode changed parameter %d", i)
				}
			}
			return
		}
		var again bytes.Buffer
		if err := WriteParams(&again, m.Params()); err != nil {
			t.Fatal(err)
		}
		if isCheckpoint(data) { // a checkpoint: its parameter section must be the same
			sec := again.Bytes()[len(fileMagic) : again.Len()-trailerSize]
			if !bytes.HasPrefix(data[len(checkpointMagic):], sec) {
				t.Fatalf("accepted a checkpoint whose parameters WriteParams does not reproduce")
			}
			return
		}
		if !bytes.Equal(again.Bytes(), data) {
			t.Fatalf("accepted a file that WriteParams does not reproduce")
		}
	})
}

// TestSaveDirectorySyncError: an error from syncing the directory after
// the rename is returned, and names what happened (the file is in place).
func TestSaveDirectorySyncError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.bin")
	errSync := errors.New("sync refused")
	err := writeFileAtomic(path, []byte("data"), func(string) error { return errSync })
	if !errors.Is(err, errSync) {
		t.Fatalf("error %v, want the sync error", err)
	}
	if b, rerr := os.ReadFile(path); rerr != nil || string(b) != "data" {
		t.Errorf("file after the sync error: %q, %v", b, rerr)
	}
	t.Log(err)
}

// fuzzTrainer returns a trainer of fuzzModel by Adam after one epoch, and
// its checkpoint.
func fuzzTrainer(tb testing.TB) (*Trainer, []byte) {
	m := fuzzModel()
	x := tensor.RandNormal(rand.New(rand.NewPCG(3, 4)), 8, 2)
	tr := NewTrainer(m, MSE, &optim.AdamStepper{}, &FitSettings{BatchSize: 4, Output: io.Discard})
	if _, err := tr.Fit(NewDataset(x, tensor.Zeros(8, 1)), 1); err != nil {
		tb.Fatal(err)
	}
	var b bytes.Buffer
	if err := tr.WriteCheckpoint(&b); err != nil {
		tb.Fatal(err)
	}
	return tr, b.Bytes()
}

// FuzzReadCheckpoint feeds arbitrary bytes to Trainer.ReadCheckpoint and
// checks that it never panics, allocates at most twice the input (the
// stepper's state) plus a fixed amount, and on error leaves the trainer,
// its model and its stepper exactly as they were.
func FuzzReadCheckpoint(f *testing.F) {
	_, ckpt := fuzzTrainer(f)
	f.Add(ckpt)
	f.Add(ckpt[:len(ckpt)/2])
	var params bytes.Buffer
	WriteParams(&params, fuzzModel().Params())
	f.Add(params.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, before := fuzzTrainer(t)
		var err error
		if got := allocated(func() { err = tr.restore(data) }); got > 2*uint64(len(data))+decodeBound(len(data)) {
			t.Fatalf("reading %d bytes allocated %d bytes", len(data), got)
		}
		if err == nil {
			return
		}
		if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrArchitecture) && !errors.Is(err, ErrCheckpoint) {
			t.Fatalf("error %v wraps none of ErrFormat, ErrArchitecture, ErrCheckpoint", err)
		}
		var after bytes.Buffer
		tr.WriteCheckpoint(&after)
		if !bytes.Equal(after.Bytes(), before) {
			t.Fatalf("a failed ReadCheckpoint changed the trainer: %v", err)
		}
	})
}
