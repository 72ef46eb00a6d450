package debezium

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

// ParseKafkaDSN returns the seed brokers of a Kafka DSN:
// kafka://HOST:PORT[,HOST:PORT…] (what compose/native/kafka.sh prints), or
// the bare HOST:PORT list. A malformed DSN is an error naming it.
func ParseKafkaDSN(dsn string) ([]string, error) {
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
	brokers, err := ParseKafkaDSN(dsn)
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
// replication factor 1, the layout Debezium's connector would create them
// with (see PostgresConnector). Existing topics are left as they are.
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
