//go:build !race

package nn_test

// raceEnabled shrinks the slowest tests under the race detector.
const raceEnabled = false
