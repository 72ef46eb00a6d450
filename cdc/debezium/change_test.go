package debezium

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fixture reads testdata/NAME.key and NAME.value: a record of the table
// exp_items (id bigint primary key, name text, price numeric(10,2), created
// timestamptz, ts timestamp, flag boolean, data jsonb) as Debezium 3.6.1's
// PostgreSQL connector wrote it to Kafka with the JSON converter, schemas
// disabled and decimal.handling.mode=string.
func fixture(t testing.TB, name string) (key, value []byte) {
	t.Helper()
	key, err := os.ReadFile(filepath.Join("testdata", name+".key"))
	if err != nil {
		t.Fatal(err)
	}
	value, err = os.ReadFile(filepath.Join("testdata", name+".value"))
	if err != nil {
		t.Fatal(err)
	}
	return key, value
}

func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		name     string
		op       Op
		before   Row
		after    Row
		commitUs int64
		lsn      int64
		txID     int64
		snapshot string
	}{
		{
			name: "read", op: OpRead,
			after: Row{"id": json.Number("1"), "name": "snap", "price": "1.50", "created": "2026-11-25T19:41:44.100938Z",
				"ts": json.Number("1795635704100938"), "flag": true, "data": `{"a": 1}`},
			commitUs: 1795635733568870, lsn: 43967384, txID: 747, snapshot: "last",
		},
		{
			name: "create", op: OpCreate,
			after: Row{"id": json.Number("2"), "name": "two", "price": "2.25", "created": "2026-11-25T19:42:17.428526Z",
				"ts": json.Number("1795635737428526"), "flag": false, "data": `{"b": [1, 2]}`},
			commitUs: 1795635737429161, lsn: 43967424, txID: 748, snapshot: "false",
		},
		{
			name: "update", op: OpUpdate,
			after: Row{"id": json.Number("2"), "name": "TWO", "price": "3.00", "created": "2026-11-25T19:42:17.428526Z",
				"ts": json.Number("1795635737428526"), "flag": false, "data": `{"b": [1, 2]}`},
			commitUs: 1795635737429583, lsn: 43967680, txID: 749, snapshot: "false",
		},
		{
			// REPLICA IDENTITY DEFAULT: the before image has the key;
			// other columns are null, or a NOT NULL column's zero.
			name: "delete", op: OpDelete,
			before: Row{"id": json.Number("2"), "name": nil, "price": nil, "created": "1970-01-01T00:00:00.000000Z",
				"ts": json.Number("0"), "flag": nil, "data": nil},
			commitUs: 1795635737429674, lsn: 43967880, txID: 750, snapshot: "false",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Decode(fixture(t, tt.name))
			if err != nil {
				t.Fatal(err)
			}
			if c.Op != tt.op {
				t.Errorf("op %s, want %s", c.Op, tt.op)
			}
			if c.DB != "sf_kafka" || c.Schema != "public" || c.Table != "exp_items" {
				t.Errorf("source %s.%s.%s, want sf_kafka.public.exp_items", c.DB, c.Schema, c.Table)
			}
			if diff := cmp.Diff(tt.before, c.Before); diff != "" {
				t.Errorf("before (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.after, c.After); diff != "" {
				t.Errorf("after (-want +got):\n%s", diff)
			}
			wantKey := Row{"id": json.Number("2")}
			if tt.op == OpRead {
				wantKey = Row{"id": json.Number("1")}
			}
			if diff := cmp.Diff(wantKey, c.Key); diff != "" {
				t.Errorf("key (-want +got):\n%s", diff)
			}
			if !c.CommitTime.Equal(time.UnixMicro(tt.commitUs)) {
				t.Errorf("commit time %v, want %v", c.CommitTime, time.UnixMicro(tt.commitUs))
			}
			if c.EmitTime.Before(c.CommitTime) {
				t.Errorf("emit time %v before commit time %v", c.EmitTime, c.CommitTime)
			}
			if c.LSN != tt.lsn || c.TxID != tt.txID || c.Snapshot != tt.snapshot {
				t.Errorf("lsn %d tx %d snapshot %q, want %d %d %q", c.LSN, c.TxID, c.Snapshot, tt.lsn, tt.txID, tt.snapshot)
			}
		})
	}
}

func TestDecodeTombstone(t *testing.T) {
	key, value := fixture(t, "tombstone")
	if len(value) != 0 {
		t.Fatalf("tombstone fixture has a value: %q", value)
	}
	for _, v := range [][]byte{value, nil, []byte("null")} {
		if _, err := Decode(key, v); !errors.Is(err, ErrTombstone) {
			t.Errorf("Decode(%q, %q): %v, want ErrTombstone", key, v, err)
		}
	}
}

