package kafkalog

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Producer appends records to one topic and waits for the broker to
// acknowledge each: the broker's leader and every in-sync replica hold it
// (acks=all) before Append returns. It is idempotent (retries never write
// a record twice) and lingers for nothing: a record is sent at once,
// batched only with records appended at the same moment. Safe for
// concurrent use.
type Producer struct {
	cl    *kgo.Client
	topic string
	dsn   string
}

// NewProducer connects to Kafka to append to topic.
func NewProducer(ctx context.Context, kafkaDSN, topic string) (*Producer, error) {
	brokers, err := ParseDSN(kafkaDSN)
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(0), kgo.RecordDeliveryTimeout(30*time.Second))
	if err != nil {
		return nil, fmt.Errorf("kafka %s: %w", kafkaDSN, err)
	}
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("kafka %s: %w", kafkaDSN, err)
	}
	return &Producer{cl: cl, topic: topic, dsn: kafkaDSN}, nil
}

// Append writes records with the given values (keys may be nil) and
// returns once all are acknowledged, with the first one's offset.
func (p *Producer) Append(ctx context.Context, key []byte, values ...[]byte) (int64, error) {
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Key: key, Value: v}
	}
	res := p.cl.ProduceSync(ctx, recs...)
	if err := res.FirstErr(); err != nil {
		return 0, fmt.Errorf("kafka %s: append to %s: %w", p.dsn, p.topic, err)
	}
	return res[0].Record.Offset, nil
}

// Close closes the connections.
func (p *Producer) Close() { p.cl.Close() }

// ReadAll reads every record of topic from its start to its end as of the
// call (records appended later are not read) and hands them to fn in
// batches, in order within each partition. It returns the number of
// records read.
func ReadAll(ctx context.Context, kafkaDSN, topic string, fn func(recs []*kgo.Record) error) (int64, error) {
	end, err := EndOffsets(ctx, kafkaDSN, topic)
	if err != nil {
		return 0, err
	}
	brokers, err := ParseDSN(kafkaDSN)
	if err != nil {
		return 0, err
	}
	from := map[int32]kgo.Offset{}
	left := 0
	for p, e := range end {
		if e > 0 {
			from[p] = kgo.NewOffset().AtStart()
			left++
		}
	}
	if left == 0 {
		return 0, nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}),
		kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		return 0, fmt.Errorf("kafka %s: %w", kafkaDSN, err)
	}
	defer cl.Close()
	var n int64
	done := map[int32]bool{}
	for len(done) < left {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if errs := fetches.Errors(); len(errs) > 0 {
			return n, fmt.Errorf("kafka %s: read %s: %w", kafkaDSN, topic, errs[0].Err)
		}
		var batch []*kgo.Record
		fetches.EachRecord(func(r *kgo.Record) {
			if r.Offset < end[r.Partition] {
				batch = append(batch, r)
			}
			if r.Offset >= end[r.Partition]-1 {
				done[r.Partition] = true
			}
		})
		if len(batch) > 0 {
			n += int64(len(batch))
			if err := fn(batch); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
