//go:build !storefit_embedded

package placement

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/storefit/storefit/cdc/pgoutput"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/twitter"
)

// logical is the "cdc-logical" strategy: a publication of the source's
// tweets and likes (and follows, when a view is fed from them), inserts
// only, and a logical replication slot with the pgoutput plugin, both
// named per run and dropped at close. A consumer decodes the stream with
// pglogrepl, collects committed transactions into batches (up to batch
// changes or 20 ms), applies each batch to the views and only then
// confirms the end LSN of the last transaction it applied — never a
// keepalive's WAL end nor an XLogData position, which workloads/sync found
// to lose changes at a restart (its commits efd1976, f74e283). A consumer
// killed mid-batch resumes from the slot's confirmed position; the changes
// after it come again and the App skips those a view already has.
type logical struct {
	app   *twitter.App
	pool  *pgxpool.Pool
	cc    *pgconn.Config
	tabs  captured
	batch int
	pub   string // publication
	slot  string

	applyMu sync.Mutex // held while a batch is applied; drain waits on it
	loopMu  sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
	created bool

	applied  atomic.Uint64 // end LSN of the last transaction applied
	restarts atomic.Int64
	crash    atomic.Bool // tests: die after the next apply, before confirming it
	errMu    sync.Mutex
	err      error
}

func newLogical(app *twitter.App, cfg *pgxpool.Config, tabs captured, batch int) (*logical, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	run := hex.EncodeToString(b[:])
	l := &logical{app: app, tabs: tabs, batch: batch, pub: "tw_pub_" + run, slot: "tw_slot_" + run}
	l.cc = cfg.ConnConfig.Config.Copy()
	if l.cc.RuntimeParams == nil {
		l.cc.RuntimeParams = map[string]string{}
	}
	l.cc.RuntimeParams["replication"] = "database"
	l.cc.RuntimeParams["TimeZone"] = "UTC"
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("cdc-logical: connect: %w", err)
	}
	l.pool = pool
	app.SetPublisher(l)
	return l, nil
}

// Publish does nothing: the consumer reads the change from the WAL. It
// reports an earlier consumer failure.
func (l *logical) Publish(ctx context.Context, c twitter.Change) error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.err != nil {
		return fmt.Errorf("cdc-logical consumer failed earlier: %w", l.err)
	}
	return nil
}

func (l *logical) beforeSetup(context.Context) error { return nil }
func (l *logical) afterSetup(context.Context) error  { return nil }

// afterLoad creates the publication and the slot (the slot's stream starts
// at its creation, after the bulk load) and starts the consumer.
func (l *logical) afterLoad(ctx context.Context) error {
	tables := pgIdent(l.tabs.tweets) + ", " + pgIdent(l.tabs.likes)
	if l.tabs.follows != "" {
		tables += ", " + pgIdent(l.tabs.follows)
	}
	if _, err := l.pool.Exec(ctx, "CREATE PUBLICATION "+pgIdent(l.pub)+" FOR TABLE "+tables+" WITH (publish = 'insert')"); err != nil {
		return fmt.Errorf("cdc-logical: create publication: %w", err)
	}
	l.created = true
	conn, err := pgconn.ConnectConfig(ctx, l.cc)
	if err != nil {
		return fmt.Errorf("cdc-logical: replication connection: %w", err)
	}
	defer conn.Close(context.Background())
	res, err := pglogrepl.CreateReplicationSlot(ctx, conn, l.slot, "pgoutput", pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication})
	if err != nil {
		return fmt.Errorf("cdc-logical: create slot %s: %w", l.slot, err)
	}
	lsn, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return fmt.Errorf("cdc-logical: slot %s: %w", l.slot, err)
	}
	l.applied.Store(uint64(lsn))
	l.start()
	return nil
}

func (l *logical) start() {
	l.loopMu.Lock()
	defer l.loopMu.Unlock()
	if l.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel, l.done = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		for ctx.Err() == nil {
			if err := l.consume(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, errCrashed) {
				l.errMu.Lock()
				if l.err == nil {
					l.err = err
				}
				l.errMu.Unlock()
				select {
				case <-ctx.Done():
				case <-time.After(200 * time.Millisecond):
				}
			}
		}
	}(l.done)
}

func (l *logical) stop() {
	l.loopMu.Lock()
	defer l.loopMu.Unlock()
	if l.cancel == nil {
		return
	}
	l.cancel()
	<-l.done
	l.cancel = nil
}

