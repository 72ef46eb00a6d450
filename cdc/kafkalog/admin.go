package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ParseDSN returns the seed brokers of a Kafka DSN:
// kafka://HOST:PORT[,HOST:PORT…] (what compose/native/kafka.sh prints), or
// the bare HOST:PORT list. A malformed DSN is an error naming it.
func ParseDSN(dsn string) ([]string, error) {
	hosts := dsn
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("kafka DSN %q: %w", dsn, err)
		}
		if u.Scheme != "kafka" {
			return nil, fmt.Errorf("kafka DSN %q: scheme %q, want kafka://HOST:PORT[,HOST:PORT…]", dsn, u.Scheme)
		}
		if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, fmt.Errorf("kafka DSN %q: want kafka://HOST:PORT[,HOST:PORT…] with no user, path or options", dsn)
		}
		hosts = u.Host
	}
	if hosts == "" {
		return nil, fmt.Errorf("kafka DSN %q: no broker; want kafka://HOST:PORT[,HOST:PORT…]", dsn)
	}
	var brokers []string
	for _, h := range strings.Split(hosts, ",") {
		host, port, err := net.SplitHostPort(h)
		if err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("kafka DSN %q: broker %q is not HOST:PORT", dsn, h)
		}
		brokers = append(brokers, h)
	}
	return brokers, nil
}

// admin opens a Kafka admin client on the DSN's brokers; closing the
// returned client closes both.
func admin(dsn string) (*kadm.Client, error) {
	brokers, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return nil, fmt.Errorf("kafka %s: %w", dsn, err)
	}
	return kadm.NewClient(cl), nil
}

// EnsureTopics creates the topics that do not exist yet with one partition
// (one partition keeps every change of a table in commit order) and
// replication factor 1 (one partition keeps a topic's records in the order
// they were written; it is the layout Debezium's connector creates its
// topics with). Existing topics are left as they are.
func EnsureTopics(ctx context.Context, kafkaDSN string, topics ...string) error {
	if len(topics) == 0 {
		return nil
	}
	adm, err := admin(kafkaDSN)
	if err != nil {
		return err
	}
	defer adm.Close()
	resp, err := adm.CreateTopics(ctx, 1, 1, nil, topics...)
	if err != nil {
		return fmt.Errorf("kafka %s: create topics %v: %w", kafkaDSN, topics, err)
	}
	var errs []error
	for _, r := range resp.Sorted() {
		if r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("kafka %s: create topic %s: %w", kafkaDSN, r.Topic, r.Err))
		}
	}
	return errors.Join(errs...)
}

// DeleteTopics deletes the topics; topics that do not exist are not an
// error.
func DeleteTopics(ctx context.Context, kafkaDSN string, topics ...string) error {
	if len(topics) == 0 {
		return nil
	}
	adm, err := admin(kafkaDSN)
	if err != nil {
		return err
	}
	defer adm.Close()
	resp, err := adm.DeleteTopics(ctx, topics...)
	if err != nil {
		return fmt.Errorf("kafka %s: delete topics %v: %w", kafkaDSN, topics, err)
	}
	var errs []error
	for _, r := range resp.Sorted() {
		if r.Err != nil && !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
			errs = append(errs, fmt.Errorf("kafka %s: delete topic %s: %w", kafkaDSN, r.Topic, r.Err))
		}
	}
	return errors.Join(errs...)
}

// DeleteGroup deletes a consumer group and its committed offsets (no
// member may be active); a group that does not exist is not an error.
func DeleteGroup(ctx context.Context, kafkaDSN, group string) error {
	adm, err := admin(kafkaDSN)
	if err != nil {
		return err
	}
	defer adm.Close()
	resp, err := adm.DeleteGroups(ctx, group)
	if err != nil {
		return fmt.Errorf("kafka %s: delete group %s: %w", kafkaDSN, group, err)
	}
	for _, r := range resp {
		if r.Err != nil && !errors.Is(r.Err, kerr.GroupIDNotFound) {
			return fmt.Errorf("kafka %s: delete group %s: %w", kafkaDSN, group, r.Err)
		}
	}
	return nil
}

// EndOffsets returns the end offset (high watermark: the offset the next
// record will get) of every partition of topic.
func EndOffsets(ctx context.Context, kafkaDSN, topic string) (map[int32]int64, error) {
	adm, err := admin(kafkaDSN)
	if err != nil {
		return nil, err
	}
	defer adm.Close()
	l, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = l.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("kafka %s: end offsets of %s: %w", kafkaDSN, topic, err)
	}
	out := map[int32]int64{}
	l.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	if len(out) == 0 {
		return nil, fmt.Errorf("kafka %s: topic %s does not exist", kafkaDSN, topic)
	}
	return out, nil
}

// CommitGroup commits offsets (partition → next offset to read) of topic
// for group, which must have no active member: the group then starts
// there.
func CommitGroup(ctx context.Context, kafkaDSN, group, topic string, offsets map[int32]int64) error {
	adm, err := admin(kafkaDSN)
	if err != nil {
		return err
	}
	defer adm.Close()
	var os kadm.Offsets
	for p, at := range offsets {
		os.Add(kadm.Offset{Topic: topic, Partition: p, At: at, LeaderEpoch: -1})
	}
	resp, err := adm.CommitOffsets(ctx, group, os)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return fmt.Errorf("kafka %s: commit offsets of group %s: %w", kafkaDSN, group, err)
	}
	return nil
}
