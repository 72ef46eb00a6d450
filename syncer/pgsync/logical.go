package pgsync

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/storefit/storefit/cdc/pgoutput"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/syncer/outbox"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

// logical is the CDC strategy over PostgreSQL logical replication, without
// Kafka: a publication of the captured tables and a logical replication
// slot with the pgoutput plugin, both named per run; one reader decodes the
// stream (cdc/pgoutput) and groups committed transactions into batches (up
// to Options.Batch changes or Options.Linger), handing each batch to a
// bounded queue per view. Each view has its own applier, which applies its
// queue's batches in order, so a view that is down holds back only itself —
// until its queue is full (Options.Queue changes): then the reader blocks
// (back-pressure) and every view waits for it. The slot's confirmed
// position is the least, over the views, of the end LSN of the last
// transaction the view applied (only commit ends: never a keepalive's WAL
// end nor an XLogData message's start plus length, which lost changes at a
// restart). A consumer generation that dies loses what it held; the next
// resumes from the slot's confirmed position, so the changes after it are
// delivered again.
type logical struct {
	env       *syncer.Env
	cfg       *pgxpool.Config
	tables    syncer.Tables
	pool      *pgxpool.Pool
	repl      *pgconn.Config
	pub, slot string
}

func newLogical(env *syncer.Env) (syncer.Strategy, error) {
	var cfg *pgxpool.Config
	if env.Capture != nil {
		cfg, _ = env.Capture.DB.(*pgxpool.Config)
	}
	if cfg == nil {
		return nil, fmt.Errorf("cdc-logical reads PostgreSQL's WAL: it needs a postgres source")
	}
	return &logical{env: env, cfg: cfg, tables: env.Capture.Tables}, nil
}

// Prepare drops what a crashed run of the same name left (inactive slots,
// publications), creates the publication and the slot (after the load, so
// the stream starts after it), and gives the captured tables replica
// identity full so updates and deletes carry the whole old row.
func (l *logical) Prepare(ctx context.Context) error {
	masks, err := outbox.Masks(l.env)
	if err != nil {
		return err
	}
	cfg := l.cfg.Copy()
	cfg.MaxConns = 2
	if l.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	l.repl = cfg.ConnConfig.Config.Copy()
	if l.repl.RuntimeParams == nil {
		l.repl.RuntimeParams = map[string]string{}
	}
	l.repl.RuntimeParams["replication"] = "database"
	l.repl.RuntimeParams["TimeZone"] = "UTC"
	prefix := l.env.Options.Name
	if err := l.dropStale(ctx, prefix); err != nil {
		return err
	}
	run, err := runName()
	if err != nil {
		return err
	}
	l.pub, l.slot = prefix+"pub_"+run, prefix+"slot_"+run
	var tables []string
	for _, e := range []syncer.Entity{syncer.EntityTweet, syncer.EntityLike, syncer.EntityFollow} {
		if masks[e] == 0 {
			continue
		}
		t := ident(l.tables.Of(e))
		tables = append(tables, t)
		if !l.env.Options.InsertsOnly {
			if _, err := l.pool.Exec(ctx, "ALTER TABLE "+t+" REPLICA IDENTITY FULL"); err != nil {
				return fmt.Errorf("replica identity of %s: %w", t, err)
			}
		}
	}
	publish := "insert, update, delete"
	if l.env.Options.InsertsOnly {
		publish = "insert"
	}
	if _, err := l.pool.Exec(ctx, "CREATE PUBLICATION "+ident(l.pub)+" FOR TABLE "+strings.Join(tables, ", ")+" WITH (publish = '"+publish+"')"); err != nil {
		return fmt.Errorf("create publication: %w", err)
	}
	conn, err := l.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := pglogrepl.CreateReplicationSlot(ctx, conn, l.slot, "pgoutput", pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication}); err != nil {
		return fmt.Errorf("create slot %s: %w", l.slot, err)
	}
	return nil
}

// dropStale drops the inactive slots and the publications of an earlier
// run of the same name prefix that ended without cleaning up (a slot left
// behind makes the server keep WAL for it). Active slots belong to a run
// under way and are left alone.
func (l *logical) dropStale(ctx context.Context, prefix string) error {
	like := strings.ReplaceAll(prefix, "_", `\_`) + `slot\_%`
	if _, err := l.pool.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE $1 AND NOT active AND database = current_database()", like); err != nil {
		return fmt.Errorf("drop stale slots: %w", err)
	}
	rows, err := l.pool.Query(ctx, "SELECT pubname FROM pg_publication WHERE pubname LIKE $1", strings.ReplaceAll(prefix, "_", `\_`)+`pub\_%`)
	if err != nil {
		return fmt.Errorf("stale publications: %w", err)
	}
	var pubs []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return err
		}
		pubs = append(pubs, p)
	}
	rows.Close()
	for _, p := range pubs {
		slot := prefix + "slot_" + strings.TrimPrefix(p, prefix+"pub_")
		var active bool
		if err := l.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active)", slot).Scan(&active); err != nil {
			return err
		}
		if !active {
			if _, err := l.pool.Exec(ctx, "DROP PUBLICATION IF EXISTS "+ident(p)); err != nil {
				return fmt.Errorf("drop stale publication %s: %w", p, err)
			}
		}
	}
	return nil
}

