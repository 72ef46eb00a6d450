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
	// Open opens a stream for one consumer (the Stream strategy opens one
	// per view, named after it) that resumes from that consumer's own
	// durable position (a Kafka consumer group per consumer): consumers
	// do not wait for each other.
	Open(ctx context.Context, consumer string) (ChangeStream, error)
	// Cleanup removes what Prepare set up.
	Cleanup(ctx context.Context) error
}

// Stream is the strategy of a CDC pipeline outside storefit: writes go to
// the source only; each view has its own consumer, which reads its own
// ChangeStream of the pipeline (Open with the view's name: its own
// position) and applies each batch to its view (retrying while the view
// fails) before the stream commits that consumer's position. A view that
// is down holds back only its own consumer. Restart closes every stream
// (losing what they held) and opens new ones, which resume from their
// committed positions.
type Stream struct {
	name     string
	pipeline Pipeline
	env      Env
	c        counters
	loops    []bgLoop // one per view
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

// Start starts one consumer per view.
func (s *Stream) Start(ctx context.Context) error {
	s.loops = make([]bgLoop, len(s.env.Views))
	for i, v := range s.env.Views {
		s.loops[i].start(ctx, func(ctx context.Context) { s.consume(ctx, v) })
	}
	return nil
}

func (s *Stream) consume(ctx context.Context, v View) {
	for ctx.Err() == nil {
		err := s.consumeOnce(ctx, v)
		if err != nil && ctx.Err() == nil {
			s.env.logf("sync: %s consumer of view %s: %v (reopening)", s.name, v.Name(), err)
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

func (s *Stream) consumeOnce(ctx context.Context, v View) error {
	st, err := s.pipeline.Open(ctx, v.Name())
	if err != nil {
		return err
	}
	defer st.Close()
	return st.Run(ctx, func(ctx context.Context, batch []Change) error {
		return deliverTo(ctx, &s.env, &s.c, v, batch)
	})
}

// Write commits fn; the pipeline sees it in the WAL.
func (s *Stream) Write(ctx context.Context, fn TxFunc) error {
	_, err := runTx(ctx, &s.env, fn, nil)
	return err
}

// Restart kills every view's consumer (all at once, then starts them
// again) and opens new streams.
func (s *Stream) Restart(ctx context.Context) error {
	restartAll(s.loops)
	s.c.mu.Lock()
	s.c.restarts++
	s.c.mu.Unlock()
	return nil
}

// Stop stops the consumers.
func (s *Stream) Stop() error { stopAll(s.loops); return nil }

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
