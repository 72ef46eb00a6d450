//go:build !storefit_embedded

package placement

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/storefit/storefit/cdc/debezium"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/twitter"
)

// dbzSync is the "cdc-debezium" strategy (cdc/debezium): Debezium's
// PostgreSQL connector on a Kafka Connect worker reads a slot named per run
// (pgoutput, over a publication of inserts this strategy creates) and
// writes one single-partition topic per table; a Kafka consumer group reads
// them, applies each batch, and commits its offsets only after: at least
// once, so a consumer killed before committing is followed by one that
// gets the batch again (the App skips what a view has). The connector,
// slot, publication, topics and group are deleted at close.
type dbzSync struct {
	app            *twitter.App
	pool           *pgxpool.Pool
	pgDSN          string
	kafka, connect string
	tabs           captured
	conn           debezium.PostgresConnector
	group          string
	registered     bool

	loopMu sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}

	restarts atomic.Int64
	crash    atomic.Bool
	errMu    sync.Mutex
	err      error
}

func newDebezium(app *twitter.App, cfg *pgxpool.Config, tabs captured, kafka, connect string) (*dbzSync, error) {
	if kafka = ExpandDSN(kafka); kafka == "" {
		if kafka = os.Getenv("STOREFIT_KAFKA_DSN"); kafka == "" {
			kafka = "kafka://127.0.0.1:9092"
		}
	}
	if connect = ExpandDSN(connect); connect == "" {
		if connect = os.Getenv("STOREFIT_DEBEZIUM_DSN"); connect == "" {
			connect = "http://127.0.0.1:8083"
		}
	}
	cc := cfg.ConnConfig
	u := url.URL{Scheme: "postgres", User: url.UserPassword(cc.User, cc.Password),
		Host: net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port))), Path: "/" + cc.Database}
	if cc.TLSConfig == nil {
		u.RawQuery = "sslmode=disable"
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	run := hex.EncodeToString(b[:])
	tables := []string{tabs.tweets, tabs.likes}
	if tabs.follows != "" {
		tables = append(tables, tabs.follows)
	}
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("cdc-debezium: connect: %w", err)
	}
	d := &dbzSync{app: app, pool: pool, pgDSN: u.String(), kafka: kafka, connect: connect, tabs: tabs,
		conn: debezium.PostgresConnector{Name: "storefit-tw-" + run, DSN: u.String(),
			Slot: "tw_dbz_" + run, Publication: "tw_dbz_pub_" + run, PublicationAutocreate: "disabled",
			Tables: tables, TopicPrefix: "storefit_tw_" + run, PollInterval: 10 * time.Millisecond, Heartbeat: time.Second}}
	d.group = d.conn.TopicPrefix + "-views"
	app.SetPublisher(d)
	return d, nil
}

// Publish does nothing: the change reaches the views through the slot and
// Kafka. It reports an earlier consumer failure.
func (d *dbzSync) Publish(ctx context.Context, c twitter.Change) error {
	d.errMu.Lock()
	defer d.errMu.Unlock()
	if d.err != nil {
		return fmt.Errorf("cdc-debezium consumer failed earlier: %w", d.err)
	}
	return nil
}

func (d *dbzSync) beforeSetup(context.Context) error { return nil }
func (d *dbzSync) afterSetup(context.Context) error  { return nil }

// afterLoad creates the publication (inserts only: updates of like counts
// feed no view), registers the connector (its slot exists once it runs),
// and starts the consumer.
func (d *dbzSync) afterLoad(ctx context.Context) error {
	tables := pgIdent(d.tabs.tweets) + ", " + pgIdent(d.tabs.likes)
	if d.tabs.follows != "" {
		tables += ", " + pgIdent(d.tabs.follows)
	}
	if _, err := d.pool.Exec(ctx, "CREATE PUBLICATION "+pgIdent(d.conn.Publication)+" FOR TABLE "+tables+" WITH (publish = 'insert')"); err != nil {
		return fmt.Errorf("cdc-debezium: create publication: %w", err)
	}
	d.registered = true
	if err := debezium.EnsureTopics(ctx, d.kafka, d.conn.Topics()...); err != nil {
		return err
	}
	if err := debezium.RegisterPostgres(ctx, d.connect, d.conn); err != nil {
		return err
	}
	d.start()
	return nil
}

