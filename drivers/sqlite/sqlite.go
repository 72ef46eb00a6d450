package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/storefit/storefit/drivers"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

func init() { drivers.Register("sqlite", Driver{}) }

var (
	_ drivers.Driver    = Driver{}
	_ drivers.Describer = Driver{}
	_ drivers.Conn      = (*Conn)(nil)
	_ drivers.Versioner = (*Conn)(nil)
)

// Driver opens SQLite databases.
type Driver struct{}

// Describe describes the sqlite driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"modernc.org/sqlite"},
		Summary:    "SQLite 3 (modernc.org/sqlite, pure Go), WAL, one writer connection and a pool of readers",
		Conn:       (*Conn)(nil),
		Embedded:   true,
		DSNExample: "/var/tmp/storefit.db?synchronous=normal&readers=8 (empty: a temporary database)",
	}
}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (Driver) ParseDSN(dsn string) error {
	_, err := ParseConfig(dsn)
	return err
}

// Open opens (creating if needed) the database the DSN names, or a new one
// in a temporary directory when it names none; see ParseConfig.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig opens the database cfg describes.
func OpenConfig(ctx context.Context, cfg Config) (*Conn, error) {
	c := &Conn{cfg: cfg, path: cfg.Path}
	if c.path == "" {
		dir, err := os.MkdirTemp("", "storefit-sqlite-")
		if err != nil {
			return nil, fmt.Errorf("sqlite: temporary directory: %w", err)
		}
		c.tempDir = dir
		c.path = filepath.Join(dir, "storefit.db")
	}
	fail := func(err error) (*Conn, error) {
		c.Close()
		return nil, err
	}
	// The writer first: it switches the file to WAL before readers open.
	w, err := sql.Open("sqlite", cfg.connDSN(c.path, false))
	if err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", c.path, err))
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	c.w = w
	wc, err := w.Conn(ctx)
	if err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", c.path, err))
	}
	c.writer = make(chan *writeConn, 1)
	c.writer <- &writeConn{conn: wc, stmts: map[string]*sql.Stmt{}}
	var mode string
	if err := wc.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", c.path, err))
	}
	if !strings.EqualFold(mode, "wal") {
		return fail(fmt.Errorf("sqlite: %s: journal_mode is %s, not wal", c.path, mode))
	}
	r, err := sql.Open("sqlite", cfg.connDSN(c.path, true))
	if err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", c.path, err))
	}
	r.SetMaxOpenConns(cfg.Readers)
	r.SetMaxIdleConns(cfg.Readers)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	c.r = r
	if err := r.PingContext(ctx); err != nil {
		return fail(fmt.Errorf("sqlite: open %s for reading: %w", c.path, err))
	}
	return c, nil
}

// Conn is an open SQLite database: one write connection, through which
// every write goes (SQLite admits one writer at a time, so writers queue in
// Go instead of spinning on SQLITE_BUSY), and a pool of read-only
// connections, which in WAL mode read concurrently with the writer and
// each other. Statements are prepared once per connection and kept. A Conn
// is safe for concurrent use.
type Conn struct {
	cfg     Config
	path    string // database file
	tempDir string // removed at Close; "" when the DSN named the file
	w, r    *sql.DB

	// writer is the one write connection; holding its token (a buffered
	// channel of one, so waiting honours the context) serializes writers.
	writer  chan *writeConn
	rstmts  sync.Map // query → *sql.Stmt on the reader pool
	closeMu sync.Mutex
	closed  bool
}

// writeConn is the write connection and its prepared statements. Only the
// holder of Conn.writer uses it.
type writeConn struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

// stmt returns the prepared statement for query on the write connection.
func (w *writeConn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := w.stmts[query]; ok {
		return s, nil
	}
	s, err := w.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", query, err)
	}
	w.stmts[query] = s
	return s, nil
}

// exec runs a statement on the write connection.
func (w *writeConn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// queryRow runs a one-row query on the write connection (reads that must
// see the transaction's own writes).
func (w *writeConn) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	s, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(ctx, args...), nil
}

