package syncer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storefit/storefit/workloads"
)

// Config assembles an engine.
type Config struct {
	// Strategy names the strategy (see Strategies).
	Strategy string
	// Source is the system of record's write side.
	Source Source
	// Sinks are the derived views, by distinct names.
	Sinks []Sink
	// SourceSink is the source store as a view, for strategies whose
	// source is a projection (event sourcing); it must keep every entity
	// the source holds.
	SourceSink Sink
	// Capture is the source database as capture strategies reach it (nil
	// when the source is not a database).
	Capture *Capture
	// Options tune the strategy.
	Options Options
	// Faults injects failures (nil: none).
	Faults *Faults
	// Servers can stop the server behind a view, by view name.
	Servers map[string]ServerStopper
	// Logf logs background events (nil: nowhere).
	Logf func(format string, args ...any)
}

// Engine keeps a set of views in sync with a source by one strategy: it
// runs the application's writes through the strategy, runs the strategy's
// appliers (restarting them when they fail or are killed), follows every
// change in its Ledger, and reconciles the views with the source of truth.
// See the package documentation for the strategies.
type Engine struct {
	info    StrategyInfo
	env     *Env
	strat   Strategy
	servers map[string]ServerStopper
	source  int // index of the source's view, or -1

	mu       sync.Mutex // guards the lifecycle fields below
	started  bool
	stopBg   context.CancelFunc
	bg       sync.WaitGroup
	genStop  context.CancelFunc // the current consumer generation
	genDone  chan struct{}
	lastErr  error
	inflight sync.WaitGroup

	restarts, failures atomic.Int64
	closeOnce          sync.Once
	closeErr           error
}

// New assembles an engine.
func New(cfg Config) (*Engine, error) {
	info, err := Lookup(cfg.Strategy)
	if err != nil {
		return nil, err
	}
	if cfg.Source == nil {
		return nil, errors.New("syncer: no source")
	}
	sinks := cfg.Sinks
	e := &Engine{info: info, servers: cfg.Servers, source: -1}
	if info.SourceIsProjection {
		if cfg.SourceSink == nil {
			return nil, fmt.Errorf("%s: the source store cannot be a projection (it offers no sink)", info.Name)
		}
		sinks = append([]Sink{cfg.SourceSink}, sinks...)
		e.source = 0
	}
	seen := map[string]bool{}
	var views []ViewInfo
	for _, s := range sinks {
		if seen[s.Name()] {
			return nil, fmt.Errorf("syncer: two views named %q", s.Name())
		}
		seen[s.Name()] = true
		views = append(views, ViewInfo{Name: s.Name(), Keeps: s.Keeps()})
	}
	opts := cfg.Options
	opts.defaults()
	faults := cfg.Faults
	if faults == nil {
		faults = NewFaults(0, nil)
	}
	e.env = &Env{Source: cfg.Source, Sinks: sinks, Capture: cfg.Capture, Options: opts, Ledger: NewLedger(views),
		Faults: faults, logf: cfg.Logf, counters: make([]viewCounters, len(sinks))}
	if e.strat, err = info.New(e.env); err != nil {
		return nil, fmt.Errorf("%s: %w", info.Name, err)
	}
	return e, nil
}

// Strategy returns the strategy's name.
func (e *Engine) Strategy() string { return e.info.Name }

// Views returns the views' names: view i of the other methods.
func (e *Engine) Views() []string { return e.env.Ledger.Views() }

// Sink returns view i.
func (e *Engine) Sink(i int) Sink { return e.env.Sinks[i] }

// SourceView returns the index of the source store among the views (event
// sourcing), or -1.
func (e *Engine) SourceView() int { return e.source }

// Ledger returns the engine's ledger.
func (e *Engine) Ledger() *Ledger { return e.env.Ledger }

// Faults returns the fault injector.
func (e *Engine) Faults() *Faults { return e.env.Faults }

// Server returns what can stop the server behind the view, if any.
func (e *Engine) Server(view string) ServerStopper { return e.servers[view] }

