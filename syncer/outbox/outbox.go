// Package outbox is the transactional-outbox strategy of the sync engine
// (package syncer, which documents its guarantees, failure modes and lag):
// triggers on the source's tables write an outbox row for every captured
// row change in the writing transaction, and a relay per view applies the
// rows pending for it. The relay is the same for every database; a DB
// dialect holds the SQL. SQLite's is here (it needs no server client, so
// the embedded-only build keeps it); PostgreSQL's registers from
// syncer/pgsync.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

// Row is one captured change as a relay reads it: its outbox id, entity,
// the trigger's operation (INSERT, UPDATE, DELETE) and the row's columns
// as JSON (every column of the table, times as ISO 8601 strings or Unix
// nanoseconds).
type Row struct {
	ID     int64
	Entity syncer.Entity
	Op     string
	Data   []byte
}

// DB is the outbox in one kind of source database.
type DB interface {
	// Create drops and creates the outbox table, a partial index per view
	// over the rows pending for it, and the triggers on the source's
	// tables: each captured row change inserts an outbox row whose pending
	// bits are the views keeping its entity (masks; bit i: view i).
	Create(ctx context.Context, masks map[syncer.Entity]int64, views int, insertsOnly bool) error
	// Fetch returns the oldest n rows pending for view, by id.
	Fetch(ctx context.Context, view, n int) ([]Row, error)
	// Clear clears view's bit on the rows and deletes the rows no view
	// waits for any more, in one short transaction.
	Clear(ctx context.Context, view int, ids []int64) error
	// Backlog counts the rows some view still waits for.
	Backlog(ctx context.Context) (int64, error)
	// Drop removes the triggers, their function and the table.
	Drop(ctx context.Context) error
	// Close releases the connections.
	Close()
}

// Dialect opens the outbox DB of a capture whose database it knows (ok
// false for another kind), with the outbox table called table.
type Dialect func(ctx context.Context, c *syncer.Capture, table string, conns int) (db DB, ok bool, err error)

var (
	dialectsMu sync.Mutex
	dialects   []Dialect
)

// RegisterDialect adds a dialect (in init).
func RegisterDialect(d Dialect) {
	dialectsMu.Lock()
	dialects = append(dialects, d)
	dialectsMu.Unlock()
}

func open(ctx context.Context, c *syncer.Capture, table string, conns int) (DB, error) {
	dialectsMu.Lock()
	ds := append([]Dialect(nil), dialects...)
	dialectsMu.Unlock()
	for _, d := range ds {
		db, ok, err := d(ctx, c, table, conns)
		if ok {
			return db, err
		}
	}
	return nil, fmt.Errorf("the outbox has no dialect for a source database of type %T (postgres or sqlite)", c.DB)
}

// outbox is the transactional-outbox strategy: triggers on the source's
// tables insert an outbox row for every captured row change, in the
// writing transaction, with a pending bit per view that keeps its entity.
// Each view has its own relay: it reads the oldest rows with its bit set,
// in id order, in batches (polling when idle), hands them to the engine,
// then clears its bit; a row whose bits are all clear is deleted. A view's
// position is the set of rows with its bit set, not a "last id" cursor:
// ids are drawn before commit, so a transaction holding a lower id can
// commit after a higher one was applied, and a cursor would skip its row
// for good. Ids still follow commit order for any one row (its trigger runs
// after the row's lock is taken), and a relay always takes the oldest
// pending rows it sees, so a row's images reach a view in order.
type outbox struct {
	env *syncer.Env
	db  DB
}

func newOutbox(env *syncer.Env) (syncer.Strategy, error) {
	if env.Capture == nil || env.Capture.DB == nil {
		return nil, errors.New("the outbox captures changes with triggers in the source database: it needs a postgres or sqlite source")
	}
	if len(env.Sinks) > 62 {
		return nil, fmt.Errorf("%d views, at most 62 (a pending bit each)", len(env.Sinks))
	}
	return &outbox{env: env}, nil
}

// Masks returns, for each entity some view keeps, the mask of the views
// that keep it (bit i: view i); an entity kept but not captured (no table)
// is an error.
func Masks(env *syncer.Env) (map[syncer.Entity]int64, error) {
	out := map[syncer.Entity]int64{}
	for i, s := range env.Sinks {
		for _, e := range []syncer.Entity{syncer.EntityTweet, syncer.EntityLike, syncer.EntityFollow} {
			if !s.Keeps().Has(e) {
				continue
			}
			if env.Capture.Tables.Of(e) == "" {
				return nil, fmt.Errorf("view %s keeps %ss, which the source does not capture (no table)", s.Name(), e)
			}
			out[e] |= 1 << i
		}
	}
	return out, nil
}

// Prepare creates the outbox table and the triggers (after the load, which
// is not captured).
func (o *outbox) Prepare(ctx context.Context) error {
	masks, err := Masks(o.env)
	if err != nil {
		return err
	}
	if o.db, err = open(ctx, o.env.Capture, o.env.Options.Name+"outbox", len(o.env.Sinks)+2); err != nil {
		return err
	}
	return o.db.Create(ctx, masks, len(o.env.Sinks), o.env.Options.InsertsOnly)
}

// Exec commits cmd at the source; its triggers wrote the outbox rows.
func (o *outbox) Exec(ctx context.Context, cmd *syncer.Command) error {
	_, err := o.env.Exec(ctx, cmd)
	return err
}

