// Package pebble is the storefit driver for Pebble
// (github.com/cockroachdb/pebble/v2), the log-structured merge-tree
// key-value store CockroachDB is built on, running inside storefit: no
// server. It supports the point, wide and series patterns, each mapped onto
// ordered byte keys.
//
// # DSN
//
// A directory path, or a pebble: URL with options (see ParseConfig):
//
//	pebble                                  (no DSN) a fresh temporary directory, removed at Close
//	/var/tmp/storefit-pebble                this directory, created if missing and kept
//	pebble:///var/tmp/storefit-pebble?sync=true&cache=256MiB&memtable=64MiB
//	pebble://?sync=true                     temporary directory, with options
//
// # Durability
//
// The write-ahead log is on. By default (sync=false) a write returns once
// it is in the WAL and the memtable, without an fsync (pebble.NoSync): it
// survives a crash of the process, not of the machine. With sync=true every write and every load
// batch fsyncs the WAL before it returns (pebble.Sync). The setting is part
// of the version string results record (Conn.Version), next to the block
// cache (default 64 MiB) and memtable (default 64 MiB) sizes. Every level
// has a 10-bit Bloom filter, so a get of an absent key rarely reads a data
// block.
//
// # Key encoding
//
// Every key starts with one byte naming its key space, then the table name
// and a 0x00 terminator (table names may not contain 0x00), so each table is
// one contiguous key range and Setup drops it with one range deletion
// (followed by a compaction of the range, so a later run does not wade
// through tombstones). Integers are big-endian with the sign bit flipped,
// so byte order is numeric order.
//
//	point   'p' table 0x00 ycsbkey                → fields
//	wide    'w' table 0x00 id(8) col(4)           → value
//	        'c' table 0x00 col(4)                 → int64 count
//	series  's' table 0x00 hostname 0x00 time(8)  → 10 × float64
//	        'h' table 0x00 hostname               → tags
//
// # Point
//
// One key per record: the table prefix followed by the YCSB key, so keys
// sort as YCSB keys do and Scan (point.Scanner, workload e) is an iterator
// bounded by the table's range, seeked to the start key. The value holds
// every field in order, each as a uvarint length and its bytes (a 100-byte
// field costs 101 bytes; a 10-field YCSB record 1010 bytes). Read is one
// get that decodes the fields asked for. Update is a read-modify-write of
// the whole value, Insert checks that the key is new and Delete that it
// exists (so a missing key gives drivers.ErrNotFound, as the oracle does);
// each runs under one of 256 striped mutexes chosen by key hash, so two
// writers of one key never interleave, while reads take no lock. Load
// writes a load batch as one pebble.Batch, one commit, without reading
// (loaded keys are new by the contract): the store's fastest write path
// for keys that do not arrive sorted (sstable ingestion would need them
// sorted).
//
// # Wide
//
// One key per set cell (row id, column), so a row is a contiguous range in
// column order: ReadRow is a range scan of the row's prefix, and
// ReadColumns one point get per named column (most are absent and answered
// by the Bloom filters once the data is in sstables). One iterator seeked
// to each column costs the same (BenchmarkWideReadColumns: ≈10 µs for 5
// columns either way), so the simpler gets stay. A row exists while it has a cell: deleting the
// last cell removes the row with no extra bookkeeping.
//
// Counts (wide.Counter) are exact: one counter key per column holds the
// number of rows setting it, rewritten in the same atomic batch as the
// cells that change it. SetColumns and DeleteColumn take the row's stripe
// lock and get each cell to learn whether it was set; for the columns
// whose count changes (a cell that was not set, a deleted cell that was)
// they also take the counters' stripe locks (a separate set, after the
// row's, in ascending order), read the counts, and commit cells and new
// counts as one batch. Overwriting a set cell, the common case for popular
// columns, touches no counter. LoadRows does the same once per load batch
// for every column the batch sets. CountRowsWith is one get. So wide/mix
// is supported, not only wide/rows.
//
// A merge operator adding +1/-1 deltas (no counter lock) was tried first
// and dropped: a get merges every operand not yet compacted, and operands
// pile up in the memtable during a run (a get cost 90 µs after 1 000
// operands, 3 ms after 61 000), so the count got slower the longer a run
// lasted (p50 45 µs after 5 s of wide/mix at quick scale, against 1.4 µs
// with rewritten counters).
//
// # Series
//
// One key per reading: host, then time, so each host's readings are one
// range in time order, and the value is the ten fields as big-endian IEEE
// 754 bits (exact). One key per host holds its tags and lets queries list
// the hosts with a short scan instead of reading readings. LoadRows writes
// a batch's readings and its hosts' keys in one pebble.Batch. Every query
// is answered by range scans bounded by the window; none is a full scan:
//
//	single-groupby (MaxByTime)       one range scan per named host, over the window only
//	high-cpu-1 (HighCPU with hosts)  the same; the threshold is tested on each reading
//	high-cpu-all (HighCPU, no hosts) one window scan per host: reads every reading in the window
//	double-groupby (MeanByTimeHost)  one window scan per host: reads every reading in the window
//	lastpoint (LastPoint)            one reverse seek per host: reads one reading per host
//	groupby-orderby-limit (Recent…)  one reverse scan per host from the end, through the host's
//	                                 own limit latest buckets (a bucket among the latest overall is
//	                                 among the latest of every host that has readings in it)
//
// Queries over all hosts cost one seek per host, which is cheap for TSBS's
// host counts. There is no index on tags or fields: high-cpu reads every
// reading of its window to test usage_user, as a scan-based TSDB would.
//
// # Not supported
//
// crud, agg, graph and search are n/a: each needs secondary indexes
// (handles, timelines), aggregation or text analysis that a key-value
// store only gets by building them by hand, which would measure storefit's
// index code rather than Pebble.
package pebble
