package syncer

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// refresh is the materialized-view strategy: the views that the store
// derives from the source itself (Refresher sinks, e.g. a MATERIALIZED
// VIEW) are refreshed every Options.Refresh; the other views are written by
// dual writes. A refresh covers every change committed before it began, so
// the changes a view had pending as a refresh began become visible when it
// ends.
type refresh struct {
	env       *Env
	refreshed []int // views refreshed
	inline    []int // views written by dual writes

	mu                  sync.Mutex // one refresh at a time
	refreshes, refreshN atomic.Int64
}

func newRefresh(env *Env) (Strategy, error) {
	r := &refresh{env: env}
	for i, s := range env.Sinks {
		if _, ok := s.(Refresher); ok {
			r.refreshed = append(r.refreshed, i)
		} else {
			r.inline = append(r.inline, i)
		}
	}
	if len(r.refreshed) == 0 {
		return nil, errors.New("materialized-view: no view is refreshed by its store (route the dashboard to the source)")
	}
	return r, nil
}

func (r *refresh) Prepare(context.Context) error { return nil }
func (r *refresh) Cleanup(context.Context) error { return nil }

// Exec commits the source and writes the other views in the writer.
func (r *refresh) Exec(ctx context.Context, cmd *Command) error {
	changes, err := r.env.Exec(ctx, cmd)
	if err != nil || len(changes) == 0 {
		return err
	}
	return r.env.ApplyInline(ctx, changes, r.inline)
}

// Run refreshes every Options.Refresh until ctx ends.
func (r *refresh) Run(ctx context.Context, _ Deliver) error {
	t := time.NewTicker(r.env.Options.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := r.Drain(ctx); err != nil && ctx.Err() == nil {
				return err
			}
		}
	}
}

// Drain refreshes every refreshed view once.
func (r *refresh) Drain(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, i := range r.refreshed {
		covered := r.env.Ledger.Snapshot(i)
		t0 := time.Now()
		if err := r.env.Faults.fail(r.env.Sinks[i].Name()); err != nil {
			r.env.counters[i].failed.Add(1)
			return err
		}
		if err := r.env.Sinks[i].(Refresher).Refresh(ctx); err != nil {
			r.env.counters[i].failed.Add(1)
			return err
		}
		r.refreshes.Add(1)
		r.refreshN.Add(int64(time.Since(t0)))
		r.env.counters[i].delivered.Add(int64(covered.Len()))
		r.env.Ledger.VisibleSet(covered, time.Now())
	}
	return nil
}

// Figures reports the refreshes and their mean duration.
func (r *refresh) Figures() map[string]float64 {
	n := r.refreshes.Load()
	out := map[string]float64{"sync.refreshes": float64(n)}
	if n > 0 {
		out["sync.refresh_mean_ms"] = float64(r.refreshN.Load()) / float64(n) / 1e6
	}
	return out
}

func init() {
	Register(StrategyInfo{Name: "materialized-view", Summary: "a view the store refreshes from the source on a schedule (the other views by dual writes)",
		New: newRefresh})
}
