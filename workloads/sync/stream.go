package syncwl

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ChangeStream is the output of a change-data-capture pipeline as the
// Stream strategy consumes it (Debezium through Kafka; logical decoding
// could be one too).
type ChangeStream interface {
	// Run delivers committed changes to fn in batches until ctx ends or
	// the stream fails; changes of one row arrive in commit order. Once
	// fn returns nil for a batch, Run makes its position durable
	// (commits the offsets), so a stream opened later resumes after it;
	// changes after the last durable position may be delivered again.
	Run(ctx context.Context, fn func(ctx context.Context, batch []Change) error) error
	// Close releases the stream's connections.
	Close() error
}

// Pipeline sets up a CDC pipeline and opens streams of its changes.
type Pipeline interface {
	// Prepare sets the pipeline up for the source's tables (connector,
	// topics, slot), dropping what an earlier run left, and returns when
	// it streams.
	Prepare(ctx context.Context, src Source) error
	// Open opens a stream that resumes from the durable position.
	Open(ctx context.Context) (ChangeStream, error)
	// Cleanup removes what Prepare set up.
	Cleanup(ctx context.Context) error
}

// Stream is the strategy of a CDC pipeline outside storefit: writes go to
// the source only; a consumer reads the pipeline's ChangeStream and applies
// each batch to every view (retrying a failing view) before the stream
// commits its position. Restart closes the stream (losing what it held)
// and opens a new one, which resumes from the committed position.
type Stream struct {
	name     string
	pipeline Pipeline
	env      Env
	c        counters
	loop     bgLoop
}

// NewStream returns the strategy called name over a pipeline.
func NewStream(name string, p Pipeline) *Stream { return &Stream{name: name, pipeline: p} }

// Name returns the strategy's name.
func (s *Stream) Name() string { return s.name }

// Prepare sets the pipeline up.
func (s *Stream) Prepare(ctx context.Context, env Env) error {
	s.env = env
	if err := s.pipeline.Prepare(ctx, env.Source); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	return nil
}

// Start starts the consumer.
func (s *Stream) Start(ctx context.Context) error {
	s.loop.start(ctx, s.consume)
	return nil
}

func (s *Stream) consume(ctx context.Context) {
	for ctx.Err() == nil {
		err := s.consumeOnce(ctx)
		if err != nil && ctx.Err() == nil {
			s.env.logf("sync: %s consumer: %v (reopening)", s.name, err)
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

func (s *Stream) consumeOnce(ctx context.Context) error {
	st, err := s.pipeline.Open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.Run(ctx, func(ctx context.Context, batch []Change) error {
		return deliver(ctx, &s.env, &s.c, batch)
	})
}

// Write commits fn; the pipeline sees it in the WAL.
func (s *Stream) Write(ctx context.Context, fn TxFunc) error {
	_, err := runTx(ctx, &s.env, fn, nil)
	return err
}

// Restart kills the consumer and opens a new stream.
func (s *Stream) Restart(ctx context.Context) error {
	s.loop.restart()
	s.c.mu.Lock()
	s.c.restarts++
	s.c.mu.Unlock()
	return nil
}

// Stop stops the consumer.
func (s *Stream) Stop() error { s.loop.stop(); return nil }

// Cleanup removes the pipeline's setup.
func (s *Stream) Cleanup(ctx context.Context) error { return s.pipeline.Cleanup(ctx) }

// Stats returns the counters.
func (s *Stream) Stats() StrategyStats { return s.c.stats() }

// Strategy registry.

var (
	stratMu   sync.RWMutex
	stratNew  = map[string]func() Strategy{}
	stratDesc = map[string]string{}
)

// RegisterStrategy makes a strategy available to NewStrategy and registers
// its workload sync/<name>; summary completes "keep … in sync … by". It
// panics on a duplicate name.
func RegisterStrategy(name, summary string, newStrategy func() Strategy) {
	stratMu.Lock()
	if _, dup := stratNew[name]; dup {
		stratMu.Unlock()
		panic("syncwl: RegisterStrategy called twice for " + name)
	}
	stratNew[name], stratDesc[name] = newStrategy, summary
	stratMu.Unlock()
	registerWorkload(name, summary)
}

// NewStrategy returns a new strategy by name.
func NewStrategy(name string) (Strategy, error) {
	stratMu.RLock()
	f := stratNew[name]
	stratMu.RUnlock()
	if f == nil {
		return nil, fmt.Errorf("unknown sync strategy %q (known: %v)", name, Strategies())
	}
	return f(), nil
}

// Strategies lists the registered strategies, sorted.
func Strategies() []string {
	stratMu.RLock()
	defer stratMu.RUnlock()
	var out []string
	for k := range stratNew {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
