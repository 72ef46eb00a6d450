// Package syncwl is the sync workload (issue 10): PostgreSQL holds the
// source of truth (the crud data set's tweets and likes, plus follows) and
// derived views — a search index (bleve), the follows graph (an in-memory
// adjacency map), a timeline cache (Redis), an analytics copy (DuckDB) —
// are kept in sync by one of four strategies, one workload each:
//
//   - sync/dual: the application commits PostgreSQL, then writes each view
//     in the request path, once;
//   - sync/cdc-logical: a consumer reads PostgreSQL logical replication
//     (pgoutput, a slot and a publication, decoded with pglogrepl) and
//     applies committed changes to the views, confirming LSNs after;
//   - sync/outbox: each write adds event rows in the same transaction; a
//     relay applies them to the views in batches (FOR UPDATE SKIP LOCKED)
//     and marks them sent;
//   - sync/cdc-debezium: Debezium's PostgreSQL connector streams changes
//     into Kafka (cdc/debezium); a consumer group applies them.
//
// The runner's operations are the writes (their latency is what the
// strategy costs the application); background goroutines started at the
// end of the load (workloads.Finisher) run the consumer or relay and a lag
// probe (markers committed at the source, polled in each view); the
// runner's RunFinisher hook drains, reconciles every view with the source
// and fills the result's sync section. Faults (view write failures, a view
// outage, a consumer/relay restart) are injected inside the run and listed
// in the result.
//
// # API for other scenarios
//
// Change, View, Strategy (with Write, the hook that runs the application's
// statements in the source transaction), ChangeStream and Pipeline (CDC
// pipelines outside storefit), Faults, Reconcile and Verdict are exported
// and kept stable; the views and strategies here implement them.
//
// The package is named syncwl so it does not shadow the standard library's
// sync. See docs/sync.md for what is measured and how, and the fault model.
package syncwl
