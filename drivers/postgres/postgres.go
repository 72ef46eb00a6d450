package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/storefit/storefit/drivers"
)

func init() { drivers.Register("postgres", Driver{}) }

var (
	_ drivers.Versioner           = (*Conn)(nil)
	_ drivers.WorkerConner        = (*Conn)(nil)
	_ drivers.ConnectionDescriber = (*Conn)(nil)
)

// Driver opens connection pools to PostgreSQL servers.
type Driver struct{}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (Driver) ParseDSN(dsn string) error {
	_, err := ParseConfig(dsn)
	return err
}

// Open connects to the server dsn names (DefaultDSN when empty; see
// ParseConfig) and checks that it answers. The error of an unreachable
// server or a refused login is one line naming the address, never the
// password.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig opens a pool with a parsed configuration.
func OpenConfig(ctx context.Context, cfg Config) (*Conn, error) {
	c := &Conn{cfg: cfg, where: "postgres " + cfg.Address()}
	pool, err := pgxpool.NewWithConfig(ctx, cfg.Pool)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", c.where, oneLine(err))
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.Pool.ConnConfig.ConnectTimeout+time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%s: %s", c.where, oneLine(err))
	}
	c.pool, c.shared = pool, pool
	if c.hypertables() {
		if err := c.ensureTimescale(ctx); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return c, nil
}

// WorkerConn returns a Conn on a pgx connection of worker's own under
// conns=worker, nil under conns=shared (drivers.WorkerConner). Its pattern
// stores run their statements on that connection; each prepares its
// statements once, as a pooled connection does.
func (c *Conn) WorkerConn(ctx context.Context, worker int) (drivers.Conn, error) {
	if !c.cfg.Conn.Worker() {
		return nil, nil
	}
	pc, err := pgx.ConnectConfig(ctx, c.cfg.Pool.ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("%s: connection of worker %d: %s", c.where, worker, oneLine(err))
	}
	return &Conn{cfg: c.cfg, pool: pc, shared: c.shared, own: pc, where: c.where}, nil
}

// Connection says how the Conn reaches the server
// (drivers.ConnectionDescriber).
func (c *Conn) Connection() drivers.Connection {
	conn := drivers.Connection{
		Client:     "pgx (pgxpool)",
		Conns:      drivers.ConnsShared,
		PoolSize:   int(c.cfg.Pool.MaxConns),
		Pipelining: drivers.PipeliningOff,
		Prepared:   preparedText(c.cfg.Pool.ConnConfig.DefaultQueryExecMode),
		IO:         c.cfg.Conn.IOName(),
	}
	if c.cfg.Conn.Worker() {
		conn.Client, conn.Conns, conn.PoolSize = "pgx (a connection per worker)", drivers.ConnsWorker, 0
	}
	return conn
}

// preparedText says in words how pgx sends statements in mode m (DSN
// option default_query_exec_mode).
func preparedText(m pgx.QueryExecMode) string {
	switch m {
	case pgx.QueryExecModeCacheStatement:
		return "prepared once per connection (pgx statement cache), then Bind/Execute: pgbench -M prepared"
	case pgx.QueryExecModeCacheDescribe:
		return "described once per connection, sent unnamed each time (pgx cache_describe)"
	case pgx.QueryExecModeDescribeExec:
		return "described and executed each time, unnamed (pgx describe_exec)"
	case pgx.QueryExecModeExec:
		return "extended protocol, unnamed, not described (pgx exec): pgbench -M extended"
	case pgx.QueryExecModeSimpleProtocol:
		return "simple protocol, parameters inlined by the client (pgx simple_protocol): pgbench -M simple"
	}
	return m.String()
}

// Describe describes the postgres driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/jackc/pgx/v5"},
		Summary:    "PostgreSQL (pgx, pgxpool): every pattern in SQL — COPY loads, indexes after the load, tsvector+GIN with BM25, hstore",
		Conn:       (*Conn)(nil),
		DSNExample: drivers.RedactDSN(DefaultDSN),
	}
}

// Conn is a pool of connections to one PostgreSQL database, or (from
// WorkerConn) one worker's own connection. A pool Conn is safe for
// concurrent use; every pattern store it hands out shares the pool.
type Conn struct {
	cfg Config
	// pool is where statements run: the shared pool, or the worker's own
	// connection of a Conn from WorkerConn.
	pool querier
	// shared is the pool, for what needs one: loads that hold a
	// connection, Close.
	shared *pgxpool.Pool
	// own is the worker's connection of a Conn from WorkerConn, else nil.
	own   *pgx.Conn
	where string // "postgres host:port", the start of every error
}

// querier is what pgxpool.Pool and pgx.Conn both offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error)
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Close closes the pool, or a worker's connection.
func (c *Conn) Close() error {
	if c.own != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return c.own.Close(ctx)
	}
	c.shared.Close()
	return nil
}

// Version returns the server's version, e.g. "PostgreSQL 15.18 (Debian
// 15.18-0+deb12u1)", with TimescaleDB's when the series pattern uses it
// (the timescale store, or the postgres store with timescaledb=on): the
// extension being installed in the database says nothing of what was
// measured.
func (c *Conn) Version(ctx context.Context) (string, error) {
	var v string
	if err := c.pool.QueryRow(ctx, "SELECT current_setting('server_version')").Scan(&v); err != nil {
		return "", c.wrap(err, "version")
	}
	v = "PostgreSQL " + v
	if !c.hypertables() {
		return v, nil
	}
	var ts string
	if err := c.pool.QueryRow(ctx, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").Scan(&ts); err != nil {
		return "", c.wrap(err, "timescaledb version")
	}
	v += ", TimescaleDB " + ts
	if c.cfg.Timescale == TimescaleOn {
		v += " (series hypertables by timescaledb=on)"
	}
	return v, nil
}

