package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/storefit/storefit/drivers"
)

func init() { drivers.Register("duckdb", Driver{}) }

var _ drivers.Versioner = (*Conn)(nil)

// Driver opens DuckDB databases.
type Driver struct{}

// Describe describes the duckdb driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/duckdb/duckdb-go/v2", "github.com/duckdb/duckdb-go-bindings"},
		Summary:    "DuckDB, an embedded columnar analytic SQL database (cgo)",
		Conn:       (*Conn)(nil),
		Embedded:   true,
		DSNExample: "/data/bench.duckdb?threads=2&memory_limit=4GB (empty: a temporary file)",
	}
}

// MemoryResident reports whether dsn selects an in-memory database
// (drivers.MemoryResident).
func (Driver) MemoryResident(dsn string) bool {
	cfg, err := ParseConfig(dsn)
	return err == nil && cfg.Path == MemoryPath
}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (Driver) ParseDSN(dsn string) error {
	_, err := ParseConfig(dsn)
	return err
}

// Open opens the database dsn names (see ParseConfig): a temporary file when
// the path is empty, removed again by Close.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig opens the database cfg describes.
func OpenConfig(ctx context.Context, cfg Config) (*Conn, error) {
	c := &Conn{cfg: cfg, stores: map[string]any{}}
	path := cfg.Path
	if path == "" {
		dir, err := os.MkdirTemp("", "storefit-duckdb-")
		if err != nil {
			return nil, fmt.Errorf("duckdb: temporary directory: %w", err)
		}
		c.tempDir = dir
		path = filepath.Join(dir, "storefit.duckdb")
	}
	connector, err := duckdb.NewConnector(cfg.connectorDSN(path), nil)
	if err != nil {
		c.removeTemp()
		return nil, fmt.Errorf("duckdb: open %s: %w", path, err)
	}
	c.db = sql.OpenDB(connector) // closes the connector when closed
	// Workers, loaders and their prepared statements each hold a
	// connection; keep them instead of reopening and re-preparing.
	c.db.SetMaxIdleConns(64)
	if err := c.db.PingContext(ctx); err != nil {
		c.db.Close()
		c.removeTemp()
		return nil, fmt.Errorf("duckdb: open %s: %w", path, err)
	}
	return c, nil
}

// Conn is an open DuckDB database. It is safe for concurrent use: every
// operation runs on a connection of a database/sql pool, and DuckDB runs
// transactions of different connections concurrently (optimistic
// concurrency control).
type Conn struct {
	cfg     Config
	db      *sql.DB
	tempDir string // removed at Close when not empty

	mu     sync.Mutex
	closed bool
	// stores holds the pattern stores handed out, by pattern and table
	// name, so every handle of one table shares its loaders, prepared
	// statements and state.
	stores map[string]any

	// retries counts operations re-run after a transaction conflict.
	retries atomic.Int64
}

// Close flushes the rows loaders still buffer (so a kept database file
// holds them), closes the database and, when it lives in a temporary
// directory, removes it.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	var closers []closer
	for _, s := range c.stores {
		if cl, ok := s.(closer); ok {
			closers = append(closers, cl)
		}
	}
	c.stores = nil
	c.mu.Unlock()
	var errs []error
	for _, cl := range closers {
		errs = append(errs, cl.close())
	}
	if err := c.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("duckdb: close: %w", err))
	}
	errs = append(errs, c.removeTemp())
	return errors.Join(errs...)
}

// closer is implemented by stores that hold appenders or statements; close
// flushes and releases them.
type closer interface{ close() error }

func (c *Conn) removeTemp() error {
	if c.tempDir == "" {
		return nil
	}
	if err := os.RemoveAll(c.tempDir); err != nil {
		return fmt.Errorf("duckdb: remove temporary data: %w", err)
	}
	return nil
}

// Version reports the DuckDB library version and its source id.
func (c *Conn) Version(ctx context.Context) (string, error) {
	var v, src string
	if err := c.db.QueryRowContext(ctx, "SELECT library_version, source_id FROM pragma_version()").Scan(&v, &src); err != nil {
		return "", fmt.Errorf("duckdb: version: %w", err)
	}
	return "DuckDB " + v + " (" + src + ")", nil
}

// Retries returns the number of operations re-run after a transaction
// conflict (two transactions writing one row) since the Conn was opened.
func (c *Conn) Retries() int64 { return c.retries.Load() }

