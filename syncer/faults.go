package syncer

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storefit/storefit/workloads/gen"
)

// Faults injects the failures a sync strategy must survive, from a seed,
// so a run is repeatable: random view write failures, views that are down
// for a while, an applier that crashes between applying a batch and
// recording its position, and (dual writes) a writer that crashes between
// its writes. A nil *Faults injects nothing. Safe for concurrent use.
type Faults struct {
	mu       sync.Mutex
	r        *gen.Rand
	p        map[string]float64 // view name (or "*") → failure probability
	down     map[string]time.Time
	injected map[string]int64

	crash       atomic.Bool // the next applier to apply a batch crashes
	crashes     atomic.Int64
	writeCrashP float64
	writeCrash  atomic.Int64
}

// NewFaults returns an injector drawing from seed: each apply of a batch
// to view v fails with probability p[v] (p["*"] for views not named).
func NewFaults(seed uint64, p map[string]float64) *Faults {
	f := &Faults{r: gen.NewRand(seed, 0xFA<<56), p: map[string]float64{}, down: map[string]time.Time{}, injected: map[string]int64{}}
	for k, v := range p {
		f.p[k] = v
	}
	return f
}

// Down makes every apply to view fail until until.
func (f *Faults) Down(view string, until time.Time) {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.down[view] = until
	f.mu.Unlock()
}

// SetWriteCrash makes each dual write crash after the source committed,
// with probability p, having written a random prefix of the views.
func (f *Faults) SetWriteCrash(p float64) {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.writeCrashP = p
	f.mu.Unlock()
}

// CrashNextApply makes the next applier that applies a batch crash before
// it records its position, as a consumer process killed there would: the
// engine restarts every applier, and the batch comes again.
func (f *Faults) CrashNextApply() {
	if f != nil {
		f.crash.Store(true)
	}
}

// takeCrash reports whether an armed crash is this applier's to take.
func (f *Faults) takeCrash() bool {
	if f == nil || !f.crash.CompareAndSwap(true, false) {
		return false
	}
	f.crashes.Add(1)
	return true
}

// writeCrashAt returns how many of n views a dual write reaches before its
// writer crashes: n when it does not crash.
func (f *Faults) writeCrashAt(n int) int {
	if f == nil || n == 0 {
		return n
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.writeCrashP <= 0 || f.r.Float64() >= f.writeCrashP {
		return n
	}
	f.writeCrash.Add(1)
	return int(f.r.Int64N(int64(n)))
}

// Injected returns the number of injected view write failures per view.
func (f *Faults) Injected() map[string]int64 {
	out := map[string]int64{}
	if f == nil {
		return out
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, v := range f.injected {
		out[k] = v
	}
	return out
}

// Crashes returns the applier crashes and dual-write crashes injected.
func (f *Faults) Crashes() (appliers, writers int64) {
	if f == nil {
		return 0, 0
	}
	return f.crashes.Load(), f.writeCrash.Load()
}

// fail decides whether this apply to view fails.
func (f *Faults) fail(view string) error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if until, ok := f.down[view]; ok {
		if time.Now().Before(until) {
			f.injected[view]++
			return fmt.Errorf("view %s: %w (view down)", view, ErrInjected)
		}
		delete(f.down, view)
	}
	p, ok := f.p[view]
	if !ok {
		p = f.p["*"]
	}
	if p > 0 && f.r.Float64() < p {
		f.injected[view]++
		return fmt.Errorf("view %s: %w (p=%g)", view, ErrInjected, p)
	}
	return nil
}

// viewWriteTimeout bounds one view write that its caller's cancellation
// no longer cuts.
const viewWriteTimeout = 30 * time.Second

// Apply applies batch to s unless a failure is injected. A write, once
// started, is not cut by ctx's cancellation (a killed applier, a restart,
// the run's end): cut inside a sink that is not idempotent — an insert into
// an analytics table — it could land without being recorded, and its replay
// would add the rows twice. A kill takes effect between writes; the write
// is bounded by viewWriteTimeout.
func (f *Faults) Apply(ctx context.Context, s Sink, batch []Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.fail(s.Name()); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), viewWriteTimeout)
	defer cancel()
	return s.Apply(wctx, batch)
}
