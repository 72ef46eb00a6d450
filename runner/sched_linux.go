//go:build linux

package runner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// runDelay returns the total time this process's threads have spent
// runnable but waiting for a CPU (the kernel's schedstat run_delay, summed
// over /proc/self/task/*/schedstat). A thread that exits in between is
// lost, so it is a lower bound.
func runDelay() (time.Duration, bool) {
	files, err := filepath.Glob("/proc/self/task/*/schedstat")
	if err != nil || len(files) == 0 {
		return 0, false
	}
	var total int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		fields := strings.Fields(string(b))
		if len(fields) < 2 {
			continue
		}
		if v, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
			total += v
		}
	}
	return time.Duration(total), true
}

// loadAverage returns the 1-minute load average of the machine.
func loadAverage() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	return v, err == nil
}
