package runner

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

// Error classes operations are counted by.
const (
	classTimeout = iota
	classNotFound
	classUnsupported
	classCanceled
	classError
	numClasses
)

var classNames = [numClasses]string{"timeout", "not_found", "unsupported", "canceled", "error"}

// maxErrorSamples bounds the distinct error messages kept per worker and kind.
const maxErrorSamples = 3

// lateThreshold is how far behind its intended start an open-loop operation
// must start to count as late.
const lateThreshold = time.Millisecond

// errOpTimeout is what a timed-out operation counts as.
var errOpTimeout = errors.New("operation timed out")

func classify(err error) int {
	switch {
	case errors.Is(err, errOpTimeout), errors.Is(err, context.DeadlineExceeded):
		return classTimeout
	case errors.Is(err, drivers.ErrNotFound):
		return classNotFound
	case errors.Is(err, drivers.ErrUnsupported):
		return classUnsupported
	case errors.Is(err, context.Canceled):
		return classCanceled
	}
	return classError
}

// States of a worker's in-flight slot besides a start time.
const (
	// timedOut marks an operation the watchdog cancelled.
	timedOut = -1
	// abandoned marks an operation the phase gave up waiting for: the
	// store stalled, or the run was interrupted and the operation did not
	// return within the grace period. Its worker must touch nothing more.
	abandoned = -2
)

// Grace periods of a phase that has to end (see engine.await).
const (
	// interruptGrace is how long in-flight operations get to return once
	// the run is cancelled (Ctrl-C) before they are abandoned.
	interruptGrace = 500 * time.Millisecond
	// minEndGrace is the least time in-flight operations get to finish
	// after the phase's deadline before they are abandoned; phases longer
	// than 10 s give them a tenth of their length, and a store whose
	// operations are slow by nature (a 3 s aggregation over 10 M rows)
	// twice its slowest completed operation (endGrace).
	minEndGrace = time.Second
)

// wstate is one worker's private state. Only its goroutine touches it while
// it runs, except the atomics, which the watchdog and display read.
type wstate struct {
	id  int
	gen workloads.Worker
	// ack, when set, is told the outcome of every operation performed
	// (the worker's ledger for the verify step), untimed.
	ack workloads.Acknowledger

	// inflight is the start (ns since phase base, +1) of the operation in
	// flight, 0 when idle, timedOut after the watchdog cancelled it, or
	// abandoned once the phase gave up waiting for it.
	inflight atomic.Int64
	// done is the number of operations completed in the measured phase,
	// published every few operations for the live display.
	done atomic.Int64
	// slowest is the longest operation (ns) the worker has completed in
	// any phase of the cell, stored only when it grows (rarely): the end
	// of a phase waits for an operation in flight up to twice that
	// (endGrace), so slow-by-nature operations are not taken for a stall.
	slowest atomic.Int64

	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc

	hist  []*hdr.Histogram // per kind; corrected under open loop
	uhist []*hdr.Histogram // per kind, uncorrected (open loop only)
	// fhist holds per kind the failed operations' times to failure; a
	// kind's histogram is made at its first failure (most never fail,
	// and one histogram is a quarter megabyte).
	fhist   []*hdr.Histogram
	errs    [][numClasses]int64
	samples [][]string

	late   int64
	maxLag time.Duration

	// interval being filled, per kind
	ivIdx int
	iv    []ivKind

	_ [64]byte // keep the next worker's atomics off this cache line
}

func (w *wstate) renewCtx() {
	w.ctx, w.cancel = context.WithCancel(w.parent)
}

// phase describes one timed loop: warm-up or measured.
type phase struct {
	base     time.Time
	deadline time.Duration // 0: none
	measure  bool
	period   float64 // open loop: ns between one worker's operations
}