func (l *logical) connect(ctx context.Context) (*pgconn.PgConn, error) {
	conn, err := pgconn.ConnectConfig(ctx, l.repl)
	if err != nil {
		return nil, fmt.Errorf("replication connection to %s:%d: %w", l.repl.Host, l.repl.Port, err)
	}
	return conn, nil
}

// Exec commits cmd at the source; the reader sees it in the WAL.
func (l *logical) Exec(ctx context.Context, cmd *syncer.Command) error {
	_, err := l.env.Exec(ctx, cmd)
	return err
}

// batch is a batch of committed changes and the end LSN of its last
// transaction. The views share its changes and do not modify them.
type batch struct {
	changes []syncer.Change
	end     pglogrepl.LSN
}

// viewQueue holds the batches handed to one view's applier, bounded in
// changes (one batch is always let in, whatever its size).
type viewQueue struct {
	mu      sync.Mutex
	items   []batch
	n, max  int
	applied pglogrepl.LSN // end of the last batch the view applied
	ready   chan struct{} // a batch was added
	space   chan struct{} // a batch was taken
}

func newViewQueue(max int) *viewQueue {
	return &viewQueue{max: max, ready: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// tryPut queues b unless the queue is full.
func (q *viewQueue) tryPut(b batch) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n > 0 && q.n+len(b.changes) > q.max {
		return false
	}
	q.items = append(q.items, b)
	q.n += len(b.changes)
	signal(q.ready)
	return true
}

// take returns the oldest batch, waiting for one until ctx ends.
func (q *viewQueue) take(ctx context.Context) (batch, error) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			b := q.items[0]
			q.items[0] = batch{}
			q.items = q.items[1:]
			q.n -= len(b.changes)
			q.mu.Unlock()
			signal(q.space)
			return b, nil
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return batch{}, ctx.Err()
		case <-q.ready:
		}
	}
}

func (q *viewQueue) setApplied(end pglogrepl.LSN) {
	q.mu.Lock()
	q.applied = end
	q.mu.Unlock()
}

func (q *viewQueue) appliedLSN() pglogrepl.LSN {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.applied
}

// confirmedLSN is the position the slot may confirm: the least, over the
// views, of the end of the last batch each applied — where a view that
// applied the last batch handed (handed) counts as at quiet (≥ handed: the
// commits between had no change for the views).
func confirmedLSN(queues []*viewQueue, handed, quiet pglogrepl.LSN) pglogrepl.LSN {
	pos := quiet
	for _, q := range queues {
		if a := q.appliedLSN(); a != handed && a < pos {
			pos = a
		}
	}
	return pos
}

