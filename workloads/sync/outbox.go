package syncwl

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outbox is the transactional-outbox strategy: Write adds one event row per
// change to the outbox table in the source transaction, with a pending bit
// per view. Each view has its own relay, which takes the oldest events
// whose bit for its view is set, in id order, in batches (polling every
// 10 ms when idle), applies them to its view (retrying while the view
// fails), then clears its bit in a short transaction; a row whose bits are
// all clear is deleted in that transaction. A view that is down holds back
// only its own relay; its events stay in the table until it applied them.
// A killed relay loses its batch (its bit still set), so the next relay of
// that view delivers it again: at least once, and views are idempotent.
//
// A view's position is the set of rows with its bit set, not a "last id"
// cursor: ids are drawn before commit, so a transaction holding a lower id
// can commit after a higher one was applied, and a cursor would skip it.
// The bit set has no such gap; the order per row still holds, as ids
// follow commit order for any one row (the event row is inserted after
// the row's lock is taken), and a relay reads the oldest pending events
// it sees.
type Outbox struct {
	env   Env
	c     counters
	loops []bgLoop // one relay per view
	// Batch is a relay's batch size (default 500).
	Batch int
	// Poll is a relay's idle poll interval (default 10 ms).
	Poll time.Duration
}

// outboxEvent is an outbox row's payload.
type outboxEvent struct {
	Entity    Entity    `json:"entity"`
	Op        string    `json:"op"`
	TweetID   int64     `json:"tweet_id,omitempty"`
	UserID    int64     `json:"user_id,omitempty"`
	Body      string    `json:"body,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	LikeCount int64     `json:"like_count,omitempty"`
	Src       int64     `json:"src,omitempty"`
	Dst       int64     `json:"dst,omitempty"`
	Seq       int64     `json:"seq,omitempty"`
}

// Name returns "outbox".
func (o *Outbox) Name() string { return "outbox" }

// Prepare empties the outbox.
func (o *Outbox) Prepare(ctx context.Context, env Env) error {
	o.env = env
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Poll <= 0 {
		o.Poll = 10 * time.Millisecond
	}
	if len(env.Views) > 30 {
		return fmt.Errorf("outbox: %d views, at most 30 (a pending bit each)", len(env.Views))
	}
	t := env.Source.Tables
	if _, err := env.Source.Pool.Exec(ctx, "TRUNCATE "+t.ident(t.Outbox())); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	// A partial index per view over the events it has not applied, so a
	// relay finds its oldest ones without scanning the backlog of a view
	// that is behind (or the dead rows of applied ones).
	for i := range env.Views {
		if _, err := env.Source.Pool.Exec(ctx, "CREATE INDEX IF NOT EXISTS "+t.ident(fmt.Sprintf("%s_pending%d", t.Outbox(), i))+
			" ON "+t.ident(t.Outbox())+" (id) WHERE "+pendingPred(i)); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
	}
	return nil
}

// pendingPred is the predicate of view i's pending events, with the bit
// as a literal so the planner matches the partial index.
func pendingPred(i int) string { return fmt.Sprintf("pending & %d <> 0", int32(1)<<i) }

// Start starts a relay per view.
func (o *Outbox) Start(ctx context.Context) error {
	o.loops = make([]bgLoop, len(o.env.Views))
	for i := range o.env.Views {
		o.loops[i].start(ctx, func(ctx context.Context) { o.relay(ctx, i) })
	}
	return nil
}

// allPending is the pending mask of a new event: a bit per view.
func (o *Outbox) allPending() int32 { return int32(1)<<len(o.env.Views) - 1 }

// Write commits fn with its events.
func (o *Outbox) Write(ctx context.Context, fn TxFunc) error {
	t := o.env.Source.Tables
	_, err := runTx(ctx, &o.env, fn, func(ctx context.Context, tx pgx.Tx, changes []Change) error {
		for i := range changes {
			c := &changes[i]
			ev := outboxEvent{Entity: c.Entity, Op: string(c.Op), TweetID: c.TweetID, UserID: c.UserID, Body: c.Body,
				CreatedAt: c.CreatedAt, LikeCount: c.LikeCount, Src: c.Src, Dst: c.Dst, Seq: c.Seq}
			b, err := json.Marshal(ev)
			if err != nil {
				return fmt.Errorf("outbox: %w", err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO "+t.ident(t.Outbox())+" (payload, pending) VALUES ($1, $2)", b, o.allPending()); err != nil {
				return fmt.Errorf("outbox: insert event: %w", err)
			}
		}
		return nil
	})
	return err
}

// relay delivers the batches of view i until ctx ends.
func (o *Outbox) relay(ctx context.Context, i int) {
	for ctx.Err() == nil {
		n, err := o.relayBatch(ctx, i)
		if err != nil && ctx.Err() == nil {
			o.env.logf("sync: outbox relay of view %s: %v", o.env.Views[i].Name(), err)
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(o.Poll):
			}
		}
	}
}

// relayBatch delivers one batch to view i: it reads the oldest events
// pending for the view, applies them, then clears the view's bit on them
// and deletes those no view waits for. It returns the number of events
// delivered. No lock is held while the view applies, so relays of other
// views never wait for this one.
func (o *Outbox) relayBatch(ctx context.Context, i int) (int, error) {
	t := o.env.Source.Tables
	bit := int32(1) << i
	rows, err := o.env.Source.Pool.Query(ctx, "SELECT id, payload, created_at FROM "+t.ident(t.Outbox())+
		" WHERE "+pendingPred(i)+" ORDER BY id LIMIT $1", o.Batch)
	if err != nil {
		return 0, err
	}
	var ids []int64
	var batch []Change
	for rows.Next() {
		var id int64
		var payload []byte
		var at time.Time
		if err := rows.Scan(&id, &payload, &at); err != nil {
			rows.Close()
			return 0, err
		}
		var ev outboxEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			rows.Close()
			return 0, fmt.Errorf("event %d: %w", id, err)
		}
		ids = append(ids, id)
		batch = append(batch, Change{Entity: ev.Entity, Op: Op(ev.Op[0]), TweetID: ev.TweetID, UserID: ev.UserID, Body: ev.Body,
			CreatedAt: ev.CreatedAt, LikeCount: ev.LikeCount, Src: ev.Src, Dst: ev.Dst, Seq: ev.Seq, CommitTime: at, Pos: uint64(id)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if err := deliverTo(ctx, &o.env, &o.c, o.env.Views[i], batch); err != nil {
		return 0, err
	}
	// The rows are locked in id order (the ids are sorted), so the
	// relays of two views clearing their bits on the same rows do not
	// deadlock; each holds the locks only for this short transaction.
	tx, err := o.env.Source.Pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "UPDATE "+t.ident(t.Outbox())+" SET pending = pending & ~$1::int WHERE id IN (SELECT id FROM "+
		t.ident(t.Outbox())+" WHERE id = ANY($2) ORDER BY id FOR UPDATE)", bit, ids); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM "+t.ident(t.Outbox())+" WHERE id = ANY($1) AND pending = 0", ids); err != nil {
		return 0, err
	}
	return len(ids), tx.Commit(ctx)
}

// Restart kills every view's relay (all at once) and starts new ones,
// which resume from the pending bits.
func (o *Outbox) Restart(ctx context.Context) error {
	restartAll(o.loops)
	o.c.mu.Lock()
	o.c.restarts++
	o.c.mu.Unlock()
	return nil
}

// Stop stops the relays.
func (o *Outbox) Stop() error { stopAll(o.loops); return nil }

// Cleanup empties the outbox.
func (o *Outbox) Cleanup(ctx context.Context) error { return nil }

// Stats returns the counters.
func (o *Outbox) Stats() StrategyStats { return o.c.stats() }