// store returns the pattern store cached under key, made by mk on first
// use.
func store[T any](c *Conn, key string, mk func() *T) (*T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.New("duckdb: database is closed")
	}
	if s, ok := c.stores[key]; ok {
		if t, ok := s.(*T); ok {
			return t, nil
		}
	}
	s := mk()
	c.stores[key] = s
	return s, nil
}

// quote returns name as a quoted SQL identifier. Table names come from
// workload schemas, never from data; quoting keeps any name valid.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// checkName rejects table names DuckDB cannot hold.
func checkName(pattern, name string) error {
	if name == "" {
		return fmt.Errorf("duckdb: %s table needs a name", pattern)
	}
	if strings.ContainsRune(name, 0) {
		return fmt.Errorf("duckdb: %s table name %q contains a NUL byte", pattern, name)
	}
	return nil
}

// errorType returns the DuckDB error class of err, or -1.
func errorType(err error) duckdb.ErrorType {
	var de *duckdb.Error
	if errors.As(err, &de) {
		return de.Type
	}
	return -1
}

// isConflict reports a transaction conflict: another transaction wrote the
// same row first. Re-running the transaction may succeed.
func isConflict(err error) bool { return errorType(err) == duckdb.ErrorTypeTransaction }

// isDuplicate reports a violated primary key or unique constraint.
func isDuplicate(err error) bool {
	return errorType(err) == duckdb.ErrorTypeConstraint && strings.Contains(err.Error(), "Duplicate key")
}

// maxAttempts bounds how often an operation is tried on conflicts.
const maxAttempts = 50

// retry runs fn until it succeeds, fails with something other than a
// transaction conflict, or has been tried maxAttempts times, sleeping a
// short random backoff between attempts. Re-runs are counted in c.retries.
func (c *Conn) retry(ctx context.Context, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !isConflict(err) || attempt >= maxAttempts {
			return err
		}
		c.retries.Add(1)
		backoff := time.Duration(rand.Int64N(int64(min(attempt, 10)) * int64(100*time.Microsecond)))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// inTx runs fn in a transaction on its own connection, committing when fn
// succeeds and rolling back otherwise, and retries the whole transaction
// on conflicts.
func (c *Conn) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return c.retry(ctx, func() error {
		tx, err := c.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return errors.Join(err, ignoreDone(tx.Rollback()))
		}
		return tx.Commit()
	})
}

// ignoreDone drops sql.ErrTxDone: a failed statement may already have ended
// the transaction.
func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// execAll runs statements in order, stopping at the first error.
func execAll(ctx context.Context, db *sql.DB, stmts ...string) error {
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	return nil
}

// firstLine returns s up to its first newline, for error messages.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// indexes creates a store's indexes once: at FinishLoad, or before the
// first write that needs them (a unique index enforcing a key) when a store
// is written without a bulk load. Setup drops them with the table (reset).
type indexes struct {
	create []string // CREATE … INDEX IF NOT EXISTS statements
	mu     sync.Mutex
	done   atomic.Bool
}

// ensure creates the indexes unless they exist.
func (ix *indexes) ensure(ctx context.Context, db *sql.DB) error {
	if ix.done.Load() {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.done.Load() {
		return nil
	}
	if err := execAll(ctx, db, ix.create...); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	ix.done.Store(true)
	return nil
}

// reset records that the indexes are gone (their table was dropped).
func (ix *indexes) reset() {
	ix.mu.Lock()
	ix.done.Store(false)
	ix.mu.Unlock()
}

// sortTable rewrites table sorted by orderBy: its rows are copied in that
// order into a fresh table made by create, which replaces it in one
// transaction. The table's indexes go with it; statements prepared on it
// must be closed first.
func (c *Conn) sortTable(ctx context.Context, table string, create func(name string) string, orderBy string) error {
	tmp := table + "__sorted"
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DROP TABLE IF EXISTS ` + quote(tmp),
			create(tmp),
			`INSERT INTO ` + quote(tmp) + ` SELECT * FROM ` + quote(table) + ` ORDER BY ` + orderBy,
			`DROP TABLE ` + quote(table),
			`ALTER TABLE ` + quote(tmp) + ` RENAME TO ` + quote(table),
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", firstLine(q), err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sort by %s: %w", orderBy, err)
	}
	return nil
}
