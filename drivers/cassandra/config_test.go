package cassandra

import (
	"github.com/storefit/storefit/drivers/drivertest"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/google/go-cmp/cmp"
)

func TestParseConfig(t *testing.T) {
	def := Config{
		Addr: "127.0.0.1:9042", Keyspace: "storefit", ReplicationFactor: 1, Consistency: gocql.LocalOne,
		Timeout: 10 * time.Second, ConnectTimeout: 5 * time.Second, NumConns: 2, LoadConcurrency: 32, WideCount: WideCountTable, PointWrites: PointWritesBlind,
	}
	with := func(f func(*Config)) Config { c := def; f(&c); return c }
	for _, tc := range []struct {
		dsn  string
		want Config
	}{
		{"", def},
		{DefaultDSN, def},
		{"cassandra://", def},
		{"cassandra://localhost", with(func(c *Config) { c.Addr = "localhost:9042" })},
		{"cassandra://[::1]:9043/bench", with(func(c *Config) { c.Addr, c.Keyspace = "[::1]:9043", "bench" })},
		{"cassandra://bob:p%40ss@10.1.2.3:19042/Ks_1", with(func(c *Config) {
			c.Addr, c.Username, c.Password, c.Keyspace = "10.1.2.3:19042", "bob", "p@ss", "Ks_1"
		})},
		{"cassandra://h/ks?consistency=quorum&timeout=2s&connect_timeout=1s&num_conns=4&coalesce=200us&load_concurrency=8&replication_factor=3&widecount=false",
			with(func(c *Config) {
				c.Addr, c.Keyspace, c.Consistency, c.Timeout, c.ConnectTimeout = "h:9042", "ks", gocql.Quorum, 2*time.Second, time.Second
				c.NumConns, c.Coalesce, c.LoadConcurrency, c.ReplicationFactor, c.WideCount = 4, 200*time.Microsecond, 8, 3, WideCountNone
			})},
		{"cassandra://h?consistency=LOCAL_QUORUM", with(func(c *Config) { c.Addr, c.Consistency = "h:9042", gocql.LocalQuorum })},
		{"cassandra://h?widecount=SAI", with(func(c *Config) { c.Addr, c.WideCount = "h:9042", WideCountSAI })},
		{"cassandra://h?widecount=true", with(func(c *Config) { c.Addr = "h:9042" })},
		{"cassandra://h?widecount=none", with(func(c *Config) { c.Addr, c.WideCount = "h:9042", WideCountNone })},
		{"cassandra://h?point_writes=checked", with(func(c *Config) { c.Addr, c.PointWrites = "h:9042", PointWritesChecked })},
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
		{"postgres://:pw@h/ks", "scheme must be cassandra://"},
		{"127.0.0.1:9042", "use cassandra://"},
		{"cassandra://u:pw@h:99999/ks", "port"},
		{"cassandra://u:pw@h:x/ks", "not a URL"},
		{"cassandra://u:pw@h/1ks", "keyspace"},
		{"cassandra://u:pw@h/k-s", "keyspace"},
		{"cassandra://u:pw@h/" + strings.Repeat("k", 49), "keyspace"},
		{"cassandra://u:pw@h/ks?consistency=SERIAL", "consistency"},
		{"cassandra://u:pw@h/ks?consistency=most", "LOCAL_ONE"},
		{"cassandra://u:pw@h/ks?timeout=soon", "timeout"},
		{"cassandra://u:pw@h/ks?connect_timeout=0s", "connect_timeout"},
		{"cassandra://u:pw@h/ks?coalesce=-1ms", "coalesce"},
		{"cassandra://u:pw@h/ks?num_conns=0", "num_conns"},
		{"cassandra://u:pw@h/ks?replication_factor=x", "replication_factor"},
		{"cassandra://u:pw@h/ks?widecount=maybe", "widecount"},
		{"cassandra://u:pw@h/ks?pool=3", "unknown option"},
		{"cassandra://u:pw@h/ks?%zz", "bad query"},
	} {
		_, err := ParseConfig(tc.dsn)
		if err == nil {
			t.Errorf("ParseConfig(%q) succeeded", tc.dsn)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConfig(%q) = %v, want an error about %s", tc.dsn, err, tc.want)
		}
		if strings.Contains(err.Error(), "pw") {
			t.Errorf("ParseConfig(%q) error shows the password: %v", tc.dsn, err)
		}
	}
}

// FuzzParseConfig checks that no DSN makes ParseConfig panic or show a
// password in its error, in any form (drivertest.DSNForms: with and
// without the scheme, passwords holding '%', '@', ':' and '/').
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{DefaultDSN, "cassandra://u:secret@h:1/ks?consistency=one", "cassandra://:secret@[::1", "x"} {
		f.Add(s, "s3cr3t%zz", "127.0.0.1:9042")
	}
	f.Add("", "p@ss:w/rd", "h:notaport")
	f.Fuzz(func(t *testing.T, dsn, pw, host string) {
		_, err := ParseConfig("cassandra://user:s3cr3tpw@" + dsn)
		if err != nil && strings.Contains(err.Error(), "s3cr3tpw") {
			t.Errorf("error shows the password: %v", err)
		}
		drivertest.FuzzDSN(t, "cassandra", "user", pw, host, func(d string) error { _, err := ParseConfig(d); return err })
	})
}
