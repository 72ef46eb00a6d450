package runner

import (
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/storefit/storefit/results"
)

// intervals collects the workers' one-second samples of the measured phase.
// A worker hands over each finished interval once per second; that costs it
// one short critical section (an append), while merging and encoding happen
// on the collector's goroutine (collect). An interval is final once every
// worker has moved past it.
type intervals struct {
	mu    sync.Mutex // guards inbox and free
	inbox []ivSample
	free  []*hdr.Histogram

	// owned by the collector
	watermark []int // per worker: every interval below it was submitted
	pending   map[int]*ivAgg
	done      []results.Interval
	last      results.Interval
	failing   int // consecutive final intervals in which every operation failed
	// finals copies done without histograms, for readers other than the
	// collector (the automatic warm-up's watcher); guarded by lastMu.
	finals []results.Interval
	lastMu sync.Mutex
}

type ivSample struct {
	worker, idx, upTo int
	hist              *hdr.Histogram
	ops, errs         int64
}

type ivAgg struct {
	hist      *hdr.Histogram
	ops, errs int64
}

func newIntervals(workers int) *intervals {
	return &intervals{watermark: make([]int, workers), pending: map[int]*ivAgg{}}
}

// submit hands over worker's interval idx and declares that it has nothing
// more for intervals before upTo. It returns an empty histogram for the
// worker's next interval.
func (iv *intervals) submit(worker, idx, upTo int, h *hdr.Histogram, ops, errs int64) *hdr.Histogram {
	iv.mu.Lock()
	iv.inbox = append(iv.inbox, ivSample{worker, idx, upTo, h, ops, errs})
	var next *hdr.Histogram
	if n := len(iv.free); n > 0 {
		next = iv.free[n-1]
		iv.free = iv.free[:n-1]
	}
	iv.mu.Unlock()
	if next == nil {
		next = results.NewIntervalHistogram()
	}
	return next
}

// collect merges submitted samples and finalizes the intervals every worker
// has passed. Only the collector goroutine calls it.
func (iv *intervals) collect() {
	iv.mu.Lock()
	batch := iv.inbox
	iv.inbox = nil
	iv.mu.Unlock()
	var recycled []*hdr.Histogram
	for _, s := range batch {
		a := iv.pending[s.idx]
		if a == nil {
			a = &ivAgg{hist: s.hist}
			iv.pending[s.idx] = a
		} else {
			a.hist.Merge(s.hist)
			s.hist.Reset()
			recycled = append(recycled, s.hist)
		}
		a.ops += s.ops
		a.errs += s.errs
		iv.watermark[s.worker] = max(iv.watermark[s.worker], s.upTo)
	}
	low := iv.watermark[0]
	for _, w := range iv.watermark {
		low = min(low, w)
	}
	for next := len(iv.done); next < low; next = len(iv.done) {
		h := iv.finalize(next, time.Second)
		recycled = append(recycled, h)
	}
	iv.mu.Lock()
	iv.free = append(iv.free, recycled...)
	iv.mu.Unlock()
}

// finalize turns interval idx into its summary and returns its emptied
// histogram.
func (iv *intervals) finalize(idx int, length time.Duration) *hdr.Histogram {
	a, ok := iv.pending[idx]
	if !ok {
		a = &ivAgg{hist: results.NewIntervalHistogram()}
	}
	delete(iv.pending, idx)
	out := results.Interval{T: idx, Ops: a.ops, Errors: a.errs, OpsPerSec: float64(a.ops) / length.Seconds()}
	if a.hist.TotalCount() > 0 {
		out.P50Us = float64(a.hist.ValueAtQuantile(50)) / 1e3
		out.P99Us = float64(a.hist.ValueAtQuantile(99)) / 1e3
		out.MaxUs = float64(a.hist.Max()) / 1e3
	}
	if enc, err := results.EncodeHistogram(a.hist); err == nil {
		out.Histogram = enc
	}
	iv.done = append(iv.done, out)
	iv.lastMu.Lock()
	iv.last = out
	brief := out
	brief.Histogram = ""
	iv.finals = append(iv.finals, brief)
	if out.Ops == 0 && out.Errors > 0 {
		iv.failing++
	} else {
		iv.failing = 0
	}
	iv.lastMu.Unlock()
	a.hist.Reset()
	return a.hist
}

// failingFor returns for how many seconds, up to the newest final interval,
// every operation has failed.
func (iv *intervals) failingFor() int {
	iv.lastMu.Lock()
	defer iv.lastMu.Unlock()
	return iv.failing
}

// latest returns the newest final interval, for the live display.
func (iv *intervals) latest() results.Interval {
	iv.lastMu.Lock()
	defer iv.lastMu.Unlock()
	return iv.last
}

// close collects what is left after the workers stopped and finalizes every
// interval up to the end of the measured phase; the last one may be short.
func (iv *intervals) close(end time.Duration) []results.Interval {
	iv.collect()
	lastIdx := len(iv.done) - 1
	for idx := range iv.pending {
		lastIdx = max(lastIdx, idx)
	}
	for idx := len(iv.done); idx <= lastIdx; idx++ {
		length := time.Second
		if idx == lastIdx {
			length = min(max(end-time.Duration(idx)*time.Second, time.Millisecond), time.Second)
		}
		iv.finalize(idx, length)
	}
	return iv.done
}

// run collects every period until stop is closed.
func (iv *intervals) run(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			iv.collect()
		}
	}
}
