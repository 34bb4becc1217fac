package nn_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/curvature-go/curvature/nn"
)

// special holds values whose bits a round trip must keep.
var special = []float64{
	math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
	2.2250738585072009e-308, // the largest subnormal
	math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1),
	math.Float64frombits(0x7ff8000000000123), // a NaN with a payload
	1.0 / 3, math.Pi,
}

func TestSaveLoadRoundTrip(t *testing.T) {
	rng := newRNG(25)
	src := nn.NewMLP(rng, nn.Tanh, 3, 5, 2)
	flat := nn.Flatten(src.Params())
	copy(flat, special)
	for i := len(special); i < len(flat); i++ { // random bit patterns, NaNs excepted
		for {
			v := math.Float64frombits(rng.Uint64())
			if !math.IsNaN(v) {
				flat[i] = v
				break
			}
		}
	}
	nn.Unflatten(src.Params(), flat)
	path := filepath.Join(t.TempDir(), "model.bin")
	if err := nn.Save(path, src); err != nil {
		t.Fatal(err)
	}
	dst := nn.NewMLP(newRNG(26), nn.Tanh, 3, 5, 2)
	if err := nn.Load(path, dst); err != nil {
		t.Fatal(err)
	}
	if !sameBits(nn.Flatten(dst.Params()), flat) {
		t.Errorf("the round trip changed some bits")
	}
	// Scalars (zero-dimensional tensors) too, and overwriting a file.
	p := nn.NewProduct(math.Copysign(0, -1), 5e-324)
	if err := nn.Save(path, p); err != nil {
		t.Fatal(err)
	}
	q := nn.NewProduct(1, 1)
	if err := nn.Load(path, q); err != nil {
		t.Fatal(err)
	}
	if !sameBits(nn.Flatten(q.Params()), []float64{math.Copysign(0, -1), 5e-324}) {
		t.Errorf("scalar round trip gave %v", nn.Flatten(q.Params()))
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Save, want only the file", len(entries))
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("file mode %v (%v), want 0644", st.Mode(), err)
	}
}

// encoded returns a small model and its parameter file.
func encoded(t *testing.T) (*nn.MLP, []byte) {
	m := nn.NewMLP(newRNG(27), nn.Tanh, 2, 2, 1)
	var buf bytes.Buffer
	if err := nn.WriteParams(&buf, m.Params()); err != nil {
		t.Fatal(err)
	}
	return m, buf.Bytes()
}

// readInto reads data into a fresh model of file's architecture and
// reports the error and whether the model was left untouched.
func readInto(data []byte) (error, bool) {
	m := nn.NewMLP(newRNG(28), nn.Tanh, 2, 2, 1)
	before := nn.Flatten(m.Params())
	err := nn.ReadParams(bytes.NewReader(data), m.Params())
	return err, sameBits(before, nn.Flatten(m.Params()))
}