// write runs f with the write connection, waiting for it while another
// writer holds it (or until ctx is done).
func (c *Conn) write(ctx context.Context, f func(w *writeConn) error) error {
	var w *writeConn
	select {
	case w = <-c.writer:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { c.writer <- w }()
	if w == nil {
		return errClosed
	}
	return f(w)
}

// tx runs f in an IMMEDIATE transaction on the write connection,
// committing when f returns nil and rolling back otherwise.
func (c *Conn) tx(ctx context.Context, f func(w *writeConn) error) error {
	return c.write(ctx, func(w *writeConn) error {
		if _, err := w.exec(ctx, "BEGIN IMMEDIATE"); err != nil {
			// A cancelled context can fail the call after BEGIN ran.
			return errors.Join(fmt.Errorf("begin: %w", err), w.rollback())
		}
		if err := f(w); err != nil {
			return errors.Join(err, w.rollback())
		}
		if _, err := w.exec(ctx, "COMMIT"); err != nil {
			return errors.Join(fmt.Errorf("commit: %w", err), w.rollback())
		}
		return nil
	})
}

// rollback ends the write connection's transaction, if there is one (an
// interrupted statement may have rolled it back already), even when the
// operation's context is done: otherwise the next writer would run inside
// it.
func (w *writeConn) rollback() error {
	_, err := w.exec(context.Background(), "ROLLBACK")
	if err == nil || strings.Contains(err.Error(), "no transaction is active") {
		return nil
	}
	return fmt.Errorf("rollback: %w", err)
}

// exec runs one statement on the write connection, in a transaction of its
// own (SQLite's autocommit).
func (c *Conn) exec(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	err = c.write(ctx, func(w *writeConn) error {
		res, err = w.exec(ctx, query, args...)
		return err
	})
	return res, err
}

// execScript runs statements in one transaction on the write connection.
func (c *Conn) execScript(ctx context.Context, stmts ...string) error {
	return c.tx(ctx, func(w *writeConn) error {
		for _, q := range stmts {
			// Not cached: DDL runs once.
			if _, err := w.conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
}

// stmt returns the prepared statement for query on the reader pool.
// database/sql prepares it on each connection the first time it runs there
// and keeps it.
func (c *Conn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.rstmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := c.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", query, err)
	}
	if prev, loaded := c.rstmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// query runs a read on the reader pool.
func (c *Conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// queryRow runs a one-row read on the reader pool.
func (c *Conn) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(ctx, args...), nil
}

// errClosed is returned by stores of a closed Conn.
var errClosed = errors.New("sqlite: database is closed")

// Close closes the database and, when it lives in a temporary directory,
// removes it.
func (c *Conn) Close() error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	c.rstmts.Range(func(k, v any) bool {
		errs = append(errs, v.(*sql.Stmt).Close())
		c.rstmts.Delete(k)
		return true
	})
	// Readers first: the writer, closing last, checkpoints the WAL into
	// the database file.
	if c.r != nil {
		errs = append(errs, c.r.Close())
	}
	if c.writer != nil {
		// Wait for the writer to be free, then leave nil in its place.
		if w := <-c.writer; w != nil {
			for _, s := range w.stmts {
				errs = append(errs, s.Close())
			}
			errs = append(errs, w.conn.Close())
		}
		c.writer <- nil
	}
	if c.w != nil {
		errs = append(errs, c.w.Close())
	}
	if c.tempDir != "" {
		errs = append(errs, os.RemoveAll(c.tempDir))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close %s: %w", c.path, err)
	}
	return nil
}

// Path returns the database file.
func (c *Conn) Path() string { return c.path }

// Version reports the SQLite library version, the Go module that provides
// it, and the durability settings: e.g. "SQLite 3.54.1
// (modernc.org/sqlite v1.62.0, pure Go); journal_mode=wal
// synchronous=NORMAL".
func (c *Conn) Version(ctx context.Context) (string, error) {
	var v string
	if err := c.r.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v); err != nil {
		return "", fmt.Errorf("sqlite: version: %w", err)
	}
	mod := "modernc.org/sqlite"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == mod {
				mod += " " + d.Version
			}
		}
	}
	return fmt.Sprintf("SQLite %s (%s, pure Go); journal_mode=wal synchronous=%s", v, mod, c.cfg.Synchronous), nil
}

// ident quotes a name (table, index) as an SQL identifier. Names come from
// workload settings, never from data; quoting keeps any of them valid.
func ident(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// checkName rejects names SQLite cannot store.
func checkName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("sqlite: empty %s name", kind)
	}
	if strings.ContainsRune(name, 0) {
		return fmt.Errorf("sqlite: %s name %q contains NUL", kind, name)
	}
	return nil
}

// bulkRows is the most rows one multi-row INSERT of a bulk load carries.
const bulkRows = 64

// valuesList returns "(?, …), (?, …)…": rows groups of cols placeholders.
func valuesList(rows, cols int) string {
	row := "(?" + strings.Repeat(", ?", cols-1) + ")"
	var b strings.Builder
	b.Grow(rows * (len(row) + 2))
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// bulkInsert inserts n rows of cols values on w (inside a transaction)
// with multi-row INSERTs of up to bulkRows rows: head is the statement up
// to VALUES ("INSERT INTO t (a, b) VALUES"), tail what follows the values
// (an ON CONFLICT clause, or ""), and row appends row i's values to dst.
func bulkInsert(ctx context.Context, w *writeConn, head, tail string, cols, n int, row func(dst []any, i int) []any) error {
	args := make([]any, 0, min(n, bulkRows)*cols)
	for lo := 0; lo < n; lo += bulkRows {
		hi := min(lo+bulkRows, n)
		args = args[:0]
		for i := lo; i < hi; i++ {
			args = row(args, i)
		}
		if len(args) != (hi-lo)*cols {
			return fmt.Errorf("sqlite: bulk insert: %d values for %d rows of %d columns", len(args), hi-lo, cols)
		}
		if _, err := w.exec(ctx, insertSQL(head, tail, hi-lo, cols), args...); err != nil {
			return err
		}
	}
	return nil
}

type insertKey struct {
	head, tail string
	rows, cols int
}

// insertSQLs caches the statements bulkInsert builds.
var insertSQLs sync.Map // insertKey → string

// insertSQL returns head, rows groups of cols placeholders, and tail.
func insertSQL(head, tail string, rows, cols int) string {
	k := insertKey{head, tail, rows, cols}
	if q, ok := insertSQLs.Load(k); ok {
		return q.(string)
	}
	q := head + " " + valuesList(rows, cols)
	if tail != "" {
		q += " " + tail
	}
	insertSQLs.Store(k, q)
	return q
}
