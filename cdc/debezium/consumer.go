package debezium

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/storefit/storefit/cdc/kafkalog"
)

// Handler receives a batch of changes, in order within each topic (and so
// within each table and each row). It returns nil once the batch is
// applied; only then are the batch's offsets committed. It may be called
// again with changes it already applied (after a restart, or an error), and
// must apply them idempotently.
type Handler func(ctx context.Context, batch []Change) error

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	// Kafka is the Kafka DSN, kafka://HOST:PORT[,HOST:PORT…].
	Kafka string
	// Group is the consumer group: its committed offsets are where a
	// restarted consumer resumes.
	Group string
	// Topics are the topics to read (PostgresConnector.Topics). Missing
	// ones are created (one partition), so the consumer can start before
	// the connector's first change.
	Topics []string
	// MaxBatch caps the changes per Handler call (default 1000).
	MaxBatch int
	// SessionTimeout is the group session timeout (default 10 s).
	SessionTimeout time.Duration
}

// ConsumerStats are a consumer's counters.
type ConsumerStats struct {
	// Changes counts changes handed to the Handler (redeliveries
	// included); Batches counts Handler calls that succeeded.
	Changes, Batches int64
	// Tombstones counts records without a value, skipped.
	Tombstones int64
	// Commits counts offset commits (one per successful batch).
	Commits int64
}

// Consumer reads Debezium change events from Kafka topics as a member of a
// consumer group (kafkalog.Consumer), decodes them and hands them to a
// Handler in batches; a batch's offsets are committed after the Handler
// succeeded: at-least-once delivery. A consumer closed (or killed) and made
// again with the same group resumes from the committed offsets.
type Consumer struct {
	c                   *kafkalog.Consumer
	changes, tombstones atomic.Int64
}

// NewConsumer connects to Kafka, creates the topics that are missing and
// joins the group.
func NewConsumer(ctx context.Context, cfg ConsumerConfig) (*Consumer, error) {
	c, err := kafkalog.NewConsumer(ctx, kafkalog.ConsumerConfig{Kafka: cfg.Kafka, Group: cfg.Group, Topics: cfg.Topics,
		MaxBatch: cfg.MaxBatch, SessionTimeout: cfg.SessionTimeout})
	if err != nil {
		return nil, fmt.Errorf("debezium: %w", err)
	}
	return &Consumer{c: c}, nil
}

// Run polls the topics and calls fn with each batch of changes until ctx
// ends or Close is called (then it returns nil), or a step fails: a record
// that is not a change event, fn's error, or a failed commit. A batch whose
// fn or commit failed is not committed: a new Consumer of the group gets
// it again. Run runs once per Consumer; to resume, Close it and make a new
// one.
func (c *Consumer) Run(ctx context.Context, fn Handler) error {
	return c.c.Run(ctx, func(ctx context.Context, recs []*kgo.Record) error {
		batch := make([]Change, 0, len(recs))
		for _, r := range recs {
			ch, err := Decode(r.Key, r.Value)
			if errors.Is(err, ErrTombstone) {
				c.tombstones.Add(1)
				continue
			}
			if err != nil {
				return fmt.Errorf("debezium: record %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
			}
			ch.Topic, ch.Partition, ch.Offset = r.Topic, r.Partition, r.Offset
			batch = append(batch, ch)
		}
		if len(batch) == 0 {
			return nil
		}
		if err := fn(ctx, batch); err != nil {
			return fmt.Errorf("debezium: handler: %w", err)
		}
		c.changes.Add(int64(len(batch)))
		return nil
	})
}

// Stats returns the consumer's counters so far.
func (c *Consumer) Stats() ConsumerStats {
	s := c.c.Stats()
	return ConsumerStats{Changes: c.changes.Load(), Batches: s.Batches, Tombstones: c.tombstones.Load(), Commits: s.Commits}
}

// Close stops a Run under way (its current batch stays uncommitted unless
// its commit completed), leaves the group and closes the connections.
func (c *Consumer) Close() error { return c.c.Close() }
