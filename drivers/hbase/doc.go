// Package hbase is the storefit driver for Apache HBase, the wide-column
// store of the Bigtable family, through HBase's REST gateway with net/http
// and its protobuf representation. It implements the point and wide
// patterns, the two HBase is built for: rows found by key, each holding
// any subset of an open set of columns.
//
// # DSN
//
//	http://127.0.0.1:8080                          (the default; what compose/native/hbase.sh starts)
//	http://hbase-rest.example:8080?namespace=bench&timeout=30s
//
// Options: namespace (default storefit; Open creates it, and Setup drops
// and creates tables only there) and timeout (per request, default 60 s).
// compose/native/hbase.sh starts HBase 2.6 standalone (master, region
// server and ZooKeeper in one JVM) and the gateway beside it.
//
// # Client
//
// HBase's own protocol is protobuf RPC to the region servers, found through
// ZooKeeper and hbase:meta; its Go client, github.com/tsuna/gohbase, is not
// served by the Go module proxy our machines reach, so storefit speaks to
// HBase's REST gateway instead — an HBase client in a JVM of its own, which
// HBase ships for clients without a Java runtime (the Thrift2 gateway is the
// other such route; neither module is published for 2.5 or 2.6 on Maven
// Central, so the gateway is hbase-rest 2.4.17, a 2.x client the 2.6
// server speaks to as to any). Every operation therefore crosses one more
// hop than a Java client's: Go → gateway (HTTP/1.1, keep-alive) → region
// server (RPC). Figures for this store are those of HBase behind its REST
// gateway, and docs/benchmarks.md says so beside them.
//
// Requests and answers are protobuf (application/x-protobuf: CellSet and
// Cell messages, written and read with google.golang.org/protobuf's
// protowire), the gateway's most compact representation: JSON and XML
// base64-encode every key, column and value. Row keys go in URL paths
// escaped; the gateway reads them as UTF-8 text, which the patterns' keys
// are (YCSB's user… keys, decimal user ids).
//
// # Schema
//
// One column family, f, per table: HBase's guide advises one or two
// families, as each family is a store of its own, flushed and compacted
// apart, and these tables read whole rows together. Family and qualifier
// names are short (one to three bytes), since HBase stores them in every
// cell, beside the row key. Each family keeps one version (VERSIONS 1: no
// reader asks for history), has a row Bloom filter (HBase's default, so a
// Get skips store files without the row) and no compression (values are
// random bytes or short strings).
//
// point: table usertable, row key = the YCSB key, a cell per field whose
// qualifier is the field number ("0" … "9"), and a marker cell f:_ = "1"
// in every record. The pattern wants Update and Delete of a missing key to
// fail (drivers.ErrNotFound), which a blind Put or Delete cannot tell:
// they are the gateway's check-and-put and check-and-delete on the marker
// (the region server checks and writes under the row lock, one round trip,
// no read first); a failed check (304) is ErrNotFound. Insert and Load are
// plain Puts, as YCSB's HBase binding writes: keys are new by the
// pattern's contract. Reads are one Get of the family, of the asked
// fields' cells, or of the marker alone (no fields). Scans (point/e) are
// the gateway's stateless table scan, GET /ns:usertable/*?startrow=…
// &limit=N, one request whose rows come back in protobuf chunks of
// hbase.rest.scan.fetchsize rows (10, the default). Loads send each batch
// as one request, which the gateway applies as one batched Table.put. No
// DATA_BLOCK_ENCODING: values of 100 bytes dominate the cells, so encoding
// the keys would save little and cost CPU on every read.
//
// wide: table prefs, row key = the user id in decimal, one cell per set
// column whose qualifier is the column number in fixed-width decimal
// ("017"), so HBase's byte order of qualifiers is the column order and
// ReadRow needs no sort. This is the layout wide-column stores are made
// for: an unset column is no cell at all (nothing stored, nothing read),
// and a row without cells does not exist — the pattern's rules are HBase's
// own. ReadRow is one Get of the family, ReadColumns one Get of the named
// columns (a 404 when the row sets none of them: all null), SetColumns one
// Put, DeleteColumn one Delete of the column's cells. The family uses
// FAST_DIFF block encoding, which stores each cell's key as a difference
// from the previous one: a row's twenty cells repeat its key, and their
// 12-byte values are smaller than their keys.
//
// wide.Counter is not implemented, so wide/mix is n/a and wide/rows
// measures the rest of the mix: HBase has no secondary index, and the
// count of rows setting a column could only be a scan of every row with a
// filter (HBase users run the RowCounter MapReduce job for that), or
// counters kept beside the data with Increment, which cannot be kept exact
// under concurrent writers without a check-and-mutate of the cell and an
// increment in one atomic step (a multi-row transaction HBase lacks).
//
// crud, agg, graph, search and series are n/a. series would fit HBase's
// storage — OpenTSDB keeps metrics in HBase, a row per series and hour —
// but every TSBS query aggregates (maxima and means per time bucket, the
// last point per host), which HBase does not do: OpenTSDB's daemons
// aggregate the cells they read, and so would this driver, measuring its
// own code rather than the store. The same holds for agg and graph; crud's
// timeline and like count need secondary indexes and a multi-row
// transaction; search needs an inverted index.
//
// # Servers and tests
//
// The tests read STOREFIT_HBASE_DSN and skip without it unless
// STOREFIT_REQUIRE_SERVERS=1; CI (.ci/run) starts compose/native/hbase.sh
// and runs the conformance suite (drivers/drivertest) against it.
//
// # Connections
//
//	conns=shared|worker   one HTTP client whose keep-alive connections to
//	                      the REST gateway the workers share (default), or a
//	                      client of one connection per worker (YCSB's
//	                      semantics)
//
// HTTP/1.1 carries one request at a time on a connection; the result
// records the arrangement (results.Connection).
package hbase
