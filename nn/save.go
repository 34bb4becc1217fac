package nn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"

	"github.com/curvature-go/curvature/tensor"
)

// fileMagic opens every parameter file; its last byte is the version.
const fileMagic = "curvNN\x00\x01"

const (
	maxDims     = 64
	maxNameLen  = 1 << 16
	trailerSize = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrFormat is wrapped by the errors of ReadParams and Load for data that
// is not a valid parameter file: truncated, corrupted (checksum mismatch)
// or of an unknown version.
var ErrFormat = errors.New("not a valid parameter file")

// ErrArchitecture is wrapped by the errors of ReadParams and Load for a
// valid file whose parameters (their number, names or shapes) differ from
// the model's.
var ErrArchitecture = errors.New("parameters do not match the model")

// WriteParams writes the names, shapes and values of params to w, in one
// write, in this format (all integers little-endian):
//
//	magic    8 bytes  "curvNN\x00\x01" (the last byte is the version)
//	count    uint32   number of parameters
//	count times:
//	  name   uint32 length, then that many bytes
//	  dims   uint32 number of dimensions (0 for a scalar), then each
//	         dimension as a uint32
//	  values one uint64 per element: the IEEE-754 bits of the float64,
//	         in row-major order
//	crc      uint32   CRC-32C (Castagnoli) of every preceding byte
//
// Storing the bits makes a round trip exact for every float64, including
// −0, subnormals, infinities and NaN payloads. The file takes about
// 8·NumParams(params) bytes, built in memory first. WriteParams returns
// the write error, if any.
func WriteParams(w io.Writer, params []*Param) error {
	var buf bytes.Buffer
	buf.WriteString(fileMagic)
	buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(params))))
	for _, p := range params {
		if len(p.Name) >= maxNameLen {
			panic(fmt.Sprintf("nn: WriteParams: name of %d bytes", len(p.Name)))
		}
		shape := p.Value.Shape()
		if len(shape) > maxDims {
			panic(fmt.Sprintf("nn: WriteParams: %s has %d dimensions", p.Name, len(shape)))
		}
		var b []byte
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p.Name)))
		b = append(b, p.Name...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(shape)))
		for _, d := range shape {
			if uint64(d) > math.MaxUint32 {
				panic(fmt.Sprintf("nn: WriteParams: %s has shape %v", p.Name, shape))
			}
			b = binary.LittleEndian.AppendUint32(b, uint32(d))
		}
		buf.Write(b)
		b = make([]byte, 0, 8*p.Value.Size())
		for _, v := range p.Value.Data() {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		buf.Write(b)
	}
	buf.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(buf.Bytes(), castagnoli)))
	_, err := w.Write(buf.Bytes())
	return err
}

// ReadParams reads a parameter file written by WriteParams from r (to its
// end) into params. It checks the whole file first, the checksum, then
// that the file holds exactly params' names and shapes in order, and only
// then writes the values: on any error params are left untouched. The
// errors wrap ErrFormat (truncated, corrupted or unknown data) or
// ErrArchitecture (a valid file for another model).
func ReadParams(r io.Reader, params []*Param) error {
	data, err := io.ReadAll(r)
	if err == nil {
		err = decodeInto(data, params)
	}
	if err != nil {
		return fmt.Errorf("nn: ReadParams: %w", err)
	}
	return nil
}

// decodeInto checks the parameter file data against params and, only if it
// is valid and matches, copies its values into them.
func decodeInto(data []byte, params []*Param) error {
	vals, err := decodeParams(data, params)
	if err != nil {
		return err
	}
	for i, p := range params {
		copy(p.Value.Data(), vals[i])
	}
	return nil
}

// fileTensor is one parameter as read from a file.
type fileTensor struct {
	name  string
	shape []int
	data  []float64
}

// decodeParams checks data and matches it against params, returning the
// values to copy.
func decodeParams(data []byte, params []*Param) ([][]float64, error) {
	ts, err := decodeFile(data)
	if err != nil {
		return nil, err
	}
	if len(ts) != len(params) {
		return nil, fmt.Errorf("%w: the file has %d parameters, the model %d", ErrArchitecture, len(ts), len(params))
	}
	vals := make([][]float64, len(ts))
	for i, t := range ts {
		p := params[i]
		if t.name != p.Name || !tensor.SameShape(t.shape, p.Value.Shape()) {
			return nil, fmt.Errorf("%w: parameter %d is %q %v in the file, %q %v in the model",
				ErrArchitecture, i, t.name, t.shape, p.Name, p.Value.Shape())
		}
		vals[i] = t.data
	}
	return vals, nil
}

