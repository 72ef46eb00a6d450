// Package heapprobe measures how much heap a computation holds at its
// peak, for tests that check an oracle's memory does not grow with the
// data (the workloads' reference answers at large scales).
package heapprobe

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// heapObjects is the runtime metric of the bytes held by heap objects,
// live or not yet swept.
const heapObjects = "/memory/classes/heap/objects:bytes"

// Measure runs fn and returns the peak of the heap it held above what was
// held before it started (sampled every interval, with the collector run
// far more often than by default so garbage hardly counts), and what it
// still held after it returned, once collected. It must not run in
// parallel with other tests: the heap is the process's.
func Measure(fn func()) (peak, retained uint64) {
	old := debug.SetGCPercent(5)
	defer debug.SetGCPercent(old)
	runtime.GC()
	base := heapBytes()

	var (
		mu   sync.Mutex
		high = base
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if b := heapBytes(); b > high {
					mu.Lock()
					high = b
					mu.Unlock()
				}
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	runtime.GC()
	after := heapBytes()
	mu.Lock()
	defer mu.Unlock()
	return sub(high, base), sub(after, base)
}

func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
