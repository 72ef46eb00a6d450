package syncwl

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Entity names the kind of source row a Change is about.
type Entity string

// The entities views follow. Likes are not an entity of their own: a like
// changes its tweet's like_count, and views see that as a tweet upsert.
const (
	// EntityTweet is a row of the tweets table.
	EntityTweet Entity = "tweet"
	// EntityFollow is a row of the follows table (Src follows Dst).
	EntityFollow Entity = "follow"
	// EntityMarker is the freshness marker: a counter the lag probe bumps
	// at the source; every view records the highest Seq it has seen.
	EntityMarker Entity = "marker"
)

// Op is what a Change does to its row.
type Op byte

// The change operations. Inserts and updates are both upserts of the full
// row image, so applying a change twice, or replaying a suffix of the
// stream, leaves a view as applying it once does.
const (
	OpUpsert Op = 'u'
	OpDelete Op = 'd'
)

// String returns "upsert" or "delete".
func (o Op) String() string {
	switch o {
	case OpUpsert:
		return "upsert"
	case OpDelete:
		return "delete"
	}
	return fmt.Sprintf("op(%d)", byte(o))
}

// Change is one row change at the source, as every strategy delivers it to
// the views: the row's full image after the change (the key only, plus the
// tweet's author, for a delete).
type Change struct {
	Entity Entity
	Op     Op
	// TweetID, UserID, Body, CreatedAt and LikeCount are a tweet's columns
	// (UserID is set on deletes too, so a timeline can drop the tweet).
	TweetID   int64
	UserID    int64
	Body      string
	CreatedAt time.Time
	LikeCount int64
	// Src and Dst are a follow's columns.
	Src, Dst int64
	// Seq is a marker's value.
	Seq int64
	// CommitTime is when the source transaction committed, as the
	// strategy knows it (the stream's commit timestamp, or the writer's
	// clock right after COMMIT returned).
	CommitTime time.Time
	// Pos is the change's position in the strategy's stream (WAL LSN,
	// outbox id, Kafka offset); 0 for dual writes.
	Pos uint64
}

// Key identifies the changed row across source and views: "tweet/<id>",
// "follow/<src>/<dst>" or "marker".
func (c *Change) Key() string {
	switch c.Entity {
	case EntityTweet:
		return fmt.Sprintf("tweet/%d", c.TweetID)
	case EntityFollow:
		return fmt.Sprintf("follow/%d/%d", c.Src, c.Dst)
	case EntityMarker:
		return "marker"
	}
	return string(c.Entity)
}

// View is a derived copy of (part of) the source: a search index, a graph, a
// cache, an analytics table. Strategies deliver changes to views only
// through this interface. Implementations are safe for concurrent use, but
// a strategy calls Apply of one view from one goroutine at a time, in
// stream order.
type View interface {
	// Name names the view ("search", "graph", "timeline", "analytics").
	Name() string
	// Store names the store behind the view ("bleve", "redis", …).
	Store() string
	// Setup empties the view, creating what it needs.
	Setup(ctx context.Context) error
	// Apply applies changes in order. It is idempotent: applying a change
	// again, or a suffix of the stream again, leaves the view unchanged.
	// Changes of entities the view does not keep are ignored. On error
	// some of the changes may have been applied; applying the same slice
	// again is then correct.
	Apply(ctx context.Context, changes []Change) error
	// Marker returns the highest marker Seq visible in the view, read back
	// from the view's store where it is a server (0 before any).
	Marker(ctx context.Context) (int64, error)
	// Digest returns the key and the projection of a row image as this
	// view keeps it (ok false when the view does not keep that entity, or
	// for markers). Reconciliation compares the source's rows, projected
	// by Digest, with Scan's.
	Digest(c *Change) (key, digest string, ok bool)
	// Scan calls fn with the key and digest of every row the view holds
	// (markers excluded): the view side of a reconciliation scan.
	Scan(ctx context.Context, fn func(key, digest string) error) error
	// Close releases the view (an embedded view's temporary files too).
	Close() error
}

