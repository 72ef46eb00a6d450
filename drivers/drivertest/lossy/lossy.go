// Package lossy is a test store that loses writes: it wraps the memory
// oracle and silently drops one write in Every — it acknowledges the write
// (no error) and does not apply it. It exists to prove that storefit's
// verify step fails a run on a store that loses acknowledged writes; it is
// test code, never registered by the storefit binary.
//
// Dropped are the run's writes of every pattern that writes (point
// updates, read-modify-writes' updates and inserts; crud likes, tweet
// creates, body updates and deletes; wide column sets and deletes) and,
// since the series run only reads, loaded series readings. Bulk loads of
// the other patterns are kept, so the loaded data validates. With Reorder
// set, point updates are not dropped but held back and applied after the
// next update of the same record (or at Refresh), so the record keeps an
// older value: writes applied out of order. With Ambiguous set, nothing is
// lost: one write in Every fails with context.DeadlineExceeded, every other
// one of them after applying it — a store whose timed-out writes may or may
// not have applied, which the verify step must accept either way.
package lossy

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/point"
	"github.com/storefit/storefit/workloads/series"
	"github.com/storefit/storefit/workloads/wide"
)

// Driver opens lossy stores.
type Driver struct {
	// Every is how many writes make one dropped (1000: one in a thousand).
	Every int64
	// Reorder holds point updates back instead of dropping writes.
	Reorder bool
	// Ambiguous times writes out instead of dropping them, applying every
	// other one it times out.
	Ambiguous bool
}

// Open returns a new, empty lossy store; dsn is ignored.
func (d Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	inner, err := memory.Driver{}.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: inner.(*memory.Conn), every: max(d.Every, 1), reorder: d.Reorder, ambiguous: d.Ambiguous,
		held: map[string]heldUpdate{}}, nil
}

// Conn is a lossy store over a memory store.
type Conn struct {
	*memory.Conn
	every     int64
	reorder   bool
	ambiguous bool
	writes    atomic.Int64
	dropped   atomic.Int64

	mu   sync.Mutex
	held map[string]heldUpdate // Reorder: updates held back, by table and key
}

// Dropped returns the number of writes acknowledged and not applied (or,
// with Reorder, held back).
func (c *Conn) Dropped() int64 { return c.dropped.Load() }

// lose counts a write and reports whether to lose it.
func (c *Conn) lose() bool {
	if c.ambiguous || c.writes.Add(1)%c.every != 0 {
		return false
	}
	c.dropped.Add(1)
	return true
}

// write applies a write through do, unless it is lost; in Ambiguous mode
// one in Every fails with a timeout, after applying every other one.
func (c *Conn) write(do func() error) error {
	if !c.ambiguous {
		if c.lose() {
			return nil
		}
		return do()
	}
	n := c.writes.Add(1)
	if n%c.every != 0 {
		return do()
	}
	c.dropped.Add(1)
	if n/c.every%2 == 0 {
		if err := do(); err != nil {
			return err
		}
	}
	return context.DeadlineExceeded
}

// PointStore wraps the memory store's point table.
func (c *Conn) PointStore(s point.Schema) (point.Store, error) {
	in, err := c.Conn.PointStore(s)
	if err != nil {
		return nil, err
	}
	return &pointStore{Store: in, Scanner: in.(point.Scanner), c: c, table: s.Table}, nil
}

type heldUpdate struct {
	fields []int
	values [][]byte
}

type pointStore struct {
	point.Store
	point.Scanner
	c     *Conn
	table string
}

func (s *pointStore) Insert(ctx context.Context, key []byte, values [][]byte) error {
	if s.c.reorder {
		return s.Store.Insert(ctx, key, values)
	}
	return s.c.write(func() error { return s.Store.Insert(ctx, key, values) })
}

