package debezium

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/storefit/storefit/drivers"
)

// PostgresConnector configures Debezium's PostgreSQL connector as storefit
// uses it: pgoutput (PostgreSQL's built-in logical decoding plugin, no
// server extension), one task, one Kafka topic per table, JSON envelopes
// without schemas, no tombstones.
type PostgresConnector struct {
	// Name is the connector's name in Kafka Connect.
	Name string
	// DSN is the source database, postgres://USER:PASSWORD@HOST:PORT/DB
	// (the user needs the REPLICATION attribute and must own the tables
	// when the connector creates the publication). sslmode=disable in it
	// is passed on.
	DSN string
	// Host and Port, when set, replace the DSN's host and port in what the
	// connector connects to: the database as seen from the Connect worker
	// (e.g. "postgres" and 5432 inside docker-compose's network).
	Host string
	Port int

	// Slot is the logical replication slot the connector reads (created
	// when missing; it must not be in use by another reader).
	Slot string
	// Publication is the publication pgoutput streams (default Slot +
	// "_pub").
	Publication string
	// PublicationAutocreate is publication.autocreate.mode: "filtered"
	// (the default: the connector creates the publication for Tables,
	// which a table owner may do), "disabled" (the publication must
	// exist), "all_tables" (needs a superuser) or "no_tables".
	PublicationAutocreate string
	// Tables are the captured tables, "schema.table" or "table" (schema
	// public).
	Tables []string
	// TopicPrefix prefixes the topics: a table's changes go to
	// TopicPrefix.schema.table (see Topics).
	TopicPrefix string
	// SnapshotMode is snapshot.mode: "no_data" (the default: stream
	// changes from the slot's position, no initial snapshot), "initial"
	// (read the tables' rows first, as op 'r', then stream), or any other
	// mode Debezium knows.
	SnapshotMode string

	// FullBeforeImages makes RegisterPostgres set REPLICA IDENTITY FULL on
	// the tables before it registers the connector (the DSN's user must
	// own them): updates and deletes then carry the whole old row in
	// Before, not only the key — a delete's other columns (say, the
	// author of a deleted tweet, to drop it from a timeline) are known.
	// It costs WAL volume: every update and delete logs the old row.
	// (Debezium's own replica.identity.autoset.values sets it only when
	// streaming starts, after the task reports RUNNING, and in our tests
	// the connector still emitted key-only before images afterwards.)
	FullBeforeImages bool

	// PollInterval is poll.interval.ms (default 10 ms; Debezium's own is
	// 500 ms): how long the connector sleeps when it finds no change, in
	// its WAL reader and in the queue Kafka Connect polls, so up to twice
	// that is added to the lag. 10 ms costs a few hundred idle wake-ups a
	// second, nothing measurable.
	PollInterval time.Duration
	// Heartbeat is heartbeat.interval.ms (default 10 s; negative: off):
	// heartbeats let the connector confirm the slot's position while the
	// captured tables are idle, so PostgreSQL can recycle WAL.
	Heartbeat time.Duration
	// Extra are further connector properties, set last (they override the
	// ones above; an empty value removes the property — e.g.
	// producer.override.linger.ms for a worker whose
	// connector.client.config.override.policy forbids overrides).
	Extra map[string]string
}

// slotName is what PostgreSQL accepts as a replication slot name.
var slotName = regexp.MustCompile(`^[a-z0-9_]{1,63}$`)

// validate checks the configuration and fills in the defaults.
func (p *PostgresConnector) validate() error {
	switch {
	case p.Name == "":
		return errors.New("debezium: PostgresConnector.Name is empty")
	case p.DSN == "":
		return errors.New("debezium: PostgresConnector.DSN is empty")
	case !slotName.MatchString(p.Slot):
		return fmt.Errorf("debezium: slot name %q: use 1 to 63 lower-case letters, digits and '_'", p.Slot)
	case len(p.Tables) == 0:
		return errors.New("debezium: PostgresConnector.Tables is empty")
	case p.TopicPrefix == "" || strings.ContainsAny(p.TopicPrefix, " ,/"):
		return fmt.Errorf("debezium: topic prefix %q: use letters, digits, '.', '_' and '-'", p.TopicPrefix)
	}
	p.Publication = p.PublicationName()
	if p.PublicationAutocreate == "" {
		p.PublicationAutocreate = "filtered"
	}
	if p.SnapshotMode == "" {
		p.SnapshotMode = "no_data"
	}
	if p.PollInterval <= 0 {
		p.PollInterval = 10 * time.Millisecond
	}
	if p.Heartbeat == 0 {
		p.Heartbeat = 10 * time.Second
	}
	for _, t := range p.Tables {
		if t == "" || strings.Count(t, ".") > 1 || strings.ContainsAny(t, " ,") {
			return fmt.Errorf("debezium: table %q: want table or schema.table", t)
		}
	}
	return nil
}

