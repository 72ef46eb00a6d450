// Package placement is the storefit driver for placements of the twitter
// application (workloads/twitter): a placement says which store serves
// which operation family and how writes reach the derived stores, and this
// driver opens every store it names and runs the application routed over
// them. Placements are compared like stores: the runner opens one placement
// per cell, and results name it by its label (placement:polyglot).
//
// # DSN
//
// The DSN is the placement file's path:
//
//	storefit run --workload twitter/mix --store placement:local=suites/placements/local.yaml
//
// # Placement files
//
//	name: polyglot                  # defaults to the file's base name
//	description: one line
//	stores:                         # stores to open, by a name of your choice
//	  pg: {driver: postgres, dsn: "${STOREFIT_POSTGRES_DSN}"}
//	  redis: {driver: redis, dsn: "${STOREFIT_REDIS_DSN}"}
//	  ...
//	route:                          # role → store
//	  source: pg                    # users, tweets, likes (crud pattern)
//	  cache: redis                  # timeline cache (wide pattern), optional
//	  search: opensearch            # tweet search (search pattern)
//	  follows: pg                   # follows graph, system of record (graph)
//	  who_to_follow: neo4j          # graph view fed by sync, optional
//	  dashboard: clickhouse         # analytics (agg pattern)
//	sync:
//	  strategy: cdc-logical         # dual | outbox | cdc-logical | cdc-debezium | materialized-view | relay
//	  interval: 50ms                # outbox relay's (and relay's) polling period
//	  batch: 500                    # most changes applied at once
//	  refresh: 1s                   # materialized-view's refresh period
//	  kafka: "${STOREFIT_KAFKA_DSN}"  # cdc-debezium's broker and Connect worker
//	  connect: "${STOREFIT_DEBEZIUM_DSN}"
//
// DSNs expand ${VAR} and $VAR from the environment; an empty DSN selects the
// driver's default (for servers, the address compose/ starts). "{dir}" in a
// DSN is a temporary directory the placement creates and removes at Close
// (embedded stores' files live there, so their bytes on disk can be
// measured). Unknown keys, unknown roles, a route to an unlisted store, a
// missing required role and an unknown strategy are errors that name the
// file. Every message shows DSNs with passwords redacted.
//
// Each role's store must implement the role's pattern (a store lacking it
// makes Open fail with drivers.ErrUnsupported, so the cell is n/a). The
// tables every role uses have distinct names (tw_users, tw_search,
// tw_follows, tw_follows_view, tw_activity, tw_timeline_cache), so all roles
// can share one database, as postgres-only does.
//
// # Sync strategies
//
// Each is a syncer (sync.go) with hooks around the application's Setup and
// FinishLoad. Capture starts after the bulk load, which builds every view
// from the same rows: capturing the load would replay it into views that
// hold it already (and double the load's writes).
//
//   - dual: the writer applies each change to the derived stores right after
//     the source write, before the operation returns (the write's latency
//     includes them; readers are behind only while a write is in flight).
//   - outbox (outbox.go; sqlite or postgres source): at Setup an outbox
//     table (id autoincrement/bigserial, entity, op, key columns, body,
//     event time, log time); after the load, AFTER INSERT/DELETE (and
//     UPDATE OF body for tweets) row triggers on the source's tweets, likes
//     and (when a who-to-follow view is fed) follows tables, so the event
//     row commits in the source write's own transaction. A relay goroutine
//     reads the oldest rows in id order every interval, applies them in
//     batches, then deletes them (SQLite: the id range, ids being assigned in
//     commit order by its single writer; PostgreSQL: exactly the ids read,
//     since a smaller bigserial can commit later). A relay killed mid-batch
//     leaves its rows; the next applies them again and the App skips what a
//     view has (sync.replays). The triggers are the only change to the
//     source: the drivers' crud code is untouched. UPDATE and DELETE rows
//     are captured but the application never issues them; they are counted
//     (sync.ignored) and dropped.
//   - cdc-logical (logical.go; postgres source): a publication (inserts of
//     the same tables) and a logical replication slot (pgoutput), both named
//     per run (tw_pub_<hex>, tw_slot_<hex>) and dropped at Close; a consumer
//     reads them with pglogrepl, batches committed transactions (batch
//     changes or 20 ms), applies them, and only then confirms the end LSN of
//     the last transaction applied (never a keepalive's WAL end or an
//     XLogData position: workloads/sync found both lose changes at a
//     restart). A restarted consumer resumes from the slot's confirmed
//     position.
//   - cdc-debezium (debezium.go; postgres source): Debezium's PostgreSQL
//     connector on Kafka Connect (cdc/debezium) reads a slot and an
//     inserts-only publication named per run into one topic per table; a
//     Kafka consumer group applies each batch and commits its offsets only
//     after. Connector, slot, publication, topics and group are deleted at
//     Close. Keys kafka and connect (default $STOREFIT_KAFKA_DSN,
//     $STOREFIT_DEBEZIUM_DSN).
//   - materialized-view (mview.go; postgres-only): the dashboard is a
//     MATERIALIZED VIEW over the source's tweets and likes (the same
//     activity rows as the analytics table), with the unique index REFRESH
//     … CONCURRENTLY needs, refreshed every refresh; the other views (the
//     tsvector search table) are written by dual writes. The changes pending
//     as a refresh begins are the ones it applies.
//   - relay: the writer enqueues the change after the source write; a
//     goroutine applies the queue every interval. In process and not
//     durable: kept as the baseline the durable strategies improve on.
//
// Staleness stays exact under every strategy: a change is pending for a
// view from the source write's return until the strategy applied it to
// that view; changes read back from a log are matched to the published
// ones by key (tweet id, like pair, edge), and one read before its writer
// published it is applied and never counted pending.
//
// The timeline cache is cache-aside under both: a post deletes the author's
// cached page synchronously, and a miss refills it from the source.
//
// # Figures
//
// Conn implements twitter.Reporter: per measured phase it reports backend
// calls by operation and store ("route.timeline.redis"), cache hits and
// misses, per derived view the reads, reads while behind, stale reads and
// the lag from source write to view, the sync strategy
// ("sync.strategy.<name>") and its figures (sync.restarts, sync.backlog,
// sync.ignored, sync.refreshes, sync.refresh_mean_ms, sync.replays), the
// number of stores to run, and
// resource use: for server stores on this machine the CPU seconds (during
// the phase) and RSS of the process listening on the store's port and its
// descendants (found through /proc/net/tcp and /proc/<pid>/fd), and the
// bytes under $STOREFIT_NATIVE_DIR/<driver>/data, or <driver> when there is
// no data subdirectory (the whole server's data, other databases included); for embedded stores under {dir},
// their files' bytes. Embedded stores' CPU is storefit's own (see the
// harness figures). What cannot be measured is left out and shown as n/a.
package placement