// Source is the PostgreSQL source of truth a strategy works against.
type Source struct {
	// Pool is a connection pool to the source database.
	Pool *pgxpool.Pool
	// Config is the pool's configuration; replication connections are
	// made from its ConnConfig.
	Config *pgxpool.Config
	// Tables are the source tables' names.
	Tables Tables
}

// Tables names the source tables (all under one prefix).
type Tables struct {
	Prefix string
}

// Tweets returns the name of the tweets table.
func (t Tables) Tweets() string { return t.Prefix + "tweets" }

// Likes returns the name of the likes table.
func (t Tables) Likes() string { return t.Prefix + "likes" }

// Follows returns the name of the follows table.
func (t Tables) Follows() string { return t.Prefix + "follows" }

// Markers returns the name of the freshness-marker table (one row).
func (t Tables) Markers() string { return t.Prefix + "markers" }

// Outbox returns the name of the outbox table.
func (t Tables) Outbox() string { return t.Prefix + "outbox" }

// Publication returns the name of the publication CDC reads.
func (t Tables) Publication() string { return t.Prefix + "pub" }

// Slot returns the name of the logical replication slot.
func (t Tables) Slot() string { return t.Prefix + "slot" }

// TxFunc runs the statements of one source write inside tx and returns the
// changes it made (row images after the write), in order. It returns no
// changes when the write changed nothing (a like that already existed).
type TxFunc func(ctx context.Context, tx pgx.Tx) ([]Change, error)

// Env is what a strategy is started with.
type Env struct {
	Source Source
	// Views receive the changes.
	Views []View
	// Faults injects view failures (nil: none); strategies call every
	// View through Faults.Apply.
	Faults *Faults
	// Logf logs a line (nil: discard).
	Logf func(format string, args ...any)
}

// Strategy keeps the views in sync with the source. Its methods are safe
// for concurrent use once Start has returned.
type Strategy interface {
	// Name is the strategy's name ("dual", "cdc-logical", "outbox",
	// "cdc-debezium").
	Name() string
	// Prepare creates what the strategy needs at the source (publication,
	// slot, outbox table) after the tables exist and the snapshot was
	// loaded into source and views, before any write of the run.
	Prepare(ctx context.Context, env Env) error
	// Start starts the background work (consumer, relay) that delivers
	// changes; ctx bounds its lifetime (Stop ends it earlier).
	Start(ctx context.Context) error
	// Write performs one source write: it runs fn in a transaction,
	// adding what the strategy needs (outbox rows) to the same
	// transaction, commits, and, for dual writes, applies the changes to
	// the views before returning. The returned error is the source's;
	// view failures of dual writes are counted, not returned.
	Write(ctx context.Context, fn TxFunc) error
	// Restart kills the consumer or relay — cancels its goroutines and
	// drops its connections, losing what it held in memory — and starts a
	// new one that resumes from the durable position (slot, outbox,
	// offset). A strategy without one does nothing.
	Restart(ctx context.Context) error
	// Stop stops the background work and releases its connections; the
	// source objects (slot, publication) are dropped by Cleanup.
	Stop() error
	// Cleanup drops what Prepare created at the source.
	Cleanup(ctx context.Context) error
	// Stats returns the strategy's counters so far.
	Stats() StrategyStats
}

// StrategyStats are a strategy's counters.
type StrategyStats struct {
	// Delivered counts changes applied to views (per view), retries
	// excluded.
	Delivered map[string]int64
	// Failed counts view applies that failed (per view). Dual writes do not
	// retry them; the others retry until they succeed.
	Failed map[string]int64
	// Retries counts re-applied batches after a failure (per view).
	Retries map[string]int64
	// Restarts counts consumer/relay restarts.
	Restarts int64
	// ExpectedDivergence is set by dual writes: per view, the rows whose
	// last write to the view failed and left it different from the
	// source, tracked as the writes happen (exact with one writer per
	// row; concurrent writers may reorder view writes and add to the
	// measured divergence).
	ExpectedDivergence map[string]int64
}