// consume streams from the slot's confirmed position until ctx ends or an
// error.
func (l *logical) consume(ctx context.Context) error {
	st := &pgoutput.Stream{
		Connect: func(ctx context.Context) (*pgconn.PgConn, error) {
			conn, err := pgconn.ConnectConfig(ctx, l.cc)
			if err != nil {
				return nil, fmt.Errorf("replication connection: %w", err)
			}
			return conn, nil
		},
		Slot: l.slot, Publication: l.pub, Batch: l.batch, Linger: 20 * time.Millisecond,
		Flush: func(ctx context.Context, rows []pgoutput.Row, end pglogrepl.LSN, _ func() error) error {
			changes := make([]twitter.Change, 0, len(rows))
			for i := range rows {
				c, ok, err := l.decode(&rows[i])
				if err != nil {
					return err
				}
				if ok {
					changes = append(changes, c)
				}
			}
			l.applyMu.Lock()
			defer l.applyMu.Unlock()
			if err := l.app.Apply(ctx, changes); err != nil {
				return err
			}
			if l.crash.CompareAndSwap(true, false) {
				return errCrashed // not confirmed: the slot sends it again
			}
			l.applied.Store(uint64(end))
			return nil
		},
		// Nothing to apply up to here: confirmable.
		Quiet:     func(end pglogrepl.LSN) { l.applied.Store(uint64(end)) },
		Confirmed: func() pglogrepl.LSN { return pglogrepl.LSN(l.applied.Load()) },
	}
	if err := st.Run(ctx); err != nil {
		return fmt.Errorf("cdc-logical: %w", err)
	}
	return nil
}

// decode turns an inserted row into a Change; ok is false for a table the
// application does not read.
func (l *logical) decode(r *pgoutput.Row) (twitter.Change, bool, error) {
	var c twitter.Change
	c.Committed = r.CommitTime
	col := r.Cols
	var errs []error
	num := func(name string) int64 {
		n, err := strconv.ParseInt(col[name], 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.%s: %w", r.Table, name, err))
		}
		return n
	}
	at := func() time.Time {
		t, err := pgoutput.ParseTimestamptz(col["created_at"])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.created_at: %w", r.Table, err))
		}
		return t
	}
	switch r.Table {
	case l.tabs.tweets:
		c.Kind = twitter.TweetPosted
		c.Tweet = crud.Tweet{ID: crud.TweetID(num("id")), UserID: crud.UserID(num("user_id")), Body: col["body"], CreatedAt: at()}
	case l.tabs.likes:
		c.Kind = twitter.Liked
		c.Like = crud.Like{UserID: crud.UserID(num("user_id")), TweetID: crud.TweetID(num("tweet_id")), CreatedAt: at()}
	case l.tabs.follows:
		c.Kind = twitter.Followed
		c.Edge = graph.Edge{Src: graph.UserID(num("src")), Dst: graph.UserID(num("dst"))}
	default:
		return c, false, nil
	}
	if len(errs) > 0 {
		return c, false, fmt.Errorf("pgoutput: %w", errors.Join(errs...))
	}
	return c, true, nil
}

// drain waits until the consumer applied every transaction committed so
// far: the server's current WAL insert position is at or after every
// commit, and the consumer confirms transactions' end LSNs in order.
func (l *logical) drain(ctx context.Context) error {
	var cur string
	if err := l.pool.QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&cur); err != nil {
		return fmt.Errorf("cdc-logical: %w", err)
	}
	target, err := pglogrepl.ParseLSN(cur)
	if err != nil {
		return err
	}
	// Changes after the last commit are not ours to wait for: poll until
	// the slot has nothing left below target (a commit of ours ends below
	// it), with the consumer idle.
	deadline := time.Now().Add(time.Minute)
	for {
		l.errMu.Lock()
		e := l.err
		l.errMu.Unlock()
		if e != nil {
			return e
		}
		var pendingBytes int64
		// Bytes of WAL the slot's consumer has not confirmed, up to target.
		if err := l.pool.QueryRow(ctx, "SELECT greatest(0, pg_wal_lsn_diff($1::pg_lsn, confirmed_flush_lsn))::bigint FROM pg_replication_slots WHERE slot_name = $2",
			target.String(), l.slot).Scan(&pendingBytes); err != nil {
			return fmt.Errorf("cdc-logical: %w", err)
		}
		if pendingBytes == 0 || l.idle() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cdc-logical: drain: the slot is %d bytes behind after a minute", pendingBytes)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// idle reports whether no change is pending in any view.
func (l *logical) idle() bool {
	for _, v := range l.app.Stats().Views {
		if v.Pending > 0 {
			return false
		}
	}
	return true
}

func (l *logical) crashAfterApply() { l.crash.Store(true) }

func (l *logical) restart(context.Context) error {
	l.stop()
	l.restarts.Add(1)
	l.start()
	return nil
}

func (l *logical) resetFigures() { l.restarts.Store(0) }

func (l *logical) figures(out map[string]float64) {
	out["sync.restarts"] = float64(l.restarts.Load())
}

// close stops the consumer, then drops the slot and the publication.
func (l *logical) close() error {
	l.stop()
	var errs []error
	if l.created {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var err error
		for range 50 {
			if _, err = l.pool.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", l.slot); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cdc-logical: drop slot %s: %w", l.slot, err))
		}
		if _, err := l.pool.Exec(ctx, "DROP PUBLICATION IF EXISTS "+pgIdent(l.pub)); err != nil {
			errs = append(errs, fmt.Errorf("cdc-logical: drop publication: %w", err))
		}
	}
	l.pool.Close()
	return errors.Join(errs...)
}
