//go:build race

package optim

// raceEnabled reports that the tests run under the race detector, which
// makes the large single-threaded numerical cases many times slower
// without adding to its coverage.
const raceEnabled = true