// qualified returns "schema.table" for "table" or "schema.table".
func qualified(table string) string {
	if strings.Contains(table, ".") {
		return table
	}
	return "public." + table
}

// Topics returns the Kafka topic of each table, in the order of Tables:
// TopicPrefix.schema.table.
func (p PostgresConnector) Topics() []string {
	topics := make([]string, len(p.Tables))
	for i, t := range p.Tables {
		topics[i] = p.TopicPrefix + "." + qualified(t)
	}
	return topics
}

// PublicationName returns the publication's name: Publication, or its
// default, Slot + "_pub".
func (p PostgresConnector) PublicationName() string {
	if p.Publication != "" {
		return p.Publication
	}
	return p.Slot + "_pub"
}

// HeartbeatTopic returns the topic the connector's heartbeats go to.
func (p PostgresConnector) HeartbeatTopic() string {
	return "__debezium-heartbeat." + p.TopicPrefix
}

// Config returns the connector's Kafka Connect configuration, the password
// included.
func (p PostgresConnector) Config() (map[string]string, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	pc, err := pgconn.ParseConfig(p.DSN)
	if err != nil {
		return nil, fmt.Errorf("debezium: source DSN %s: %w", drivers.RedactDSN(p.DSN), errors.Unwrap(err))
	}
	host, port := pc.Host, int(pc.Port)
	if p.Host != "" {
		host = p.Host
	}
	if p.Port != 0 {
		port = p.Port
	}
	include := make([]string, len(p.Tables))
	for i, t := range p.Tables {
		include[i] = regexp.QuoteMeta(qualified(t))
	}
	cfg := map[string]string{
		"connector.class":             "io.debezium.connector.postgresql.PostgresConnector",
		"tasks.max":                   "1",
		"plugin.name":                 "pgoutput",
		"database.hostname":           host,
		"database.port":               strconv.Itoa(port),
		"database.user":               pc.User,
		"database.password":           pc.Password,
		"database.dbname":             pc.Database,
		"slot.name":                   p.Slot,
		"slot.drop.on.stop":           "false",
		"publication.name":            p.Publication,
		"publication.autocreate.mode": p.PublicationAutocreate,
		"table.include.list":          strings.Join(include, ","),
		"topic.prefix":                p.TopicPrefix,
		"snapshot.mode":               p.SnapshotMode,
		// Deletes are one event (op d); no tombstone after it.
		"tombstones.on.delete": "false",
		// Small envelopes: JSON without a schema beside each key and
		// value, numerics as strings (not base64 of their unscaled bytes).
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "false",
		"value.converter.schemas.enable": "false",
		"decimal.handling.mode":          "string",
		// Kafka Connect creates the topics (if the broker has not):
		// one partition each, so a table's changes stay in commit order.
		"topic.creation.default.replication.factor": "1",
		"topic.creation.default.partitions":         "1",
		"poll.interval.ms":                          strconv.FormatInt(p.PollInterval.Milliseconds(), 10),
		// Kafka Connect's producer sends each batch at once (Kafka 4's
		// default linger is 5 ms).
		"producer.override.linger.ms": "0",
	}
	if u, err := url.Parse(p.DSN); err == nil {
		if m := u.Query().Get("sslmode"); m != "" {
			cfg["database.sslmode"] = m
		}
	}
	if p.Heartbeat > 0 {
		cfg["heartbeat.interval.ms"] = strconv.FormatInt(p.Heartbeat.Milliseconds(), 10)
	}
	for k, v := range p.Extra {
		if v == "" {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	return cfg, nil
}

// RegisterPostgres creates the connector on the Kafka Connect worker at
// connectDSN (http://HOST:PORT), or replaces its configuration, and waits
// until it and its task run. Once it returns, the replication slot exists
// (the task creates it while starting, before it reports RUNNING): every
// change committed afterwards reaches the topics. A failed connector is an
// error carrying the first line of its trace.
func RegisterPostgres(ctx context.Context, connectDSN string, cfg PostgresConnector) error {
	conf, err := cfg.Config()
	if err != nil {
		return err
	}
	c, err := NewConnect(connectDSN)
	if err != nil {
		return err
	}
	scrub := func(err error) error {
		if err == nil || conf["database.password"] == "" {
			return err
		}
		return &scrubbed{msg: strings.ReplaceAll(err.Error(), conf["database.password"], "xxxxx"), err: err}
	}
	if cfg.FullBeforeImages {
		if err := replicaIdentityFull(ctx, cfg.DSN, cfg.Tables); err != nil {
			return err
		}
	}
	if err := c.Put(ctx, cfg.Name, conf); err != nil {
		return scrub(fmt.Errorf("debezium: register connector %s: %w", cfg.Name, err))
	}
	if err := c.WaitRunning(ctx, cfg.Name); err != nil {
		return scrub(fmt.Errorf("debezium: register connector %s: %w", cfg.Name, err))
	}
	return nil
}

// replicaIdentityFull sets REPLICA IDENTITY FULL on the tables that do not
// have it yet (the ALTER takes a short exclusive lock, so it is skipped when
// there is nothing to change).
func replicaIdentityFull(ctx context.Context, dsn string, tables []string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("debezium: replica identity: connect to %s: %w", drivers.RedactDSN(dsn), errors.Unwrap(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, t := range tables {
		schema, table, _ := strings.Cut(qualified(t), ".")
		ident := pgx.Identifier{schema, table}.Sanitize()
		var full bool
		if err := conn.QueryRow(ctx, "SELECT relreplident = 'f' FROM pg_class WHERE oid = $1::regclass", ident).Scan(&full); err != nil {
			return fmt.Errorf("debezium: replica identity of %s: %w", ident, err)
		}
		if full {
			continue
		}
		if _, err := conn.Exec(ctx, "ALTER TABLE "+ident+" REPLICA IDENTITY FULL"); err != nil {
			return fmt.Errorf("debezium: replica identity of %s: %w", ident, err)
		}
	}
	return nil
}

// scrubbed is an error whose message had the password blanked; it still
// unwraps to the original for errors.Is.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// DeleteConnector deletes the connector from the worker at connectDSN; one
// that does not exist is not an error. Its slot and publication stay (see
// DropSlot): a connector registered again with them resumes where this one
// stopped.
func DeleteConnector(ctx context.Context, connectDSN, name string) error {
	c, err := NewConnect(connectDSN)
	if err != nil {
		return err
	}
	if err := c.Delete(ctx, name); err != nil {
		return fmt.Errorf("debezium: delete connector %s: %w", name, err)
	}
	return nil
}

// DropSlot drops the replication slot and the publication a deleted
// connector used (either may be missing). A slot still in use (its
// connector's task stopping) is waited for until ctx ends.
func DropSlot(ctx context.Context, pgDSN, slot, publication string) error {
	conn, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		return fmt.Errorf("debezium: drop slot %s: connect to %s: %w", slot, drivers.RedactDSN(pgDSN), errors.Unwrap(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for {
		var active *bool
		err := conn.QueryRow(ctx, "SELECT active FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&active)
		if errors.Is(err, pgx.ErrNoRows) {
			break
		}
		if err != nil {
			return fmt.Errorf("debezium: drop slot %s: %w", slot, err)
		}
		if active == nil || !*active {
			if _, err := conn.Exec(ctx, "SELECT pg_drop_replication_slot($1)", slot); err != nil {
				var pe *pgconn.PgError
				if errors.As(err, &pe) && pe.Code == "55006" { // object_in_use: taken again
					continue
				}
				if errors.As(err, &pe) && pe.Code == "42704" { // undefined_object: gone
					break
				}
				return fmt.Errorf("debezium: drop slot %s: %w", slot, err)
			}
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("debezium: drop slot %s: still in use: %w", slot, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if publication != "" {
		if _, err := conn.Exec(ctx, "DROP PUBLICATION IF EXISTS "+pgx.Identifier{publication}.Sanitize()); err != nil {
			return fmt.Errorf("debezium: drop publication %s: %w", publication, err)
		}
	}
	return nil
}