// engine runs a workload's workers against a store.
type engine struct {
	cfg     Config
	kinds   []string
	workers []*wstate
	stop    atomic.Bool
	ivs     *intervals
	// aborted, when set, says why the measured phase was cut short (the
	// store stopped answering).
	aborted atomic.Pointer[string]
	// rideOut keeps a measured phase going when every operation fails: a
	// fault was injected on purpose, and recovering from it is what is
	// measured.
	rideOut bool
	// idBase and idTotal place this engine's workers among all workers of
	// a sharded plan: worker w has global id idBase+w of idTotal. Unsharded,
	// idBase is 0 and idTotal the number of workers.
	idBase, idTotal int
}

func newEngine(ctx context.Context, cfg Config, kinds []string, gens []workloads.Worker, idBase, idTotal int) *engine {
	e := &engine{cfg: cfg, kinds: kinds, idBase: idBase, idTotal: idTotal}
	for i, g := range gens {
		w := &wstate{id: i, gen: g, parent: ctx}
		w.renewCtx()
		w.hist = make([]*hdr.Histogram, len(kinds))
		w.fhist = make([]*hdr.Histogram, len(kinds))
		w.errs = make([][numClasses]int64, len(kinds))
		w.samples = make([][]string, len(kinds))
		for k := range kinds {
			w.hist[k] = results.NewHistogram()
		}
		if cfg.Rate > 0 {
			w.uhist = make([]*hdr.Histogram, len(kinds))
			for k := range kinds {
				w.uhist[k] = results.NewHistogram()
			}
		}
		w.iv = newIvSet(len(kinds))
		e.workers = append(e.workers, w)
	}
	return e
}

// acknowledge has every worker whose operation stream implements
// workloads.Acknowledger told the outcome of each operation it performs, so
// the verify step can read its writes back.
func (e *engine) acknowledge() {
	for _, w := range e.workers {
		w.ack, _ = w.gen.(workloads.Acknowledger)
	}
}

// stall describes the operations a phase abandoned: still in flight when
// the phase had to end, after their grace period.
type stall struct {
	ops int
	// oldest is how long the oldest of them had been running.
	oldest time.Duration
	// after is how long after the phase had to end (its deadline, or the
	// interruption) it ended.
	after time.Duration
	// interrupted is true when the phase ended because the run was
	// cancelled, not at its deadline.
	interrupted bool
}

// run runs every worker through one phase and waits for them, at most a
// grace period past the phase's deadline or the run's cancellation: an
// operation still in flight then (a stalled store, a driver that ignores
// cancellation) is abandoned and reported in the returned stall, nil when
// every worker returned. An abandoned worker's goroutine is left to finish
// its operation and exits without touching its state, which the caller
// may then read; the engine must not run another phase after a stall.
func (e *engine) run(ctx context.Context, ph phase, quota func(worker int) int64) *stall {
	e.stop.Store(false)
	exited := make(chan int, len(e.workers)) // never blocks a worker
	for _, w := range e.workers {
		go func() {
			defer func() { exited <- w.id }()
			e.loop(w, ph, quota(e.idBase+w.id))
		}()
	}
	stopWatch := make(chan struct{})
	var wg sync.WaitGroup
	if e.cfg.Timeout > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.watchdog(ph.base, stopWatch)
		}()
	}
	st := e.await(ctx, ph, exited)
	close(stopWatch)
	wg.Wait()
	return st
}