// decodeFile parses a parameter file, checking its length, magic and
// checksum before anything else, and every length against the bytes left.
func decodeFile(data []byte) ([]fileTensor, error) {
	if len(data) < len(fileMagic)+4+trailerSize {
		return nil, fmt.Errorf("%w: %d bytes is too short (truncated?)", ErrFormat, len(data))
	}
	if string(data[:len(fileMagic)-1]) != fileMagic[:len(fileMagic)-1] {
		return nil, fmt.Errorf("%w: bad magic number", ErrFormat)
	}
	if v := data[len(fileMagic)-1]; v != fileMagic[len(fileMagic)-1] {
		return nil, fmt.Errorf("%w: unknown version %d", ErrFormat, v)
	}
	body, trailer := data[:len(data)-trailerSize], data[len(data)-trailerSize:]
	if got, want := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(trailer); got != want {
		return nil, fmt.Errorf("%w: checksum mismatch (stored %08x, computed %08x): the file is corrupted or truncated", ErrFormat, want, got)
	}
	d := decoder{b: body[len(fileMagic):]}
	count := d.u32()
	if uint64(count) > uint64(len(d.b)) { // each parameter takes at least 8 bytes
		return nil, fmt.Errorf("%w: %d parameters in %d bytes", ErrFormat, count, len(d.b))
	}
	ts := make([]fileTensor, 0, count)
	for i := 0; i < int(count) && d.err == nil; i++ {
		var t fileTensor
		n := d.u32()
		if n >= maxNameLen {
			return nil, fmt.Errorf("%w: parameter %d has a name of %d bytes", ErrFormat, i, n)
		}
		t.name = string(d.bytes(int(n)))
		dims := d.u32()
		if dims > maxDims {
			return nil, fmt.Errorf("%w: parameter %d has %d dimensions", ErrFormat, i, dims)
		}
		size := uint64(1)
		t.shape = make([]int, dims)
		for j := range t.shape {
			k := d.u32()
			t.shape[j] = int(k)
			hi, lo := bits.Mul64(size, uint64(k))
			if hi != 0 {
				return nil, fmt.Errorf("%w: parameter %d (%q) has an impossible shape", ErrFormat, i, t.name)
			}
			size = lo
		}
		if d.err == nil && size > uint64(len(d.b))/8 {
			return nil, fmt.Errorf("%w: parameter %d (%q) of shape %v does not fit in the file", ErrFormat, i, t.name, t.shape)
		}
		raw := d.bytes(int(size) * 8)
		if d.err != nil {
			break
		}
		t.data = make([]float64, size)
		for j := range t.data {
			t.data[j] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*j:]))
		}
		ts = append(ts, t)
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, d.err)
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d unexpected bytes after the parameters", ErrFormat, len(d.b))
	}
	return ts, nil
}

// decoder reads little-endian values from b, recording the first overrun.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.err = fmt.Errorf("wanted %d bytes, %d left", n, len(d.b))
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) u32() uint32 {
	b := d.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// Save writes the parameters of m to the file path (see WriteParams). It
// writes a temporary file in the same directory, syncs it to disk and
// renames it over path, so a crash leaves either the old file or the new
// one, never a part of one. The file is created with permissions 0644.
func Save(path string, m Model) error {
	if err := writeFileAtomic(path, m.Params()); err != nil {
		return fmt.Errorf("nn: Save %s: %w", path, err)
	}
	return nil
}

func writeFileAtomic(path string, params []*Param) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = WriteParams(f, params)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	// Make the rename itself durable where the system allows it.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Load reads the parameter file path, written by Save, into the
// parameters of m. On any error, m is left untouched; the error wraps
// ErrFormat for a truncated or corrupted file and ErrArchitecture for the
// file of a model with other parameter names or shapes.
func Load(path string, m Model) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("nn: Load: %w", err)
	}
	if err := decodeInto(data, m.Params()); err != nil {
		return fmt.Errorf("nn: Load %s: %w", path, err)
	}
	return nil
}
