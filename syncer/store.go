package syncer

import (
	"context"
	"errors"
)

// Tables names where a store keeps each entity: table names in SQL
// stores, key or index prefixes elsewhere. The source's tables have the
// columns Entity documents (crud's and graph's column names), which the
// capture strategies read.
type Tables struct {
	Tweets, Likes, Follows string
}

// Of returns the name of e's table.
func (t Tables) Of(e Entity) string {
	switch e {
	case EntityTweet:
		return t.Tweets
	case EntityLike:
		return t.Likes
	case EntityFollow:
		return t.Follows
	}
	return ""
}

// Capture describes the source database to the strategies that capture
// changes inside it (outbox triggers, logical decoding, Debezium).
type Capture struct {
	// Tables names the captured tables.
	Tables Tables
	// DB reaches the database; its type says which: a *pgxpool.Config for
	// PostgreSQL (syncer/pgsync, syncer/kafkasync), outbox.SQLite (a
	// file) for SQLite.
	DB any
}

// Source is the system of record's write side: it runs the application's
// commands. Implementations are safe for concurrent use.
type Source interface {
	// Exec runs cmd in one transaction, with the semantics State.Decide
	// gives it, and returns the changes it made in order (none when it
	// changed nothing). Right before the transaction commits it calls
	// committing with those changes (the engine registers them, so a
	// transport that reads the commit at once finds them); an error after
	// that means the transaction did not commit. A source feeding capture
	// of inserts only (Options.InsertsOnly) returns only inserted rows.
	Exec(ctx context.Context, cmd *Command, committing func([]Change)) ([]Change, error)
}

// Sink is a derived store the engine keeps in sync: a search index, a
// graph, a cache, an analytics copy, or — under event sourcing — the
// source store itself as a projection. Implementations are safe for
// concurrent use; the engine calls Apply of one sink from one goroutine at
// a time, in stream order.
type Sink interface {
	// Name names the sink (the role it plays: "search", "cache", …).
	Name() string
	// Keeps returns the entities the sink keeps; it is handed only
	// changes of those.
	Keeps() EntitySet
	// Apply applies a batch of changes in order and returns once a reader
	// of the store sees them (that is when the engine counts them
	// visible). It is idempotent: applying a change again, or a suffix of
	// the stream again, leaves the store as applying it once did (unless
	// the sink is NotIdempotent). On error some changes may have been
	// applied; applying the same batch again is then correct.
	Apply(ctx context.Context, batch []Change) error
}

// Scanner is implemented by sources and sinks whose rows can be read back
// for reconciliation: Scan calls fn with every row it holds, as an upsert
// of the row's full image (the entities it keeps only). A source's scan is
// one consistent snapshot.
type Scanner interface {
	Scan(ctx context.Context, fn func(c *Change) error) error
}

// Resetter is implemented by sources and sinks that can be emptied: Reset
// drops what the store holds and creates it empty (schemas included). The
// engine calls it at setup, and on a projection it rebuilds.
type Resetter interface {
	Reset(ctx context.Context) error
}

// Loader is implemented by sources and sinks with a bulk load: Load writes
// rows (upserts) faster than Apply would. Without it the engine loads a
// sink with Apply.
type Loader interface {
	Load(ctx context.Context, rows []Change) error
}

// Describer is implemented by sinks and sources that name the store behind
// them ("bleve", "redis", …) for results.
type Describer interface {
	Store() string
}

// NotIdempotent is implemented by sinks whose Apply is not idempotent (an
// insert-only analytics table): the engine hands them only changes the
// ledger holds pending for them, so a change read again from a log after a
// restart is skipped (counted as a replay) instead of applied twice.
type NotIdempotent interface {
	NotIdempotent()
}

// Refresher is implemented by sinks that the store derives from the source
// by itself (a materialized view): the materialized-view strategy never
// calls their Apply; Refresh recomputes them from the source, covering
// every change committed before it began.
type Refresher interface {
	Refresh(ctx context.Context) error
}

// ServerStopper is implemented by what can stop the server behind a sink
// and start it again (a server the placement runs itself), so a view-down
// fault is a real outage rather than failures injected in the client.
type ServerStopper interface {
	// StopServer stops the server cleanly (its data saved).
	StopServer(ctx context.Context) error
	// StartServer starts it again on the same address and data.
	StartServer(ctx context.Context) error
}

// SourceSpec describes the source an application asks a store for.
type SourceSpec struct {
	// Tables names the source's tables.
	Tables Tables
}

// SinkSpec describes a sink an application asks a store for.
type SinkSpec struct {
	// Name is the sink's name (its role).
	Name string
	// Keeps are the entities it keeps, as full rows.
	Keeps EntitySet
	// Tables names where it keeps each entity.
	Tables Tables
}

// SourceProvider is implemented by connections that can be the source of
// truth of a sync system (drivers/postgres; drivers/memory for tests).
type SourceProvider interface {
	SyncSource(spec SourceSpec) (Source, error)
}

// SinkProvider is implemented by connections that can hold a derived view
// of the social data model: SyncSink returns a sink that keeps the spec's
// entities as full rows, applies upserts and deletes idempotently, and
// implements Scanner and Resetter. A store that cannot keep an entity
// returns an error wrapping drivers.ErrUnsupported.
type SinkProvider interface {
	SyncSink(spec SinkSpec) (Sink, error)
}

// Spec is what an application asks a placement for: a sync system of a
// strategy over the placement's stores.
type Spec struct {
	// Strategy names the strategy (Strategies lists them).
	Strategy string
	// Source names the source's tables.
	Source Tables
	// Views are the derived views: each Name is a placement role whose
	// store provides the sink.
	Views []SinkSpec
	// Options tune the strategy.
	Options Options
	// Faults injects failures (nil: none).
	Faults *Faults
	// Logf logs background events (nil: nowhere).
	Logf func(format string, args ...any)
}

// Provider is implemented by connections that assemble a sync system from
// several stores (drivers/placement): SyncEngine returns an engine of
// spec's strategy over the source and the views the connection routes.
type Provider interface {
	SyncEngine(ctx context.Context, spec Spec) (*Engine, error)
}

// ErrInjected marks a failure the fault injector made up.
var ErrInjected = errors.New("injected failure")
