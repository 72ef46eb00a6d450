// Package syncwl is the sync workload (issue 10): PostgreSQL holds the
// source of truth (the crud data set's tweets and likes, plus follows) and
// derived views — a search index, the follows graph, a timeline cache, an
// analytics copy — are kept in sync by one of four strategies:
//
//   - dual: the application writes PostgreSQL, then each view, in the
//     request path;
//   - cdc-logical: a consumer reads PostgreSQL logical replication
//     (pgoutput, a slot and a publication) and applies changes to views;
//   - outbox: each write adds an event row in the same transaction; a relay
//     publishes events to the views and marks them sent;
//   - cdc-debezium: Debezium streams changes into Kafka; a consumer applies
//     them (registered only when the cdc/debezium package is present).
//
// The package's public API — Change, View, Strategy, Env and Faults — is
// what other scenarios reuse: a strategy delivers Changes to Views; a view
// applies them idempotently, shows a freshness marker and can be scanned
// for reconciliation.
//
// The package is named syncwl so it does not shadow the standard library's
// sync; its directory is workloads/sync and its workloads are sync/<strategy>.
// See docs/sync.md for what is measured and how.
package syncwl
