//go:build !unix

package runner

import "time"

// processCPU is not available on this system.
func processCPU() (user, system time.Duration, ok bool) { return 0, 0, false }
