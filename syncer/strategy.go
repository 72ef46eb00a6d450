package syncer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storefit/storefit/drivers"
)

// Options tune a strategy. Zero values select the defaults.
type Options struct {
	// Batch is the most changes an applier hands a view at once (500).
	Batch int
	// Linger is how long cdc-logical lets a batch wait for more changes
	// (20 ms).
	Linger time.Duration
	// Poll is how often an idle outbox relay or in-process relay looks for
	// work (10 ms).
	Poll time.Duration
	// Queue bounds the changes cdc-logical queues for one view (100 000).
	Queue int
	// Retry is dual writes' retry policy (none by default).
	Retry Retry
	// Refresh is the materialized-view strategy's refresh period (1 s).
	Refresh time.Duration
	// InsertsOnly captures inserted rows only (an application whose views
	// follow inserts: the twitter placements).
	InsertsOnly bool
	// Kafka is the Kafka DSN of cdc-debezium and event-sourcing
	// (kafka://HOST:PORT; default $STOREFIT_KAFKA_DSN, else
	// kafka://127.0.0.1:9092), Connect the Kafka Connect worker running
	// Debezium (default $STOREFIT_DEBEZIUM_DSN, else http://127.0.0.1:8083).
	Kafka, Connect string
	// Name prefixes what a strategy creates at the source or in Kafka
	// (outbox table, publication, slot, topics, groups).
	Name string
}

// Retry is a retry policy for writes in the request path: up to Attempts
// more tries after a failure, waiting Backoff before the first and twice as
// long before each next one.
type Retry struct {
	Attempts int
	Backoff  time.Duration
}

func (o *Options) defaults() {
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Linger <= 0 {
		o.Linger = 20 * time.Millisecond
	}
	if o.Poll <= 0 {
		o.Poll = 10 * time.Millisecond
	}
	if o.Queue <= 0 {
		o.Queue = 100_000
	}
	if o.Refresh <= 0 {
		o.Refresh = time.Second
	}
	if o.Retry.Attempts > 0 && o.Retry.Backoff <= 0 {
		o.Retry.Backoff = 10 * time.Millisecond
	}
	if o.Name == "" {
		o.Name = "storefit_"
	}
}

// Strategy keeps the views in sync with the source: the write side of one
// way of doing it. Its methods are safe for concurrent use once Prepare
// returned.
type Strategy interface {
	// Prepare sets capture up at the source once the initial data is
	// loaded into the source and every view (triggers, a publication and
	// a slot, a connector, positions at the log's end), so the load is
	// never replayed into views that hold it.
	Prepare(ctx context.Context) error
	// Exec performs one application write: on the source (Env.Exec,
	// which registers its changes in the ledger), or on a log; dual
	// writes then write the views too.
	Exec(ctx context.Context, cmd *Command) error
	// Cleanup removes what Setup and Prepare created.
	Cleanup(ctx context.Context) error
}

// Transport is implemented by strategies that deliver changes in the
// background (all but dual writes).
type Transport interface {
	// Run runs one consumer generation: for each view it reads that view's
	// changes from its durable position on, calls deliver with each batch
	// (in the stream's order), and makes the batch's position durable only
	// after deliver returned nil. It returns nil when ctx ends, or the
	// first error of a read, a position update or a deliver; the engine
	// then starts a new generation, which resumes from the durable
	// positions — a consumer process restarting.
	Run(ctx context.Context, deliver Deliver) error
}

// Deliver applies a batch to view i, retrying while the view fails; its
// error ends the generation (the context ended, or an injected crash).
type Deliver func(ctx context.Context, view int, batch []Change) error

