package placement

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/storefit/storefit/workloads/twitter"
)

// relay is the "relay" sync strategy: writers enqueue each change after the
// source write returned; one goroutine applies the queue in batches every
// interval, in commit order. It is outbox-style but in process: the queue
// is not durable and not written in the source transaction (a crash loses
// what it holds), which workloads/sync's outbox and CDC strategies fix at
// the price of a PostgreSQL source.
type relay struct {
	app      *twitter.App
	interval time.Duration
	batch    int

	mu    sync.Mutex
	queue []twitter.Change
	err   error // the first apply error

	applyMu sync.Mutex // one applier at a time (the loop or a drain)
	stop    chan struct{}
	done    chan struct{}
}

func newRelay(app *twitter.App, interval time.Duration, batch int) *relay {
	r := &relay{app: app, interval: interval, batch: batch}
	r.start()
	return r
}

func (r *relay) start() {
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	go r.loop()
}

func (r *relay) beforeSetup(context.Context) error { return nil }
func (r *relay) afterSetup(context.Context) error  { return nil }
func (r *relay) afterLoad(context.Context) error   { return nil }
func (r *relay) figures(map[string]float64)        {}
func (r *relay) resetFigures()                     {}

// restart stops the loop and starts another: the queue is in memory, so
// nothing is lost here (a process restart would lose it).
func (r *relay) restart(context.Context) error {
	close(r.stop)
	<-r.done
	r.start()
	return nil
}

// Publish enqueues a change.
func (r *relay) Publish(ctx context.Context, c twitter.Change) error {
	r.mu.Lock()
	r.queue = append(r.queue, c)
	err := r.err
	r.mu.Unlock()
	if err != nil {
		return errors.Join(errors.New("sync relay failed earlier"), err)
	}
	return nil
}

func (r *relay) loop() {
	defer close(r.done)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.drain(context.Background())
		}
	}
}

// drain applies everything queued now, in batches.
func (r *relay) drain(ctx context.Context) error {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	for {
		r.mu.Lock()
		n := min(len(r.queue), r.batch)
		batch := append([]twitter.Change(nil), r.queue[:n]...)
		r.queue = r.queue[n:]
		r.mu.Unlock()
		if n == 0 {
			return nil
		}
		if err := r.app.Apply(ctx, batch); err != nil {
			r.mu.Lock()
			if r.err == nil {
				r.err = err
			}
			r.mu.Unlock()
			return err
		}
	}
}

func (r *relay) close() error {
	close(r.stop)
	<-r.done
	return r.drain(context.Background())
}
