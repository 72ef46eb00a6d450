package placement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/twitter"
)

// outboxTable is the outbox's table in the source database.
const outboxTable = "tw_outbox"

// outboxRow is one captured row change: entity "tweet" (a = id, b =
// user_id, body, created), "like" (a = user_id, b = tweet_id, created) or
// "follow" (a = src, b = dst); op INSERT, UPDATE or DELETE; logged is when
// the trigger ran (inside the source write's transaction).
type outboxRow struct {
	id         int64
	entity, op string
	a, b       int64
	body       string
	created    time.Time
	logged     time.Time
}

// outboxDB is the outbox's table in one kind of source database.
type outboxDB interface {
	// create drops and creates the outbox table (empty).
	create(ctx context.Context) error
	// capture creates the triggers on the source's tables.
	capture(ctx context.Context) error
	// fetch returns the oldest n rows in id order.
	fetch(ctx context.Context, n int) ([]outboxRow, error)
	// remove deletes rows (they were applied), in one transaction.
	remove(ctx context.Context, rows []outboxRow) error
	// backlog counts the rows not applied yet.
	backlog(ctx context.Context) (int64, error)
	close() error
}

// captured are the source tables the outbox captures.
type captured struct {
	tweets, likes string
	follows       string // "" when no view is fed from follows
}

// outbox is the transactional outbox strategy: triggers write an outbox row
// in the same transaction as the source's own write, and a relay goroutine
// applies the oldest rows every interval, in batches, to the derived views,
// then deletes them. The table is the durable position: a relay killed
// mid-batch leaves its rows, and the next one applies them again (the App
// skips a change a view has already: sync.replays).
type outbox struct {
	app      *twitter.App
	db       outboxDB
	interval time.Duration
	batch    int

	applyMu sync.Mutex // one applier at a time (the loop or a drain)
	loopMu  sync.Mutex // guards cancel and done
	cancel  context.CancelFunc
	done    chan struct{}

	restarts, ignored atomic.Int64
	crash             atomic.Bool // tests: die after the next apply, before the delete
	errMu             sync.Mutex
	err               error // the first apply error not caused by a restart
}

func newOutbox(app *twitter.App, db outboxDB, interval time.Duration, batch int) *outbox {
	o := &outbox{app: app, db: db, interval: interval, batch: batch}
	app.SetPublisher(o)
	return o
}

// Publish does nothing: the trigger wrote the change in the source
// transaction. It reports an earlier relay failure, so a run notices.
func (o *outbox) Publish(ctx context.Context, c twitter.Change) error {
	o.errMu.Lock()
	defer o.errMu.Unlock()
	if o.err != nil {
		return fmt.Errorf("outbox relay failed earlier: %w", o.err)
	}
	return nil
}

func (o *outbox) beforeSetup(context.Context) error { return nil }

func (o *outbox) afterSetup(ctx context.Context) error { return o.db.create(ctx) }

// afterLoad creates the triggers (the load built the views in bulk) and
// starts the relay.
func (o *outbox) afterLoad(ctx context.Context) error {
	if err := o.db.capture(ctx); err != nil {
		return err
	}
	o.start()
	return nil
}

func (o *outbox) start() {
	o.loopMu.Lock()
	defer o.loopMu.Unlock()
	if o.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	o.cancel, o.done = cancel, make(chan struct{})
	go o.loop(ctx, o.done)
}

func (o *outbox) stop() {
	o.loopMu.Lock()
	defer o.loopMu.Unlock()
	if o.cancel == nil {
		return
	}
	o.cancel()
	<-o.done
	o.cancel = nil
}

func (o *outbox) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(o.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := o.pass(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, errCrashed) {
				o.errMu.Lock()
				if o.err == nil {
					o.err = err
				}
				o.errMu.Unlock()
			}
		}
	}
}

