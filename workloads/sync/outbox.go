package syncwl

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outbox is the transactional-outbox strategy: Write adds one event row per
// change to the outbox table in the source transaction; a relay takes
// unsent events in id order in batches (SELECT … FOR UPDATE SKIP LOCKED,
// polling every 10 ms when idle; a batch that is not the oldest unsent
// prefix — rows skipped because another relay still holds them — waits),
// applies them to every view (retrying a failing view) and marks them sent
// in the same transaction. A killed
// relay's transaction rolls back, so its batch is delivered again by the
// next relay: at least once, and views are idempotent.
type Outbox struct {
	env  Env
	c    counters
	loop bgLoop
	// Batch is the relay's batch size (default 500).
	Batch int
	// Poll is the relay's idle poll interval (default 10 ms).
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
	t := env.Source.Tables
	if _, err := env.Source.Pool.Exec(ctx, "TRUNCATE "+t.ident(t.Outbox())); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// Start starts the relay.
func (o *Outbox) Start(ctx context.Context) error {
	o.loop.start(ctx, o.relay)
	return nil
}

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
			if _, err := tx.Exec(ctx, "INSERT INTO "+t.ident(t.Outbox())+" (payload) VALUES ($1)", b); err != nil {
				return fmt.Errorf("outbox: insert event: %w", err)
			}
		}
		return nil
	})
	return err
}

// relay delivers batches until ctx ends.
func (o *Outbox) relay(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := o.relayBatch(ctx)
		if err != nil && ctx.Err() == nil {
			o.env.logf("sync: outbox relay: %v", err)
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(o.Poll):
			}
		}
	}
}

// relayBatch delivers one batch in one transaction; it returns the number
// of events delivered.
func (o *Outbox) relayBatch(ctx context.Context) (int, error) {
	t := o.env.Source.Tables
	tx, err := o.env.Source.Pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.Background())
	rows, err := tx.Query(ctx, "SELECT id, payload, created_at FROM "+t.ident(t.Outbox())+
		" WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED", o.Batch)
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
		return 0, tx.Commit(ctx)
	}
	// SKIP LOCKED skips rows another relay still holds — a killed
	// relay's, until the server notices its connection is gone. Taking
	// later rows first would apply a row's newer image before its older
	// one; wait instead until the batch is the oldest unsent prefix.
	var oldest int64
	if err := tx.QueryRow(ctx, "SELECT min(id) FROM "+t.ident(t.Outbox())+" WHERE sent_at IS NULL").Scan(&oldest); err != nil {
		return 0, err
	}
	if oldest < ids[0] {
		return 0, tx.Rollback(ctx)
	}
	if err := deliver(ctx, &o.env, &o.c, batch); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, "UPDATE "+t.ident(t.Outbox())+" SET sent_at = now() WHERE id = ANY($1)", ids); err != nil {
		return 0, err
	}
	return len(ids), tx.Commit(ctx)
}

// Restart kills the relay and starts a new one.
func (o *Outbox) Restart(ctx context.Context) error {
	o.loop.restart()
	o.c.mu.Lock()
	o.c.restarts++
	o.c.mu.Unlock()
	return nil
}

// Stop stops the relay.
func (o *Outbox) Stop() error { o.loop.stop(); return nil }

// Cleanup empties the outbox.
func (o *Outbox) Cleanup(ctx context.Context) error { return nil }

// Stats returns the counters.
func (o *Outbox) Stats() StrategyStats { return o.c.stats() }
