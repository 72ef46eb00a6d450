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

// machineBusy returns the CPU time all processes of the machine have used
// (user, nice, system, irq, softirq and steal from /proc/stat), so that the
// time other processes used during a phase is the difference minus
// storefit's own.
func machineBusy() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, false
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system irq softirq steal
		v, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += v
	}
	// /proc/stat counts in USER_HZ, 100 per second on Linux.
	return time.Duration(ticks) * 10 * time.Millisecond, true
}
