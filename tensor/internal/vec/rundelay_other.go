//go:build !linux

package vec

import "time"

// runDelay reports that the run delay of the process's threads is not
// available on this system.
func runDelay() (time.Duration, bool) { return 0, false }