// await waits until every worker has returned or been abandoned. It sets
// the stop flag when ctx is done or the phase's deadline passes; workers
// then finish the operation in flight and return. Those still in an
// operation after the grace period (interruptGrace once cancelled, else
// endGrace) are abandoned.
func (e *engine) await(ctx context.Context, ph phase, exited <-chan int) *stall {
	running := len(e.workers)
	gone := make([]bool, len(e.workers))
	var deadline <-chan time.Time
	if ph.deadline > 0 {
		t := time.NewTimer(time.Until(ph.base.Add(ph.deadline)))
		defer t.Stop()
		deadline = t.C
	}
	done := ctx.Done()
	var grace <-chan time.Time
	var ended time.Time
	var st *stall
	for running > 0 {
		select {
		case id := <-exited:
			if !gone[id] {
				gone[id] = true
				running--
			}
		case <-deadline:
			deadline = nil
			e.stop.Store(true)
			ended = time.Now()
			grace = time.After(e.endGrace(ph))
		case <-done:
			done = nil
			e.stop.Store(true)
			if ended.IsZero() {
				ended = time.Now()
			}
			grace = time.After(interruptGrace)
		case <-grace:
			for _, w := range e.workers {
				if gone[w.id] {
					continue
				}
				age, ok := e.abandon(w, ph.base)
				if !ok {
					continue // between operations: it returns by itself
				}
				gone[w.id] = true
				running--
				if st == nil {
					st = &stall{}
				}
				st.ops++
				st.oldest = max(st.oldest, age)
			}
			grace = time.After(10 * time.Millisecond) // look again for those between operations
		}
	}
	if st != nil {
		st.after = time.Since(ended)
		st.interrupted = ctx.Err() != nil
	}
	return st
}

// endGrace is how long in-flight operations get after a phase's deadline:
// at least minEndGrace, a tenth of the phase, and twice the slowest
// operation the cell's workers have completed (an operation in flight for
// longer is a stall, not the store's normal pace) — the whole operation
// timeout for a warm-up, whose operations are discarded — but never more
// than the per-operation timeout, at which the watchdog cancels it anyway.
func (e *engine) endGrace(ph phase) time.Duration {
	var slowest time.Duration
	for _, w := range e.workers {
		slowest = max(slowest, time.Duration(w.slowest.Load()))
	}
	g := max(minEndGrace, ph.deadline/10, 2*slowest)
	if !ph.measure {
		// A warm-up's operations are discarded: waiting for a slow one
		// (a server's first queries, compiling plans or filling caches)
		// costs only time, where abandoning it would fail the cell.
		g = max(g, e.cfg.Timeout)
	}
	if e.cfg.Timeout > 0 {
		g = min(g, max(minEndGrace, e.cfg.Timeout))
	}
	return g
}

// abandon gives up on worker w's operation in flight, if it has one: it
// marks the slot abandoned (so the worker, when the operation returns,
// exits without touching its state) and cancels the operation's context.
// It returns how long the operation had been running (the timeout when the
// watchdog had already cancelled it), and false when w was between
// operations.
func (e *engine) abandon(w *wstate, base time.Time) (time.Duration, bool) {
	for {
		st := w.inflight.Load()
		switch st {
		case 0:
			return 0, false
		case abandoned:
			return 0, true
		}
		if w.inflight.CompareAndSwap(st, abandoned) {
			// The worker is inside Do and changes w.cancel only after
			// taking the slot back, which it can no longer do.
			w.cancel()
			if st == timedOut {
				return e.cfg.Timeout, true
			}
			return time.Since(base) - time.Duration(st-1), true
		}
	}
}

// watchdog cancels operations that run longer than the per-op timeout.
func (e *engine) watchdog(base time.Time, done <-chan struct{}) {
	tick := min(max(e.cfg.Timeout/4, time.Millisecond), 100*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		now := int64(time.Since(base))
		for _, w := range e.workers {
			st := w.inflight.Load()
			if st > 0 && now-(st-1) > int64(e.cfg.Timeout) {
				// The CAS succeeds only while the same operation is in
				// flight; the worker waits for this cancel before it
				// replaces its context.
				if w.inflight.CompareAndSwap(st, timedOut) {
					w.cancel()
				}
			}
		}
	}
}

