package clickhouse

import (
	"github.com/storefit/storefit/drivers/drivertest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfig(t *testing.T) {
	def := Config{Addr: "127.0.0.1:9000", Username: "storefit", Password: "storefit", Database: "storefit", Insert: InsertAuto,
		DialTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, MaxOpenConns: 32}
	with := func(f func(*Config)) Config { c := def; f(&c); return c }
	for _, tc := range []struct {
		dsn  string
		want Config
	}{
		{"", def},
		{DefaultDSN, def},
		{"clickhouse://h", with(func(c *Config) { c.Addr, c.Username, c.Password = "h:9000", "default", "" })},
		{"clickhouse://u:p%40ss@h:9440/db_1?insert=arrayjoin&dial_timeout=2s&read_timeout=1m&max_open_conns=4", with(func(c *Config) {
			c.Addr, c.Username, c.Password, c.Database, c.Insert = "h:9440", "u", "p@ss", "db_1", InsertArrayJoin
			c.DialTimeout, c.ReadTimeout, c.MaxOpenConns = 2*time.Second, time.Minute, 4
		})},
		{"clickhouse://u@[::1]/?insert=batch", with(func(c *Config) { c.Addr, c.Username, c.Password, c.Insert = "[::1]:9000", "u", "", InsertBatch })},
	} {
		got, err := ParseConfig(tc.dsn)
		if err != nil {
			t.Errorf("ParseConfig(%q): %v", tc.dsn, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("ParseConfig(%q) (-want +got):\n%s", tc.dsn, d)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"http://u:secret@h:8123", "scheme must be clickhouse"},
		{"clickhouse://u:secret@h:0", "port"},
		{"clickhouse://u:secret@h/bad-name", "database"},
		{"clickhouse://u:secret@h?insert=copy", "insert="},
		{"clickhouse://u:secret@h?dial_timeout=x", "dial_timeout"},
		{"clickhouse://u:secret@h?max_open_conns=0", "max_open_conns"},
		{"clickhouse://u:secret@h?compress=1", "unknown option"},
		{"clickhouse://u:secret@h?%zz", "bad query"},
	} {
		_, err := ParseConfig(tc.dsn)
		if err == nil {
			t.Errorf("ParseConfig(%q) succeeded", tc.dsn)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConfig(%q) = %v, want an error about %s", tc.dsn, err, tc.want)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseConfig(%q) error shows the password: %v", tc.dsn, err)
		}
	}
}

// TestArrayJoinInsert fixes the INSERT … SELECT of the arrayjoin path.
func TestArrayJoinInsert(t *testing.T) {
	q, args := arrayJoinInsert("`t`", 2, []column{
		{name: "h", kind: kindString, strs: []string{"a", "b'c"}},
		{name: "ts", kind: kindDateTime, ints: []int64{1, 2}},
		{name: "v", kind: kindFloat64, floats: []float64{1, 0.5}},
	})
	want := "INSERT INTO `t` (`h`, `ts`, `v`) SELECT v0, toDateTime(toUInt32(v1)), v2 FROM (SELECT ? AS a0, ? AS a1, " +
		"arrayMap(i -> reinterpretAsFloat64(substring(b, 0 + i * 8 + 1, 8)), range(2)) AS a2 FROM (SELECT unhex(?) AS b)) " +
		"ARRAY JOIN a0 AS v0, a1 AS v1, a2 AS v2"
	if q != want {
		t.Errorf("query\n%s\nwant\n%s", q, want)
	}
	if d := cmp.Diff([]any{[]string{"a", "b'c"}, []int64{1, 2}, "000000000000f03f000000000000e03f"}, args); d != "" {
		t.Errorf("args (-want +got):\n%s", d)
	}
}

// FuzzDSNSecrets checks that no DSN form (drivertest.DSNForms: with and
// without the scheme, passwords holding '%', '@', ':' and '/') makes the
// parser panic or show the password in its error.
func FuzzDSNSecrets(f *testing.F) {
	f.Add("s3cr3t%zz", "127.0.0.1:9000")
	f.Add("p@ss:w/rd", "h:99999")
	f.Add("100%/@:x", "h:notaport")
	f.Fuzz(func(t *testing.T, pw, host string) {
		drivertest.FuzzDSN(t, "clickhouse", "storefit", pw, host, func(d string) error { _, err := ParseConfig(d); return err })
	})
}
