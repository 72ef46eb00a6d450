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
//	  inbox: redis                  # home inboxes (redis or memory), home write/hybrid only
//	home:                           # home timelines
//	  strategy: read                # read (fan-out on read) | write (inboxes fed by sync) | hybrid
//	  threshold: 1000               # hybrid: followers above which a user's tweets are read on demand
//	  inbox: 200                    # posts an inbox keeps
//	postgres:                       # a PostgreSQL source's dashboard and search, when routed to it
//	  dashboard: table              # table (agg pattern, fed by sync) | rollup (daily rollups by trigger)
//	  search: table                 # table (search pattern, fed by sync) | tweets (generated tsvector + GIN)
//	  rank: ts_rank_cd              # search tweets' ranking: ts_rank_cd | ts_rank
//	sync:
//	  strategy: cdc-logical         # dual | outbox | cdc-logical | cdc-debezium | materialized-view | relay
//	  interval: 50ms                # relays' idle polling period
//	  batch: 500                    # most changes applied at once
//	  refresh: 1s                   # materialized-view's refresh period
//	  invalidation: write           # the cache's: write (in the writer) | sync (by the strategy, e.g. CDC)
//	  kafka: "${STOREFIT_KAFKA_DSN}"  # cdc-debezium's and event-sourcing's broker, Debezium's Connect worker
//	  connect: "${STOREFIT_DEBEZIUM_DSN}"
//	cache:                          # the timeline cache's fills and checks (CacheConfig)
//	  ttl: 30s                      # pages expire (none by default)
//	  fill: versioned               # plain (cache-aside) | versioned (refused if invalidated since the miss; redis)
//	  check_every: 100              # one hit in N checked against the source, outside the timed operations
//
// A store may name a server instead of a DSN ({driver: redis, server:
// redis-server}): the placement runs it on a free port, its data in a
// temporary directory, stops it at Close, and lets a fault stop and start
// it for real (syncer.ServerStopper).
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
// can share one database, as postgres-only does. With postgres: {dashboard:
// rollup} the dashboard is tw_roll_day and tw_roll_day_totals, kept by
// triggers on tw_tweets and tw_likes in each write's own transaction; with
// {search: tweets} search is a generated tsvector column of tw_tweets with
// a GIN index: neither is a view of the sync engine (nothing to sync,
// never stale). Home timelines read by fan-out on read are one LATERAL join
// over tw_follows and tw_tweets when both are in the source's PostgreSQL
// database (pghome.go).
//
// # Sync
//
// A placement serves two workloads. The twitter application (TwitterStore)
// writes through a sync engine (package syncer) of the file's strategy,
// over its own views (twitter.App.Sinks); the sync workload (SyncEngine)
// asks for an engine of its own strategy over the views it names, each
// held by the store its role routes to (the drivers' sync views,
// syncer.SinkProvider), the source role's store as the source of truth
// (syncer.SourceProvider). The strategies are the engine's; package syncer
// documents each. The placement's part is the capture: the source's
// database as the strategies reach it (a PostgreSQL pool configuration, a
// SQLite file), and, for the twitter application, only inserts captured —
// the mix never updates or deletes — and capture started after the bulk
// load, which builds every view from the same rows.
//
// For the twitter application, event sourcing is not offered: its writes
// go to its source through the crud and graph patterns. Its outbox and
// cdc-* strategies need the follows role routed to the source store when
// a who-to-follow view is fed, so follows are captured with the source's
// writes. The materialized-view strategy needs the dashboard routed to a
// PostgreSQL source (its MATERIALIZED VIEW, mview.go).
//
// Staleness stays exact under every strategy: the engine's ledger holds a
// change pending for a view from the source write until the view applied
// it; the App reads it to classify reads (twitter.App).
//
// # Figures
//
// Conn implements twitter.Reporter: per measured phase it reports backend
// calls by operation and store ("route.timeline.redis"), cache hits and
// misses, per derived view the reads, reads while behind, stale reads and
// the lag from source write to view (changes still pending at the end of
// the phase counted with their age), the sync strategy
// ("sync.strategy.<name>") and its figures (sync.restarts, sync.backlog,
// sync.refreshes, sync.refresh_mean_ms, sync.replays), the number of
// stores to run, and
// resource use: for server stores on this machine the CPU seconds (during
// the phase) and RSS of the process listening on the store's port and its
// descendants (found through /proc/net/tcp and /proc/<pid>/fd), and the
// bytes under $STOREFIT_NATIVE_DIR/<driver>/data, or <driver> when there is
// no data subdirectory (the whole server's data, other databases included); for embedded stores under {dir},
// their files' bytes. Embedded stores' CPU is storefit's own (see the
// harness figures). What cannot be measured is left out and shown as n/a.
package placement