func (s *pointStore) Update(ctx context.Context, key []byte, fields []int, values [][]byte) error {
	if !s.c.reorder {
		return s.c.write(func() error { return s.Store.Update(ctx, key, fields, values) })
	}
	c, hk := s.c, s.table+"\x00"+string(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.held[hk]; ok {
		// Apply this update, then the older one held back.
		delete(c.held, hk)
		if err := s.Store.Update(ctx, key, fields, values); err != nil {
			return err
		}
		return s.Store.Update(ctx, key, h.fields, h.values)
	}
	if c.lose() {
		h := heldUpdate{fields: append([]int(nil), fields...)}
		for _, v := range values {
			h.values = append(h.values, append([]byte(nil), v...))
		}
		c.held[hk] = h
		return nil
	}
	return s.Store.Update(ctx, key, fields, values)
}

// Refresh applies the updates of the table still held back (Reorder),
// late.
func (s *pointStore) Refresh(ctx context.Context) error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for hk, h := range c.held {
		table, key, _ := strings.Cut(hk, "\x00")
		if table != s.table {
			continue
		}
		if err := s.Store.Update(ctx, []byte(key), h.fields, h.values); err != nil {
			return err
		}
		delete(c.held, hk)
	}
	return nil
}

// CrudStore wraps the memory store's crud tables.
func (c *Conn) CrudStore(s crud.Schema) (crud.Store, error) {
	in, err := c.Conn.CrudStore(s)
	if err != nil {
		return nil, err
	}
	return &crudStore{Store: in, c: c}, nil
}

type crudStore struct {
	crud.Store
	c *Conn
}

func (s *crudStore) Like(ctx context.Context, user crud.UserID, tweet crud.TweetID, at time.Time) error {
	return s.c.write(func() error { return s.Store.Like(ctx, user, tweet, at) })
}

func (s *crudStore) CreateTweet(ctx context.Context, id crud.TweetID, user crud.UserID, body []byte, at time.Time) error {
	return s.c.write(func() error { return s.Store.CreateTweet(ctx, id, user, body, at) })
}

func (s *crudStore) UpdateTweetBody(ctx context.Context, id crud.TweetID, body []byte) error {
	return s.c.write(func() error { return s.Store.UpdateTweetBody(ctx, id, body) })
}

func (s *crudStore) DeleteTweet(ctx context.Context, id crud.TweetID) error {
	return s.c.write(func() error { return s.Store.DeleteTweet(ctx, id) })
}

// WideStore wraps the memory store's wide table.
func (c *Conn) WideStore(s wide.Schema) (wide.Store, error) {
	in, err := c.Conn.WideStore(s)
	if err != nil {
		return nil, err
	}
	return &wideStore{Store: in, Counter: in.(wide.Counter), c: c}, nil
}

type wideStore struct {
	wide.Store
	wide.Counter
	c *Conn
}

func (s *wideStore) SetColumns(ctx context.Context, id int64, cols []int, values [][]byte) error {
	return s.c.write(func() error { return s.Store.SetColumns(ctx, id, cols, values) })
}

func (s *wideStore) DeleteColumn(ctx context.Context, id int64, col int) error {
	return s.c.write(func() error { return s.Store.DeleteColumn(ctx, id, col) })
}

// SeriesStore wraps the memory store's series table.
func (c *Conn) SeriesStore(s series.Schema) (series.Store, error) {
	in, err := c.Conn.SeriesStore(s)
	if err != nil {
		return nil, err
	}
	return &seriesStore{Store: in, c: c}, nil
}

type seriesStore struct {
	series.Store
	c *Conn
}

// LoadRows loads the batch but one reading in Every.
func (s *seriesStore) LoadRows(ctx context.Context, rows []series.Row) error {
	kept := make([]series.Row, 0, len(rows))
	for _, r := range rows {
		if !s.c.lose() {
			kept = append(kept, r)
		}
	}
	return s.Store.LoadRows(ctx, kept)
}

var (
	_ drivers.Refresher = (*pointStore)(nil)
	_ point.Scanner     = (*pointStore)(nil)
	_ wide.Counter      = (*wideStore)(nil)
)