func (d *dbzSync) start() {
	d.loopMu.Lock()
	defer d.loopMu.Unlock()
	if d.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel, d.done = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		for ctx.Err() == nil {
			err := d.consume(ctx)
			if err != nil && ctx.Err() == nil && !errors.Is(err, errCrashed) {
				d.errMu.Lock()
				if d.err == nil {
					d.err = err
				}
				d.errMu.Unlock()
				select {
				case <-ctx.Done():
				case <-time.After(200 * time.Millisecond):
				}
			}
		}
	}(d.done)
}

// consume runs one consumer (a Consumer runs once; a new one resumes from
// the group's committed offsets).
func (d *dbzSync) consume(ctx context.Context) error {
	c, err := debezium.NewConsumer(ctx, debezium.ConsumerConfig{Kafka: d.kafka, Group: d.group, Topics: d.conn.Topics(), MaxBatch: 1000})
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Run(ctx, func(ctx context.Context, batch []debezium.Change) error {
		changes := make([]twitter.Change, 0, len(batch))
		for i := range batch {
			ch, ok, err := d.decode(&batch[i])
			if err != nil {
				return err
			}
			if ok {
				changes = append(changes, ch)
			}
		}
		if err := d.app.Apply(ctx, changes); err != nil {
			return fmt.Errorf("cdc-debezium: %w", err)
		}
		if d.crash.CompareAndSwap(true, false) {
			return errCrashed // offsets not committed: the batch comes again
		}
		return nil
	})
}

// decode converts an insert of a captured table.
func (d *dbzSync) decode(e *debezium.Change) (twitter.Change, bool, error) {
	var c twitter.Change
	if e.Op != debezium.OpCreate || e.After == nil {
		return c, false, nil
	}
	c.Committed = e.CommitTime
	r := e.After
	var err error
	num := func(col string) int64 {
		if err != nil {
			return 0
		}
		var n int64
		n, err = r.Int64(col)
		return n
	}
	at := func() time.Time {
		if err != nil {
			return time.Time{}
		}
		var t time.Time
		t, err = r.Time("created_at")
		return t.UTC()
	}
	switch e.Table {
	case d.tabs.tweets:
		c.Kind = twitter.TweetPosted
		c.Tweet = crud.Tweet{ID: crud.TweetID(num("id")), UserID: crud.UserID(num("user_id")), CreatedAt: at()}
		if err == nil {
			c.Tweet.Body, err = r.String("body")
		}
	case d.tabs.likes:
		c.Kind = twitter.Liked
		c.Like = crud.Like{UserID: crud.UserID(num("user_id")), TweetID: crud.TweetID(num("tweet_id")), CreatedAt: at()}
	case d.tabs.follows:
		c.Kind = twitter.Followed
		c.Edge = graph.Edge{Src: graph.UserID(num("src")), Dst: graph.UserID(num("dst"))}
	default:
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("cdc-debezium: %s at offset %d: %w", e.Table, e.Offset, err)
	}
	return c, true, nil
}

func (d *dbzSync) stop() {
	d.loopMu.Lock()
	defer d.loopMu.Unlock()
	if d.cancel == nil {
		return
	}
	d.cancel()
	<-d.done
	d.cancel = nil
}

// drain waits until no change is pending in any view (every write was
// published before).
func (d *dbzSync) drain(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for {
		d.errMu.Lock()
		e := d.err
		d.errMu.Unlock()
		if e != nil {
			return e
		}
		idle := true
		for _, v := range d.app.Stats().Views {
			if v.Pending > 0 {
				idle = false
			}
		}
		if idle {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("cdc-debezium: drain: changes still pending after a minute")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (d *dbzSync) crashAfterApply() { d.crash.Store(true) }

func (d *dbzSync) restart(context.Context) error {
	d.stop()
	d.restarts.Add(1)
	d.start()
	return nil
}

func (d *dbzSync) resetFigures() { d.restarts.Store(0) }

func (d *dbzSync) figures(out map[string]float64) {
	out["sync.restarts"] = float64(d.restarts.Load())
}

// close stops the consumer and deletes the connector, its slot and
// publication, the topics and the group.
func (d *dbzSync) close() error {
	d.stop()
	var errs []error
	if d.registered {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		errs = append(errs, debezium.DeleteConnector(ctx, d.connect, d.conn.Name))
		errs = append(errs, debezium.DropSlot(ctx, d.pgDSN, d.conn.Slot, d.conn.Publication))
		errs = append(errs, debezium.DeleteTopics(ctx, d.kafka, append(d.conn.Topics(), d.conn.HeartbeatTopic())...))
		errs = append(errs, debezium.DeleteGroup(ctx, d.kafka, d.group))
	}
	d.pool.Close()
	return errors.Join(errs...)
}
