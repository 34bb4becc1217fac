package nn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
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

// ErrFormat is wrapped by the errors of ReadParams, Load and the checkpoint
// readers for data that is not a valid file of the kind asked for:
// truncated, corrupted (checksum mismatch), of an unknown version, or a
// parameter file where a checkpoint was expected (and the reverse).
var ErrFormat = errors.New("bad file format")

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
// end) into params; it reads the parameters of a checkpoint file
// (Trainer.WriteCheckpoint) too. It checks the whole file first, the
// checksum, then that the file holds exactly params' names and shapes in
// order, and only then writes the values: on any error params are left
// untouched. It allocates the file's contents once (io.ReadAll) and
// nothing in proportion to the counts and sizes the file declares. The
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
	if isCheckpoint(data) {
		c, err := decodeCheckpoint(data, params)
		if err != nil {
			return err
		}
		copyValues(params, c.raws)
		return nil
	}
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
			return nil, fmt.Errorf("%w: this is %s, not %s", ErrFormat, kindOf(data), kindOf([]byte(magic)))
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

func (d *decoder) u8() byte {
	b := d.bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (d *decoder) u64() uint64 {
	b := d.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// len64 reads a uint64 length, checked against the bytes left.
func (d *decoder) len64() int {
	n := d.u64()
	if d.err == nil && n > uint64(len(d.b)) {
		d.err = fmt.Errorf("a length of %d with %d bytes left", n, len(d.b))
	}
	return int(n)
}

func (d *decoder) u32() uint32 {
	b := d.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// Save writes the parameters of m to the file path (see WriteParams),
// so that a crash at any moment leaves either the old file or the new one
// in place, never a part of one:
//
//   - The data go to a temporary file beside the target, named
//     ".<name>.tmp" (for path dir/model.bin, dir/.model.bin.tmp), which is
//     synced to disk and then renamed over the target. The name is fixed,
//     so the temporary file of a save that was killed is removed by the
//     next Save to the same path: stale temporaries never accumulate.
//     Concurrent Saves to one path, from one process or several, are not
//     supported (they share the temporary file).
//   - If path is a symbolic link, the link is kept and the file it points
//     to (following every link in a chain, even to a file that does not
//     exist yet) is replaced.
//   - A new file gets permissions 0644; a replaced file keeps its own.
//   - After the rename the directory is synced, so that the rename itself
//     survives a crash; an error from that sync is returned (the new file
//     is then in place but may not be durable). On Windows, where a
//     directory cannot be synced, this step is skipped.
//
// On any other error, the old file is untouched and the temporary file
// removed.
func Save(path string, m Model) error {
	var buf bytes.Buffer
	if err := WriteParams(&buf, m.Params()); err != nil {
		return fmt.Errorf("nn: Save %s: %w", path, err)
	}
	if err := writeFileAtomic(path, buf.Bytes(), syncDir); err != nil {
		return fmt.Errorf("nn: Save %s: %w", path, err)
	}
	return nil
}

// maxLinks bounds the chain of symbolic links that resolveLinks follows.
const maxLinks = 255

// resolveLinks returns the path that path's chain of symbolic links ends
// at: path itself when it is not a link, and the final target when it is,
// whether or not that target exists.
func resolveLinks(path string) (string, error) {
	for range maxLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", fmt.Errorf("more than %d symbolic links", maxLinks)
}

// writeFileAtomic replaces the file at path (through its symbolic links)
// with data, as Save documents; sync syncs a directory.
func writeFileAtomic(path string, data []byte, sync func(dir string) error) error {
	target, err := resolveLinks(path)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	perm := fs.FileMode(0o644)
	if fi, err := os.Stat(target); err == nil && fi.Mode().IsRegular() {
		perm = fi.Mode().Perm()
	}
	tmp := filepath.Join(dir, "."+base+".tmp")
	// A leftover from a killed save is removed rather than opened, so that
	// whatever sits at the name (even a symbolic link) is never written
	// through.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm) // whatever the umask
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, target)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := sync(dir); err != nil {
		return fmt.Errorf("%s is written, but syncing its directory failed, so the rename may not survive a crash: %w", target, err)
	}
	return nil
}

// syncDir flushes the directory dir to disk, making the renames in it
// durable. Windows cannot sync a directory; there it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Load reads the parameter file path, written by Save, into the
// parameters of m; it reads the parameters of a checkpoint file
// (Trainer.SaveCheckpoint) too. On any error, m is left untouched; the
// error wraps ErrFormat for a truncated or corrupted file and
// ErrArchitecture for the file of a model with other parameter names or
// shapes. It allocates the file's size once, and nothing in proportion to
// the counts and sizes a (possibly hostile) file declares.
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
