package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// bulk loads rows into one table through DuckDB appenders.
//
// An appender belongs to one connection and is not safe for concurrent use,
// and every flush of an appender commits a transaction. So bulk keeps a
// small pool of long-lived appenders, each on its own connection: a Load
// call takes an idle one (or opens a new one), appends its batch and puts
// it back without flushing: a load commits once per row group (122 880
// rows) instead of once per batch.
//
// A Load call takes the idle appender whose run its batch continues (see
// run), so a loader that writes its share in key order keeps one appender,
// and an appender commits exactly one row group at a time: each row group
// then holds a contiguous stretch of one loader's rows. (With any idle
// appender taken, loaders' batches mixed inside appenders, and most of the
// agg table's row groups spanned months.)
//
// Rows buffered in an appender are not visible to queries until flushed.
// Every read and write of a store calls sync first, which flushes all
// appenders when any holds rows (one atomic load otherwise); FinishLoad
// flushes and closes them. So an answer always covers every Load call that
// returned before it was asked.
type bulk struct {
	db    *sql.DB
	table string // unquoted table name

	mu  sync.Mutex // guards idle and all; taken before any appender's mu
	all []*appender
	// idle holds appenders no Load call is using.
	idle []*appender
	// pending is the number of rows appended and not yet flushed, over all
	// appenders.
	pending atomic.Int64
}

// appender is one connection with an appender on the bulk's table.
type appender struct {
	mu      sync.Mutex // held while appending and flushing
	conn    *sql.Conn
	app     *duckdb.Appender
	pending int64 // rows appended and not yet flushed
	next    int64 // the run key after the last batch (see run)
	closed  bool
}

func newBulk(db *sql.DB, table string) *bulk { return &bulk{db: db, table: table} }

// rowGroupSize is the number of rows of a DuckDB row group.
const rowGroupSize = 122_880

// maxAppenders bounds the appenders of one table: a Load call that
// continues no appender's run (see run) opens a new one up to this many,
// and takes any idle one beyond.
const maxAppenders = 16

// run identifies a loader's stream of batches so that it keeps one
// appender: a batch whose first key equals the key an appender's last batch
// ended before (next) continues that appender's run. Workloads load each
// share in key order (sale ids), so every loader keeps its own appender.
// The zero run continues nothing.
type run struct{ first, next int64 }

// append appends n rows: row(a, i) appends row i to a. The rows become
// visible at the next sync. An appender commits whenever it holds exactly
// a row group of rows (before DuckDB's own flush at 204 800), so each
// commit adds whole row groups of one loader's run: with loads in time
// order, every row group then covers a narrow time range and its zone map
// lets queries skip it. If row fails, the appender's unflushed rows are
// discarded and the appender closed: a failed load is not resumed.
func (b *bulk) append(ctx context.Context, r run, n int, row func(a *duckdb.Appender, i int) error) error {
	a, err := b.take(ctx, r)
	if err != nil {
		return err
	}
	a.mu.Lock()
	if a.closed { // dropped by a concurrent Setup
		a.mu.Unlock()
		return fmt.Errorf("append to %s: the table was set up again during the load", b.table)
	}
	added := int64(0) // rows appended and not yet counted in b.pending
	for i := range n {
		if err = row(a.app, i); err != nil {
			break
		}
		a.pending++
		added++
		if a.pending == rowGroupSize {
			b.pending.Add(added)
			added = 0
			if err = b.flushLocked(ctx, a); err != nil {
				break
			}
		}
	}
	b.pending.Add(added)
	if err == nil {
		a.next = r.next
		a.mu.Unlock()
		b.put(a)
		return nil
	}
	b.pending.Add(-a.pending)
	a.pending = 0
	cerr := a.discard()
	a.mu.Unlock()
	b.remove(a)
	return errors.Join(fmt.Errorf("append to %s: %w", b.table, err), cerr)
}