func TestDecodeWithSchemas(t *testing.T) {
	key := []byte(`{"schema":{"type":"struct"},"payload":{"id":7}}`)
	value := []byte(`{"schema":{"type":"struct"},"payload":{"before":null,"after":{"id":7,"n":"x"},` +
		`"source":{"db":"d","schema":"s","table":"t","ts_ms":1000,"lsn":5,"txId":9,"snapshot":"false"},"op":"c","ts_ms":1001}}`)
	c, err := Decode(key, value)
	if err != nil {
		t.Fatal(err)
	}
	want := Change{
		DB: "d", Schema: "s", Table: "t", Op: OpCreate,
		Key: Row{"id": json.Number("7")}, After: Row{"id": json.Number("7"), "n": "x"},
		CommitTime: time.UnixMilli(1000), EmitTime: time.UnixMilli(1001), LSN: 5, TxID: 9, Snapshot: "false",
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"not json", `{"op":`, "decode change event"},
		{"no op", `{"after":{"id":1},"source":{}}`, `op ""`},
		{"unknown op", `{"op":"x","after":{"id":1},"source":{}}`, `op "x"`},
		{"create without after", `{"op":"c","after":null,"source":{}}`, "without after image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(`{"id":1}`), []byte(tt.value))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode(%s): %v, want an error with %q", tt.value, err, tt.want)
			}
		})
	}
}

func TestRowAccessors(t *testing.T) {
	c, err := Decode(fixture(t, "create"))
	if err != nil {
		t.Fatal(err)
	}
	r := c.After
	if id, err := r.Int64("id"); err != nil || id != 2 {
		t.Errorf("Int64(id) = %d, %v", id, err)
	}
	if p, err := r.Float64("price"); err != nil || p != 2.25 {
		t.Errorf("Float64(price) = %v, %v", p, err)
	}
	if s, err := r.String("name"); err != nil || s != "two" {
		t.Errorf("String(name) = %q, %v", s, err)
	}
	if b, err := r.Bool("flag"); err != nil || b {
		t.Errorf("Bool(flag) = %v, %v", b, err)
	}
	want := time.Date(2026, 11, 25, 19, 42, 17, 428526000, time.UTC)
	for _, col := range []string{"created", "ts"} {
		if ts, err := r.Time(col); err != nil || !ts.Equal(want) {
			t.Errorf("Time(%s) = %v, %v; want %v", col, ts, err, want)
		}
	}
	if _, err := r.Int64("missing"); err == nil || !strings.Contains(err.Error(), "not in the row") {
		t.Errorf("Int64(missing): %v", err)
	}
	if _, err := c.Key.Int64("id"); err != nil {
		t.Errorf("key: %v", err)
	}
	var nilRow Row
	if !nilRow.IsNull("id") {
		t.Error("nil row: column not null")
	}
}

func TestPostgresConnectorConfig(t *testing.T) {
	p := PostgresConnector{
		Name: "c", DSN: "postgres://storefit:s3cret@127.0.0.1:5432/sf_kafka?sslmode=disable",
		Slot: "sf_slot", Tables: []string{"tweets", "other.follows"}, TopicPrefix: "sf",
	}
	cfg, err := p.Config()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"plugin.name":                 "pgoutput",
		"database.hostname":           "127.0.0.1",
		"database.port":               "5432",
		"database.user":               "storefit",
		"database.password":           "s3cret",
		"database.dbname":             "sf_kafka",
		"database.sslmode":            "disable",
		"slot.name":                   "sf_slot",
		"publication.name":            "sf_slot_pub",
		"publication.autocreate.mode": "filtered",
		"table.include.list":          `public\.tweets,other\.follows`,
		"topic.prefix":                "sf",
		"snapshot.mode":               "no_data",
		"tombstones.on.delete":        "false",
		"poll.interval.ms":            "10",
		"heartbeat.interval.ms":       "10000",
	}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("%s = %q, want %q", k, cfg[k], v)
		}
	}
	if diff := cmp.Diff([]string{"sf.public.tweets", "sf.other.follows"}, p.Topics()); diff != "" {
		t.Errorf("topics (-want +got):\n%s", diff)
	}
	p.Host, p.Port = "postgres", 5433
	if cfg, _ := p.Config(); cfg["database.hostname"] != "postgres" || cfg["database.port"] != "5433" {
		t.Errorf("host override: %s:%s", cfg["database.hostname"], cfg["database.port"])
	}

	bad := []PostgresConnector{
		{DSN: p.DSN, Slot: "s", Tables: []string{"t"}, TopicPrefix: "p"},
		{Name: "c", Slot: "s", Tables: []string{"t"}, TopicPrefix: "p"},
		{Name: "c", DSN: p.DSN, Slot: "Bad-Slot", Tables: []string{"t"}, TopicPrefix: "p"},
		{Name: "c", DSN: p.DSN, Slot: "s", TopicPrefix: "p"},
		{Name: "c", DSN: p.DSN, Slot: "s", Tables: []string{"a.b.c"}, TopicPrefix: "p"},
		{Name: "c", DSN: p.DSN, Slot: "s", Tables: []string{"t"}},
		{Name: "c", DSN: "postgres://u:s3cret@127.0.0.1:notaport/db", Slot: "s", Tables: []string{"t"}, TopicPrefix: "p"},
	}
	for _, b := range bad {
		_, err := b.Config()
		if err == nil {
			t.Errorf("Config(%+v): no error", b)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
