package syncwl

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/storefit/storefit/cdc/pgoutput"
)

// Logical is the CDC strategy over PostgreSQL logical replication, without
// Kafka: a publication of the tweets, follows and markers tables, a
// (persistent) replication slot with the pgoutput plugin, and one reader
// that decodes the stream with pglogrepl and groups committed transactions
// into batches (up to 500 changes or 20 ms), handing each batch to a
// bounded queue per view. Each view has its own applier goroutine, which
// applies its queue's batches in order (retrying while the view fails), so
// a view that is down holds back only itself — until its queue is full
// (Queue changes, default 100 000): then the reader blocks (back-pressure)
// and every view waits for it. The slot's confirmed position is the least,
// over the views, of the end LSN of the last transaction the view applied.
// A killed consumer (reader and appliers) loses what it held; the next
// resumes from the slot's confirmed position, so changes after it are
// delivered again — at least once, and views are idempotent.
type Logical struct {
	env  Env
	c    counters
	loop bgLoop
	// Batch and Linger bound a batch (defaults 500 changes, 20 ms).
	Batch  int
	Linger time.Duration
	// Queue bounds the changes queued for one view (default 100 000).
	Queue int
}

// logicalBatch is a batch of committed changes and the end LSN of its last
// transaction. The views share its changes and do not modify them.
type logicalBatch struct {
	changes []Change
	end     pglogrepl.LSN
}

// viewQueue holds the batches handed to one view's applier, bounded in
// changes (one batch is always let in, whatever its size).
type viewQueue struct {
	mu      sync.Mutex
	items   []logicalBatch
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
func (q *viewQueue) tryPut(b logicalBatch) bool {
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
func (q *viewQueue) take(ctx context.Context) (logicalBatch, error) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			b := q.items[0]
			q.items[0] = logicalBatch{}
			q.items = q.items[1:]
			q.n -= len(b.changes)
			q.mu.Unlock()
			signal(q.space)
			return b, nil
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return logicalBatch{}, ctx.Err()
		case <-q.ready:
		}
	}
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

// Name returns "cdc-logical".
func (l *Logical) Name() string { return "cdc-logical" }

func (l *Logical) replConn(ctx context.Context) (*pgconn.PgConn, error) {
	cc := l.env.Source.Config.ConnConfig.Config.Copy()
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	cc.RuntimeParams["replication"] = "database"
	cc.RuntimeParams["TimeZone"] = "UTC"
	conn, err := pgconn.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("cdc-logical: replication connection to %s:%d: %w", cc.Host, cc.Port, err)
	}
	return conn, nil
}

// Prepare creates the publication and the slot, dropping old ones.
func (l *Logical) Prepare(ctx context.Context, env Env) error {
	l.env = env
	if l.Batch <= 0 {
		l.Batch = 500
	}
	if l.Linger <= 0 {
		l.Linger = 20 * time.Millisecond
	}
	if l.Queue <= 0 {
		l.Queue = 100_000
	}
	if err := l.Cleanup(ctx); err != nil {
		return err
	}
	t := env.Source.Tables
	if _, err := env.Source.Pool.Exec(ctx, "CREATE PUBLICATION "+t.ident(t.Publication())+" FOR TABLE "+
		t.ident(t.Tweets())+", "+t.ident(t.Follows())+", "+t.ident(t.Markers())); err != nil {
		return fmt.Errorf("cdc-logical: create publication: %w", err)
	}
	conn, err := l.replConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := pglogrepl.CreateReplicationSlot(ctx, conn, t.Slot(), "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication}); err != nil {
		return fmt.Errorf("cdc-logical: create slot %s: %w", t.Slot(), err)
	}
	return nil
}

// Start starts the consumer.
func (l *Logical) Start(ctx context.Context) error {
	l.loop.start(ctx, l.consume)
	return nil
}

// Write commits fn; the consumer sees it in the WAL.
func (l *Logical) Write(ctx context.Context, fn TxFunc) error {
	_, err := runTx(ctx, &l.env, fn, nil)
	return err
}

