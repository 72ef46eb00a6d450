// Package syncwl is the sync workload: one source of truth (the crud data
// set's tweets and likes, plus follows) and derived views — a search
// index, a follows graph, a timeline cache, an analytics copy — kept in
// sync by one strategy of the sync engine (package syncer), one workload
// each:
//
//	sync/dual            dual writes (optional retry policy; writer crashes)
//	sync/outbox          a transactional outbox and a relay per view
//	sync/cdc-logical     logical decoding (pgoutput), an applier per view
//	sync/cdc-debezium    Debezium and Kafka, a consumer group per view
//	sync/event-sourcing  a Kafka log as the source of truth; every store,
//	                     the source too, a projection with its own consumer
//
// The workload knows no concrete store. The connection is a placement
// (drivers/placement, --store placement:sync): its source role's store is
// the source (PostgreSQL for the capture strategies), and the stores of the
// roles search, who_to_follow, cache and dashboard hold the views; it
// hands the workload a syncer.Engine of the strategy over them. The views
// keep full rows: the search index and the cache tweets, the graph
// follows, the analytics copy tweets and likes.
//
// The runner's operations are the writes (their latency is what the
// strategy costs the application); the engine's appliers deliver them in
// the background, and its ledger measures commit-to-visible lag for every
// data change (changes still pending at the end of the measured phase
// count with their age). The runner's RunFinisher hook drains, reconciles
// every view with the source of truth on full rows, rebuilds a projection
// under event sourcing, and fills the result's sync section. Faults (view
// write failures, a view outage, consumers killed, a consumer crashing
// between apply and commit, dual writers crashing between their writes)
// are injected inside the run and listed in the result.
//
// The package is named syncwl so it does not shadow the standard library's
// sync. See docs/sync.md.
package syncwl
