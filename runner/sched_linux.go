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

// residentBytes returns the resident set size of this process
// (/proc/self/statm).
func residentBytes() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(fields[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}

// availableMemory returns the memory this process can still take: the
// machine's MemAvailable (/proc/meminfo), or less when a cgroup (a
// container's memory limit) leaves less.
func availableMemory() (uint64, bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	var avail uint64
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				if kb, err := strconv.ParseUint(f[0], 10, 64); err == nil {
					avail, found = kb*1024, true
				}
			}
		}
	}
	if !found {
		return 0, false
	}
	if limit, used, ok := cgroupMemory(); ok && limit > used && limit-used < avail {
		avail = limit - used
	}
	return avail, true
}

// cgroupMemory returns the memory limit of this process's cgroup and its
// usage (cgroup v2, else v1); ok is false without a limit.
func cgroupMemory() (limit, used uint64, ok bool) {
	read := func(path string) (uint64, bool) {
		b, err := os.ReadFile(path)
		if err != nil {
			return 0, false
		}
		v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		return v, err == nil
	}
	for _, p := range [][2]string{
		{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
		{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"},
	} {
		l, ok1 := read(p[0]) // "max" (no limit) does not parse
		u, ok2 := read(p[1])
		if ok1 && ok2 && l < 1<<60 {
			return l, u, true
		}
	}
	return 0, 0, false
}
