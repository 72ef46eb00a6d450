package runner

import (
	"time"
)

// spinWindow is how long before an intended start a waiting worker stops
// sleeping and spins on the clock, so operations start within a few
// microseconds of their schedule: it covers nanosleep's timer slack (50 µs
// by default) and wake-up latency. The spin does not yield: measured here,
// two goroutines spinning with runtime.Gosched on two cores stalled for
// milliseconds at p99 (scheduler churn), against 22 µs with a plain spin.
const spinWindow = 100 * time.Microsecond

// waitUntil waits until since(base) >= at: sleeping while far from it, then
// spinning for the last spinWindow. It returns early when stop is set.
func waitUntil(base time.Time, at time.Duration, stop func() bool) {
	for {
		d := at - time.Since(base)
		if d <= 0 || stop() {
			return
		}
		if d > spinWindow {
			sleepFor(min(d-spinWindow, 100*time.Millisecond))
		}
	}
}
