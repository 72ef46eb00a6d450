//go:build !race

package runner

// raceEnabled is true when the tests run under the race detector, which
// changes how much heap each allocation takes.
const raceEnabled = false
