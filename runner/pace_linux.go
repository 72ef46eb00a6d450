//go:build linux

package runner

import (
	"time"

	"golang.org/x/sys/unix"
)

// sleepFor blocks the calling thread for about d with nanosleep, which wakes
// within tens of microseconds (the thread's timer slack, 50 µs by default,
// plus wake-up latency). Go's timers overshoot sub-millisecond sleeps by
// about a millisecond here, which under open loop would be counted as
// latency. The runtime hands the thread's P to another thread meanwhile.
func sleepFor(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	_ = unix.Nanosleep(&ts, nil)
}
