// Package kafkasync holds the sync strategies that carry changes through
// Kafka: Debezium's PostgreSQL connector ("cdc-debezium") and event
// sourcing ("event-sourcing"), where the application appends events to a
// Kafka log that is the source of truth and every store, the source
// included, is a projection of it. They register with the engine (package
// syncer), whose documentation says what each guarantees, how it fails and
// what its lag means.
package kafkasync

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
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/storefit/storefit/cdc/debezium"
	"github.com/storefit/storefit/cdc/kafkalog"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

// kafkaDSN returns the Kafka DSN of opts: Options.Kafka, else
// $STOREFIT_KAFKA_DSN, else the local default.
func kafkaDSN(opts syncer.Options) string {
	if opts.Kafka != "" {
		return opts.Kafka
	}
	if v := os.Getenv("STOREFIT_KAFKA_DSN"); v != "" {
		return v
	}
	return "kafka://127.0.0.1:9092"
}

// connectDSN returns the Kafka Connect worker of opts.
func connectDSN(opts syncer.Options) string {
	if opts.Connect != "" {
		return opts.Connect
	}
	if v := os.Getenv("STOREFIT_DEBEZIUM_DSN"); v != "" {
		return v
	}
	return "http://127.0.0.1:8083"
}

// runID returns 8 hex digits naming this run's topics and groups.
func runID() (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// dbz is the cdc-debezium strategy: Debezium's PostgreSQL connector
// (pgoutput, a slot and a publication named per run, no initial snapshot)
// runs on a Kafka Connect worker and writes each captured table's changes
// to a one-partition Kafka topic; each view has its own consumer group,
// which commits a batch's offsets after its view applied it. Topic names
// carry the run, so a run never reads an earlier one's changes; the
// connector, slot, publication, topics and groups are removed at cleanup.
// Changes of one row keep their order (one topic per table, one
// partition); changes of different tables are not ordered with each other,
// which the views do not need.
type dbz struct {
	env            *syncer.Env
	cfg            *pgxpool.Config
	tables         syncer.Tables
	kafka, connect string
	pgDSN          string
	conn           debezium.PostgresConnector
	entities       []syncer.Entity // captured, in the order of conn.Tables
	group          string          // groups are group-<view>
	registered     bool
}

func newDebezium(env *syncer.Env) (syncer.Strategy, error) {
	var cfg *pgxpool.Config
	if env.Capture != nil {
		cfg, _ = env.Capture.DB.(*pgxpool.Config)
	}
	if cfg == nil {
		return nil, errors.New("cdc-debezium reads PostgreSQL's WAL: it needs a postgres source")
	}
	cc := cfg.ConnConfig
	u := url.URL{Scheme: "postgres", User: url.UserPassword(cc.User, cc.Password),
		Host: net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port))), Path: "/" + cc.Database}
	if cc.TLSConfig == nil {
		u.RawQuery = "sslmode=disable"
	}
	return &dbz{env: env, cfg: cfg, tables: env.Capture.Tables, kafka: kafkaDSN(env.Options), connect: connectDSN(env.Options), pgDSN: u.String()}, nil
}

// Prepare creates the publication (our own, of the captured tables and
// operations; the tables get replica identity full so updates and deletes
// carry the whole old row), creates the topics and registers the
// connector, which returns once it streams.
func (d *dbz) Prepare(ctx context.Context) error {
	run, err := runID()
	if err != nil {
		return err
	}
	name := d.env.Options.Name
	d.conn = debezium.PostgresConnector{Name: "storefit-" + name + run, DSN: d.pgDSN,
		Slot: name + "dbz_" + run, Publication: name + "dbz_pub_" + run, PublicationAutocreate: "disabled",
		TopicPrefix: "storefit_" + name + run, PollInterval: 10 * time.Millisecond, Heartbeat: time.Second}
	d.group = d.conn.TopicPrefix + "-view-"
	var quoted []string
	for _, e := range []syncer.Entity{syncer.EntityTweet, syncer.EntityLike, syncer.EntityFollow} {
		for _, s := range d.env.Sinks {
			if s.Keeps().Has(e) {
				d.entities = append(d.entities, e)
				d.conn.Tables = append(d.conn.Tables, d.tables.Of(e))
				quoted = append(quoted, pgx.Identifier{d.tables.Of(e)}.Sanitize())
				break
			}
		}
	}
	if len(quoted) == 0 {
		return errors.New("no view keeps anything to capture")
	}
	cfg := d.cfg.Copy()
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer pool.Close()
	publish := "insert, update, delete"
	if d.env.Options.InsertsOnly {
		publish = "insert"
	} else {
		for _, t := range quoted {
			if _, err := pool.Exec(ctx, "ALTER TABLE "+t+" REPLICA IDENTITY FULL"); err != nil {
				return fmt.Errorf("replica identity of %s: %w", t, err)
			}
		}
	}
	if _, err := pool.Exec(ctx, "CREATE PUBLICATION "+pgx.Identifier{d.conn.Publication}.Sanitize()+" FOR TABLE "+strings.Join(quoted, ", ")+
		" WITH (publish = '"+publish+"')"); err != nil {
		return fmt.Errorf("create publication: %w", err)
	}
	d.registered = true
	if err := kafkalog.EnsureTopics(ctx, d.kafka, d.conn.Topics()...); err != nil {
		return err
	}
	return debezium.RegisterPostgres(ctx, d.connect, d.conn)
}

