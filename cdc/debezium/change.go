package debezium

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Op is what a change did to its row, as Debezium's envelope says it.
type Op byte

// The operations of Debezium's change events.
const (
	// OpCreate is an insert.
	OpCreate Op = 'c'
	// OpUpdate is an update.
	OpUpdate Op = 'u'
	// OpDelete is a delete: After is nil, Before has the row's key (and
	// the other columns only under REPLICA IDENTITY FULL).
	OpDelete Op = 'd'
	// OpRead is a row read by the connector's initial snapshot.
	OpRead Op = 'r'
	// OpTruncate is a TRUNCATE of the table (only when the connector is
	// told not to skip them; PostgresConnector does skip them).
	OpTruncate Op = 't'
)

// String returns the operation's name ("create", "update", …).
func (o Op) String() string {
	switch o {
	case OpCreate:
		return "create"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	case OpRead:
		return "read"
	case OpTruncate:
		return "truncate"
	}
	return fmt.Sprintf("op(%q)", byte(o))
}

// Change is one row change: a Debezium change event decoded from its Kafka
// record.
type Change struct {
	// Topic, Partition and Offset locate the record in Kafka; together
	// they identify the change (a redelivered change has the same ones).
	Topic     string
	Partition int32
	Offset    int64

	// Schema and Table name the source table; DB its database.
	DB, Schema, Table string
	// Op is what happened to the row.
	Op Op
	// Key is the row's primary key (the record key): column → value.
	Key Row
	// Before is the row before the change: nil for creates and reads; for
	// updates nil unless the table has REPLICA IDENTITY FULL
	// (PostgresConnector.FullBeforeImages); for deletes the key columns,
	// the others null or, if NOT NULL, their type's zero — the whole row
	// under REPLICA IDENTITY FULL.
	Before Row
	// After is the row after the change: nil for deletes.
	After Row

	// CommitTime is when the source transaction committed
	// (source.ts_us, or source.ts_ms when absent); for snapshot reads, when
	// the snapshot read the row.
	CommitTime time.Time
	// EmitTime is when Debezium made the event (the envelope's ts_us).
	EmitTime time.Time
	// LSN is the WAL position of the change (source.lsn).
	LSN int64
	// TxID is the source transaction's id (source.txId).
	TxID int64
	// Snapshot is source.snapshot: "false" for streamed changes; "true",
	// "first", "last" or "incremental" for snapshot reads.
	Snapshot string
}

// ErrTombstone is returned by Decode for a tombstone (a record without a
// value, which Kafka's compaction uses to forget a key). Consumers skip
// them: the delete event before it carries the change.
var ErrTombstone = errors.New("debezium: tombstone record")

// envelope is Debezium's change event value with the JSON converter and
// schemas disabled.
type envelope struct {
	Before Row    `json:"before"`
	After  Row    `json:"after"`
	Op     string `json:"op"`
	TsMs   *int64 `json:"ts_ms"`
	TsUs   *int64 `json:"ts_us"`
	Source struct {
		DB       string          `json:"db"`
		Schema   string          `json:"schema"`
		Table    string          `json:"table"`
		TsMs     *int64          `json:"ts_ms"`
		TsUs     *int64          `json:"ts_us"`
		LSN      *int64          `json:"lsn"`
		TxID     *int64          `json:"txId"`
		Snapshot json.RawMessage `json:"snapshot"`
	} `json:"source"`
	// Schema and Payload are set when the converter embeds schemas
	// (schemas.enable=true): the envelope is then inside payload.
	Schema  json.RawMessage `json:"schema"`
	Payload json.RawMessage `json:"payload"`
}

// Decode decodes a Debezium change event from a Kafka record's key and
// value (JSON converter; embedded schemas are unwrapped too). A record
// without a value is a tombstone: Decode returns ErrTombstone. Numbers in
// rows are json.Number, so 64-bit keys keep every digit.
func Decode(key, value []byte) (Change, error) {
	var c Change
	if len(value) == 0 || bytes.Equal(bytes.TrimSpace(value), []byte("null")) {
		return c, ErrTombstone
	}
	var env envelope
	if err := unmarshal(value, &env); err != nil {
		return c, fmt.Errorf("debezium: decode change event: %w", err)
	}
	if len(env.Payload) > 0 && len(env.Schema) > 0 && env.Op == "" {
		var inner envelope
		if err := unmarshal(env.Payload, &inner); err != nil {
			return c, fmt.Errorf("debezium: decode change event payload: %w", err)
		}
		env = inner
	}
	if len(env.Op) != 1 {
		return c, fmt.Errorf("debezium: change event has op %q, want one of c, u, d, r, t", env.Op)
	}
	c.Op = Op(env.Op[0])
	switch c.Op {
	case OpCreate, OpUpdate, OpDelete, OpRead, OpTruncate:
	default:
		return c, fmt.Errorf("debezium: change event has op %q, want one of c, u, d, r, t", env.Op)
	}
	if c.Op != OpDelete && c.Op != OpTruncate && env.After == nil {
		return c, fmt.Errorf("debezium: %s event without after image", c.Op)
	}
	c.Before, c.After = env.Before, env.After
	s := env.Source
	c.DB, c.Schema, c.Table = s.DB, s.Schema, s.Table
	c.CommitTime = timeOf(s.TsUs, s.TsMs)
	c.EmitTime = timeOf(env.TsUs, env.TsMs)
	if s.LSN != nil {
		c.LSN = *s.LSN
	}
	if s.TxID != nil {
		c.TxID = *s.TxID
	}
	// A string in Debezium 2 and 3 ("true", "last", "false", …), a
	// boolean before.
	if len(s.Snapshot) > 0 && string(s.Snapshot) != "null" {
		var str string
		if json.Unmarshal(s.Snapshot, &str) != nil {
			str = string(s.Snapshot)
		}
		c.Snapshot = str
	}
	if k := bytes.TrimSpace(key); len(k) > 0 && !bytes.Equal(k, []byte("null")) {
		if err := unmarshal(k, &c.Key); err != nil {
			return c, fmt.Errorf("debezium: decode change event key: %w", err)
		}
		// With embedded schemas the key is {"schema": …, "payload": {…}}.
		if p, ok := c.Key["payload"].(map[string]any); ok && len(c.Key) == 2 && c.Key.Has("schema") {
			c.Key = p
		}
	}
	return c, nil
}