// Optional strategy interfaces, asserted by the engine.
type (
	// setupStrategy creates what the strategy needs before the load.
	setupStrategy interface {
		Setup(ctx context.Context) error
	}
	// loadStrategy takes the initial rows too (event sourcing logs them).
	loadStrategy interface {
		Load(ctx context.Context, rows []Change) error
	}
	// drainStrategy brings the views up to date by itself (a refresh).
	drainStrategy interface {
		Drain(ctx context.Context) error
	}
	// truthStrategy holds the source of truth itself (the log).
	truthStrategy interface{ Truth() Scanner }
	// figureStrategy reports figures of its own.
	figureStrategy interface{ Figures() map[string]float64 }
	// rebuildStrategy rebuilds a view from the source of truth.
	rebuildStrategy interface {
		Rebuild(ctx context.Context, view int) (Rebuild, error)
	}
)

// Rebuild is the outcome of rebuilding a view from the start of the log.
type Rebuild struct {
	// View names the view.
	View string
	// Events counts the row changes replayed, Records the log records
	// that held them.
	Events, Records int64
	// Seconds is how long the rebuild took, from dropping the view to
	// the last change applied.
	Seconds float64
}

// EventsPerSecond returns the rebuild's rate.
func (r Rebuild) EventsPerSecond() float64 {
	if r.Seconds <= 0 {
		return 0
	}
	return float64(r.Events) / r.Seconds
}

// Factory makes a strategy for an environment.
type Factory func(env *Env) (Strategy, error)

// StrategyInfo describes a registered strategy.
type StrategyInfo struct {
	// Name is the strategy's name ("outbox", "cdc-logical", …).
	Name string
	// Summary completes "keep stores in sync by …".
	Summary string
	// New makes the strategy.
	New Factory
	// SourceIsProjection says the source store is one of the views the
	// strategy feeds (event sourcing: the log is the source of truth).
	SourceIsProjection bool
}

var (
	regMu      sync.RWMutex
	strategies = map[string]StrategyInfo{}
)

// Register makes a strategy available to New. Strategies register in init;
// a package that needs a store client (pgx, franz-go) registers only where
// that client is linked. It panics on an empty or duplicate name.
func Register(info StrategyInfo) {
	regMu.Lock()
	defer regMu.Unlock()
	if info.Name == "" || info.New == nil {
		panic("syncer: Register with an empty name or no factory")
	}
	if _, dup := strategies[info.Name]; dup {
		panic("syncer: Register called twice for " + info.Name)
	}
	strategies[info.Name] = info
}

// Lookup returns a registered strategy. An unknown name is an error that
// lists the known ones; a known strategy whose package is not in this
// binary is not distinguishable from a misspelt one, so the message says
// both.
func Lookup(name string) (StrategyInfo, error) {
	regMu.RLock()
	info, ok := strategies[name]
	regMu.RUnlock()
	if !ok {
		return info, fmt.Errorf("sync strategy %q is unknown or not in this build (known here: %v): %w", name, Strategies(), drivers.ErrUnsupported)
	}
	return info, nil
}

