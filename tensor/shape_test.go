package tensor

import (
	"testing"

	"github.com/curvature-go/curvature/internal/testutil"
)

// TestShapeOverflow: a shape whose number of elements overflows, or whose
// storage would not fit in an int of bytes, panics naming the shape
// wherever a shape is resolved, instead of wrapping around to a small size
// or dying in the runtime's makeslice.
func TestShapeOverflow(t *testing.T) {
	huge := 1 << 32
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"Zeros", func() { Zeros(huge, huge) }, "tensor: Zeros"},
		{"Zeros/no-wrap-to-zero", func() { Zeros(huge, huge, 4) }, "[4294967296 4294967296 4]"},
		{"Zeros/bytes", func() { Zeros(1 << 61) }, "tensor: Zeros"},
		{"Full", func() { Full(1, 1<<31, 1<<31) }, "[2147483648 2147483648]"},
		{"SizeOf", func() { SizeOf([]int{huge, huge}) }, "tensor: SizeOf"},
		{"ResolveShape", func() { ResolveShape("tensor: Reshape", 4, []int{huge, huge, -1}) }, "tensor: Reshape"},
		{"BroadcastShape", func() { BroadcastShape("tensor: Add", []int{huge, 1}, []int{1, huge}) }, "tensor: Add"},
	} {
		testutil.MustPanic(t, c.name, c.f, c.want, "more than")
	}
}
