package syncer

import (
	"context"
	"sync"
	"time"
)

// relay is the in-process relay: the writer queues each change for every
// view as its transaction commits; an applier per view applies its queue.
// The queue is the position, in memory: an applier restart resumes from
// it, a process crash loses it. Kept as the baseline the durable
// strategies improve on.
type relay struct {
	env *Env

	mu     sync.Mutex
	queues [][]*relayItem // per view, in commit order
	wake   []chan struct{}
}

// relayItem is a queued change; ready once its transaction committed.
type relayItem struct {
	c     Change
	ready bool
}

func newRelay(env *Env) *relay {
	r := &relay{env: env, queues: make([][]*relayItem, len(env.Sinks)), wake: make([]chan struct{}, len(env.Sinks))}
	for i := range r.wake {
		r.wake[i] = make(chan struct{}, 1)
	}
	return r
}

func (r *relay) Prepare(context.Context) error { return nil }
func (r *relay) Cleanup(context.Context) error { return nil }

// Exec commits the source and queues the changes. They are queued in the
// committing hook, under the row's lock, so a row's changes queue in
// commit order; the applier takes only a committed prefix.
func (r *relay) Exec(ctx context.Context, cmd *Command) error {
	var items []*relayItem
	_, err := r.env.ExecWith(ctx, cmd, func(ch []Change) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for i, s := range r.env.Sinks {
			for j := range ch {
				if s.Keeps().Has(ch[j].Entity) {
					it := &relayItem{c: ch[j]}
					r.queues[i] = append(r.queues[i], it)
					items = append(items, it)
				}
			}
		}
	}, func(ok bool) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, it := range items {
			if ok {
				it.ready = true
			}
		}
		if !ok {
			for i := range r.queues {
				r.queues[i] = slicesDeleteItems(r.queues[i], items)
			}
		}
		for i := range r.wake {
			signal(r.wake[i])
		}
	})
	return err
}

func slicesDeleteItems(q []*relayItem, items []*relayItem) []*relayItem {
	out := q[:0]
	for _, it := range q {
		drop := false
		for _, x := range items {
			if it == x {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, it)
		}
	}
	return out
}

// signal wakes a waiter without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Run applies each view's queue, batch by batch, dropping a batch from the
// queue once applied.
func (r *relay) Run(ctx context.Context, deliver Deliver) error {
	return RunPerView(ctx, len(r.env.Sinks), func(ctx context.Context, i int) error {
		for {
			batch := r.peek(i)
			if len(batch) == 0 {
				select {
				case <-ctx.Done():
					return nil
				case <-r.wake[i]:
				case <-time.After(r.env.Options.Poll):
				}
				continue
			}
			if err := deliver(ctx, i, batch); err != nil {
				return err
			}
			r.mu.Lock()
			r.queues[i] = r.queues[i][len(batch):]
			r.mu.Unlock()
		}
	})
}

// peek returns the committed prefix of view i's queue, up to a batch.
func (r *relay) peek(i int) []Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Change
	for _, it := range r.queues[i] {
		if !it.ready || len(out) == r.env.Options.Batch {
			break
		}
		out = append(out, it.c)
	}
	return out
}

// RunPerView runs f for every view in its own goroutine until ctx ends
// (then it returns nil) or one fails (then the others are cancelled and it
// returns that error): the shape of a transport with a consumer per view.
func RunPerView(ctx context.Context, n int, f func(ctx context.Context, view int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx, i); err != nil && ctx.Err() == nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && err != context.Canceled {
		return err
	}
	return nil
}

func init() {
	Register(StrategyInfo{Name: "relay", Summary: "an in-process relay (a queue in memory, applied by a goroutine per view)",
		New: func(env *Env) (Strategy, error) { return newRelay(env), nil }})
}
