// Package redis is the storefit driver for Redis, the in-memory key-value
// server, through the rueidis client (github.com/redis/rueidis).
//
// # DSN
//
//	redis://[[user]:password@]host[:port][/db][?option=value&…]
//	redis://127.0.0.1:6379/0                  (the default; what compose/ starts)
//	redis://:s3cret@127.0.0.1:6379/0?scanindex=false
//
// Options: dial_timeout (Go duration, default 5s); scanindex (default
// true) keeps the sorted-set index point scans need; widecount (default
// true) keeps the column counts wide.Counter needs. Turning one off makes
// the workloads that need it n/a and the others cheaper (figures below).
// point_writes (blind, the default, or checked) is how point updates
// write (see Expert review).
// compose/native/redis.sh starts a server from Debian's redis-server
// package on 127.0.0.1:6379 without persistence and prints its DSN;
// `storefit up redis` runs it.
//
// # Client
//
// rueidis was measured against go-redis v9 (v9.23.0, default pool) on
// point/c, quick scale, 5 s after 1 s of warm-up, against one Redis 7.0.15
// on the same 2-core machine, the two runs interleaved four times: with 2
// workers rueidis made 26.5k–37.1k reads/s (median 34.6k, p99 116–225 µs),
// go-redis 26.7k–31.8k (median 28.3k, p99 157–360 µs); with 8 workers
// 48.8k–55.7k against 37.3k–42.4k. Its loads were faster too (108k–146k
// rows/s against 69k–114k). One rueidis client serves every worker: it
// pipelines the commands of concurrent callers on one connection
// (auto-pipelining) and allocates less per command.
// Client-side caching is off, so every read reaches the server, and
// retries are off, so a failed operation is counted, not hidden.
//
// Against redis-benchmark (eight interleaved rounds on one server, a
// 2-core machine shared with other work): `redis-benchmark -t get -d 1000
// -c 2 -n 150000 -r 100000` made 17k–38k GET/s, storefit point/c with 2
// workers (1 KB records as ten 100-byte fields) 17k–36k reads/s, a ratio
// of 0.66–1.68, median 0.97, 1.00 on the means. Per read the driver costs
// more than redis-benchmark: HMGET of ten fields takes the server 4.9 µs
// against 2.7 µs for GET (INFO commandstats), and the client about 19 µs
// of CPU against 11 µs, mostly kernel time: rueidis's writer and reader
// goroutines add a futex wake-up each way (BenchmarkPointRead with
// -cpuprofile: 52% syscalls, 13% futex, 32% scheduler). Dedicated
// connections (rueidis DisableAutoPipelining) used more system time and
// were not faster. The runner itself costs about 0.7 µs a read (noop).
//
// # Connections
//
// The connection options state and choose which client system is measured;
// the result records them (results.Connection) and reports show them:
//
//	conns=shared|worker      one rueidis client for all workers (default),
//	                         or a client of one connection per worker, one
//	                         command in flight on it: YCSB's semantics and
//	                         redis-benchmark's (-c N, N blocking connections)
//	pipelining=auto|off      with conns=shared: rueidis auto-pipelines the
//	                         workers' commands on its few shared connections
//	                         (default), or takes a pooled connection per
//	                         command, one in flight (DisableAutoPipelining)
//	io=netpoll|blocking      Go's network poller (default), or blocking
//	                         reads and writes on the worker's thread
//	                         (drivers/internal/blockconn through rueidis'
//	                         DialCtxFn); needs conns=worker or pipelining=off,
//	                         since auto-pipelined connections are read by
//	                         rueidis' own goroutines
//
// Compare with redis-benchmark -c N (no -P) under conns=worker: N
// connections, one request in flight on each. The default, auto-pipelining
// on shared connections, is what a Go service using rueidis runs, and can
// beat that figure by batching: a different system, which the result
// names. Without auto-pipelining rueidis does not watch the context while
// it waits for an answer, so a worker's client cuts its connection when the
// operation's context ends (a timeout, the end of the run) and redials.
//
// # Patterns
//
// Every key starts with the pattern's name and its table (or prefix), so
// the patterns and several tables share one database without colliding,
// and Setup deletes exactly its table's keys (SCAN MATCH + UNLINK). Table
// names and prefixes are restricted to letters, digits, '_', '.' and '-'.
//
// point: one hash per record, "point:<table>:<key>", fields field0 …
// field9: Read is one HMGET (all fields are always set, so a missing field
// means a missing record). Scans use, as YCSB's Redis binding does, a
// sorted set of every key, "point:<table>", but with score 0, so members
// are ordered by their bytes (YCSB scores a key by its Java hash code,
// which does not keep key order). Scan reads the keys with ZRANGEBYLEX,
// then HMGETs the records in one pipeline: two round trips, not a
// snapshot (a record deleted in between is left out); one Lua script doing
// both was measured at half the throughput (see Scan). Insert and Delete
// change record and index in one Lua script, so they never disagree.
// Update is one HSET (blind, as YCSB's binding; point_writes=checked makes
// it a script that answers drivers.ErrNotFound for a missing record, as
// HSET alone would create one). Loads are pipelined MULTI … EXEC batches: one HSET per record
// and one ZADD of the batch's keys. What the index costs, measured at
// quick scale (100 000 records of 10 × 100 bytes, Redis 7.0.15, a busy
// 2-core machine, so ranges): memory, 13.2 MB for 108 000 keys (122 bytes
// a key, 7% of the 1 712 bytes a record's hash takes); load, a ZADD costs
// the server 2.5 µs per key (INFO commandstats), as much as the 1 KB HSET
// of the record (2.3 µs), and point loads ran at 40k–72k rows/s with the
// index against 98k–173k without; inserts (point/d), p50 71–79 µs against
// 62 µs. Without it (scanindex=false) point/e is n/a.
//
// crud: hashes for users and tweets, a hash from handle to user id as the
// unique index, a hash per tweet of its likes (user id → time, so HSETNX
// refuses a second like and HLEN counts them), and a sorted set per user,
// "timeline:<user>", whose members are created_at ‖ tweet id encoded to
// sort bytewise, all with score 0: ZREVRANGEBYLEX LIMIT 0 20 returns the
// newest tweets, ties by id descending, with no sort. Like (check tweet
// and user, HSETNX the like, HINCRBY like_count), CreateTweet, DeleteTweet
// (tweet, likes and timeline entry) and UserByHandle are Lua scripts, so
// each is atomic and one round trip. Loads are pipelined HSETs and ZADDs
// (no MULTI: a load is not read until it is done) and trust the workload
// that loaded rows are new, as the pattern says: they do not look for
// duplicates. The scripts
// derive some key names (a user's timeline), which Redis Cluster would
// refuse; storefit speaks to a single server.
//
// wide: one hash per row, "wide:<table>:<id>", whose fields are the set
// columns' numbers and values their values. Redis removes a hash with its
// last field, which is the pattern's rule that a row without columns does
// not exist. ReadRow is HGETALL (sorted by column in the driver),
// ReadColumns HMGET. wide.Counter: the hash "wide:<table>" holds the
// number of rows setting each column, changed only by Lua scripts that set
// or delete a field and count it only if HSET added it or HDEL removed
// it, so counts stay exact under concurrent writers; without counts
// (widecount=false) writes are plain HSET/HDEL and wide/mix is n/a. The
// scripts cost little: on wide/rows, set_columns p50 58–59 µs with counts
// against 50–58 µs without, loads 61k–71k rows/s against 79k–91k.
//
// agg, graph, search and series are n/a. Redis core has no aggregation
// (agg, series: every query would read its rows into the driver), no
// full-text index (search: RediSearch is a module Debian's redis-server
// does not ship, as is RedisTimeSeries), and no traversal: neighbours are
// one SMEMBERS, but friends-of-friends, who-to-follow and paths would be
// computed by driver code, which would measure that code, not the store.
//
// # Sync views
//
// SyncSink keeps a view the way a timeline cache keeps it: a hash per
// tweet (author, body, creation time, like count) and a sorted set of
// each author's tweet ids scored by creation time; likes in a hash per
// tweet, follows in a set per user. A batch is one pipeline of each row's
// last change (HSET/ZADD/SADD and their removals, idempotent).
// Reconciliation reads the hashes and checks each tweet against its
// author's sorted set.
//
// # Expert review (at their best)
//
// What a Redis engineer would change: client-side caching stays off
// (results say so: store settings "cache"), so reads measure the server.
// Point updates write blind by default (point.BlindWriter): one HSET,
// as YCSB's Redis binding writes (HMSET), where the exact variant
// (point_writes=checked) runs a Lua script, EXISTS then HSET, so that an
// update of a missing record answers drivers.ErrNotFound. The point
// workloads update only records they know exist, so their answers are the
// same either way; results say which ran (store settings "point_writes").
// Measured (Redis 7.0.15, the shared 2-core machine at a load average of
// 35–38, so the throughput figures are noisy and to be measured again on
// a quiet machine): the server spends 4.55 µs per scripted update against
// 1.20 µs per HSET (INFO commandstats over 300 000 calls each, 100-byte
// values); redis-benchmark (8 connections, three interleaved pairs) made
// 12.5k–15.1k HSETs/s against 9.3k–13.5k scripted updates/s (12–58% more);
// storefit point/a (8 workers, 5 s after 3 s of warm-up, five interleaved
// pairs) had update p50 79–83 µs blind against 99–182 µs checked in four
// pairs of five (the fifth: 166 against 108), and a median throughput
// ratio of 1.85 (pairs ranged 0.17–8.4: the machine's noise). Past the
// 10% bar, so blind is the default. To measure it again on a quiet
// machine: storefit run -w point/a --workers 8 --duration 10s --repeat 5,
// once with -s 'redis=…?point_writes=blind' and once with
// point_writes=checked.
//
// The scan index (a sorted set of every key) costs loads and inserts
// (figures above) and serves only point/e; scanindex=false drops it for
// suites without scans. Connection-level modes (pipelining, dedicated
// connections) are another issue's.
package redis
