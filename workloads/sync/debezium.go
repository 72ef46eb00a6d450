package syncwl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/storefit/storefit/cdc/debezium"
)

// DebeziumConfig names the servers of the cdc-debezium strategy.
type DebeziumConfig struct {
	// Kafka is the Kafka DSN, kafka://HOST:PORT (default
	// $STOREFIT_KAFKA_DSN, else kafka://127.0.0.1:9092).
	Kafka string
	// Connect is the Kafka Connect worker running Debezium, http://HOST:PORT
	// (default $STOREFIT_DEBEZIUM_DSN, else http://127.0.0.1:8083).
	Connect string
}

func (c *DebeziumConfig) defaults() {
	if c.Kafka == "" {
		c.Kafka = os.Getenv("STOREFIT_KAFKA_DSN")
	}
	if c.Kafka == "" {
		c.Kafka = "kafka://127.0.0.1:9092"
	}
	if c.Connect == "" {
		c.Connect = os.Getenv("STOREFIT_DEBEZIUM_DSN")
	}
	if c.Connect == "" {
		c.Connect = "http://127.0.0.1:8083"
	}
}

// DebeziumOf returns the DebeziumPipeline of a cdc-debezium strategy (nil
// for other strategies), so its servers can be configured before Prepare.
func DebeziumOf(s Strategy) *DebeziumPipeline {
	if st, ok := s.(*Stream); ok {
		p, _ := st.pipeline.(*DebeziumPipeline)
		return p
	}
	return nil
}

// DebeziumPipeline is the Pipeline of the cdc-debezium strategy: Debezium's
// PostgreSQL connector (pgoutput, its own slot and publication, no initial
// snapshot) on a Kafka Connect worker writes the tweets, follows and
// markers tables' changes to one single-partition Kafka topic per table
// (cdc/debezium); a franz-go consumer group reads them and commits a
// batch's offsets after every view applied it. Topic names carry the run's
// start time, so a run never reads an earlier run's changes; Cleanup
// deletes the connector, its slot and publication, the topics and the
// group.
type DebeziumPipeline struct {
	Config DebeziumConfig
	conn   debezium.PostgresConnector
	group  string
	pgDSN  string
	t      Tables
}

// Prepare registers the connector and waits until it streams.
func (p *DebeziumPipeline) Prepare(ctx context.Context, src Source) error {
	p.Config.defaults()
	t := src.Tables
	p.t = t
	cc := src.Config.ConnConfig
	u := url.URL{Scheme: "postgres", User: url.UserPassword(cc.User, cc.Password),
		Host: net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port))), Path: "/" + cc.Database}
	if cc.TLSConfig == nil {
		u.RawQuery = "sslmode=disable"
	}
	p.pgDSN = u.String()
	run := strconv.FormatInt(time.Now().Unix(), 36)
	p.conn = debezium.PostgresConnector{
		Name: "storefit-" + t.Prefix + "sync", DSN: p.pgDSN,
		Slot: t.Prefix + "dbz_slot", Publication: t.Prefix + "dbz_pub",
		Tables:      []string{t.Tweets(), t.Follows(), t.Markers()},
		TopicPrefix: "storefit_" + t.Prefix + run,
		// The topic of a table that has no change yet must exist for
		// the consumer; Consumer creates missing ones.
		PollInterval: 10 * time.Millisecond,
		Heartbeat:    time.Second,
	}
	p.group = p.conn.TopicPrefix + "-views"
	// What an earlier run left (a crash skips Cleanup).
	_ = debezium.DeleteConnector(ctx, p.Config.Connect, p.conn.Name)
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := debezium.DropSlot(dctx, p.pgDSN, p.conn.Slot, p.conn.Publication); err != nil {
		return err
	}
	if err := debezium.EnsureTopics(ctx, p.Config.Kafka, p.conn.Topics()...); err != nil {
		return err
	}
	if err := debezium.RegisterPostgres(ctx, p.Config.Connect, p.conn); err != nil {
		return err
	}
	return nil
}

// Open joins the consumer group, which resumes from its committed offsets.
func (p *DebeziumPipeline) Open(ctx context.Context) (ChangeStream, error) {
	c, err := debezium.NewConsumer(ctx, debezium.ConsumerConfig{Kafka: p.Config.Kafka, Group: p.group, Topics: p.conn.Topics(), MaxBatch: 1000})
	if err != nil {
		return nil, err
	}
	return &debeziumStream{c: c, t: p.t}, nil
}

// Cleanup deletes the connector, its slot and publication, the topics and
// the group.
func (p *DebeziumPipeline) Cleanup(ctx context.Context) error {
	if p.conn.Name == "" {
		return nil
	}
	var errs []error
	errs = append(errs, debezium.DeleteConnector(ctx, p.Config.Connect, p.conn.Name))
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	errs = append(errs, debezium.DropSlot(dctx, p.pgDSN, p.conn.Slot, p.conn.Publication))
	errs = append(errs, debezium.DeleteTopics(ctx, p.Config.Kafka, append(p.conn.Topics(), p.conn.HeartbeatTopic())...))
	errs = append(errs, debezium.DeleteGroup(ctx, p.Config.Kafka, p.group))
	return errors.Join(errs...)
}

type debeziumStream struct {
	c *debezium.Consumer
	t Tables
}

func (s *debeziumStream) Close() error { return s.c.Close() }

func (s *debeziumStream) Run(ctx context.Context, fn func(context.Context, []Change) error) error {
	return s.c.Run(ctx, func(ctx context.Context, batch []debezium.Change) error {
		out := make([]Change, 0, len(batch))
		for i := range batch {
			c, ok, err := fromDebezium(s.t, &batch[i])
			if err != nil {
				return err
			}
			if ok {
				out = append(out, c)
			}
		}
		return fn(ctx, out)
	})
}

// fromDebezium converts a Debezium change of a source table; ok is false
// for other tables and truncates.
func fromDebezium(t Tables, d *debezium.Change) (Change, bool, error) {
	row, op := d.After, OpUpsert
	switch d.Op {
	case debezium.OpDelete:
		row, op = d.Before, OpDelete
	case debezium.OpCreate, debezium.OpUpdate, debezium.OpRead:
	default:
		return Change{}, false, nil
	}
	if row == nil {
		return Change{}, false, fmt.Errorf("debezium: %s %s change without a row image (replica identity full?)", d.Table, d.Op)
	}
	c := Change{Op: op, CommitTime: d.CommitTime, Pos: uint64(d.Offset)}
	var err error
	get := func(col string, dst *int64) {
		if err == nil {
			*dst, err = row.Int64(col)
		}
	}
	switch d.Table {
	case t.Tweets():
		c.Entity = EntityTweet
		get("id", &c.TweetID)
		get("user_id", &c.UserID)
		get("like_count", &c.LikeCount)
		if err == nil {
			c.Body, err = row.String("body")
		}
		if err == nil {
			c.CreatedAt, err = row.Time("created_at")
			c.CreatedAt = c.CreatedAt.UTC()
		}
	case t.Follows():
		c.Entity = EntityFollow
		get("src", &c.Src)
		get("dst", &c.Dst)
	case t.Markers():
		c.Entity = EntityMarker
		get("seq", &c.Seq)
	default:
		return Change{}, false, nil
	}
	if err != nil {
		return Change{}, false, fmt.Errorf("debezium: %s change at offset %d: %w", d.Table, d.Offset, err)
	}
	return c, true, nil
}
