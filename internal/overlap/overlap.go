// Package overlap answers whether two float64 slices share memory, for the
// packages that must not write a result over an operand still to be read.
package overlap

import "unsafe"

// Disjoint reports whether a and b share no element. Empty slices share
// nothing.
func Disjoint(a, b []float64) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	pa := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	pb := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	const size = unsafe.Sizeof(float64(0))
	return pa+uintptr(len(a))*size <= pb || pb+uintptr(len(b))*size <= pa
}