// loop is a worker's hot path: choose, (wait,) do, time, (acknowledge,)
// record. It allocates nothing and takes no lock per operation (a worker's
// Acknowledge, outside the timed part, keeps a map of the keys it wrote).
func (e *engine) loop(w *wstate, ph phase, quota int64) {
	open := ph.period > 0
	stopped := e.stop.Load
	interrupted := w.parent.Done() // nil when the run cannot be cancelled
	// Stagger the workers' schedules evenly over one period (over all
	// workers of all shards).
	offset := e.offset(w, ph)
	slowest := w.slowest.Load()
	var n int64
	for !e.stop.Load() && (quota == 0 || n < quota) {
		op := w.gen.Next()
		var intended time.Duration
		// The loop ends with break, never return: the operation count is
		// published after it. (The one exception is an abandoned
		// operation, below: its worker no longer owns its state.)
		if open {
			intended = time.Duration(offset + float64(n)*ph.period)
			if ph.deadline > 0 && intended >= ph.deadline {
				break
			}
			waitUntil(ph.base, intended, stopped)
			if e.stop.Load() {
				break
			}
		}
		t0 := time.Since(ph.base)
		if ph.deadline > 0 && t0 >= ph.deadline {
			break
		}
		w.inflight.Store(int64(t0) + 1)
		err := op.Do(w.ctx)
		t1 := time.Since(ph.base)
		switch w.inflight.Swap(0) {
		case abandoned:
			return // the phase ended without this operation and reads w now
		case timedOut:
			err = errOpTimeout
			<-w.ctx.Done() // the watchdog has cancelled (or is cancelling) it
			w.renewCtx()
		default:
			if d := int64(t1 - t0); d > slowest {
				slowest = d
				w.slowest.Store(d)
			}
		}
		if w.ack != nil {
			w.ack.Acknowledge(err)
		}
		n++
		if !ph.measure {
			continue
		}
		if err != nil && isDone(interrupted) {
			// Cut short by the interruption of the run, not a failure of
			// the store: drivers report a cancelled operation in their own
			// words, so any error once the run is cancelled counts as
			// cancelled, and the worker stops.
			break
		}
		if err != nil && e.stop.Load() && errors.Is(err, context.Canceled) {
			continue // cut short by the end of the phase
		}
		if idx := int(t1 / time.Second); idx != w.ivIdx {
			e.flushInterval(w, idx)
		}
		k := op.Kind()
		lat := t1 - t0
		if open {
			lat = t1 - intended
		}
		if err != nil {
			// A failed operation counts at its time to failure (wrk2's
			// rule: every scheduled operation is measured).
			c := classify(err)
			w.errs[k][c]++
			w.iv[k].errs[c]++
			if c == classError && len(w.samples[k]) < maxErrorSamples {
				w.addSample(k, err)
			}
			if w.fhist[k] == nil {
				w.fhist[k] = results.NewHistogram()
			}
			record(w.fhist[k], lat)
		} else {
			if open {
				record(w.uhist[k], t1-t0)
				if lag := t0 - intended; lag >= lateThreshold {
					w.late++
					w.maxLag = max(w.maxLag, lag)
				}
			}
			record(w.hist[k], lat)
			record(w.iv[k].hist, lat)
		}
		if n&127 == 0 {
			w.done.Store(n)
		}
	}
	w.done.Store(n)
}

// isDone reports whether c is closed, without blocking or, on an open
// channel, locking (a failed non-blocking receive takes no lock).
func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// offset is the intended start of worker w's first operation under open
// loop.
func (e *engine) offset(w *wstate, ph phase) float64 {
	return ph.period * float64(e.idBase+w.id) / float64(e.idTotal)
}

// scheduled returns the number of operations the open-loop schedule
// planned for worker w in the phase: those intended to start before its
// deadline, or before end when the phase ended earlier (a store that
// stopped answering, an interrupt), within the worker's quota. It is 0 for
// a closed loop or a phase without deadline.
func (e *engine) scheduled(w *wstate, ph phase, quota func(worker int) int64, end time.Duration) int64 {
	if ph.period <= 0 || ph.deadline <= 0 {
		return 0
	}
	off := e.offset(w, ph)
	d := float64(min(ph.deadline, end))
	if off >= d {
		return 0
	}
	k := int64(math.Ceil((d - off) / ph.period))
	if q := quota(e.idBase + w.id); q > 0 {
		k = min(k, q)
	} else if q < 0 {
		k = 0
	}
	return k
}