// pass applies the outbox's rows, oldest first, batch by batch, until it
// is empty.
func (o *outbox) pass(ctx context.Context) error {
	o.applyMu.Lock()
	defer o.applyMu.Unlock()
	for {
		rows, err := o.db.fetch(ctx, o.batch)
		if err != nil {
			return fmt.Errorf("outbox: read: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		changes := make([]twitter.Change, 0, len(rows))
		for i := range rows {
			if c, ok := o.change(&rows[i]); ok {
				changes = append(changes, c)
			}
		}
		if err := o.app.Apply(ctx, changes); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		if o.crash.CompareAndSwap(true, false) {
			return errCrashed // the rows stay: the next pass applies them again
		}
		if err := o.db.remove(ctx, rows); err != nil {
			return fmt.Errorf("outbox: delete applied rows: %w", err)
		}
		if len(rows) < o.batch {
			return nil
		}
	}
}

// change decodes a row. Only inserts feed the views: the application never
// updates a tweet's body or deletes, so UPDATE and DELETE rows (captured for
// completeness) are counted as sync.ignored and dropped.
func (o *outbox) change(r *outboxRow) (twitter.Change, bool) {
	if r.op != "INSERT" {
		o.ignored.Add(1)
		return twitter.Change{}, false
	}
	c := twitter.Change{Committed: r.logged}
	switch r.entity {
	case "tweet":
		c.Kind = twitter.TweetPosted
		c.Tweet = crud.Tweet{ID: crud.TweetID(r.a), UserID: crud.UserID(r.b), Body: r.body, CreatedAt: r.created.UTC()}
	case "like":
		c.Kind = twitter.Liked
		c.Like = crud.Like{UserID: crud.UserID(r.a), TweetID: crud.TweetID(r.b), CreatedAt: r.created.UTC()}
	case "follow":
		c.Kind = twitter.Followed
		c.Edge = graph.Edge{Src: graph.UserID(r.a), Dst: graph.UserID(r.b)}
	default:
		o.ignored.Add(1)
		return c, false
	}
	return c, true
}

// drain applies every row the outbox holds. A crash injected by a test
// that lands in this pass only drops the pass, as it would a relay: the
// rows stay and the next pass applies them (the flag is spent).
func (o *outbox) drain(ctx context.Context) error {
	err := o.pass(ctx)
	if errors.Is(err, errCrashed) {
		err = o.pass(ctx)
	}
	return err
}

func (o *outbox) restart(ctx context.Context) error {
	o.stop()
	o.restarts.Add(1)
	o.start()
	return nil
}

func (o *outbox) resetFigures() { o.restarts.Store(0); o.ignored.Store(0) }

func (o *outbox) figures(out map[string]float64) {
	out["sync.restarts"] = float64(o.restarts.Load())
	out["sync.ignored"] = float64(o.ignored.Load())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := o.db.backlog(ctx); err == nil {
		out["sync.backlog"] = float64(n)
	}
}

// close stops the relay after applying what the outbox holds.
func (o *outbox) close() error {
	o.stop()
	var err error
	o.loopMu.Lock()
	if o.done != nil { // it ran: apply the rest
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = o.drain(ctx)
		cancel()
	}
	o.loopMu.Unlock()
	return errors.Join(err, o.db.close())
}

// sqliteOutbox is the outbox in a SQLite source, through a connection of
// its own to the source's file (the driver serializes its own writers; the
// busy timeout makes this connection wait for them and them for it).
type sqliteOutbox struct {
	db  *sql.DB
	src captured
}

// sqlitePath returns the file a sqlite DSN names ("" for none).
func sqlitePath(dsn string) string {
	p := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func newSQLiteOutbox(path string, src captured) (*sqliteOutbox, error) {
	if path == "" {
		return nil, errors.New("outbox on sqlite needs the source's DSN to name its file (e.g. {dir}/source.db)")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &sqliteOutbox{db: db, src: src}, nil
}

func (s *sqliteOutbox) exec(ctx context.Context, stmts ...string) error {
	for _, st := range stmts {
		if _, err := s.db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("outbox: %s: %w", firstWords(st), err)
		}
	}
	return nil
}

func firstWords(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func (s *sqliteOutbox) create(ctx context.Context) error {
	return s.exec(ctx, "DROP TABLE IF EXISTS "+outboxTable,
		"CREATE TABLE "+outboxTable+" (id INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, op TEXT NOT NULL,"+
			" a INTEGER NOT NULL, b INTEGER NOT NULL, body TEXT, created INTEGER, logged INTEGER NOT NULL)")
}

// sqliteNow is the current time in Unix nanoseconds (millisecond
// resolution), as SQLite can tell it inside a trigger.
const sqliteNow = "CAST((julianday('now') - 2440587.5) * 86400000000000.0 AS INTEGER)"

func (s *sqliteOutbox) capture(ctx context.Context) error {
	ins := "INSERT INTO " + outboxTable + " (entity, op, a, b, body, created, logged) VALUES "
	type tab struct {
		table, entity, event, row string
	}
	tabs := []tab{
		{s.src.tweets, "tweet", "INSERT", "NEW.id, NEW.user_id, NEW.body, NEW.created_at"},
		{s.src.tweets, "tweet", "UPDATE OF body", "NEW.id, NEW.user_id, NEW.body, NEW.created_at"},
		{s.src.tweets, "tweet", "DELETE", "OLD.id, OLD.user_id, NULL, OLD.created_at"},
		{s.src.likes, "like", "INSERT", "NEW.user_id, NEW.tweet_id, NULL, NEW.created_at"},
		{s.src.likes, "like", "DELETE", "OLD.user_id, OLD.tweet_id, NULL, OLD.created_at"},
	}
	if s.src.follows != "" {
		tabs = append(tabs,
			tab{s.src.follows, "follow", "INSERT", "NEW.src, NEW.dst, NULL, NULL"},
			tab{s.src.follows, "follow", "DELETE", "OLD.src, OLD.dst, NULL, NULL"})
	}
	var stmts []string
	for _, t := range tabs {
		op, _, _ := strings.Cut(t.event, " ")
		name := outboxTable + "_" + t.table + "_" + strings.ToLower(op)
		stmts = append(stmts, "DROP TRIGGER IF EXISTS "+name,
			"CREATE TRIGGER "+name+" AFTER "+t.event+" ON "+t.table+" BEGIN "+
				ins+"('"+t.entity+"', '"+op+"', "+t.row+", "+sqliteNow+"); END")
	}
	return s.exec(ctx, stmts...)
}

func (s *sqliteOutbox) fetch(ctx context.Context, n int) ([]outboxRow, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, entity, op, a, b, coalesce(body, ''), coalesce(created, 0), logged FROM "+outboxTable+" ORDER BY id LIMIT ?", n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		var created, logged int64
		if err := rows.Scan(&r.id, &r.entity, &r.op, &r.a, &r.b, &r.body, &created, &logged); err != nil {
			return nil, err
		}
		r.created, r.logged = time.Unix(0, created).UTC(), time.Unix(0, logged)
		out = append(out, r)
	}
	return out, rows.Err()
}

// remove deletes the batch's id range: SQLite has one writer at a time, so
// ids are assigned in commit order and the range holds exactly the rows
// read.
func (s *sqliteOutbox) remove(ctx context.Context, rows []outboxRow) error {
	_, err := s.db.ExecContext(ctx, "DELETE FROM "+outboxTable+" WHERE id >= ? AND id <= ?", rows[0].id, rows[len(rows)-1].id)
	return err
}

func (s *sqliteOutbox) backlog(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+outboxTable).Scan(&n)
	return n, err
}

func (s *sqliteOutbox) close() error { return s.db.Close() }
