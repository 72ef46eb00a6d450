//go:build !linux

package runner

import "time"

func sleepFor(d time.Duration) { time.Sleep(d) }
