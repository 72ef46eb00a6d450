package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxStmts bounds the statements a cache keeps; further queries are
// prepared for one use.
const maxStmts = 512

// stmts caches prepared statements by SQL text. A *sql.Stmt is safe for
// concurrent use and prepares itself once on each pool connection it runs
// on, so an operation pays DuckDB's parse and plan once per connection
// instead of once per call. Queries whose text depends on the request (a
// field list, a number of hosts) are cached per shape, up to maxStmts.
type stmts struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmts(db *sql.DB) *stmts { return &stmts{db: db, m: map[string]*sql.Stmt{}} }

// get returns the prepared statement for query. When the cache is full it
// returns a statement the caller must close (done reports it).
func (s *stmts) get(ctx context.Context, query string) (st *sql.Stmt, done func(), err error) {
	s.mu.RLock()
	st = s.m[query]
	s.mu.RUnlock()
	if st != nil {
		return st, func() {}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st = s.m[query]; st != nil {
		return st, func() {}, nil
	}
	st, err = s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	if len(s.m) >= maxStmts {
		return st, func() { st.Close() }, nil
	}
	s.m[query] = st
	return st, func() {}, nil
}

// query runs a cached statement.
func (s *stmts) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, done, err := s.get(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	return st.QueryContext(ctx, args...)
}

// queryRow runs a cached statement that returns at most one row. (A Row
// keeps its statement's connection until scanned, so closing an uncached
// statement first is safe.)
func (s *stmts) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, done, err := s.get(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	return st.QueryRowContext(ctx, args...), nil
}

// exec runs a cached statement that returns no rows.
func (s *stmts) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, done, err := s.get(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	return st.ExecContext(ctx, args...)
}

// txExec runs a cached statement inside tx.
func (s *stmts) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, done, err := s.get(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

// reset closes every cached statement (the tables they read are about to
// be dropped and created again).
func (s *stmts) reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for q, st := range s.m {
		errs = append(errs, st.Close())
		delete(s.m, q)
	}
	return errors.Join(errs...)
}
