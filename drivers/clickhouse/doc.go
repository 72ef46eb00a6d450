// Package clickhouse is the storefit driver for ClickHouse, the columnar
// analytics server, through github.com/ClickHouse/clickhouse-go/v2 and its
// native protocol. It implements agg (with agg.DistinctCounter: uniqExact is
// exact) and series. point and crud are n/a: MergeTree has no unique keys,
// and updates and deletes are asynchronous mutations (ALTER TABLE … UPDATE,
// rewriting whole parts), so neither a read-your-write point update nor
// crud's atomic like can be had; graph, search and wide are not
// implemented (no recursive queries; full-text indexes are experimental in
// current versions and absent from 18.16; no sparse columns).
//
// # DSN
//
//	clickhouse://[user:password@]host[:port][/database][?option=value&…]
//	clickhouse://storefit:secret@127.0.0.1:9000/storefit      (DefaultDSN, password storefit)
//
// The port is the native protocol's (default 9000). Options: insert (auto,
// batch, arrayjoin; below), dial_timeout, read_timeout (Go durations) and
// max_open_conns (pool size, default 32). Open creates the database if it
// is missing.
//
// # Which server: ClickHouse 18.16
//
// Debian ships ClickHouse 18.16 (2018), the only ClickHouse installable here
// from packages (PyPI's chdb is the engine in-process, not a server), so CI
// tests against it. clickhouse-go v2.51 (which states 25.8 as its minimum)
// talks to it only in part, and only over the native protocol:
//
//   - HTTP (clickhouse-go's Protocol: HTTP) fails on every request: the
//     client adds the setting client_protocol_version to each URL, which
//     18.16 rejects ("Code: 115, Unknown setting client_protocol_version").
//   - Native: handshake, DDL and queries work (the protocol is negotiated
//     down to the server's revision 54412), but the batch API does not:
//     PrepareBatch sends "INSERT INTO t (…) FORMAT Native" and waits for the
//     block header; 18.16 reads the data of an INSERT with a FORMAT clause
//     from the query text instead, runs an empty insert and answers with an
//     empty block, so Append fails ("expected 0 arguments"). An INSERT …
//     VALUES with the rows bound through Exec hangs until the read timeout
//     (the server then waits for data blocks).
//
// So the driver has two insert paths, chosen by the server version the
// handshake reports (insert=auto) or by the DSN:
//
//   - batch (servers from 22.1 on): PrepareBatch, Append per row, Send — one
//     native block per batch, ClickHouse's fastest path. Not exercised here
//     (no such server); the tests run it when STOREFIT_CLICKHOUSE_DSN names
//     compose/'s clickhouse service (24.9).
//   - arrayjoin (older servers): one INSERT … SELECT … FROM (SELECT ? AS a0,
//     …) ARRAY JOIN a0 AS v0, … per batch, integer and string columns bound
//     as arrays, float columns bound as one hex string of their IEEE 754
//     bits taken apart by reinterpretAsFloat64 — exact, and 30 times faster
//     than clickhouse-go's literal per float (cast(x, 'Float64'), which the
//     server parses as a function call: 3.5 s for 10 000 rows of one float
//     against 0.11 s for ten). max_query_size is raised for it.
//
// Parameters are bound by clickhouse-go, which on servers without
// server-side parameters writes each value as a quoted, escaped literal
// into the statement; no SQL is built from data by the driver. Table names
// come from workload settings and are quoted with backquotes. 18.16 lacks
// DateTime64 (sub-second times), LowCardinality without a setting and
// compression codecs, so the layouts below use none of them.
//
// # Patterns
//
// agg: <table>(id Int64, ts DateTime('UTC'), region Int32, category Int32,
// product_id, customer_id, quantity, price_cents Int64), MergeTree
// PARTITION BY toYYYYMM(ts) ORDER BY (category, ts): Q5 (one category, one
// week) is one primary-key range in one or two partitions, Q3 (a 30-day
// window) reads one or two monthly partitions; Q1, Q2 and Q4 scan the
// columns they need. Q1 is sum(price_cents) / count() in Float64 (the
// reference's division), Q2 groups by toStartOfMonth(ts) in UTC, Q3 orders
// by revenue DESC, product_id LIMIT k, Q4 is uniqExact(customer_id), Q5
// sum(quantity), 0 for no rows. Window bounds are rounded up to whole
// seconds, which keeps half-open windows exact for whole-second times.
//
// series: <table>(hostname String, time Int64, ten Float64 fields),
// MergeTree PARTITION BY day ORDER BY (hostname, time) — TSBS's ClickHouse
// sort key is (tags_id, created_at), the same idea: a host's window is one
// range of the primary index (single-groupby, high-cpu), and windows over
// all hosts skip whole days. time holds Unix nanoseconds, since 18.16 has
// no DateTime64: readings at any nanosecond round-trip and query bounds
// need no rounding. <table>_tags (the ten tags, ReplacingMergeTree ORDER BY
// hostname) keeps each host's tags once. Buckets are time − ((time mod w) +
// w) mod w (epoch-aligned, right for times before 1970 too); hosts are
// matched by hostname IN (SELECT arrayJoin(?)), which the primary index
// uses. lastpoint is argMax(field, time) per host in one pass;
// groupby-orderby-limit groups every reading before the end and keeps the
// last Limit buckets (ORDER BY b DESC LIMIT n). Means are avg() (sum /
// count in Float64, as the reference).
//
// # Servers and tests
//
// compose/native/clickhouse.sh start installs Debian's clickhouse-server
// and clickhouse-client if missing, starts 18.16 on 127.0.0.1:9000 with its
// data under $STOREFIT_NATIVE_DIR and prints the DSN; CI runs the
// conformance suite against it (STOREFIT_CLICKHOUSE_DSN). The batch insert
// path runs only against a current server (compose/: clickhouse 24.9).
//
// # Expert review (at their best)
//
// What a ClickHouse engineer would change, and what was: the sort keys
// already serve the selective queries (Q5, one host's windows) and the
// scans read only their columns; no query cache answers (results say so,
// store settings "cache"); the pool (max_open_conns 32) is above the
// worker counts the capacity ramp reaches on two cores. The two changes
// worth more than 10% need a current server, not a driver setting:
// native-block inserts (the batch path, used from 22.1 on) instead of
// 18.16's INSERT … SELECT parsed per batch, and server-side query
// parameters instead of clickhouse-go binding literals into the text,
// which with 18.16's per-query set-up is most of its 2–6 ms floor per
// query (measured: docs/benchmarks.md, "Time series and analytics
// servers", quick scale, 2-core machine — Q5 reads one primary-key range
// in 2.3 ms against Postgres' 0.1 ms — and the arrayjoin insert path's 30×
// over literal floats above). Neither remedy could be measured here: this
// machine has only Debian's 18.16, and the figures must be read as
// 18.16's. compose/ runs ClickHouse 24.9 for that comparison: storefit run
// -w agg/mix -w series/mix --workers auto against it with insert=batch
// and with insert=arrayjoin gives the insert path's share, and against
// 18.16 the server's.
//
// # Connections
//
//	conns=shared|worker   one clickhouse-go pool for all workers (default,
//	                      max_open_conns connections), or a pool of one
//	                      connection per worker, one query in flight on it
//	                      (YCSB's semantics)
//
// The native protocol carries one query at a time on a connection; the
// result records the arrangement (results.Connection).
package clickhouse
