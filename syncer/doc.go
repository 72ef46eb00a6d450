// Package syncer is storefit's sync engine: one implementation of each way
// of keeping derived stores in sync with a source of truth, used by the
// sync workload (workloads/sync: the strategies compared under faults) and
// by the twitter placements (drivers/placement: the strategy an
// application runs with). This comment is where each strategy is
// documented: what it guarantees, how it fails, what its lag means.
//
// # Model
//
// The data is the social model both scenarios share: tweets, likes and
// follows (Entity). The application writes Commands; a Source (the system
// of record: PostgreSQL, or memory in tests) runs them and returns the row
// Changes they made — full row images, so every view applies them as
// upserts and deletes by key, and applying a change again changes nothing.
// Sinks are the derived views (a search index, a graph, a cache, an
// analytics copy), given by drivers through SinkProvider; each keeps full
// rows of some entities. An Engine runs one Strategy over a source and its
// sinks.
//
// Every view has its own applier and its own durable position — as real
// deployments give each sink its own consumer — so a view that is down
// holds back only itself. Appliers run in consumer generations: a
// generation that fails, crashes or is killed (Restart) is followed by a
// new one that resumes from the durable positions, so delivery is at least
// once and views are idempotent (views that cannot be, like an insert-only
// analytics table, are handed each change once: NotIdempotent). A view
// write, once started, is not cut by a kill; a kill takes effect between
// writes.
//
// # Lag
//
// The Ledger follows every data change from its writer to every view that
// keeps its entity. A change's lag is commit-to-visible: from the writer's
// clock right after the source (or the log) acknowledged the commit, to the
// moment the view's write returned (every Sink returns once a reader sees
// the change). Every change committed in the measured phase counts — not a
// marker standing for them — and a change still pending when the phase
// ends counts with its age then (a lower bound): a view that never caught
// up cannot report a small lag. The same clock is used for every strategy,
// so the figures compare. Staleness over time is, each moment, the age of
// the oldest committed change a view does not show.
//
// # dual — dual writes
//
// The writer commits the source, then writes each view in turn in the
// request path. Guarantees: none between the stores; the write's latency
// includes every view write. A failed view write is retried by the
// optional retry policy (Options.Retry: attempts with a doubling backoff,
// in the request path), then given up: that view misses the change until
// the row is written again. A writer that crashes between its writes (after
// the source committed, before every view was written) leaves the views it
// did not reach behind for good; so does a view that is down. Two writers
// of one row can reach a view in the other order than they committed, and
// the view keeps the older image. Lag is the time from the source commit
// to each view write in the same request (small), but a lost write's
// change never becomes visible: it counts with its age at the end of the
// phase. After a drain, Ledger.Diverged tells how many rows the writers
// know they left different.
//
// # relay — an in-process relay
//
// The writer queues each change in memory as its transaction commits (in
// the row's commit order); an applier per view applies its queue. Failing
// views are retried until they succeed; an applier restart resumes from
// the queue. Not durable: a process crash loses what the queue holds. Lag
// is queueing plus applying. The baseline the durable strategies improve
// on (twitter placements only).
//
// # outbox — a transactional outbox (package syncer/outbox)
//
// Triggers on the source's tables write an outbox row per captured row
// change in the writing transaction — the change commits if and only if
// the write does — with a pending bit per view that keeps its entity. A
// relay per view reads the oldest rows with its bit set, in id order, in
// batches (polling every Options.Poll when idle), applies them, then clears
// its bit; a row whose bits are all clear is deleted. A view's position is
// its bits, not a "last id" cursor: ids are drawn before commit, so a row
// with a lower id can commit after a higher one was applied, and a cursor
// would skip it. Guarantees: every committed change reaches every view, at
// least once, a row's images in order. Failure modes: a view that is down
// holds back only its relay; its rows stay in the outbox (the table and its
// partial index grow with the backlog); a relay that dies between applying
// and clearing its bits applies the batch again. Each write pays for the
// trigger's insert and each view's bit update. Lag is commit to the relay's
// next poll plus the apply.
//
// # cdc-logical — logical decoding (package syncer/pgsync)
//
// A publication of the captured tables and a logical replication slot
// with PostgreSQL's pgoutput plugin, named per run; one reader decodes the
// slot's stream (cdc/pgoutput) and hands batches of committed transactions
// (up to Options.Batch changes or Options.Linger) to a queue per view, each
// applied by the view's own applier. The slot confirms the least, over the
// views, of the end LSN of the last transaction each applied — only commit
// ends: a keepalive's WAL end or an XLogData message's start plus length is
// no safe position and lost changes at a restart. Guarantees: every
// committed change, at least once, in commit order; the writes are
// untouched (the WAL carries the changes). Failure modes: a view that is
// down holds back itself until its queue is full (Options.Queue changes),
// then the reader blocks and every view waits (back-pressure); meanwhile
// PostgreSQL keeps the WAL since the least confirmed position. A killed
// generation loses its queues; the next resumes from the slot. Lag is the
// WAL reaching the walsender (immediate with synchronous_commit on, up to
// wal_writer_delay with it off), decoding, the batch's linger and the
// apply.
//
// # cdc-debezium — Debezium and Kafka (package syncer/kafkasync)
//
// Debezium's PostgreSQL connector (pgoutput, its own slot and publication,
// no initial snapshot) runs on a Kafka Connect worker and writes each
// captured table's changes to a one-partition topic named per run; each
// view has its own consumer group, which commits a batch's offsets after
// its view applied it. Guarantees: every committed change, at least once;
// a row's changes in order (one topic per table, one partition); changes
// of different tables in no order across topics. Failure modes: a view
// that is down stops its group only (Kafka keeps the records, retention
// permitting); a consumer that dies before committing gets the batch
// again; a restarted connector may emit changes again (duplicates, never
// gaps). Lag is measured on the data topics' changes: WAL to connector (its
// poll interval), Kafka, the group's fetch and the apply — two JVMs on the
// path.
//
// # event-sourcing — an event log as the source of truth (package syncer/kafkasync)
//
// The application appends every write to a Kafka topic (one partition, so
// every row's events keep the order they were decided in) and returns once
// the broker acknowledged it (acks=all, idempotent producer): that log is
// the source of truth, and no database is written in the request path.
// Commands are decided against a write model — the log folded in memory,
// under a lock on the rows a command touches — and their events are the
// rows' new images. Every store, the source store too, is a projection
// with its own consumer group that commits its offset after applying a
// batch; a projection is idempotent (an event applied again writes the same
// image), so replays apply once. Guarantees: every acknowledged write
// reaches every projection, in order; any projection can be dropped and
// rebuilt from offset 0 (Engine.Rebuild, checked against the log folded
// from its start). Failure modes: a projection that is down falls behind
// alone; a consumer that dies before committing re-reads its batch; reads
// of any store — the former system of record included — are eventually
// consistent; a write whose acknowledgement was lost (the broker
// unreachable) fails although it may be in the log. Write latency is the
// append's round trip to the broker; lag is from the acknowledgement to
// each projection's apply.
//
// # materialized-view — refreshed by the store (twitter placements)
//
// Views the store derives from the source itself (Refresher: a PostgreSQL
// MATERIALIZED VIEW) are refreshed every Options.Refresh; the other views
// are written by dual writes. A refresh covers every change committed
// before it began, so those changes become visible when it ends: lag is up
// to a refresh period plus the refresh's duration, and a refresh slower
// than its period leaves the view behind on every read.
package syncer