// take returns the idle appender whose run r continues, or a new one on a
// new connection, or (at maxAppenders) any idle one.
func (b *bulk) take(ctx context.Context, r run) (*appender, error) {
	b.mu.Lock()
	pick := -1
	for i, a := range b.idle {
		if r != (run{}) && a.next == r.first {
			pick = i
			break
		}
	}
	if pick < 0 && len(b.all) >= maxAppenders && len(b.idle) > 0 {
		pick = len(b.idle) - 1
	}
	if pick >= 0 {
		a := b.idle[pick]
		b.idle = append(b.idle[:pick], b.idle[pick+1:]...)
		b.mu.Unlock()
		return a, nil
	}
	b.mu.Unlock()
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("appender on %s: %w", b.table, err)
	}
	a := &appender{conn: conn}
	err = conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		app, err := duckdb.NewAppender(dconn, "", "", b.table)
		a.app = app
		return err
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("appender on %s: %w", b.table, err)
	}
	b.mu.Lock()
	b.all = append(b.all, a)
	b.mu.Unlock()
	return a, nil
}

func (b *bulk) put(a *appender) {
	b.mu.Lock()
	b.idle = append(b.idle, a)
	b.mu.Unlock()
}

func (b *bulk) remove(a *appender) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, x := range b.all {
		if x == a {
			b.all = append(b.all[:i], b.all[i+1:]...)
			break
		}
	}
}

// sync flushes every appender's buffered rows, if any, so queries see them.
func (b *bulk) sync(ctx context.Context) error {
	if b.pending.Load() == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for _, a := range b.all {
		errs = append(errs, b.flush(ctx, a))
	}
	return errors.Join(errs...)
}

// flush flushes one appender; b.mu is held.
func (b *bulk) flush(ctx context.Context, a *appender) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return b.flushLocked(ctx, a)
}

// flushLocked flushes one appender; a.mu is held.
func (b *bulk) flushLocked(ctx context.Context, a *appender) error {
	if a.pending == 0 || a.closed {
		return nil
	}
	err := a.app.FlushWithCancel(ctx)
	b.pending.Add(-a.pending)
	a.pending = 0
	if err != nil {
		return fmt.Errorf("flush rows into %s: %w", b.table, err)
	}
	return nil
}

// finish flushes and closes every appender and returns their connections
// to the pool. Later loads open new appenders.
func (b *bulk) finish(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for _, a := range b.all {
		errs = append(errs, b.flush(ctx, a))
		a.mu.Lock()
		errs = append(errs, a.close())
		a.mu.Unlock()
	}
	b.all, b.idle = nil, nil
	return errors.Join(errs...)
}

// discardAll drops every appender and its unflushed rows (before the table
// is dropped).
func (b *bulk) discardAll() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for _, a := range b.all {
		a.mu.Lock()
		b.pending.Add(-a.pending)
		a.pending = 0
		errs = append(errs, a.discard())
		a.mu.Unlock()
	}
	b.all, b.idle = nil, nil
	return errors.Join(errs...)
}

// close flushes and closes the appender; a.mu is held.
func (a *appender) close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	return errors.Join(a.app.Close(), a.conn.Close())
}

// discard drops the appender's unflushed rows and closes it; a.mu is held.
func (a *appender) discard() error {
	if a.closed {
		return nil
	}
	a.closed = true
	clearErr := a.app.Clear()
	closeErr := a.app.Close()
	if clearErr != nil {
		// A failed appender may refuse to clear; closing it is what matters.
		closeErr = errors.Join(clearErr, closeErr)
	}
	return errors.Join(closeErr, a.conn.Close())
}

// bulks is the set of bulk loaders of a store (one per table).
type bulks []*bulk

func (bs bulks) sync(ctx context.Context) error {
	for _, b := range bs {
		if err := b.sync(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (bs bulks) finish(ctx context.Context) error {
	var errs []error
	for _, b := range bs {
		errs = append(errs, b.finish(ctx))
	}
	return errors.Join(errs...)
}

func (bs bulks) discardAll() error {
	var errs []error
	for _, b := range bs {
		errs = append(errs, b.discardAll())
	}
	return errors.Join(errs...)
}
