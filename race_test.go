//go:build race

package herd_test

// raceEnabled is true when the tests run with the race detector, which
// makes sync.Pool drop some of what it is given, so allocation counts are
// not the ones a user's build sees.
const raceEnabled = true
