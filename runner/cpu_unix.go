//go:build unix

package runner

import (
	"time"

	"golang.org/x/sys/unix"
)

// processCPU returns the CPU time this process has used so far, in user and
// system mode (getrusage(RUSAGE_SELF)).
func processCPU() (user, system time.Duration, ok bool) {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0, 0, false
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), true
}