// drops records the open-loop operations the workers were scheduled to
// start and never did: operation j of worker w, intended at offset +
// j·period, counts from then to the end of the phase (wrk2's rule). A
// dropped operation was never chosen, so its kind is unknown: the drops
// are dealt to the kinds in proportion to each kind's share of the
// started operations (by smooth weighted round-robin, so every kind gets
// its share of early and late drops). It returns the operations intended
// and dropped, and each kind's drops and their histogram (nil for a kind
// without any).
func (e *engine) drops(ph phase, quota func(worker int) int64, end time.Duration) (intended, dropped int64, perKind []int64, hists []*hdr.Histogram) {
	perKind = make([]int64, len(e.kinds))
	hists = make([]*hdr.Histogram, len(e.kinds))
	shares := make([]float64, len(e.kinds))
	var started float64
	for k := range e.kinds {
		for _, w := range e.workers {
			n := float64(w.hist[k].TotalCount())
			for _, c := range w.errs[k] {
				n += float64(c)
			}
			shares[k] += n
		}
		started += shares[k]
	}
	for k := range shares {
		if started > 0 {
			shares[k] /= started
		} else {
			shares[k] = 1 / float64(len(shares))
		}
	}
	credit := make([]float64, len(e.kinds))
	for _, w := range e.workers {
		planned := e.scheduled(w, ph, quota, end)
		intended += planned
		off := e.offset(w, ph)
		for j := w.done.Load(); j < planned; j++ {
			// Smooth weighted round-robin: every kind earns its share;
			// the richest takes the drop and pays one.
			best := 0
			for k := range credit {
				credit[k] += shares[k]
				if credit[k] > credit[best] {
					best = k
				}
			}
			credit[best]--
			if hists[best] == nil {
				hists[best] = results.NewHistogram()
			}
			record(hists[best], end-time.Duration(off+float64(j)*ph.period))
			perKind[best]++
			dropped++
		}
	}
	return intended, dropped, perKind, hists
}

func (w *wstate) addSample(k int, err error) {
	msg := err.Error()
	for _, s := range w.samples[k] {
		if s == msg {
			return
		}
	}
	w.samples[k] = append(w.samples[k], msg)
}

// record adds a latency to h, clamping it to the histogram's range.
func record(h *hdr.Histogram, d time.Duration) {
	v := int64(d)
	if v < results.HistMin {
		v = results.HistMin
	} else if v > results.HistMax {
		v = results.HistMax
	}
	_ = h.RecordValue(v)
}

// flushInterval hands the worker's finished interval to the collector and
// starts interval idx.
func (e *engine) flushInterval(w *wstate, idx int) {
	w.iv = e.ivs.submit(w.id, w.ivIdx, idx, w.iv)
	w.ivIdx = idx
}

// reset clears what the warm-up recorded.
func (e *engine) reset() {
	for _, w := range e.workers {
		for k := range e.kinds {
			w.hist[k].Reset()
			if w.uhist != nil {
				w.uhist[k].Reset()
			}
			if w.fhist[k] != nil {
				w.fhist[k].Reset()
			}
			w.errs[k] = [numClasses]int64{}
			w.samples[k] = nil
		}
		w.late, w.maxLag = 0, 0
		resetIvSet(w.iv)
		w.ivIdx = 0
		w.done.Store(0)
	}
}

// completed returns the operations completed so far in the measured phase.
func (e *engine) completed() int64 {
	var n int64
	for _, w := range e.workers {
		n += w.done.Load()
	}
	return n
}