// consume runs consumers until ctx ends, reconnecting after errors.
func (l *Logical) consume(ctx context.Context) {
	for ctx.Err() == nil {
		err := l.consumeOnce(ctx)
		if err != nil && ctx.Err() == nil {
			l.env.logf("sync: cdc-logical consumer: %v (reconnecting)", err)
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

func (l *Logical) consumeOnce(ctx context.Context) error {
	// One applier per view, each with its own queue and position.
	actx, stopAppliers := context.WithCancel(ctx)
	var appliers sync.WaitGroup
	defer func() {
		stopAppliers()
		appliers.Wait()
	}()
	queues := make([]*viewQueue, len(l.env.Views))
	for i, v := range l.env.Views {
		q := newViewQueue(l.Queue)
		queues[i] = q
		appliers.Add(1)
		go func() {
			defer appliers.Done()
			for {
				b, err := q.take(actx)
				if err != nil {
					return
				}
				if err := deliverTo(actx, &l.env, &l.c, v, b.changes); err != nil {
					return
				}
				q.setApplied(b.end)
			}
		}()
	}

	t := l.env.Source.Tables
	var (
		handed pglogrepl.LSN // end of the last batch handed to the views
		quiet  pglogrepl.LSN // handed, or the end of a later commit without changes
	)
	blocked := false
	// The position confirmed is the end of the last transaction every view
	// applied (see package pgoutput for why nothing else). A view that
	// applied every batch handed to it is at quiet: the commits after handed
	// had no change for the views.
	st := &pgoutput.Stream{
		Connect: l.replConn,
		Slot:    t.Slot(), Publication: t.Publication(), Batch: l.Batch, Linger: l.Linger,
		Flush: func(ctx context.Context, rows []pgoutput.Row, end pglogrepl.LSN, keepalive func() error) error {
			changes := make([]Change, 0, len(rows))
			for _, r := range rows {
				c, ok, err := decodeRow(t, r)
				if err != nil {
					return err
				}
				if ok {
					changes = append(changes, c)
				}
			}
			b := logicalBatch{changes: changes, end: end}
			for i, q := range queues {
				for !q.tryPut(b) {
					// The view's queue is full: back-pressure. The reader
					// waits (and with it every view) and keeps the
					// replication connection alive meanwhile.
					if !blocked {
						blocked = true
						l.env.logf("sync: cdc-logical: view %s is %d changes behind, its queue is full: the reader waits for it", l.env.Views[i].Name(), l.Queue)
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
	return st.Run(ctx)
}

// decodeRow turns a row of a published table into a Change; ok is false
// for other tables.
func decodeRow(t Tables, r pgoutput.Row) (Change, bool, error) {
	op := OpUpsert
	if r.Op == pgoutput.Delete {
		op = OpDelete
	}
	col := r.Cols
	num := func(name string) (int64, error) {
		n, err := strconv.ParseInt(col[name], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("pgoutput: %s.%s: %w", r.Table, name, err)
		}
		return n, nil
	}
	var err error
	var c Change
	switch r.Table {
	case t.Tweets():
		c = Change{Entity: EntityTweet, Op: op, Body: col["body"]}
		if c.TweetID, err = num("id"); err != nil {
			return c, false, err
		}
		if c.UserID, err = num("user_id"); err != nil {
			return c, false, err
		}
		if c.LikeCount, err = num("like_count"); err != nil {
			return c, false, err
		}
		at, err := pgoutput.ParseTimestamptz(col["created_at"])
		if err != nil {
			return c, false, fmt.Errorf("pgoutput: %s.created_at: %w", r.Table, err)
		}
		c.CreatedAt = at
	case t.Follows():
		c = Change{Entity: EntityFollow, Op: op}
		if c.Src, err = num("src"); err != nil {
			return c, false, err
		}
		if c.Dst, err = num("dst"); err != nil {
			return c, false, err
		}
	case t.Markers():
		c = Change{Entity: EntityMarker, Op: op}
		if c.Seq, err = num("seq"); err != nil {
			return c, false, err
		}
	default:
		return c, false, nil
	}
	c.CommitTime, c.Pos = r.CommitTime, uint64(r.End)
	return c, true, nil
}

// Restart kills the consumer and starts a new one from the slot.
func (l *Logical) Restart(ctx context.Context) error {
	l.loop.restart()
	l.c.mu.Lock()
	l.c.restarts++
	l.c.mu.Unlock()
	return nil
}

// Stop stops the consumer.
func (l *Logical) Stop() error { l.loop.stop(); return nil }

// Cleanup drops the slot and the publication.
func (l *Logical) Cleanup(ctx context.Context) error {
	t := l.env.Source.Tables
	p := l.env.Source.Pool
	var exists bool
	if err := p.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)", t.Slot()).Scan(&exists); err != nil {
		return fmt.Errorf("cdc-logical: %w", err)
	}
	if exists {
		// The walsender of a stopped consumer may hold the slot a moment.
		var err error
		for range 50 {
			if _, err = p.Exec(ctx, "SELECT pg_drop_replication_slot($1)", t.Slot()); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("cdc-logical: drop slot %s: %w", t.Slot(), err)
		}
	}
	if _, err := p.Exec(ctx, "DROP PUBLICATION IF EXISTS "+t.ident(t.Publication())); err != nil {
		return fmt.Errorf("cdc-logical: drop publication: %w", err)
	}
	return nil
}

// Stats returns the counters.
func (l *Logical) Stats() StrategyStats { return l.c.stats() }
