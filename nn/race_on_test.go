//go:build race

package nn_test

// raceEnabled shrinks the slowest tests under the race detector, which
// slows arithmetic about tenfold and finds nothing more in larger sizes.
const raceEnabled = true