// Run runs one consumer generation: the reader and an applier per view.
func (l *logical) Run(ctx context.Context, deliver syncer.Deliver) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queues := make([]*viewQueue, len(l.env.Sinks))
	var appliers sync.WaitGroup
	for i := range l.env.Sinks {
		q := newViewQueue(l.env.Options.Queue)
		queues[i] = q
		appliers.Add(1)
		go func() {
			defer appliers.Done()
			for {
				b, err := q.take(ctx)
				if err != nil {
					return
				}
				if err := deliver(ctx, i, b.changes); err != nil {
					cancel(err)
					return
				}
				q.setApplied(b.end)
			}
		}()
	}
	err := l.read(ctx, queues)
	cancel(err)
	appliers.Wait()
	// The cause is the reader's error, an applier's (an injected crash),
	// or the parent's cancellation: the end of the generation.
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// read runs the reader until ctx ends or the stream fails.
func (l *logical) read(ctx context.Context, queues []*viewQueue) error {
	var (
		handed pglogrepl.LSN // end of the last batch handed to the views
		quiet  pglogrepl.LSN // handed, or the end of a later commit without changes
	)
	blocked := false
	st := &pgoutput.Stream{
		Connect: l.connect,
		Slot:    l.slot, Publication: l.pub, Batch: l.env.Options.Batch, Linger: l.env.Options.Linger,
		Flush: func(ctx context.Context, rows []pgoutput.Row, end pglogrepl.LSN, keepalive func() error) error {
			changes := make([]syncer.Change, 0, len(rows))
			for _, r := range rows {
				c, ok, err := l.decode(r)
				if err != nil {
					return err
				}
				if ok {
					changes = append(changes, c)
				}
			}
			b := batch{changes: changes, end: end}
			for i, q := range queues {
				for !q.tryPut(b) {
					// The view's queue is full: back-pressure. The reader
					// waits (and with it every view) and keeps the
					// replication connection alive meanwhile.
					if !blocked {
						blocked = true
						l.env.Logf("sync cdc-logical: view %s is %d changes behind, its queue is full: the reader waits for it", l.env.Sinks[i].Name(), l.env.Options.Queue)
					}
					select {
					case <-ctx.Done():
						return ctx.Err()
					case <-q.space:
					case <-time.After(time.Second):
						if err := keepalive(); err != nil {
							return fmt.Errorf("status update: %w", err)
						}
					}
				}
			}
			blocked = false
			handed, quiet = end, end
			return nil
		},
		Quiet:     func(end pglogrepl.LSN) { quiet = end },
		Confirmed: func() pglogrepl.LSN { return confirmedLSN(queues, handed, quiet) },
	}
	if err := st.Run(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("cdc-logical: %w", err)
	}
	return nil
}

// decode turns a row of a captured table into a change; ok is false for
// other tables.
func (l *logical) decode(r pgoutput.Row) (syncer.Change, bool, error) {
	var e syncer.Entity
	switch r.Table {
	case l.tables.Tweets:
		e = syncer.EntityTweet
	case l.tables.Likes:
		e = syncer.EntityLike
	case l.tables.Follows:
		e = syncer.EntityFollow
	default:
		return syncer.Change{}, false, nil
	}
	col := r.Cols
	var err error
	num := func(name string) int64 {
		if err != nil {
			return 0
		}
		var n int64
		if n, err = strconv.ParseInt(col[name], 10, 64); err != nil {
			err = fmt.Errorf("pgoutput: %s.%s: %w", r.Table, name, err)
		}
		return n
	}
	at := func() time.Time {
		v, ok := col["created_at"]
		if err != nil || !ok {
			return time.Time{}
		}
		var t time.Time
		if t, err = pgoutput.ParseTimestamptz(v); err != nil {
			err = fmt.Errorf("pgoutput: %s.created_at: %w", r.Table, err)
		}
		return t
	}
	del := r.Op == pgoutput.Delete
	var c syncer.Change
	switch e {
	case syncer.EntityTweet:
		t := crud.Tweet{ID: crud.TweetID(num("id")), UserID: crud.UserID(num("user_id")), Body: col["body"], CreatedAt: at(), LikeCount: num("like_count")}
		c = syncer.TweetUpsert(t)
		if del {
			c = syncer.TweetDelete(t)
		}
	case syncer.EntityLike:
		lk := crud.Like{UserID: crud.UserID(num("user_id")), TweetID: crud.TweetID(num("tweet_id"))}
		if _, ok := col["created_at"]; ok {
			lk.CreatedAt = at()
		}
		c = syncer.LikeUpsert(lk)
		if del {
			c = syncer.LikeDelete(lk)
		}
	case syncer.EntityFollow:
		ed := graph.Edge{Src: graph.UserID(num("src")), Dst: graph.UserID(num("dst"))}
		c = syncer.FollowUpsert(ed)
		if del {
			c = syncer.FollowDelete(ed)
		}
	}
	if err != nil {
		return c, false, err
	}
	c.Commit, c.Pos = r.CommitTime, uint64(r.End)
	return c, true, nil
}

// Cleanup drops the slot and the publication.
func (l *logical) Cleanup(ctx context.Context) error {
	if l.pool == nil {
		return nil
	}
	defer l.pool.Close()
	if l.slot == "" {
		return nil
	}
	var err error
	// The walsender of a stopped consumer may hold the slot a moment.
	for range 50 {
		if _, err = l.pool.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", l.slot); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		err = fmt.Errorf("drop slot %s: %w", l.slot, err)
	}
	if _, perr := l.pool.Exec(ctx, "DROP PUBLICATION IF EXISTS "+ident(l.pub)); perr != nil {
		err = errors.Join(err, fmt.Errorf("drop publication: %w", perr))
	}
	return err
}

func init() {
	syncer.Register(syncer.StrategyInfo{Name: "cdc-logical", Summary: "logical decoding (a replication slot read with pgoutput) and an applier per view",
		New: newLogical})
}