// Setup empties the source and every derived view (Resetter), and sets the
// strategy up (a log is created).
func (e *Engine) Setup(ctx context.Context) error {
	if r, ok := e.env.Source.(Resetter); ok {
		if err := r.Reset(ctx); err != nil {
			return fmt.Errorf("source setup: %w", err)
		}
	}
	for i, s := range e.env.Sinks {
		if i == e.source {
			continue // the source's own tables, set up above
		}
		if r, ok := s.(Resetter); ok {
			if err := r.Reset(ctx); err != nil {
				return fmt.Errorf("view %s setup: %w", s.Name(), err)
			}
		}
	}
	if s, ok := e.strat.(setupStrategy); ok {
		if err := s.Setup(ctx); err != nil {
			return fmt.Errorf("%s: setup: %w", e.info.Name, err)
		}
	}
	return nil
}

// Load writes initial rows into the source and, straight, into every view
// (and the strategy's log): the snapshot the strategy starts from. Parts
// of the data may load concurrently.
func (e *Engine) Load(ctx context.Context, rows []Change) error {
	l, ok := e.env.Source.(Loader)
	if !ok {
		return errors.New("syncer: the source has no bulk load")
	}
	if err := l.Load(ctx, rows); err != nil {
		return fmt.Errorf("load source: %w", err)
	}
	var sub []Change
	for i, s := range e.env.Sinks {
		if i == e.source {
			continue
		}
		if sub = Keep(sub[:0], rows, s.Keeps()); len(sub) == 0 {
			continue
		}
		var err error
		if l, ok := s.(Loader); ok {
			err = l.Load(ctx, sub)
		} else {
			err = s.Apply(ctx, sub)
		}
		if err != nil {
			return fmt.Errorf("load view %s: %w", s.Name(), err)
		}
	}
	if l, ok := e.strat.(loadStrategy); ok {
		if err := l.Load(ctx, rows); err != nil {
			return fmt.Errorf("%s: load: %w", e.info.Name, err)
		}
	}
	return nil
}

// Start prepares the strategy's capture and starts its appliers (and the
// ledger's staleness sampler). ctx's values reach the background work; its
// cancellation does not (Stop ends it).
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return errors.New("syncer: engine started twice")
	}
	// Stores that defer work to the end of the load (statistics,
	// indexes) do it now.
	for _, s := range append([]any{e.env.Source}, anys(e.env.Sinks)...) {
		if err := workloads.FinishStore(ctx, s); err != nil {
			return err
		}
	}
	if err := e.strat.Prepare(ctx); err != nil {
		return fmt.Errorf("%s: %w", e.info.Name, err)
	}
	e.started = true
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.stopBg = cancel
	if t, ok := e.strat.(Transport); ok {
		g := e.newGeneration(bg)
		e.bg.Add(1)
		go func() {
			defer e.bg.Done()
			e.supervise(bg, t, g)
		}()
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-bg.Done():
				return
			case now := <-tick.C:
				e.env.Ledger.Sample(now)
			}
		}
	}()
	return nil
}

func anys(sinks []Sink) []any {
	out := make([]any, len(sinks))
	for i, s := range sinks {
		out[i] = s
	}
	return out
}

// generation is one consumer generation's context.
type generation struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// newGeneration makes the next generation, the one Restart kills.
func (e *Engine) newGeneration(ctx context.Context) generation {
	g := generation{done: make(chan struct{})}
	g.ctx, g.cancel = context.WithCancel(ctx)
	e.genStop, e.genDone = g.cancel, g.done
	return g
}

// supervise runs consumer generations of t, starting with g, until ctx
// ends: a generation that fails, crashes or is killed (Restart) is
// followed by a new one, which resumes from the durable positions.
func (e *Engine) supervise(ctx context.Context, t Transport, g generation) {
	for {
		err := t.Run(g.ctx, e.deliver)
		killed := g.ctx.Err() != nil
		g.cancel()
		close(g.done)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, ErrCrashed):
			e.env.Logf("sync %s: %v; restarting the appliers", e.info.Name, err)
		case killed:
		case err != nil:
			e.failures.Add(1)
			e.mu.Lock()
			e.lastErr = err
			e.mu.Unlock()
			e.env.Logf("sync %s: consumer failed: %v (restarting)", e.info.Name, err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
		e.mu.Lock()
		g = e.newGeneration(ctx)
		e.mu.Unlock()
	}
}