// summarize merges the workers' figures into the result of the phase ph,
// which ended elapsed after its base: per kind the successful operations'
// latencies, the failed ones' times to failure, and (open loop) the drops.
func (e *engine) summarize(ph phase, quota func(worker int) int64, elapsed time.Duration) (*results.Run, error) {
	secs := elapsed.Seconds()
	run := &results.Run{Mode: results.ClosedLoop, Seconds: secs}
	if e.cfg.Rate > 0 {
		run.Mode = results.OpenLoop
		run.IntendedRate = e.cfg.Rate
	}
	intended, dropped, kindDrops, dropHists := e.drops(ph, quota, elapsed)
	if intended > 0 {
		run.IntendedOps, run.DroppedOps = intended, dropped
	}
	for k, kind := range e.kinds {
		st, h, err := e.summarizeKind(k, kind, secs)
		if err != nil {
			return nil, err
		}
		if err := addFailures(&st, h, e.failures(k), kindDrops[k], dropHists[k]); err != nil {
			return nil, err
		}
		run.Ops += st.Count
		run.Errors += st.ErrorCount()
		run.Kinds = append(run.Kinds, st)
	}
	for _, w := range e.workers {
		run.LateOps += w.late
		run.MaxLagUs = max(run.MaxLagUs, float64(w.maxLag)/1e3)
	}
	if secs > 0 {
		run.OpsPerSec = float64(run.Ops) / secs
	}
	return run, nil
}

// summarizeKind merges the workers' successful operations and errors of
// kind k; it returns the kind's figures and the successful operations'
// histogram.
func (e *engine) summarizeKind(k int, kind string, secs float64) (results.OpStats, *hdr.Histogram, error) {
	h := results.NewHistogram()
	var uh *hdr.Histogram
	if e.cfg.Rate > 0 {
		uh = results.NewHistogram()
	}
	st := results.OpStats{Kind: kind}
	for _, w := range e.workers {
		h.Merge(w.hist[k])
		if uh != nil {
			uh.Merge(w.uhist[k])
		}
		for c, n := range w.errs[k] {
			if n > 0 {
				if st.Errors == nil {
					st.Errors = map[string]int64{}
				}
				st.Errors[classNames[c]] += n
			}
		}
		for _, s := range w.samples[k] {
			if len(st.ErrorSamples) < maxErrorSamples {
				st.ErrorSamples = append(st.ErrorSamples, s)
			}
		}
	}
	st.Count = h.TotalCount()
	if secs > 0 {
		st.OpsPerSec = float64(st.Count) / secs
	}
	st.Latency = results.Summarize(h)
	var err error
	if st.Histogram, err = results.EncodeHistogram(h); err != nil {
		return st, nil, err
	}
	if uh != nil {
		u := results.Summarize(uh)
		st.Uncorrected = &u
		if st.UncorrectedHistogram, err = results.EncodeHistogram(uh); err != nil {
			return st, nil, err
		}
	}
	return st, h, nil
}

// failures merges the workers' times to failure of kind k (nil when none
// failed).
func (e *engine) failures(k int) *hdr.Histogram {
	var h *hdr.Histogram
	for _, w := range e.workers {
		if w.fhist[k] == nil {
			continue
		}
		if h == nil {
			h = results.NewHistogram()
		}
		h.Merge(w.fhist[k])
	}
	return h
}

// addFailures adds a kind's failed and dropped operations to its figures:
// their histograms, and the latency over every scheduled operation. all,
// the successful operations' histogram, receives them.
func addFailures(st *results.OpStats, all, failed *hdr.Histogram, dropped int64, droppedHist *hdr.Histogram) error {
	if failed == nil && droppedHist == nil {
		return nil
	}
	var err error
	if failed != nil {
		all.Merge(failed)
		if st.FailureHistogram, err = results.EncodeHistogram(failed); err != nil {
			return err
		}
	}
	if droppedHist != nil {
		all.Merge(droppedHist)
		st.Dropped = dropped
		if st.DroppedHistogram, err = results.EncodeHistogram(droppedHist); err != nil {
			return err
		}
	}
	in := results.Summarize(all)
	st.Inclusive = &in
	return nil
}

// splitQuota splits a total operation count over workers: 0 means no limit,
// a negative share means none at all.
func splitQuota(total int64, workers int) func(int) int64 {
	return func(id int) int64 {
		if total <= 0 {
			return 0
		}
		q := total / int64(workers)
		if int64(id) < total%int64(workers) {
			q++
		}
		if q == 0 {
			return -1 // this worker has no share: stop at once
		}
		return q
	}
}