// MemoryBound reports the memory bound the server was started with
// (compose/native/postgres.sh with STOREFIT_MEMORY, which records it as the
// setting storefit.memory_bound) and the cache settings it implies, read
// from the server: "256MiB: shared_buffers 64MB, effective_cache_size
// 256MB, work_mem 4MB (the OS page cache is not bounded)". It returns ""
// for a server started without one.
func (c *Conn) MemoryBound(ctx context.Context) (string, error) {
	var bound, shared, cache, work *string
	err := c.pool.QueryRow(ctx, `SELECT current_setting('storefit.memory_bound', true),
		current_setting('shared_buffers'), current_setting('effective_cache_size'), current_setting('work_mem')`).Scan(&bound, &shared, &cache, &work)
	if err != nil {
		return "", c.wrap(err, "memory settings")
	}
	if bound == nil || *bound == "" {
		return "", nil
	}
	return fmt.Sprintf("%s: shared_buffers %s, effective_cache_size %s, work_mem %s (the OS page cache is not bounded)",
		*bound, deref(shared), deref(cache), deref(work)), nil
}

func deref(s *string) string {
	if s == nil {
		return "?"
	}
	return *s
}

// Config returns the configuration the Conn was opened with.
func (c *Conn) Config() Config { return c.cfg }

// wrap returns err with the server address and what was being done, as one
// line; nil stays nil.
func (c *Conn) wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &opError{where: c.where, what: fmt.Sprintf(format, args...), err: err}
}

// opError is a failed operation: "postgres host:port: what: cause".
type opError struct {
	where, what string
	err         error
}

func (e *opError) Error() string { return e.where + ": " + e.what + ": " + oneLine(e.err) }
func (e *opError) Unwrap() error { return e.err }

// oneLine flattens an error message to one line.
func oneLine(err error) string {
	s := err.Error()
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

// SQLSTATE codes the driver maps to storefit errors.
const (
	uniqueViolation = "23505"
	undefinedTable  = "42P01"
)

// sqlState returns the SQLSTATE of a server error, or "".
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// ident quotes a name for SQL ("usertable" → "usertable", with quotes).
// Table names come from workload settings, never from data.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// checkName rejects table names Postgres would truncate or that leave no
// room for the suffixes of derived names (indexes, side tables).
func checkName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("postgres: %s needs a name", kind)
	}
	if len(name) > 40 {
		return fmt.Errorf("postgres: %s name %q is longer than 40 bytes", kind, name)
	}
	if strings.ContainsRune(name, 0) {
		return fmt.Errorf("postgres: %s name %q contains NUL", kind, name)
	}
	return nil
}

// ddl runs statements (DDL, maintenance) in the simple protocol, one round
// trip, outside a transaction block (VACUUM needs that).
func (c *Conn) ddl(ctx context.Context, what string, stmts ...string) error {
	for _, s := range stmts {
		if _, err := c.pool.Exec(ctx, s, pgx.QueryExecModeSimpleProtocol); err != nil {
			return c.wrap(err, "%s: %s", what, firstLine(s))
		}
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

// ceilMicro rounds t up to a whole microsecond, Postgres' time resolution.
// Stored times are whole microseconds (the generators use whole seconds), so
// ts >= t ⇔ ts >= ceilMicro(t) and ts < t ⇔ ts < ceilMicro(t): bounds between
// microseconds keep their meaning instead of being truncated.
func ceilMicro(t time.Time) time.Time {
	r := t.Truncate(time.Microsecond)
	if r.Before(t) {
		r = r.Add(time.Microsecond)
	}
	return r
}

// finishLoad builds a table's deferred indexes, then analyzes it — or
// vacuums and analyzes it when vacuum is set. After a bulk load, building an
// index once from sorted data is faster than maintaining it row by row;
// ANALYZE gives the planner statistics before the first query; VACUUM also
// sets the visibility map, which index-only scans need, at the cost of a
// pass over the table.
func (c *Conn) finishLoad(ctx context.Context, table string, vacuum bool, indexes ...string) error {
	if err := c.ddl(ctx, "finish load of "+table, indexes...); err != nil {
		return err
	}
	if vacuum {
		return c.ddl(ctx, "finish load of "+table, "VACUUM (ANALYZE) "+ident(table))
	}
	return c.ddl(ctx, "finish load of "+table, "ANALYZE "+ident(table))
}

// primaryKeyDDL returns a statement that adds a primary key on cols to
// table unless it has one, so FinishLoad may run again.
func (c *Conn) primaryKeyDDL(table string, cols ...string) string {
	q := make([]string, len(cols))
	for i, col := range cols {
		q[i] = ident(col)
	}
	lit := "'" + strings.ReplaceAll(ident(table), "'", "''") + "'"
	return "DO $sf$BEGIN IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = to_regclass(" + lit +
		") AND contype = 'p') THEN ALTER TABLE " + ident(table) + " ADD CONSTRAINT " + ident(table+"_pkey") +
		" PRIMARY KEY (" + strings.Join(q, ", ") + "); END IF; END$sf$"
}
