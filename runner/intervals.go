package runner

import (
	"slices"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/storefit/storefit/results"
)

// intervals collects the workers' one-second samples of the measured phase.
// A worker hands over each finished interval once per second; that costs it
// one short critical section (an append), while merging and encoding happen
// on the collector's goroutine (collect). An interval is final once every
// worker has moved past it. Samples are kept per operation kind, so the
// collector can also feed a live view (Live) per kind, once per second.
type intervals struct {
	mu    sync.Mutex // guards inbox and free
	inbox []ivSample
	free  [][]ivKind

	// owned by the collector
	kinds     int
	watermark []int // per worker: every interval below it was submitted
	pending   map[int][]ivKind
	all       *hdr.Histogram // scratch: one interval's kinds merged
	done      []results.Interval
	last      results.Interval
	failing   int          // consecutive final intervals in which every operation failed
	lastKinds []KindStatus // per kind: counts so far, figures of the newest final interval
	// finals copies done without histograms, for readers other than the
	// collector (the automatic warm-up's watcher).
	finals []results.Interval
	// lastMu guards done's growth (snapshot reads it), last, failing,
	// lastKinds and finals.
	lastMu sync.Mutex
	// live, when set, receives every final interval's figures per kind.
	live func(idx int, set []ivKind)
}

// ivKind is one operation kind's share of an interval: the latencies of its
// successful operations and its errors by class.
type ivKind struct {
	hist *hdr.Histogram
	errs [numClasses]int64
}

// newIvSet returns an empty interval sample for n operation kinds.
func newIvSet(n int) []ivKind {
	set := make([]ivKind, n)
	for k := range set {
		set[k].hist = results.NewIntervalHistogram()
	}
	return set
}

func resetIvSet(set []ivKind) {
	for k := range set {
		set[k].hist.Reset()
		set[k].errs = [numClasses]int64{}
	}
}

type ivSample struct {
	worker, idx, upTo int
	set               []ivKind
}

func newIntervals(workers, kinds int) *intervals {
	return &intervals{kinds: kinds, watermark: make([]int, workers), pending: map[int][]ivKind{},
		all: results.NewIntervalHistogram()}
}

// submit hands over worker's interval idx and declares that it has nothing
// more for intervals before upTo. It returns an empty sample for the
// worker's next interval.
func (iv *intervals) submit(worker, idx, upTo int, set []ivKind) []ivKind {
	iv.mu.Lock()
	iv.inbox = append(iv.inbox, ivSample{worker, idx, upTo, set})
	var next []ivKind
	if n := len(iv.free); n > 0 {
		next = iv.free[n-1]
		iv.free = iv.free[:n-1]
	}
	iv.mu.Unlock()
	if next == nil {
		next = newIvSet(iv.kinds)
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
	var recycled [][]ivKind
	for _, s := range batch {
		a := iv.pending[s.idx]
		if a == nil {
			iv.pending[s.idx] = s.set
		} else {
			for k := range a {
				a[k].hist.Merge(s.set[k].hist)
				for c, n := range s.set[k].errs {
					a[k].errs[c] += n
				}
			}
			resetIvSet(s.set)
			recycled = append(recycled, s.set)
		}
		iv.watermark[s.worker] = max(iv.watermark[s.worker], s.upTo)
	}
	low := iv.watermark[0]
	for _, w := range iv.watermark {
		low = min(low, w)
	}
	for next := len(iv.done); next < low; next = len(iv.done) {
		recycled = append(recycled, iv.finalize(next, time.Second))
	}
	iv.mu.Lock()
	iv.free = append(iv.free, recycled...)
	iv.mu.Unlock()
}

// finalize turns interval idx into its summary, hands its figures to the
// live view, and returns its emptied sample.
func (iv *intervals) finalize(idx int, length time.Duration) []ivKind {
	set, ok := iv.pending[idx]
	if !ok {
		set = newIvSet(iv.kinds)
	}
	delete(iv.pending, idx)
	iv.all.Reset()
	out := results.Interval{T: idx}
	for _, k := range set {
		iv.all.Merge(k.hist)
		for _, n := range k.errs {
			out.Errors += n
		}
	}
	out.Ops = iv.all.TotalCount()
	out.OpsPerSec = float64(out.Ops) / length.Seconds()
	if out.Ops > 0 {
		out.P50Us = float64(iv.all.ValueAtQuantile(50)) / 1e3
		out.P99Us = float64(iv.all.ValueAtQuantile(99)) / 1e3
		out.MaxUs = float64(iv.all.Max()) / 1e3
	}
	if enc, err := results.EncodeHistogram(iv.all); err == nil {
		out.Histogram = enc
	}
	if iv.live != nil {
		iv.live(idx, set)
	}
	iv.lastMu.Lock()
	iv.done = append(iv.done, out)
	iv.last = out
	brief := out
	brief.Histogram = ""
	iv.finals = append(iv.finals, brief)
	iv.updateKinds(set, length)
	if out.Ops == 0 && out.Errors > 0 {
		iv.failing++
	} else {
		iv.failing = 0
	}
	iv.lastMu.Unlock()
	resetIvSet(set)
	return set
}

// updateKinds adds a final interval to the per-kind status. The caller
// holds lastMu.
func (iv *intervals) updateKinds(set []ivKind, length time.Duration) {
	if iv.lastKinds == nil {
		iv.lastKinds = make([]KindStatus, len(set))
	}
	for k := range set {
		ks, h := &iv.lastKinds[k], set[k].hist
		n := h.TotalCount()
		ks.Ops += n
		for _, e := range set[k].errs {
			ks.Errors += e
		}
		ks.OpsPerSec = float64(n) / length.Seconds()
		ks.P50Us, ks.P99Us, ks.MaxUs = 0, 0, 0
		if n > 0 {
			ks.P50Us = float64(h.ValueAtQuantile(50)) / 1e3
			ks.P99Us = float64(h.ValueAtQuantile(99)) / 1e3
			ks.MaxUs = float64(h.Max()) / 1e3
		}
	}
}

// kindStatus returns the per-kind status, named.
func (iv *intervals) kindStatus(names []string) []KindStatus {
	iv.lastMu.Lock()
	defer iv.lastMu.Unlock()
	if iv.lastKinds == nil {
		return nil
	}
	out := slices.Clone(iv.lastKinds)
	for k := range out {
		out[k].Kind = names[k]
	}
	return out
}

// failingFor returns for how many seconds, up to the newest final interval,
// every operation has failed.
func (iv *intervals) failingFor() int {
	iv.lastMu.Lock()
	defer iv.lastMu.Unlock()
	return iv.failing
}

// snapshot returns a copy of the final intervals so far, for a result
// written while the phase runs.
func (iv *intervals) snapshot() []results.Interval {
	iv.lastMu.Lock()
	defer iv.lastMu.Unlock()
	return append([]results.Interval(nil), iv.done...)
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
