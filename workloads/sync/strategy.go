package syncwl

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// counters are the strategies' shared counters.
type counters struct {
	mu        sync.Mutex
	delivered map[string]int64
	failed    map[string]int64
	retries   map[string]int64
	restarts  int64
}

func (c *counters) add(m *map[string]int64, view string, n int64) {
	c.mu.Lock()
	if *m == nil {
		*m = map[string]int64{}
	}
	(*m)[view] += n
	c.mu.Unlock()
}

func (c *counters) stats() StrategyStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := func(m map[string]int64) map[string]int64 {
		out := map[string]int64{}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	return StrategyStats{Delivered: cp(c.delivered), Failed: cp(c.failed), Retries: cp(c.retries), Restarts: c.restarts}
}

// deliverTo applies a batch to one view, retrying (every 100 ms) until it
// succeeds or ctx ends: the at-least-once delivery of the CDC and outbox
// strategies, whose appliers each serve one view.
func deliverTo(ctx context.Context, env *Env, c *counters, v View, batch []Change) error {
	if len(batch) == 0 {
		return nil
	}
	for attempt := 0; ; attempt++ {
		err := env.Faults.Apply(ctx, v, batch)
		if err == nil {
			c.add(&c.delivered, v.Name(), int64(len(batch)))
			return nil
		}
		c.add(&c.failed, v.Name(), 1)
		if attempt == 0 || attempt%50 == 0 {
			env.logf("sync: view %s: %v (retrying)", v.Name(), err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		c.add(&c.retries, v.Name(), 1)
	}
}

func (e *Env) logf(format string, args ...any) {
	if e.Logf != nil {
		e.Logf(format, args...)
	}
}

// runTx runs fn in a transaction of the source pool, then extra (the
// strategy's own statements, may be nil) in the same transaction, and
// commits; it returns fn's changes with CommitTime set to the clock right
// after COMMIT returned.
func runTx(ctx context.Context, env *Env, fn TxFunc, extra func(ctx context.Context, tx pgx.Tx, changes []Change) error) ([]Change, error) {
	tx, err := env.Source.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("source: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	changes, err := fn(ctx, tx)
	if err != nil {
		return nil, err
	}
	if extra != nil && len(changes) > 0 {
		if err := extra(ctx, tx, changes); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("source: commit: %w", err)
	}
	now := time.Now()
	for i := range changes {
		changes[i].CommitTime = now
	}
	return changes, nil
}

// ---- dual ----

// Dual is the dual-writes strategy: Write commits the source transaction,
// then applies its changes to each view in turn, once; a failed view write
// is counted and lost (nothing retries it). It tracks, per view and row,
// the digest the source has and the one the view got, so it knows exactly
// how many rows its lost writes left different.
type Dual struct {
	env Env
	c   counters
	// Initial returns the image the row c is about had when the run
	// started (loaded into source and views alike), or false when it did
	// not exist; it seeds the divergence tracking. Nil: rows did not exist.
	Initial func(c *Change) (Change, bool)

	mu     sync.Mutex
	shadow []map[string]shadowRow // per view
	diverg []int64
}

type shadowRow struct{ src, view string }

// Name returns "dual".
func (d *Dual) Name() string { return "dual" }

// Prepare keeps env.
func (d *Dual) Prepare(ctx context.Context, env Env) error {
	d.env = env
	d.shadow = make([]map[string]shadowRow, len(env.Views))
	for i := range d.shadow {
		d.shadow[i] = map[string]shadowRow{}
	}
	d.diverg = make([]int64, len(env.Views))
	return nil
}

// Start does nothing: dual writes have no background work.
func (d *Dual) Start(ctx context.Context) error { return nil }

// Write commits fn, then writes each view in the request path.
func (d *Dual) Write(ctx context.Context, fn TxFunc) error {
	changes, err := runTx(ctx, &d.env, fn, nil)
	if err != nil || len(changes) == 0 {
		return err
	}
	for i, v := range d.env.Views {
		err := d.env.Faults.Apply(ctx, v, changes)
		if err != nil {
			d.c.add(&d.c.failed, v.Name(), 1)
		} else {
			d.c.add(&d.c.delivered, v.Name(), int64(len(changes)))
		}
		d.track(i, v, changes, err == nil)
	}
	return nil
}

// track updates the shadow of view i after a write of changes that
// reached it (ok) or not.
func (d *Dual) track(i int, v View, changes []Change, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for j := range changes {
		k, dg, keep := v.Digest(&changes[j])
		if !keep {
			continue
		}
		if changes[j].Op == OpDelete {
			dg = ""
		}
		r, seen := d.shadow[i][k]
		if !seen && d.Initial != nil {
			if c0, ok := d.Initial(&changes[j]); ok {
				_, d0, _ := v.Digest(&c0)
				r = shadowRow{src: d0, view: d0}
			}
		}
		before := r.src != r.view
		r.src = dg
		if ok {
			r.view = dg
		}
		after := r.src != r.view
		switch {
		case after && !before:
			d.diverg[i]++
		case before && !after:
			d.diverg[i]--
		}
		d.shadow[i][k] = r
	}
}

// Restart does nothing: there is no consumer to kill.
func (d *Dual) Restart(ctx context.Context) error { return nil }

// Stop does nothing.
func (d *Dual) Stop() error { return nil }

// Cleanup does nothing.
func (d *Dual) Cleanup(ctx context.Context) error { return nil }

// Stats returns the counters and the expected divergence per view.
func (d *Dual) Stats() StrategyStats {
	s := d.c.stats()
	d.mu.Lock()
	defer d.mu.Unlock()
	s.ExpectedDivergence = map[string]int64{}
	for i, v := range d.env.Views {
		s.ExpectedDivergence[v.Name()] = d.diverg[i]
	}
	return s
}

// ---- background worker helper ----

// runner runs one restartable background loop.
type bgLoop struct {
	mu     sync.Mutex
	parent context.Context
	cancel context.CancelFunc
	done   chan struct{}
	run    func(ctx context.Context)
}

func (b *bgLoop) start(parent context.Context, run func(ctx context.Context)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.parent, b.run = parent, run
	b.startLocked()
}

func (b *bgLoop) startLocked() {
	ctx, cancel := context.WithCancel(b.parent)
	done := make(chan struct{})
	b.cancel, b.done = cancel, done
	go func() {
		defer close(done)
		b.run(ctx)
	}()
}

// restart cancels the loop, waits for it to exit and starts a new one.
func (b *bgLoop) restart() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cancel == nil {
		return
	}
	b.cancel()
	<-b.done
	b.startLocked()
}

func (b *bgLoop) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cancel == nil {
		return
	}
	b.cancel()
	<-b.done
	b.cancel = nil
}

// restartAll kills every loop first, then starts them all again: a
// restart of all the appliers at once, as a killed consumer process would
// be.
func restartAll(loops []bgLoop) {
	for i := range loops {
		loops[i].kill()
	}
	for i := range loops {
		loops[i].resume()
	}
}

func stopAll(loops []bgLoop) {
	for i := range loops {
		loops[i].stop()
	}
}

// kill cancels the loop and waits for it to exit; resume starts it again.
func (b *bgLoop) kill() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cancel == nil {
		return
	}
	b.cancel()
	<-b.done
}

func (b *bgLoop) resume() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cancel == nil {
		return
	}
	b.startLocked()
}
