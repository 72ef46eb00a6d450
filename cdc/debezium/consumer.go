package debezium

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
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
	// SessionTimeout is the group session timeout (default 10 s): how
	// long the broker waits for a consumer that died without leaving
	// before it hands its partitions to another.
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
// consumer group, hands them to a Handler in batches, and commits a batch's
// offsets after the Handler succeeded: at-least-once delivery. A consumer
// closed (or killed) and made again with the same group resumes from the
// committed offsets. Run and Close may be called from different goroutines.
type Consumer struct {
	cfg ConsumerConfig
	cl  *kgo.Client

	mu      sync.Mutex
	cancel  context.CancelFunc // ends a Run under way
	running chan struct{}      // closed when that Run returns
	closed  bool

	changes, batches, tombstones, commits atomic.Int64
}

// NewConsumer connects to Kafka, creates the topics that are missing and
// joins the group (the first poll of Run completes the join).
func NewConsumer(ctx context.Context, cfg ConsumerConfig) (*Consumer, error) {
	brokers, err := ParseKafkaDSN(cfg.Kafka)
	if err != nil {
		return nil, err
	}
	if cfg.Group == "" {
		return nil, errors.New("debezium: ConsumerConfig.Group is empty")
	}
	if len(cfg.Topics) == 0 {
		return nil, errors.New("debezium: ConsumerConfig.Topics is empty")
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1000
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 10 * time.Second
	}
	if err := EnsureTopics(ctx, cfg.Kafka, cfg.Topics...); err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topics...),
		// A new group reads each topic from its start.
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// Offsets are committed by Run, after the Handler, and no
		// rebalance can take partitions away between the two.
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.SessionTimeout(cfg.SessionTimeout),
		kgo.HeartbeatInterval(cfg.SessionTimeout/5),
		kgo.FetchMaxWait(500*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("debezium: kafka %s: %w", cfg.Kafka, err)
	}
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("debezium: kafka %s: %w", cfg.Kafka, err)
	}
	return &Consumer{cfg: cfg, cl: cl}, nil
}

// Run polls the topics and calls fn with each batch of changes until ctx
// ends or Close is called (then it returns nil), or a step fails: a record
// that is not a change event, fn's error, or a failed commit. A batch whose
// fn or commit failed is not committed: a new Consumer of the group gets
// it again. Run runs once per Consumer: the client's position has moved
// past a batch that was handed out but not committed, so going on with the
// same Consumer could skip it. To resume, Close it and make a new one.
func (c *Consumer) Run(ctx context.Context, fn Handler) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errors.New("debezium: consumer closed")
	}
	if c.running != nil {
		c.mu.Unlock()
		return errors.New("debezium: Run was called before: make a new Consumer to resume from the committed offsets")
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	c.cancel, c.running = cancel, done
	c.mu.Unlock()
	defer func() {
		cancel()
		close(done)
	}()

	for {
		fetches := c.cl.PollRecords(ctx, c.cfg.MaxBatch)
		if ctx.Err() != nil || fetches.IsClientClosed() {
			c.cl.AllowRebalance()
			return nil
		}
		var errs []error
		fetches.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				errs = append(errs, fmt.Errorf("%s/%d: %w", topic, p, err))
			}
		})
		if len(errs) > 0 {
			c.cl.AllowRebalance()
			return fmt.Errorf("debezium: fetch from kafka %s: %w", c.cfg.Kafka, errors.Join(errs...))
		}
		recs := fetches.Records()
		if len(recs) == 0 {
			c.cl.AllowRebalance()
			continue
		}
		batch := make([]Change, 0, len(recs))
		for _, r := range recs {
			ch, err := Decode(r.Key, r.Value)
			if errors.Is(err, ErrTombstone) {
				c.tombstones.Add(1)
				continue
			}
			if err != nil {
				c.cl.AllowRebalance()
				return fmt.Errorf("debezium: record %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
			}
			ch.Topic, ch.Partition, ch.Offset = r.Topic, r.Partition, r.Offset
			batch = append(batch, ch)
		}
		if len(batch) > 0 {
			if err := fn(ctx, batch); err != nil {
				c.cl.AllowRebalance()
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("debezium: handler: %w", err)
			}
			c.changes.Add(int64(len(batch)))
			c.batches.Add(1)
		}
		if err := c.cl.CommitRecords(ctx, recs...); err != nil {
			c.cl.AllowRebalance()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("debezium: commit offsets to kafka %s: %w", c.cfg.Kafka, err)
		}
		c.commits.Add(1)
		c.cl.AllowRebalance()
	}
}

// Stats returns the consumer's counters so far.
func (c *Consumer) Stats() ConsumerStats {
	return ConsumerStats{
		Changes:    c.changes.Load(),
		Batches:    c.batches.Load(),
		Tombstones: c.tombstones.Load(),
		Commits:    c.commits.Load(),
	}
}

// Close stops a Run under way (its current batch, if fn has not returned
// or its commit not completed, stays uncommitted), leaves the group and
// closes the connections. Calling it again does nothing.
func (c *Consumer) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	cancel, running := c.cancel, c.running
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-running
	}
	c.cl.Close()
	return nil
}