// deliver applies a batch to view i, retrying every 100 ms while the view
// fails — at-least-once delivery — and records it in the ledger. It
// returns ErrCrashed when an injected crash takes this applier between the
// apply and its position.
func (e *Engine) deliver(ctx context.Context, i int, batch []Change) error {
	s := e.env.Sinks[i]
	sub := Keep(nil, batch, s.Keeps())
	if _, ok := s.(NotIdempotent); ok && len(sub) > 0 {
		pending := e.env.Ledger.Claim(i, sub, nil)
		kept := sub[:0]
		for j := range sub {
			if pending[j] {
				kept = append(kept, sub[j])
			} else {
				e.env.Ledger.countReplay(i)
			}
		}
		sub = kept
	}
	if len(sub) == 0 {
		return nil
	}
	for attempt := 0; ; attempt++ {
		err := e.env.Faults.Apply(ctx, s, sub)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.env.counters[i].failed.Add(1)
		if attempt == 0 || attempt%50 == 0 {
			e.env.Logf("sync %s: view %s: %v (retrying)", e.info.Name, s.Name(), err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		e.env.counters[i].retries.Add(1)
	}
	e.env.counters[i].delivered.Add(int64(len(sub)))
	e.env.Ledger.Visible(i, sub, time.Now())
	if e.env.Faults.takeCrash() {
		return ErrCrashed
	}
	return nil
}

// Exec performs one application write through the strategy.
func (e *Engine) Exec(ctx context.Context, cmd *Command) error {
	e.inflight.Add(1)
	defer e.inflight.Done()
	return e.strat.Exec(ctx, cmd)
}

// Restart kills the consumer generation — every applier, with what it
// held in memory and its connections — and lets a new one resume from the
// durable positions. It returns once the old generation is gone. A
// strategy without appliers (dual writes) has nothing to restart.
func (e *Engine) Restart() {
	e.mu.Lock()
	stop, done := e.genStop, e.genDone
	e.mu.Unlock()
	if stop == nil {
		return
	}
	stop()
	<-done
	e.restarts.Add(1)
}

// CrashNextApply makes the next applier that applies a batch crash before
// it records the batch's position; the generation restarts and the batch
// is delivered again.
func (e *Engine) CrashNextApply() { e.env.Faults.CrashNextApply() }

// Drain waits until every write in flight returned and every view shows
// every committed change (for dual writes, only the former: a lost view
// write is never delivered), or ctx ends.
func (e *Engine) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { e.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("drain: writes still in flight: %w", ctx.Err())
	}
	if d, ok := e.strat.(drainStrategy); ok {
		if err := d.Drain(ctx); err != nil {
			return fmt.Errorf("drain: %w", err)
		}
	}
	if _, ok := e.strat.(Transport); !ok {
		return nil
	}
	for {
		var behind []string
		for i, name := range e.Views() {
			if n := e.env.Ledger.Pending(i); n > 0 {
				behind = append(behind, fmt.Sprintf("%s %d", name, n))
			}
		}
		if len(behind) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			e.mu.Lock()
			last := e.lastErr
			e.mu.Unlock()
			msg := fmt.Sprintf("drain: changes still pending (%s)", strings.Join(behind, ", "))
			if last != nil {
				msg += fmt.Sprintf("; last consumer error: %v", last)
			}
			return fmt.Errorf("%s: %w", msg, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Stop stops the appliers and the sampler.
func (e *Engine) Stop() {
	e.mu.Lock()
	cancel := e.stopBg
	e.stopBg = nil
	e.mu.Unlock()
	if cancel != nil {
		cancel()
		e.bg.Wait()
	}
}

// Close stops the engine, removes what the strategy created, and closes
// the views and the source (those that are io.Closers). Closing it again
// does nothing.
func (e *Engine) Close(ctx context.Context) error {
	e.closeOnce.Do(func() { e.closeErr = e.close(ctx) })
	return e.closeErr
}

func (e *Engine) close(ctx context.Context) error {
	e.Stop()
	var errs []error
	if err := e.strat.Cleanup(ctx); err != nil {
		errs = append(errs, fmt.Errorf("%s: cleanup: %w", e.info.Name, err))
	}
	for _, s := range e.env.Sinks {
		if c, ok := s.(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close view %s: %w", s.Name(), err))
			}
		}
	}
	if c, ok := e.env.Source.(io.Closer); ok {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close source: %w", err))
		}
	}
	return errors.Join(errs...)
}

// BeginMeasure opens the ledger's measuring window and zeroes the
// delivery counters.
func (e *Engine) BeginMeasure(at time.Time) {
	for i := range e.env.counters {
		c := &e.env.counters[i]
		c.delivered.Store(0)
		c.failed.Store(0)
		c.retries.Store(0)
	}
	e.restarts.Store(0)
	e.failures.Store(0)
	e.env.Ledger.BeginMeasure(at)
}

// EndMeasure closes the ledger's window: changes still pending count with
// their age.
func (e *Engine) EndMeasure(at time.Time) { e.env.Ledger.EndMeasure(at) }

// Stats are an engine's counters and each view's figures.
type Stats struct {
	Strategy string
	// Restarts counts consumer generations killed on purpose (Restart),
	// Failures those that failed on their own (a transport error).
	Restarts, Failures int64
	// Crashes counts injected applier crashes, WriterCrashes injected
	// dual-write crashes (all time).
	Crashes, WriterCrashes int64
	// Views holds each view's figures, in view order.
	Views []ViewStats
	// Figures are the strategy's own ("sync.backlog", "sync.refreshes").
	Figures map[string]float64
}

// ViewStats are one view's figures.
type ViewStats struct {
	Name, Store string
	// Delivered counts changes applied; Failed failed applies (injected
	// or not; retried, except dual writes' after their retry policy);
	// Retries re-applied batches; Injected the injected failures.
	Delivered, Failed, Retries, Injected int64
	// Lag is the view's lag over the measuring window.
	Lag Lag
}

// Stats returns the engine's figures.
func (e *Engine) Stats() Stats {
	crashes, writers := e.env.Faults.Crashes()
	st := Stats{Strategy: e.info.Name, Restarts: e.restarts.Load(), Failures: e.failures.Load(), Crashes: crashes, WriterCrashes: writers}
	injected := e.env.Faults.Injected()
	for i, s := range e.env.Sinks {
		c := &e.env.counters[i]
		v := ViewStats{Name: s.Name(), Delivered: c.delivered.Load(), Failed: c.failed.Load(), Retries: c.retries.Load(),
			Injected: injected[s.Name()], Lag: e.env.Ledger.Lag(i)}
		if d, ok := s.(Describer); ok {
			v.Store = d.Store()
		}
		st.Views = append(st.Views, v)
	}
	if f, ok := e.strat.(figureStrategy); ok {
		st.Figures = f.Figures()
	}
	return st
}

// Truth returns the source of truth's reader: the strategy's log under
// event sourcing, else the source.
func (e *Engine) Truth() (Scanner, error) {
	if t, ok := e.strat.(truthStrategy); ok {
		return t.Truth(), nil
	}
	s, ok := e.env.Source.(Scanner)
	if !ok {
		return nil, errors.New("syncer: the source cannot be scanned")
	}
	return s, nil
}

// Reconcile compares every view with one snapshot of the source of truth
// (full rows, per entity the view keeps): the views' divergence, in view
// order.
func (e *Engine) Reconcile(ctx context.Context) ([]Divergence, error) {
	truth, err := e.Truth()
	if err != nil {
		return nil, err
	}
	return Reconcile(ctx, truth, e.env.Sinks)
}

// Rebuild drops view and rebuilds it from the start of the strategy's log
// (event sourcing only), with the appliers stopped.
func (e *Engine) Rebuild(ctx context.Context, view string) (Rebuild, error) {
	r, ok := e.strat.(rebuildStrategy)
	if !ok {
		return Rebuild{}, fmt.Errorf("%s cannot rebuild a view: it keeps no log of every change", e.info.Name)
	}
	i := e.env.Ledger.Index(view)
	if i < 0 {
		return Rebuild{}, fmt.Errorf("no view %q (views: %s)", view, strings.Join(e.Views(), ", "))
	}
	return r.Rebuild(ctx, i)
}