// Strategies lists the registered strategies' names, sorted.
func Strategies() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(strategies))
	for k := range strategies {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Env is what a strategy works with.
type Env struct {
	// Source is the system of record's write side.
	Source Source
	// Sinks are the views the strategy feeds; view i of Deliver and of the
	// Ledger is Sinks[i]. Under a strategy whose source is a projection,
	// Sinks[0] is the source store.
	Sinks []Sink
	// Capture is the source database as the capture strategies reach it;
	// nil when the source is not a database.
	Capture *Capture
	// Options tune the strategy (defaults filled in).
	Options Options
	// Ledger follows every change to every view.
	Ledger *Ledger
	// Faults injects failures (never nil).
	Faults *Faults

	logf     func(string, ...any)
	counters []viewCounters
}

// viewCounters are one view's delivery counters.
type viewCounters struct {
	delivered, failed, retries atomic.Int64
}

// Logf logs a line of background work.
func (e *Env) Logf(format string, args ...any) {
	if e.logf != nil {
		e.logf(format, args...)
	}
}

// Exec runs cmd on the source with the ledger's protocol: its changes are
// registered right before the source commits and stamped right after.
func (e *Env) Exec(ctx context.Context, cmd *Command) ([]Change, error) {
	return e.ExecWith(ctx, cmd, nil, nil)
}

// ExecWith is Exec with hooks of the strategy's own: begin runs with the
// changes right before the source commits (after the ledger registered
// them), end after the commit succeeded (ok) or failed.
func (e *Env) ExecWith(ctx context.Context, cmd *Command, begin func([]Change), end func(ok bool)) ([]Change, error) {
	var tk *Ticket
	began := false
	changes, err := e.Source.Exec(ctx, cmd, func(ch []Change) {
		tk = e.Ledger.Begin(ch)
		began = true
		if begin != nil {
			begin(ch)
		}
	})
	if err != nil {
		tk.Withdraw()
		if began && end != nil {
			end(false)
		}
		return nil, err
	}
	now := time.Now()
	if !began && len(changes) > 0 {
		// A source that did not announce its changes: register them
		// late (a transport may have shown them already: replays).
		tk = e.Ledger.Begin(changes)
		if begin != nil {
			begin(changes)
		}
		began = true
	}
	tk.Commit(now)
	if began && end != nil {
		end(true)
	}
	return changes, nil
}

// ErrWriterCrashed is the error of a dual write whose writer crashed
// (injected) after the source committed, before it wrote every view.
var ErrWriterCrashed = fmt.Errorf("writer crashed between its writes: %w", ErrInjected)

// ApplyInline writes changes to the views of idx in turn, in the writer:
// dual writes. A failed view write is retried by the retry policy, then
// given up (the view misses the change for good). An injected writer crash
// stops after a random prefix of the views and returns ErrWriterCrashed.
func (e *Env) ApplyInline(ctx context.Context, changes []Change, idx []int) error {
	cut := e.Faults.writeCrashAt(len(idx))
	var sub []Change
	for _, i := range idx[:cut] {
		s := e.Sinks[i]
		if sub = Keep(sub[:0], changes, s.Keeps()); len(sub) == 0 {
			continue
		}
		err := e.retry(ctx, i, func() error { return e.Faults.Apply(ctx, s, sub) })
		if err != nil {
			e.counters[i].failed.Add(1)
			continue
		}
		e.counters[i].delivered.Add(int64(len(sub)))
		e.Ledger.Visible(i, sub, time.Now())
	}
	if cut < len(idx) {
		return fmt.Errorf("%w (after %d of %d views)", ErrWriterCrashed, cut, len(idx))
	}
	return nil
}

// retry runs f under the retry policy.
func (e *Env) retry(ctx context.Context, view int, f func() error) error {
	wait := e.Options.Retry.Backoff
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil || attempt >= e.Options.Retry.Attempts || ctx.Err() != nil {
			return err
		}
		e.counters[view].failed.Add(1)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		e.counters[view].retries.Add(1)
		wait *= 2
	}
}

// ErrCrashed is the error of an applier that crashed (injected) between
// applying a batch and recording its position.
var ErrCrashed = errors.New("applier crashed between applying a batch and recording its position (injected)")

// dual is the dual-writes strategy.
type dual struct{ env *Env }

func (d *dual) Prepare(context.Context) error { return nil }
func (d *dual) Cleanup(context.Context) error { return nil }

// Exec commits the source, then writes each view in the request path.
func (d *dual) Exec(ctx context.Context, cmd *Command) error {
	changes, err := d.env.Exec(ctx, cmd)
	if err != nil || len(changes) == 0 {
		return err
	}
	return d.env.ApplyInline(ctx, changes, allViews(len(d.env.Sinks)))
}

func allViews(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func init() {
	Register(StrategyInfo{Name: "dual", Summary: "dual writes (the application writes every store in the request path)",
		New: func(env *Env) (Strategy, error) { return &dual{env: env}, nil }})
}
