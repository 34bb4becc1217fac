package nn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
)

// fileMagic opens every parameter file and checkpointMagic every
// checkpoint file; their last byte is the version.
const (
	fileMagic       = "curvNN\x00\x01"
	checkpointMagic = "curvCK\x00\x01"
)

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
	b := make([]byte, 0, len(fileMagic)+tensorsSize(params)+trailerSize)
	b = append(b, fileMagic...)
	b = appendTensors(b, "WriteParams", params)
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	_, err := w.Write(b)
	return err
}

// tensorsSize returns the bytes that appendTensors adds for params.
func tensorsSize(params []*Param) int {
	n := 4
	for _, p := range params {
		n += 4 + len(p.Name) + 4 + 4*len(p.Value.Shape()) + 8*p.Value.Size()
	}
	return n
}

// appendTensors appends the tensor section of params (count, then each
// name, shape and values) to b. op names the caller in panics.
func appendTensors(b []byte, op string, params []*Param) []byte {
	le := binary.LittleEndian
	b = le.AppendUint32(b, uint32(len(params)))
	for _, p := range params {
		if len(p.Name) >= maxNameLen {
			panic(fmt.Sprintf("nn: %s: name of %d bytes", op, len(p.Name)))
		}
		shape := p.Value.Shape()
		if len(shape) > maxDims {
			panic(fmt.Sprintf("nn: %s: %s has %d dimensions", op, p.Name, len(shape)))
		}
		b = le.AppendUint32(b, uint32(len(p.Name)))
		b = append(b, p.Name...)
		b = le.AppendUint32(b, uint32(len(shape)))
		for _, d := range shape {
			if uint64(d) > math.MaxUint32 {
				panic(fmt.Sprintf("nn: %s: %s has shape %v", op, p.Name, shape))
			}
			b = le.AppendUint32(b, uint32(d))
		}
		for _, v := range p.Value.Data() {
			b = le.AppendUint64(b, math.Float64bits(v))
		}
	}
	return b
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
// is valid and matches, copies its values into them. It allocates nothing
// in proportion to data: the file is walked in place, twice (once for its
// structure, once against params), and the values are decoded straight
// into the parameters.
func decodeInto(data []byte, params []*Param) error {
	body, err := checkEnvelope(data, fileMagic)
	if err != nil {
		return err
	}
	d := decoder{b: body}
	raws, err := readTensors(&d, params)
	if err != nil {
		return err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d unexpected bytes after the parameters", ErrFormat, len(d.b))
	}
	copyValues(params, raws)
	return nil
}

// checkEnvelope checks the length, magic number, version and checksum of
// a file that opens with magic, and returns the bytes between the magic
// number and the checksum.
func checkEnvelope(data []byte, magic string) ([]byte, error) {
	if len(data) < len(magic)+4+trailerSize {
		return nil, fmt.Errorf("%w: %d bytes is too short (truncated?)", ErrFormat, len(data))
	}
	if string(data[:len(magic)-1]) != magic[:len(magic)-1] {
		if string(data[:len(fileMagic)-1]) == fileMagic[:len(fileMagic)-1] || string(data[:len(checkpointMagic)-1]) == checkpointMagic[:len(checkpointMagic)-1] {
			return nil, fmt.Errorf("%w: %s, not %s", ErrFormat, kindOf(data), kindOf([]byte(magic)))
		}
		return nil, fmt.Errorf("%w: bad magic number", ErrFormat)
	}
	if v := data[len(magic)-1]; v != magic[len(magic)-1] {
		return nil, fmt.Errorf("%w: unknown version %d of the %s format", ErrFormat, v, kindOf(data))
	}
	body, trailer := data[:len(data)-trailerSize], data[len(data)-trailerSize:]
	if got, want := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(trailer); got != want {
		return nil, fmt.Errorf("%w: checksum mismatch (stored %08x, computed %08x): the file is corrupted or truncated", ErrFormat, want, got)
	}
	return body[len(magic):], nil
}

// kindOf names the kind of file data opens with.
func kindOf(data []byte) string {
	if string(data[:len(checkpointMagic)-1]) == checkpointMagic[:len(checkpointMagic)-1] {
		return "a checkpoint file"
	}
	return "a parameter file"
}

// readTensors reads a tensor section (a count, then each tensor's name,
// shape and values, as WriteParams lays them out) from d, checks it
// against params and returns, for each parameter, the raw bytes of its
// values inside d's buffer. The section is walked twice: first for its
// structure alone (every length against the bytes left, ErrFormat), then
// against params (ErrArchitecture), so that a malformed file is reported
// as such whatever the model, and nothing but the returned slice headers
// and error messages is allocated.
func readTensors(d *decoder, params []*Param) ([][]byte, error) {
	start := *d
	count, err := walkTensors(d, nil)
	if err != nil {
		return nil, err
	}
	if count != len(params) {
		return nil, fmt.Errorf("%w: the file has %d parameters, the model %d", ErrArchitecture, count, len(params))
	}
	raws := make([][]byte, len(params))
	_, err = walkTensors(&start, func(i int, name, dims, raw []byte) error {
		p := params[i]
		if string(name) != p.Name || !sameDims(dims, p.Value.Shape()) {
			return fmt.Errorf("%w: parameter %d is %q %v in the file, %q %v in the model",
				ErrArchitecture, i, name, decodeDims(dims), p.Name, p.Value.Shape())
		}
		raws[i] = raw
		return nil
	})
	if err != nil {
		return nil, err
	}
	return raws, nil
}

// walkTensors walks a tensor section of d, checking every length against
// the bytes left before using it, and calls visit, when not nil, with each
// tensor's name, its dimensions (4 bytes each) and its values (8 bytes
// each), all slices of d's buffer. It returns the number of tensors.
func walkTensors(d *decoder, visit func(i int, name, dims, raw []byte) error) (int, error) {
	count := d.u32()
	if d.err == nil && uint64(count) > uint64(len(d.b))/minTensorSize {
		return 0, fmt.Errorf("%w: %d parameters declared in %d bytes", ErrFormat, count, len(d.b))
	}
	for i := 0; i < int(count) && d.err == nil; i++ {
		n := d.u32()
		if n >= maxNameLen {
			return 0, fmt.Errorf("%w: parameter %d has a name of %d bytes", ErrFormat, i, n)
		}
		name := d.bytes(int(n))
		nd := d.u32()
		if nd > maxDims {
			return 0, fmt.Errorf("%w: parameter %d has %d dimensions", ErrFormat, i, nd)
		}
		dims := d.bytes(4 * int(nd))
		if d.err != nil {
			break
		}
		size := uint64(1)
		for j := 0; j < len(dims); j += 4 {
			hi, lo := bits.Mul64(size, uint64(binary.LittleEndian.Uint32(dims[j:])))
			if hi != 0 || lo > math.MaxInt/8 {
				return 0, fmt.Errorf("%w: parameter %d (%q) has an impossible shape %v", ErrFormat, i, name, decodeDims(dims))
			}
			size = lo
		}
		if size > uint64(len(d.b))/8 {
			return 0, fmt.Errorf("%w: parameter %d (%q) of shape %v does not fit in the file", ErrFormat, i, name, decodeDims(dims))
		}
		raw := d.bytes(int(size) * 8)
		if d.err != nil {
			break
		}
		if visit != nil {
			if err := visit(i, name, dims, raw); err != nil {
				return 0, err
			}
		}
	}
	if d.err != nil {
		return 0, fmt.Errorf("%w: %v", ErrFormat, d.err)
	}
	return int(count), nil
}

// minTensorSize is the fewest bytes a tensor takes in a tensor section:
// the name's length, the number of dimensions and one value (a scalar).
const minTensorSize = 4 + 4 + 8

// sameDims reports whether the dimensions dims, 4 bytes each, are shape.
func sameDims(dims []byte, shape []int) bool {
	if len(dims) != 4*len(shape) {
		return false
	}
	for j, s := range shape {
		if uint64(binary.LittleEndian.Uint32(dims[4*j:])) != uint64(s) {
			return false
		}
	}
	return true
}

// decodeDims returns the dimensions dims, 4 bytes each, as a shape; it is
// for messages (at most maxDims dimensions).
func decodeDims(dims []byte) []int {
	shape := make([]int, len(dims)/4)
	for j := range shape {
		shape[j] = int(binary.LittleEndian.Uint32(dims[4*j:]))
	}
	return shape
}

// copyValues decodes the raw values raws[i] (8 bytes each, checked to
// match) into params[i].
func copyValues(params []*Param, raws [][]byte) {
	for i, p := range params {
		dst := p.Value.Data()
		raw := raws[i][:8*len(dst)]
		for j := range dst {
			dst[j] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*j:]))
		}
	}
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
