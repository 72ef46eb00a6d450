//go:build !linux

package runner

import "time"

// runDelay is not available on this system.
func runDelay() (time.Duration, bool) { return 0, false }

// loadAverage is not available on this system.
func loadAverage() (float64, bool) { return 0, false }

func machineBusy() (time.Duration, bool) { return 0, false }

// residentBytes is not available on this system.
func residentBytes() (uint64, bool) { return 0, false }

// availableMemory is not available on this system.
func availableMemory() (uint64, bool) { return 0, false }
