// Package postgres is the storefit driver for PostgreSQL, through pgx v5 and
// its pool (pgxpool): the "one database for everything" candidate, so every
// access pattern is implemented, each the way a Postgres expert would lay it
// out. Every optional interface is implemented too (point.Scanner,
// agg.DistinctCounter, search.Phraser, wide.Counter): nothing is n/a. Tested
// against PostgreSQL 15.
//
// # DSN
//
// A libpq connection URL or key=value string, as pgx reads it (pgxpool's
// pool_* settings included), e.g.
//
//	postgres://storefit:secret@127.0.0.1:5432/storefit?sslmode=disable
//	host=db.example port=5432 user=storefit password=secret dbname=storefit
//
// An empty DSN is DefaultDSN, the server compose/native/postgres.sh starts.
// storefit options, taken out before pgx sees the DSN:
//
//	search_rank=bm25|ts_rank     search ranking (default bm25, see below)
//	wide_encoding=hstore|jsonb   wide pattern's column map (default hstore)
//	timescaledb=off|on           series on plain tables (default) or hypertables
//
// Without pool_max_conns the pool holds up to 32 connections; connect_timeout
// defaults to 10 s and the session time zone to UTC. Open pings the server:
// a wrong password or an unreachable address is one error line naming the
// address, with the password redacted. Every later error starts with
// "postgres host:port:" and says what was being done.
//
// # Connections
//
// The connection options state and choose which client system is measured;
// the result records them (results.Connection) and reports show them:
//
//	conns=shared|worker   the workers share the pgxpool (default), or each
//	                      has a pgx connection of its own for the phase, one
//	                      statement in flight on it: YCSB's semantics, and
//	                      pgbench's (-c N clients, N connections)
//	io=netpoll|blocking   Go's network poller (default), or blocking reads
//	                      and writes on the worker's thread
//	                      (drivers/internal/blockconn, through pgx's
//	                      DialFunc), as libpq and pgbench do
//
// pgx never pipelines the workers' statements (pipelining=… is refused).
// Statements are prepared once per connection by default, as pgbench -M
// prepared; pgx's default_query_exec_mode=exec|simple_protocol|… DSN
// setting chooses another way, also recorded. With io=blocking a read that
// waits for the server sleeps in the kernel instead of parking the
// goroutine on the netpoller and waking through the scheduler: the
// client's CPU per round trip falls, which on a machine the client shares
// with the server is CPU the server gets. The thread is held while it
// waits, so it suits conns=worker (a thread per worker, as libpq's); with
// the shared pool it works too, each pooled connection blocking the thread
// of the goroutine that uses it. A deadline (a cancelled or timed-out
// operation) shuts the blocking connection down and pgx drops it.
//
// # Common ground
//
// Statements are parameterized and prepared: pgx's default statement cache
// prepares each distinct SQL text once per connection. Table and index names
// come from workload settings and are quoted as identifiers; no SQL is built
// from data. Bulk loads use COPY in binary format (pgx CopyFrom), one COPY
// per batch, loaders in parallel. Keys and secondary indexes are not created
// by Setup but by FinishLoad (drivers.LoadFinisher), which the runner calls
// once after all loaders, inside the timed load phase: building an index
// from the finished table is the bulk-load advice of Postgres' manual, and
// FinishLoad also ANALYZEs (and, where index-only scans matter, VACUUMs) the
// tables. Until FinishLoad, uniqueness is not enforced — loads bring new
// keys by contract — and loads after it stay correct, the indexes being
// maintained as usual. Loading point/a's 100 000 records this way (two
// loaders, key and ANALYZE included) takes as long as psql's \copy of the
// same CSV into the bare table, and 1.4–1.5 times less than \copy followed
// by the key (docs/benchmarks.md).
//
// Times are timestamptz (microseconds). Generated times are whole seconds,
// so query bounds between microseconds are rounded up (ts >= t ⇔ ts >=
// ⌈t⌉µs), which keeps half-open windows exact.
//
// # Patterns
//
// point: usertable(ycsb_key bytea, field0 … bytea), primary key on
// ycsb_key. bytea keeps any bytes and orders keys byte-wise whatever the
// database's collation, which Scan (point/e) needs: WHERE ycsb_key >= $1
// ORDER BY ycsb_key LIMIT $2. Reads copy the raw column bytes into the
// caller's buffers (no allocation per value). FinishLoad only ANALYZEs:
// reads fetch whole rows, so the visibility map would not pay for a VACUUM.
//
// crud: users(id, handle, name, bio, created_at), tweets(id, user_id, body,
// created_at, like_count), likes(user_id, tweet_id, created_at); keys
// users(id), tweets(id), likes(tweet_id, user_id) (the pair is unique and a
// tweet's likes are one index range), a unique index on users(handle), and
// the timeline index tweets(user_id, created_at DESC, id DESC), which
// answers a timeline page by an index-only scan. No foreign keys: parallel
// loads write references into parts not loaded yet, and the write
// statements check what they need. A like is one statement — WITH t AS
// (UPDATE tweets SET like_count = like_count + 1 WHERE id = $2 AND EXISTS
// (user) RETURNING id) INSERT INTO likes … FROM t — so one transaction: a
// duplicate (23505) undoes the increment and is crud.ErrDuplicate, an
// unknown tweet or user inserts nothing and is drivers.ErrNotFound, and the
// UPDATE's row lock orders it against a concurrent delete. DeleteTweet
// deletes the tweet, then its likes, in one pipelined transaction.
//
// agg: sales(id, ts, product_id, customer_id, quantity, price_cents, region,
// category), 8-byte columns first (no padding). Q1 and Q2 scan every row:
// parallel sequential scans with partial hash aggregation (the server runs
// two workers per gather). Q2 groups by date_trunc('month', ts AT TIME ZONE
// 'UTC'), an immutable expression, with extended statistics on (category,
// month): without them the planner expects a group per row and sorts a
// million rows (1.8 s against 0.28 s on the quick data set). Q3 is an
// index-only scan of (ts) INCLUDE (product_id, quantity, price_cents), Q5 of
// (category, ts) INCLUDE (quantity), Q4 counts the distinct (region,
// customer_id) pairs an index-only scan of that index yields in order (132
// ms against 615 ms for hash aggregation over the table). Integer results
// are exact (sum over bigint is numeric, cast back); Q1 divides sum by count
// in float8, as the reference does. agg/mix went from 2.2 to 19 ops/s with
// these (quick scale, 2 workers).
//
// graph: follows(src, dst), primary key (src, dst), so a user's followees
// are one index range read by index-only scans (FinishLoad VACUUMs for the
// visibility map), and an index on (dst, src) for walking edges backwards.
// Friends of friends and who-to-follow are one join each: two hops from u,
// minus u and its followees (NOT EXISTS), counted distinct, or grouped and
// ordered by score then id. The bounded shortest path is a bidirectional
// breadth-first search in two recursive CTEs — ⌈h/2⌉ hops forward from u,
// ⌊h/2⌋ backward from v, joined where they meet, the least sum of depths
// winning. Each side's rows are (node, depth) and UNION, not UNION ALL,
// drops rows produced before, so a node is expanded at most once per depth:
// the bound that keeps cycles and diamonds from multiplying rows as
// enumerating paths would. Two half searches touch about d^(h/2) edges
// each instead of d^h: graph/path went from 278 ops/s (p99 74 ms, one
// forward search) to 3 700 ops/s (p99 5.8 ms) on the quick graph. Reach
// (the users within h hops) cannot be bidirectional and a recursive CTE
// sees only the previous iteration's rows, so it would expand a user once
// per depth it is reached at; it is unrolled instead into one materialized
// CTE per level, each the previous level's followees EXCEPT u and the
// earlier levels (a hashed set operation that also makes the level
// distinct), and the levels' sizes are added: each user is expanded once.
//
// search: <index>(id, user_id, created_at, body, len, tsv) with a GIN index
// on tsv, plus <index>_stats (documents, tokens) and <index>_df (term,
// document frequency). Postgres' parser does not follow the analyzer
// contract — to_tsvector('simple', 'Foo-bar baz') is 'foo-bar':1 'foo':2
// 'bar':3 'baz':4, so "bar baz" stays a phrase but "baz foo" in "baz
// Foo-bar" does not, and e-mails, URLs and numbers get their own rules —
// so the driver tokenizes bodies with search.Tokens and loads the tsvector
// (lexemes with positions = token index + 1) ready-made. Queries are
// tsquery values of exact lexemes, never re-analyzed: 'a' & 'b', 'a' | 'b',
// and 'a' <-> 'b' for phrases (search.Phraser); counts are count(*) with @@,
// except that a one-term count is the term's document frequency, kept exact
// in <index>_df (as a search engine answers it from its postings list): a
// GIN bitmap scan cannot count without visiting each matching row's heap
// page, 30–80 ms for a term in 15 % of the quick corpus.
// Ranking is BM25 (k1 1.2, b 0.75) computed in SQL with float8 operations in
// the reference's order, from the statistics tables (FinishLoad computes
// the document frequencies with ts_stat in one pass; later loads update them
// in their transaction) and each matching document's tf (positions of the
// term in its tsvector) and length: relevance agreement with the reference
// is 1.000. search_rank=ts_rank uses Postgres' ts_rank instead: top-10 of a
// term in 15 % of the documents 34 ms against 54 ms for BM25, but relevance
// agreement 0.55 — below the default relevance floor (0.9), so with ts_rank
// validation fails and the cell is never ranked against stores that answer
// the BM25 top 10; with BM25 the floor is 0.99. tsvector limits apply: at most 256 positions per lexeme
// (tf is capped there), positions up to 16383, lexemes up to 2046 bytes — far
// beyond the generated corpus (8–30 words).
//
// series: TSBS's layout for TimescaleDB: <table>_tags (id, hostname COLLATE
// "C" unique, the nine other tags) and <table>(time, tags_id, ten float8
// fields); indexes (tags_id, time DESC) for one host's windows and the last
// point, and (time) for windows over all hosts. A B-tree, not BRIN: on the
// quick data set BRIN (16 pages per range) made no query faster
// (groupby-orderby-limit p50 2.0–3.3 ms against 1.1–2.4 ms). Buckets are
// date_bin(width, time, epoch), epoch-aligned as the contract wants;
// lastpoint is one index probe per host (LATERAL … ORDER BY time DESC LIMIT
// 1); groupby-orderby-limit finds the last reading before the end with one
// probe per host, reads only the last Limit bucket widths before it, and
// falls back to all earlier readings when gaps leave fewer buckets. Means
// are avg(float8), sum / count like the reference. These are plain tables
// whatever the server has installed: what PostgreSQL offers must not change
// what the postgres store measures (it once made hypertables whenever
// TimescaleDB was listed, and failed on a server that listed it without
// preloading it). timescaledb=on opts in explicitly: the readings table is
// then a hypertable of 12-hour chunks (uncompressed, date_bin buckets), the
// DSN in the result says so and the store version names TimescaleDB; Open
// fails unless the extension is usable (installed, preloaded and created
// in the database), naming what is missing.
//
// # Sync source and views
//
// PostgreSQL is the sync engine's source of truth (SyncSource: the
// tweets, likes and follows tables with primary keys; each command one
// transaction whose RETURNING clauses give the rows' images; a pool of its
// own with synchronous_commit on unless the DSN sets it) and can hold any
// view (SyncSink — under event sourcing, the source's own tables as a
// projection of the log): a batch is one transaction of set-based upserts
// (INSERT … SELECT FROM unnest … ON CONFLICT DO UPDATE) and deletes by
// key, each row's last image only. PoolConfig hands the capture strategies
// (outbox triggers, logical decoding, Debezium) the pool's configuration.
//
// # The timescale store
//
// This package also registers "timescale" (TimescaleDriver): the same Conn
// on a server with the TimescaleDB extension (DefaultTimescaleDSN: port
// 5433, where compose/native/timescale.sh and compose/'s timescaledb service
// start one), so results show TimescaleDB beside plain PostgreSQL. Open
// fails with one clear line unless the extension is usable: not installed,
// installed but not preloaded (shared_preload_libraries), or not creatable
// in the database. Its series table is a hypertable of 12-hour chunks with
// compression segmented by tags_id and ordered by time DESC; FinishLoad
// compresses every chunk after building the indexes (readings loaded later
// stay uncompressed in their chunk until compressed again), and buckets are
// time_bucket(width, time, origin => epoch): time_bucket's default origin,
// 2000-01-03, is not epoch-aligned for widths that do not divide a day
// (7 s). Other patterns are the postgres driver's, so they measure what
// TimescaleDB's preloaded library costs plain tables (nothing, by design).
// TimescaleDB is not packaged for Debian: compose/native/timescale.sh builds
// 2.28.3 from its release tarball and runs Debian's PostgreSQL 15 with it
// preloaded. CI starts it and runs the conformance suite against the
// timescale store (STOREFIT_TIMESCALE_DSN), checks that FinishLoad
// compresses every chunk and that appends after it are read, that the
// postgres store stays plain on the same server unless timescaledb=on, and
// that a server with TimescaleDB installed but not preloaded serves the
// postgres store's plain tables while the opt-ins refuse it.
//
// wide: <table>(id bigint primary key, cols hstore): a row's set columns as
// one map (pref_017 => value); ReadRow is each(cols), ReadColumns cols ->
// name per column, SetColumns an upsert merging maps (||), DeleteColumn one
// statement that deletes the row when its last column goes and otherwise
// removes the key. The count (wide.Counter) is answered by a GIN index on
// akeys(cols), the keys only, through a SQL function <table>_count that
// turns sequential scans off for its own plan: the planner costs akeys()
// like an operator and would otherwise scan the table for popular columns,
// building every row's key array (pref_000: 29–37 ms against 5–7 ms through
// the index, pgbench on a busy machine). hstore over jsonb by measurement (wide/mix,
// quick, 2 workers, three interleaved runs): 7.5–10.1k ops/s and 24–54k
// rows/s loaded against 4.5–6.4k ops/s and 5–17k rows/s; a GIN index on the
// whole jsonb or hstore also indexes every value (2.3 s to build and 15 MB
// on the quick data, against 86 ms and 760 kB for the keys), and jsonb has no
// built-in immutable function giving its keys. wide_encoding=jsonb keeps
// the jsonb layout with a jsonb_ops GIN index. Values must be UTF-8 without
// NUL (text).
//
// # Servers and tests
//
// compose/native/postgres.sh start installs PostgreSQL 15 from Debian
// packages if missing, starts it on 127.0.0.1 with its data under
// $STOREFIT_NATIVE_DIR and prints the DSN. The tests read
// STOREFIT_POSTGRES_DSN and skip without it unless STOREFIT_REQUIRE_SERVERS=1;
// one test starts a server of its own with the script and stops it in the
// middle of a run.
//
// # Expert review (at their best)
//
// What a PostgreSQL engineer would check, as this driver stands: every
// statement is prepared once per connection and bound (no re-planning);
// loads are binary COPY with indexes built after; the server script sets
// shared_buffers to 4 GB, jit off and synchronous_commit off (as every
// other store here, none fsyncs each commit; say which in results you
// publish); there is no query-result cache (store settings "cache": off).
// The two settings past the 10% bar are the ones already made, measured
// against their alternatives through DSN parameters (quick scale, 20 000
// records, 8 workers, 5 s after 3 s of warm-up, three interleaved pairs,
// PostgreSQL 15 on the shared 2-core machine at a load average of 33–37:
// the sizes are noisy, the directions not):
//
//   - synchronous_commit off against on (…&synchronous_commit=on, point/a):
//     8 435, 12 132 and 15 393 ops/s against 2 510, 5 278 and 4 366
//     (2.3–3.5×); update p50 0.13–0.38 ms against 1.4–1.8 ms, the WAL
//     flush of each commit. Durable runs set it on and say so.
//   - prepared statements (pgx's default, cache_statement) against the
//     simple protocol (…&default_query_exec_mode=simple_protocol, point/c):
//     9 745, 29 490 and 8 019 reads/s against 7 052, 15 475 and 4 818
//     (1.4–1.9×).
//
// No other driver setting was found that promises more than 10% on the
// quick-scale workloads (reviewed, not measured: the pool (32
// connections) is above the worker counts the capacity ramp reaches on
// two cores, and every query has the index or scan its pattern needs, see
// Patterns above); the connection modes (pool size, blocking connections)
// are another issue's.
package postgres