// Exec commits cmd at the source; the connector reads it from the WAL.
func (d *dbz) Exec(ctx context.Context, cmd *syncer.Command) error {
	_, err := d.env.Exec(ctx, cmd)
	return err
}

// Run runs a consumer per view, each in its own group over the topics of
// the entities its view keeps.
func (d *dbz) Run(ctx context.Context, deliver syncer.Deliver) error {
	return syncer.RunPerView(ctx, len(d.env.Sinks), func(ctx context.Context, i int) error {
		var topics []string
		for j, e := range d.entities {
			if d.env.Sinks[i].Keeps().Has(e) {
				topics = append(topics, d.conn.Topics()[j])
			}
		}
		c, err := debezium.NewConsumer(ctx, debezium.ConsumerConfig{Kafka: d.kafka, Group: d.group + d.env.Sinks[i].Name(), Topics: topics, MaxBatch: d.env.Options.Batch})
		if err != nil {
			return err
		}
		defer c.Close()
		return c.Run(ctx, func(ctx context.Context, batch []debezium.Change) error {
			out := make([]syncer.Change, 0, len(batch))
			for j := range batch {
				c, ok, err := d.decode(&batch[j])
				if err != nil {
					return err
				}
				if ok {
					out = append(out, c)
				}
			}
			return deliver(ctx, i, out)
		})
	})
}

// decode converts a Debezium change of a captured table; ok is false for
// other tables and truncates.
func (d *dbz) decode(e *debezium.Change) (syncer.Change, bool, error) {
	row, del := e.After, false
	switch e.Op {
	case debezium.OpDelete:
		row, del = e.Before, true
	case debezium.OpCreate, debezium.OpUpdate, debezium.OpRead:
	default:
		return syncer.Change{}, false, nil
	}
	var ent syncer.Entity
	switch e.Table {
	case d.tables.Tweets:
		ent = syncer.EntityTweet
	case d.tables.Likes:
		ent = syncer.EntityLike
	case d.tables.Follows:
		ent = syncer.EntityFollow
	default:
		return syncer.Change{}, false, nil
	}
	if row == nil {
		return syncer.Change{}, false, fmt.Errorf("debezium: %s %s change without a row image (replica identity full?)", e.Table, e.Op)
	}
	var err error
	num := func(col string) int64 {
		if err != nil {
			return 0
		}
		var n int64
		n, err = row.Int64(col)
		return n
	}
	at := func() time.Time {
		if err != nil || !row.Has("created_at") || row.IsNull("created_at") {
			return time.Time{}
		}
		var t time.Time
		t, err = row.Time("created_at")
		return t.UTC()
	}
	var c syncer.Change
	switch ent {
	case syncer.EntityTweet:
		t := crud.Tweet{ID: crud.TweetID(num("id")), UserID: crud.UserID(num("user_id")), CreatedAt: at(), LikeCount: num("like_count")}
		if err == nil {
			t.Body, err = row.String("body")
		}
		c = syncer.TweetUpsert(t)
		if del {
			c = syncer.TweetDelete(t)
		}
	case syncer.EntityLike:
		l := crud.Like{UserID: crud.UserID(num("user_id")), TweetID: crud.TweetID(num("tweet_id")), CreatedAt: at()}
		c = syncer.LikeUpsert(l)
		if del {
			c = syncer.LikeDelete(l)
		}
	case syncer.EntityFollow:
		ed := graph.Edge{Src: graph.UserID(num("src")), Dst: graph.UserID(num("dst"))}
		c = syncer.FollowUpsert(ed)
		if del {
			c = syncer.FollowDelete(ed)
		}
	}
	if err != nil {
		return syncer.Change{}, false, fmt.Errorf("debezium: %s change at offset %d: %w", e.Table, e.Offset, err)
	}
	c.Commit, c.Pos = e.CommitTime, uint64(e.Offset)
	return c, true, nil
}

// Cleanup deletes the connector, its slot and publication, the topics and
// the groups.
func (d *dbz) Cleanup(ctx context.Context) error {
	if !d.registered {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	errs := []error{debezium.DeleteConnector(ctx, d.connect, d.conn.Name),
		debezium.DropSlot(ctx, d.pgDSN, d.conn.Slot, d.conn.Publication),
		kafkalog.DeleteTopics(ctx, d.kafka, append(d.conn.Topics(), d.conn.HeartbeatTopic())...)}
	for _, s := range d.env.Sinks {
		errs = append(errs, kafkalog.DeleteGroup(ctx, d.kafka, d.group+s.Name()))
	}
	return errors.Join(errs...)
}

func init() {
	syncer.Register(syncer.StrategyInfo{Name: "cdc-debezium", Summary: "Debezium and Kafka (the PostgreSQL connector on Kafka Connect, a consumer group per view)",
		New: newDebezium})
}
