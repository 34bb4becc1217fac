//go:build !linux

package vec

// schedTimes reports that the scheduling times of the process's threads
// are not available on this system.
func schedTimes(buf []threadTimes) ([]threadTimes, bool) { return buf[:0], false }
