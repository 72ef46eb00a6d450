package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Handler receives a batch of records, in order within each partition. It
// returns nil once the batch is applied; only then are the batch's offsets
// committed. It may be called again with records it already applied (after
// a restart, or an error), and must apply them idempotently.
type Handler func(ctx context.Context, recs []*kgo.Record) error

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	// Kafka is the Kafka DSN, kafka://HOST:PORT[,HOST:PORT…].
	Kafka string
	// Group is the consumer group: its committed offsets are where a
	// restarted consumer resumes.
	Group string
	// Topics are the topics to read. Missing ones are created (one
	// partition), so the consumer can start before the first record.
	Topics []string
	// MaxBatch caps the records per Handler call (default 1000).
	MaxBatch int
	// SessionTimeout is the group session timeout (default 10 s): how
	// long the broker waits for a consumer that died without leaving
	// before it hands its partitions to another.
	SessionTimeout time.Duration
}

// ConsumerStats are a consumer's counters.
type ConsumerStats struct {
	// Records counts records handed to the Handler (redeliveries
	// included); Batches counts Handler calls that succeeded; Commits
	// counts offset commits.
	Records, Batches, Commits int64
}

// Consumer reads topics as a member of a consumer group, hands their
// records to a Handler in batches, and commits a batch's offsets after the
// Handler succeeded: at-least-once delivery. A consumer closed (or killed)
// and made again with the same group resumes from the committed offsets.
// Run and Close may be called from different goroutines.
type Consumer struct {
	cfg ConsumerConfig
	cl  *kgo.Client

	mu      sync.Mutex
	cancel  context.CancelFunc // ends a Run under way
	running chan struct{}      // closed when that Run returns
	closed  bool

	records, batches, commits atomic.Int64
}

// NewConsumer connects to Kafka, creates the topics that are missing and
// joins the group (the first poll of Run completes the join). A new group
// reads each topic from its start.
func NewConsumer(ctx context.Context, cfg ConsumerConfig) (*Consumer, error) {
	brokers, err := ParseDSN(cfg.Kafka)
	if err != nil {
		return nil, err
	}
	if cfg.Group == "" {
		return nil, errors.New("kafkalog: ConsumerConfig.Group is empty")
	}
	if len(cfg.Topics) == 0 {
		return nil, errors.New("kafkalog: ConsumerConfig.Topics is empty")
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
		return nil, fmt.Errorf("kafka %s: %w", cfg.Kafka, err)
	}
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("kafka %s: %w", cfg.Kafka, err)
	}
	return &Consumer{cfg: cfg, cl: cl}, nil
}

// Run polls the topics and calls fn with each batch of records until ctx
// ends or Close is called (then it returns nil), or a step fails: a fetch,
// fn's error, or a failed commit. A batch whose fn or commit failed is not
// committed: a new Consumer of the group gets it again. Run runs once per
// Consumer: the client's position has moved past a batch that was handed
// out but not committed, so going on with the same Consumer could skip it.
// To resume, Close it and make a new one.
func (c *Consumer) Run(ctx context.Context, fn Handler) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errors.New("kafkalog: consumer closed")
	}
	if c.running != nil {
		c.mu.Unlock()
		return errors.New("kafkalog: Run was called before: make a new Consumer to resume from the committed offsets")
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
		err := c.poll(ctx, fn)
		if errors.Is(err, errStop) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// errStop ends Run without an error.
var errStop = errors.New("stop")

// poll handles one poll's batch: hand it to fn, then commit it.
func (c *Consumer) poll(ctx context.Context, fn Handler) error {
	fetches := c.cl.PollRecords(ctx, c.cfg.MaxBatch)
	defer c.cl.AllowRebalance()
	if ctx.Err() != nil || fetches.IsClientClosed() {
		return errStop
	}
	var errs []error
	fetches.EachError(func(topic string, p int32, err error) {
		if !errors.Is(err, context.Canceled) {
			errs = append(errs, fmt.Errorf("%s/%d: %w", topic, p, err))
		}
	})
	if len(errs) > 0 {
		return fmt.Errorf("kafkalog: fetch from kafka %s: %w", c.cfg.Kafka, errors.Join(errs...))
	}
	recs := fetches.Records()
	if len(recs) == 0 {
		return nil
	}
	if err := fn(ctx, recs); err != nil {
		if ctx.Err() != nil {
			return errStop
		}
		return err
	}
	c.records.Add(int64(len(recs)))
	c.batches.Add(1)
	if err := c.cl.CommitRecords(ctx, recs...); err != nil {
		if ctx.Err() != nil {
			return errStop
		}
		return fmt.Errorf("kafkalog: commit offsets to kafka %s: %w", c.cfg.Kafka, err)
	}
	c.commits.Add(1)
	return nil
}

// Stats returns the consumer's counters so far.
func (c *Consumer) Stats() ConsumerStats {
	return ConsumerStats{Records: c.records.Load(), Batches: c.batches.Load(), Commits: c.commits.Load()}
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
