package syncwl

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// Logical is the CDC strategy over PostgreSQL logical replication, without
// Kafka: a publication of the tweets, follows and markers tables, a
// (persistent) replication slot with the pgoutput plugin, and a consumer
// that decodes the stream with pglogrepl, groups committed transactions
// into batches (up to 500 changes or 20 ms), applies each batch to every
// view (retrying a failing view) and then confirms the batch's end LSN to
// the server. A killed consumer loses what it held; the next resumes from
// the slot's confirmed position, so changes after it are delivered again —
// at least once, and views are idempotent.
type Logical struct {
	env  Env
	c    counters
	loop bgLoop
	// Batch and Linger bound a batch (defaults 500 changes, 20 ms).
	Batch  int
	Linger time.Duration
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

type relation struct {
	name string
	cols []string
}

func (l *Logical) consumeOnce(ctx context.Context) error {
	conn, err := l.replConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	t := l.env.Source.Tables
	// The slot stays active for the walsender of a killed consumer for a
	// moment: retry.
	for attempt := 0; ; attempt++ {
		err = pglogrepl.StartReplication(ctx, conn, t.Slot(), 0, pglogrepl.StartReplicationOptions{
			Mode:       pglogrepl.LogicalReplication,
			PluginArgs: []string{"proto_version '1'", "publication_names '" + t.Publication() + "'"},
		})
		if err == nil {
			break
		}
		if attempt >= 50 || !strings.Contains(err.Error(), "is active") {
			return fmt.Errorf("start replication: %w", err)
		}
		conn.Close(context.Background())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if conn, err = l.replConn(ctx); err != nil {
			return err
		}
		defer conn.Close(context.Background())
	}

	rels := map[uint32]*relation{}
	var (
		tx       []Change // changes of the open transaction
		batch    []Change // committed, not yet delivered
		batchEnd pglogrepl.LSN
		since    time.Time // first change of batch
		applied  pglogrepl.LSN
		commitAt time.Time
		lastSent time.Time
	)
	// The position confirmed is the end of the last transaction every view
	// applied — nothing else: an XLogData message's start plus its length
	// is not a WAL position (pgoutput's text tuples are longer than the WAL
	// records), and a keepalive's WAL end may lie beyond commits not sent
	// yet; confirming either lost changes at a restart.
	status := func() error {
		lastSent = time.Now()
		return pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{WALWritePosition: applied})
	}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := deliver(ctx, &l.env, &l.c, batch); err != nil {
			return err
		}
		batch = batch[:0]
		applied = batchEnd
		return status()
	}
	for {
		if len(batch) > 0 && (len(batch) >= l.Batch || time.Since(since) >= l.Linger) {
			if err := flush(); err != nil {
				return err
			}
		}
		if time.Since(lastSent) > time.Second {
			if err := status(); err != nil {
				return fmt.Errorf("status update: %w", err)
			}
		}
		wait := time.Second
		if len(batch) > 0 {
			wait = max(time.Millisecond, l.Linger-time.Since(since))
		}
		rctx, cancel := context.WithTimeout(ctx, wait)
		raw, err := conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if pgconn.Timeout(err) {
				continue
			}
			return fmt.Errorf("receive: %w", err)
		}
		if e, ok := raw.(*pgproto3.ErrorResponse); ok {
			return fmt.Errorf("server: %s", e.Message)
		}
		cd, ok := raw.(*pgproto3.CopyData)
		if !ok || len(cd.Data) == 0 {
			continue
		}
		switch cd.Data[0] {
		case pglogrepl.PrimaryKeepaliveMessageByteID:
			ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(cd.Data[1:])
			if err != nil {
				return err
			}
			if ka.ReplyRequested {
				if err := status(); err != nil {
					return err
				}
			}
		case pglogrepl.XLogDataByteID:
			xld, err := pglogrepl.ParseXLogData(cd.Data[1:])
			if err != nil {
				return err
			}
			msg, err := pglogrepl.Parse(xld.WALData)
			if err != nil {
				return fmt.Errorf("decode pgoutput: %w", err)
			}
			switch m := msg.(type) {
			case *pglogrepl.RelationMessage:
				r := &relation{name: m.RelationName}
				for _, c := range m.Columns {
					r.cols = append(r.cols, c.Name)
				}
				rels[m.RelationID] = r
			case *pglogrepl.BeginMessage:
				tx, commitAt = tx[:0], m.CommitTime
			case *pglogrepl.InsertMessage:
				if c, ok, err := decodeRow(t, rels[m.RelationID], m.Tuple, OpUpsert); err != nil {
					return err
				} else if ok {
					tx = append(tx, c)
				}
			case *pglogrepl.UpdateMessage:
				if c, ok, err := decodeRow(t, rels[m.RelationID], m.NewTuple, OpUpsert); err != nil {
					return err
				} else if ok {
					tx = append(tx, c)
				}
			case *pglogrepl.DeleteMessage:
				if c, ok, err := decodeRow(t, rels[m.RelationID], m.OldTuple, OpDelete); err != nil {
					return err
				} else if ok {
					tx = append(tx, c)
				}
			case *pglogrepl.CommitMessage:
				for i := range tx {
					tx[i].CommitTime, tx[i].Pos = commitAt, uint64(m.TransactionEndLSN)
				}
				if len(tx) > 0 && len(batch) == 0 {
					since = time.Now()
				}
				batch = append(batch, tx...)
				tx = tx[:0]
				batchEnd = m.TransactionEndLSN
				if len(batch) == 0 {
					applied = batchEnd
				}
			}
		}
	}
}

// decodeRow turns a pgoutput tuple (text format) of a published table into
// a Change; ok is false for other tables.
func decodeRow(t Tables, r *relation, tup *pglogrepl.TupleData, op Op) (Change, bool, error) {
	if r == nil {
		return Change{}, false, errors.New("pgoutput: change before its relation message")
	}
	if tup == nil {
		return Change{}, false, fmt.Errorf("pgoutput: %s change without a tuple (replica identity full?)", r.name)
	}
	col := map[string]string{}
	for i, c := range tup.Columns {
		if i < len(r.cols) && c.DataType == 't' {
			col[r.cols[i]] = string(c.Data)
		}
	}
	num := func(name string) (int64, error) {
		n, err := strconv.ParseInt(col[name], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("pgoutput: %s.%s: %w", r.name, name, err)
		}
		return n, nil
	}
	var err error
	var c Change
	switch r.name {
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
		at, err := parseTimestamptz(col["created_at"])
		if err != nil {
			return c, false, fmt.Errorf("pgoutput: %s.created_at: %w", r.name, err)
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
	return c, true, nil
}

// parseTimestamptz parses PostgreSQL's text output of a timestamptz
// (ISO DateStyle): "2024-01-01 00:00:00+00", fractions and minute offsets
// optional.
func parseTimestamptz(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05.999999-07:00", "2006-01-02 15:04:05.999999-07:00:00"} {
		if at, err := time.Parse(layout, s); err == nil {
			return at.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad timestamp %q", s)
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