// Run runs a relay per view.
func (o *outbox) Run(ctx context.Context, deliver syncer.Deliver) error {
	return syncer.RunPerView(ctx, len(o.env.Sinks), func(ctx context.Context, i int) error {
		for ctx.Err() == nil {
			n, err := o.relay(ctx, i, deliver)
			if err != nil {
				return err
			}
			if n < o.env.Options.Batch {
				select {
				case <-ctx.Done():
				case <-time.After(o.env.Options.Poll):
				}
			}
		}
		return nil
	})
}

// relay delivers one batch to view i: it reads the oldest rows pending for
// it, hands them over, then clears its bit. No lock is held while the view
// applies, so the relays never wait for each other.
func (o *outbox) relay(ctx context.Context, i int, deliver syncer.Deliver) (int, error) {
	rows, err := o.db.Fetch(ctx, i, o.env.Options.Batch)
	if err != nil || len(rows) == 0 {
		if err != nil && ctx.Err() == nil {
			return 0, fmt.Errorf("outbox: read view %s's rows: %w", o.env.Sinks[i].Name(), err)
		}
		return 0, nil
	}
	batch := make([]syncer.Change, 0, len(rows))
	ids := make([]int64, len(rows))
	for j, r := range rows {
		c, err := Decode(r.Entity, r.Op, r.Data)
		if err != nil {
			return 0, fmt.Errorf("outbox row %d: %w", r.ID, err)
		}
		c.Pos = uint64(r.ID)
		batch = append(batch, c)
		ids[j] = r.ID
	}
	if err := deliver(ctx, i, batch); err != nil {
		return 0, err // the bits stay set: the next relay delivers the rows again
	}
	if err := o.db.Clear(ctx, i, ids); err != nil {
		if ctx.Err() != nil {
			return 0, nil
		}
		return 0, fmt.Errorf("outbox: record view %s's position: %w", o.env.Sinks[i].Name(), err)
	}
	return len(rows), nil
}

// Figures reports the backlog: rows some view still waits for.
func (o *outbox) Figures() map[string]float64 {
	if o.db == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := o.db.Backlog(ctx)
	if err != nil {
		return nil
	}
	return map[string]float64{"sync.backlog": float64(n)}
}

// Cleanup drops the triggers, their function and the outbox table, so the
// source's tables are left as the application made them.
func (o *outbox) Cleanup(ctx context.Context) error {
	if o.db == nil {
		return nil
	}
	err := o.db.Drop(ctx)
	o.db.Close()
	return err
}

// PendingPred is the predicate of view i's pending rows, the bit a literal
// so the planner matches the partial index.
func PendingPred(i int) string { return fmt.Sprintf("pending & %d <> 0", int64(1)<<i) }

// jsonRow is a captured row's columns.
type jsonRow struct {
	ID        int64           `json:"id"`
	UserID    int64           `json:"user_id"`
	TweetID   int64           `json:"tweet_id"`
	Body      string          `json:"body"`
	CreatedAt json.RawMessage `json:"created_at"`
	LikeCount int64           `json:"like_count"`
	Src       int64           `json:"src"`
	Dst       int64           `json:"dst"`
}

// Decode turns a captured row into a change: op is the trigger's
// operation (INSERT, UPDATE, DELETE).
func Decode(e syncer.Entity, op string, data []byte) (syncer.Change, error) {
	var r jsonRow
	if err := json.Unmarshal(data, &r); err != nil {
		return syncer.Change{}, err
	}
	at, err := jsonTime(r.CreatedAt)
	if err != nil {
		return syncer.Change{}, err
	}
	del := op == "DELETE"
	switch e {
	case syncer.EntityTweet:
		t := crud.Tweet{ID: crud.TweetID(r.ID), UserID: crud.UserID(r.UserID), Body: r.Body, CreatedAt: at, LikeCount: r.LikeCount}
		if del {
			return syncer.TweetDelete(t), nil
		}
		return syncer.TweetUpsert(t), nil
	case syncer.EntityLike:
		l := crud.Like{UserID: crud.UserID(r.UserID), TweetID: crud.TweetID(r.TweetID), CreatedAt: at}
		if del {
			return syncer.LikeDelete(l), nil
		}
		return syncer.LikeUpsert(l), nil
	case syncer.EntityFollow:
		ed := graph.Edge{Src: graph.UserID(r.Src), Dst: graph.UserID(r.Dst)}
		if del {
			return syncer.FollowDelete(ed), nil
		}
		return syncer.FollowUpsert(ed), nil
	}
	return syncer.Change{}, fmt.Errorf("unknown entity %v", e)
}

// jsonTime reads a timestamp as PostgreSQL's to_jsonb writes it (an ISO
// 8601 string) or as SQLite stores it (Unix nanoseconds).
func jsonTime(raw json.RawMessage) (time.Time, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return time.Time{}, nil
	}
	if strings.HasPrefix(s, `"`) {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return time.Time{}, err
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("created_at %q: %w", v, err)
		}
		return t.UTC(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("created_at %s: %w", s, err)
	}
	return time.Unix(0, n).UTC(), nil
}

// FirstWords shortens a statement for an error message.
func FirstWords(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func init() {
	syncer.Register(syncer.StrategyInfo{Name: "outbox", Summary: "a transactional outbox (triggers write an event row in the write's own transaction) and a relay per view",
		New: newOutbox})
}