func TestReadParamsCorrupt(t *testing.T) {
	_, file := encoded(t)
	if err, _ := readInto(file); err != nil {
		t.Fatalf("intact file: %v", err)
	}
	for n := 0; n < len(file); n++ {
		err, untouched := readInto(file[:n])
		if !errors.Is(err, nn.ErrFormat) || !untouched {
			t.Fatalf("truncated to %d of %d bytes: error %v, model untouched %v", n, len(file), err, untouched)
		}
	}
	for i := range file {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(file)
			bad[i] ^= mask
			err, untouched := readInto(bad)
			if !errors.Is(err, nn.ErrFormat) || !untouched {
				t.Fatalf("byte %d flipped by %#x: error %v, model untouched %v", i, mask, err, untouched)
			}
		}
	}
	if err, untouched := readInto(append(bytes.Clone(file), 0)); !errors.Is(err, nn.ErrFormat) || !untouched {
		t.Errorf("extra byte: error %v, untouched %v", err, untouched)
	}
	// Truncated files on disk, through Load.
	dir := t.TempDir()
	for _, n := range []int{0, 5, len(file) / 2, len(file) - 1} {
		path := filepath.Join(dir, "cut.bin")
		if err := os.WriteFile(path, file[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		m := nn.NewMLP(newRNG(29), nn.Tanh, 2, 2, 1)
		before := nn.Flatten(m.Params())
		if err := nn.Load(path, m); !errors.Is(err, nn.ErrFormat) || !sameBits(before, nn.Flatten(m.Params())) {
			t.Errorf("Load of %d bytes: %v", n, err)
		}
	}
}

// withCRC appends the CRC-32C trailer to a hand-made body.
func withCRC(body []byte) []byte {
	return binary.LittleEndian.AppendUint32(body, crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
}

// TestReadParamsMalformed feeds files with a valid checksum but impossible
// contents, so the parser's own bounds checks are exercised.
func TestReadParamsMalformed(t *testing.T) {
	le := binary.LittleEndian
	header := func(count uint32) []byte {
		return le.AppendUint32([]byte("curvNN\x00\x01"), count)
	}
	param := func(b []byte, name string, dims ...uint32) []byte {
		b = le.AppendUint32(b, uint32(len(name)))
		b = append(b, name...)
		b = le.AppendUint32(b, uint32(len(dims)))
		for _, d := range dims {
			b = le.AppendUint32(b, d)
		}
		return b
	}
	cases := []struct {
		name string
		body []byte
	}{
		{"huge count", header(1 << 30)},
		{"huge shape", param(header(1), "w", 1<<31, 1<<31, 1<<31)},
		{"data missing", param(header(1), "w", 1000)},
		{"huge name", le.AppendUint32(header(1), 1<<20)},
		{"too many dims", le.AppendUint32(le.AppendUint32(le.AppendUint32(header(1), 1), 'w'), 1000)},
		{"missing parameter", append(param(header(2), "w"), make([]byte, 8)...)},
		{"bad version", le.AppendUint32([]byte("curvNN\x00\x02"), 0)},
		{"bad magic", le.AppendUint32([]byte("CURVNN\x00\x01"), 0)},
	}
	for _, c := range cases {
		var zero nn.Scalars
		err := nn.ReadParams(bytes.NewReader(withCRC(c.body)), zero.Params())
		if !errors.Is(err, nn.ErrFormat) {
			t.Errorf("%s: error %v, want ErrFormat", c.name, err)
		}
	}
	// The smallest valid file: no parameters.
	var zero nn.Scalars
	if err := nn.ReadParams(bytes.NewReader(withCRC(header(0))), zero.Params()); err != nil {
		t.Errorf("empty parameter file: %v", err)
	}
}

func TestLoadWrongArchitecture(t *testing.T) {
	rng := newRNG(30)
	path := filepath.Join(t.TempDir(), "m.bin")
	if err := nn.Save(path, nn.NewMLP(rng, nn.Tanh, 2, 3, 1)); err != nil {
		t.Fatal(err)
	}
	renamed := nn.NewMLP(rng, nn.Tanh, 2, 3, 1)
	renamed.Layers[1].B.Name = "out.bias"
	cases := []struct {
		name string
		m    nn.Model
	}{
		{"wider", nn.NewMLP(rng, nn.Tanh, 2, 4, 1)},
		{"deeper", nn.NewMLP(rng, nn.Tanh, 2, 3, 3, 1)},
		{"more outputs", nn.NewMLP(rng, nn.Tanh, 2, 3, 2)},
		{"product", nn.NewProduct(1, 2)},
		{"renamed", renamed},
		{"lone layer", nn.NewLinear(rng, 2, 3, nn.HeNormal)},
	}
	for _, c := range cases {
		before := nn.Flatten(c.m.Params())
		err := nn.Load(path, c.m)
		if !errors.Is(err, nn.ErrArchitecture) || errors.Is(err, nn.ErrFormat) {
			t.Errorf("%s: error %v, want ErrArchitecture", c.name, err)
		}
		if !sameBits(before, nn.Flatten(c.m.Params())) {
			t.Errorf("%s: a failed Load changed the model", c.name)
		}
		t.Logf("%s: %v", c.name, err)
	}
}

func TestSaveErrors(t *testing.T) {
	dir := t.TempDir()
	m := nn.NewProduct(1)
	if err := nn.Save(filepath.Join(dir, "missing", "m.bin"), m); err == nil {
		t.Errorf("Save into a missing directory succeeded")
	}
	if err := nn.Load(filepath.Join(dir, "none.bin"), m); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file: %v", err)
	}
	// A directory in the way of the rename: the temporary file is removed.
	target := filepath.Join(dir, "taken")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := nn.Save(target, m); err == nil {
		t.Errorf("Save over a non-empty directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("leftover files after failed Saves: %v", names)
	}
}

// names lists the entries of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestSaveStaleTemporary: the temporary file a killed Save leaves behind
// (here planted by hand, also as a symbolic link that must not be written
// through) is replaced by the next Save, so none accumulate.
func TestSaveStaleTemporary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.bin")
	m := nn.NewMLP(newRNG(31), nn.Tanh, 2, 3, 1)
	if err := os.WriteFile(filepath.Join(dir, ".m.bin.tmp"), []byte("half a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := nn.Save(path, m); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); len(got) != 1 || got[0] != "m.bin" {
		t.Errorf("directory after Save: %v, want [m.bin]", got)
	}
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, ".m.bin.tmp")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if err := nn.Save(path, m); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("Save wrote through a link at its temporary name")
	}
	if got := names(t, dir); len(got) != 2 {
		t.Errorf("directory after Save: %v, want [m.bin victim]", got)
	}
}

