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
//	  strategy: relay               # dual | relay
//	  interval: 50ms                # relay period
//	  batch: 500                    # most changes per relay apply
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
//   - dual: the writer applies each change to the derived stores right after
//     the source write, before the operation returns (the write's latency
//     includes them; readers are behind only while a write is in flight).
//   - relay: the writer enqueues the change after the source write; one
//     goroutine applies the queue in commit order, in batches, every
//     interval. Outbox-style, but in process: the queue is neither durable
//     nor written in the source transaction. The strategies of
//     workloads/sync (transactional outbox, logical-decoding CDC, Debezium)
//     need a PostgreSQL source written through their own transactions and
//     are not wired in yet.
//
// The timeline cache is cache-aside under both: a post deletes the author's
// cached page synchronously, and a miss refills it from the source.
//
// # Figures
//
// Conn implements twitter.Reporter: per measured phase it reports backend
// calls by operation and store ("route.timeline.redis"), cache hits and
// misses, per derived view the reads, reads while behind, stale reads and
// the lag from source write to view, the number of stores to run, and
// resource use: for server stores on this machine the CPU seconds (during
// the phase) and RSS of the process listening on the store's port and its
// descendants (found through /proc/net/tcp and /proc/<pid>/fd), and the
// bytes under $STOREFIT_NATIVE_DIR/<driver>/data, or <driver> when there is
// no data subdirectory (the whole server's data, other databases included); for embedded stores under {dir},
// their files' bytes. Embedded stores' CPU is storefit's own (see the
// harness figures). What cannot be measured is left out and shown as n/a.
package placement
