package syncwl

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/storefit/storefit/workloads/gen"
)

// ErrInjected marks a view failure the fault injector made up.
var ErrInjected = errors.New("injected view failure")

// Faults injects view failures: outages (every apply to a view fails until
// a time) and random failures (each apply of a batch that holds a row
// change fails with a probability; marker-only batches are exempt so lag
// stays measurable). Strategies call views through Apply. It is safe for
// concurrent use.
type Faults struct {
	mu       sync.Mutex
	r        *gen.Rand
	p        map[string]float64 // view name (or "*") → failure probability
	down     map[string]time.Time
	injected map[string]int64
}

// NewFaults returns an injector with failure probability p per view name
// ("*" for every view), drawing from seed.
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

// Injected returns the number of injected failures per view.
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

// fail decides whether this apply of changes to view fails.
func (f *Faults) fail(view string, changes []Change) error {
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
	if p <= 0 {
		return nil
	}
	rows := false
	for i := range changes {
		if changes[i].Entity != EntityMarker {
			rows = true
			break
		}
	}
	if rows && f.r.Float64() < p {
		f.injected[view]++
		return fmt.Errorf("view %s: %w (p=%g)", view, ErrInjected, p)
	}
	return nil
}

// Apply applies changes to v unless a fault is injected.
func (f *Faults) Apply(ctx context.Context, v View, changes []Change) error {
	if err := f.fail(v.Name(), changes); err != nil {
		return err
	}
	return v.Apply(ctx, changes)
}