// TestSaveThroughSymlink: saving through a symbolic link (and a chain of
// them, and a link to a file not yet made) replaces the file at the end
// of the chain and keeps the links.
func TestSaveThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "data", "real.bin")
	if err := os.Mkdir(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link, link2 := filepath.Join(dir, "m.bin"), filepath.Join(dir, "latest.bin")
	if err := os.Symlink(filepath.Join("data", "real.bin"), link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if err := os.Symlink("m.bin", link2); err != nil {
		t.Fatal(err)
	}
	m := nn.NewMLP(newRNG(32), nn.Tanh, 2, 3, 1)
	for _, p := range []string{link, link2} {
		if err := nn.Save(p, m); err != nil {
			t.Fatal(err)
		}
		for _, l := range []string{link, link2} {
			if fi, err := os.Lstat(l); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
				t.Errorf("after Save(%s), %s is no longer a link (%v)", p, l, err)
			}
		}
		q := nn.NewMLP(newRNG(33), nn.Tanh, 2, 3, 1)
		if err := nn.Load(real, q); err != nil || !sameBits(nn.Flatten(q.Params()), nn.Flatten(m.Params())) {
			t.Errorf("Save(%s): the link's target does not hold the model (%v)", p, err)
		}
		if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o600 {
			t.Errorf("the replaced file's mode is %v, want its own 0600", fi.Mode())
		}
	}
	if got := names(t, filepath.Dir(real)); len(got) != 1 {
		t.Errorf("target directory: %v, want only real.bin", got)
	}
	dangling := filepath.Join(dir, "next.bin")
	if err := os.Symlink(filepath.Join("data", "new.bin"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := nn.Save(dangling, m); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the dangling link was replaced (%v)", err)
	}
	if err := nn.Load(filepath.Join(dir, "data", "new.bin"), m); err != nil {
		t.Errorf("the dangling link's target was not created: %v", err)
	}
	loop := filepath.Join(dir, "loop.bin")
	if err := os.Symlink("loop.bin", loop); err != nil {
		t.Fatal(err)
	}
	if err := nn.Save(loop, m); err == nil {
		t.Errorf("Save through a link to itself succeeded")
	}
}

// TestSaveKilled kills a process in the middle of saving a large model
// over and over, then checks that the file on disk is a complete model
// (the old or a new one), that at most one temporary file is left, and
// that the next Save removes it.
func TestSaveKilled(t *testing.T) {
	if dir := os.Getenv("NN_SAVE_LOOP_DIR"); dir != "" {
		m := nn.NewMLP(newRNG(34), nn.Tanh, 300, 300, 10)
		for i := 0; ; i++ {
			m.Layers[0].B.Value.Fill(float64(i))
			if err := nn.Save(filepath.Join(dir, "m.bin"), m); err != nil {
				panic(err)
			}
		}
	}
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	m := nn.NewMLP(newRNG(34), nn.Tanh, 300, 300, 10)
	path := filepath.Join(dir, "m.bin")
	if err := nn.Save(path, m); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSaveKilled$")
		cmd.Env = append(os.Environ(), "NN_SAVE_LOOP_DIR="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+50*round) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		if err := nn.Load(path, m); err != nil {
			t.Fatalf("round %d: after the kill the file does not load: %v", round, err)
		}
		if got := names(t, dir); len(got) > 2 {
			t.Fatalf("round %d: directory holds %v", round, got)
		}
	}
	if err := nn.Save(path, m); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); len(got) != 1 {
		t.Errorf("after a clean Save the directory holds %v", got)
	}
}