// unmarshal decodes JSON with numbers as json.Number.
func unmarshal(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}

// timeOf returns the time of a microsecond timestamp, else of a
// millisecond one, else the zero time.
func timeOf(us, ms *int64) time.Time {
	switch {
	case us != nil:
		return time.UnixMicro(*us)
	case ms != nil:
		return time.UnixMilli(*ms)
	}
	return time.Time{}
}

// Row is a row image: column name → value as the JSON converter writes it
// (with PostgresConnector's settings): nil for NULL, json.Number for
// integers, floats and decimal.handling.mode=double, string for text,
// numeric (decimal.handling.mode=string), timestamptz (ISO 8601), json and
// jsonb (the document's text), bool for boolean, and json.Number for
// timestamp without time zone (microseconds since the epoch) and date (days
// since the epoch). Its methods read a column as a Go type.
type Row map[string]any

// Has reports whether the row has the column (NULL or not).
func (r Row) Has(col string) bool {
	_, ok := r[col]
	return ok
}

// IsNull reports whether the column is NULL or absent.
func (r Row) IsNull(col string) bool { return r[col] == nil }

// Int64 returns an integer column.
func (r Row) Int64(col string) (int64, error) {
	switch v := r[col].(type) {
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return 0, fmt.Errorf("column %s: %q is not an integer", col, v)
		}
		return n, nil
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("column %s: %q is not an integer", col, v)
		}
		return n, nil
	case nil:
		return 0, fmt.Errorf("column %s: %w", col, errNull(r, col))
	default:
		return 0, fmt.Errorf("column %s: %T is not an integer", col, v)
	}
}

// Float64 returns a numeric column (a number, or a decimal as a string).
func (r Row) Float64(col string) (float64, error) {
	switch v := r[col].(type) {
	case json.Number:
		return v.Float64()
	case string:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, fmt.Errorf("column %s: %q is not a number", col, v)
		}
		return f, nil
	case nil:
		return 0, fmt.Errorf("column %s: %w", col, errNull(r, col))
	default:
		return 0, fmt.Errorf("column %s: %T is not a number", col, v)
	}
}

// String returns a column as text: strings as they are, numbers as
// written, booleans as true or false.
func (r Row) String(col string) (string, error) {
	switch v := r[col].(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	case nil:
		return "", fmt.Errorf("column %s: %w", col, errNull(r, col))
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", col, err)
		}
		return string(b), nil
	}
}

// Bool returns a boolean column.
func (r Row) Bool(col string) (bool, error) {
	switch v := r[col].(type) {
	case bool:
		return v, nil
	case nil:
		return false, fmt.Errorf("column %s: %w", col, errNull(r, col))
	default:
		return false, fmt.Errorf("column %s: %T is not a boolean", col, v)
	}
}

// Time returns a timestamp column: an ISO 8601 string (timestamptz, and
// time.precision.mode=adaptive's text forms) or a number of microseconds
// since the epoch (timestamp without time zone, Debezium's MicroTimestamp).
func (r Row) Time(col string) (time.Time, error) {
	switch v := r[col].(type) {
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("column %s: %q is not an ISO 8601 time", col, v)
		}
		return t, nil
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return time.Time{}, fmt.Errorf("column %s: %q is not microseconds since the epoch", col, v)
		}
		return time.UnixMicro(n).UTC(), nil
	case nil:
		return time.Time{}, fmt.Errorf("column %s: %w", col, errNull(r, col))
	default:
		return time.Time{}, fmt.Errorf("column %s: %T is not a time", col, v)
	}
}

// errNull says whether a column is NULL or missing from the row.
func errNull(r Row, col string) error {
	if r.Has(col) {
		return errors.New("is NULL")
	}
	return errors.New("not in the row")
}
