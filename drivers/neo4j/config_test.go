package neo4j

import (
	"github.com/storefit/storefit/drivers/drivertest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfig(t *testing.T) {
	def := Config{URI: "bolt://127.0.0.1:7687", Addr: "127.0.0.1:7687", Database: "neo4j", MaxConnections: 100, DialTimeout: 5 * time.Second, Reads: ReadsAutoCommit}
	with := func(f func(*Config)) Config { c := def; f(&c); return c }
	for _, tc := range []struct {
		dsn  string
		want Config
	}{
		{"", def},
		{"bolt://127.0.0.1:7687", def},
		{"bolt://127.0.0.1:7687/", def},
		{"bolt://", def},
		{"neo4j://localhost", with(func(c *Config) { c.URI, c.Addr = "neo4j://localhost:7687", "localhost:7687" })},
		{"bolt+s://db.example:7000", with(func(c *Config) { c.URI, c.Addr = "bolt+s://db.example:7000", "db.example:7000" })},
		{"neo4j+ssc://[::1]:7688", with(func(c *Config) { c.URI, c.Addr = "neo4j+ssc://[::1]:7688", "[::1]:7688" })},
		{"bolt://neo4j:p%40ss@h:1", with(func(c *Config) {
			c.URI, c.Addr, c.Username, c.Password = "bolt://h:1", "h:1", "neo4j", "p@ss"
		})},
		{"bolt://reader@h", with(func(c *Config) { c.URI, c.Addr, c.Username = "bolt://h:7687", "h:7687", "reader" })},
		{"bolt://h?database=movies&max_connections=8&dial_timeout=250ms", with(func(c *Config) {
			c.URI, c.Addr, c.Database, c.MaxConnections, c.DialTimeout = "bolt://h:7687", "h:7687", "movies", 8, 250*time.Millisecond
		})},
		{"bolt://h?reads=managed", with(func(c *Config) { c.URI, c.Addr, c.Reads = "bolt://h:7687", "h:7687", ReadsManaged })},
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
		{"postgres://neo4j:secret-pw@h", "scheme must be bolt://"},
		{"127.0.0.1:7687", "use bolt://"},
		{"bolt://neo4j:secret-pw@h:99999", "port"},
		{"bolt://neo4j:secret-pw@h:x", "not a URL"},
		{"bolt://neo4j:secret-pw@h/neo4j", "no path"},
		{"bolt://:secret-pw@h", "needs a user name"},
		{"bolt://neo4j:secret-pw@h?database=no_underscores", "database"},
		{"bolt://neo4j:secret-pw@h?max_connections=0", "max_connections"},
		{"bolt://neo4j:secret-pw@h?dial_timeout=soon", "dial_timeout"},
		{"bolt://neo4j:secret-pw@h?pool=3", "unknown option"},
		{"bolt://neo4j:secret-pw@h?reads=sometimes", "use autocommit or managed"},
		{"bolt://neo4j:secret-pw@h?%zz", "bad query"},
	} {
		_, err := ParseConfig(tc.dsn)
		if err == nil {
			t.Errorf("ParseConfig(%q) succeeded", tc.dsn)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConfig(%q) = %v, want an error about %s", tc.dsn, err, tc.want)
		}
		if strings.Contains(err.Error(), "secret-pw") {
			t.Errorf("ParseConfig(%q) error shows the password: %v", tc.dsn, err)
		}
	}
}

// FuzzParseConfig checks that ParseConfig never panics and never puts a
// password into an error, in any form (drivertest.DSNForms: with and
// without the scheme, passwords holding '%', '@', ':' and '/').
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{"", "bolt://neo4j:pw@h:1?database=x", "neo4j+s://h", "bolt://h?dial_timeout=1s"} {
		f.Add(s, "s3cr3t%zz", "127.0.0.1:7687")
	}
	f.Add("", "p@ss:w/rd", "h:99999")
	f.Fuzz(func(t *testing.T, dsn, pw, host string) {
		cfg, err := ParseConfig(dsn)
		if err != nil && len(cfg.Password) >= 4 && strings.Contains(err.Error(), cfg.Password) {
			t.Errorf("error shows the password %q: %v", cfg.Password, err)
		}
		drivertest.FuzzDSN(t, "bolt", "neo4j", pw, host, func(d string) error { _, err := ParseConfig(d); return err })
	})
}
