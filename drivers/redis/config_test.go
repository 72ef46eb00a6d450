package redis

import (
	"github.com/storefit/storefit/drivers/drivertest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfig(t *testing.T) {
	def := Config{Addr: "127.0.0.1:6379", DialTimeout: 5 * time.Second, ScanIndex: true, WideCount: true, BlindUpdates: true}
	with := func(f func(*Config)) Config { c := def; f(&c); return c }
	for _, tc := range []struct {
		dsn  string
		want Config
	}{
		{"", def},
		{"redis://127.0.0.1:6379/0", def},
		{"redis://", def},
		{"redis://localhost", with(func(c *Config) { c.Addr = "localhost:6379" })},
		{"redis://:pw@10.1.2.3:7000/3", with(func(c *Config) { c.Addr, c.Password, c.DB = "10.1.2.3:7000", "pw", 3 })},
		{"redis://bob:p%40ss@h:1/", with(func(c *Config) { c.Addr, c.Username, c.Password = "h:1", "bob", "p@ss" })},
		{"redis://[::1]:6380", with(func(c *Config) { c.Addr = "[::1]:6380" })},
		{"redis://h?dial_timeout=250ms&scanindex=false&widecount=0", with(func(c *Config) {
			c.Addr, c.DialTimeout, c.ScanIndex, c.WideCount = "h:6379", 250*time.Millisecond, false, false
		})},
		{"redis://?conns=worker&io=blocking", with(func(c *Config) { c.Conn.Conns, c.Conn.IO = "worker", "blocking" })},
		{"redis://?pipelining=off&io=blocking", with(func(c *Config) { c.Conn.Pipelining, c.Conn.IO = "off", "blocking" })},
		{"redis://?conns=shared&pipelining=auto&io=netpoll", with(func(c *Config) {
			c.Conn.Conns, c.Conn.Pipelining, c.Conn.IO = "shared", "auto", "netpoll"
		})},
		{"redis://h?point_writes=checked", with(func(c *Config) { c.Addr, c.BlindUpdates = "h:6379", false })},
		{"redis://h?point_writes=blind", with(func(c *Config) { c.Addr = "h:6379" })},
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
		{"postgres://:pw@h/0", "scheme must be redis://"},
		{"127.0.0.1:6379", "use redis://"},
		{"redis://:pw@h:99999/0", "port"},
		{"redis://:pw@h:x/0", "not a URL"},
		{"redis://:pw@h/zero", "database"},
		{"redis://:pw@h/-1", "database"},
		{"redis://:pw@h/0?dial_timeout=soon", "dial_timeout"},
		{"redis://:pw@h/0?scanindex=maybe", "scanindex"},
		{"redis://:pw@h/0?point_writes=maybe", "point_writes"},
		{"redis://:pw@h/0?pool=3", "unknown option"},
		{"redis://:pw@h/0?%zz", "bad query"},
		{"redis://:pw@h/0?conns=2", "conns"},
		{"redis://:pw@h/0?io=epoll", "io"},
		{"redis://:pw@h/0?pipelining=on", "pipelining"},
		// Auto-pipelined connections are read by rueidis' goroutines.
		{"redis://:pw@h/0?io=blocking", "io=blocking needs conns=worker or pipelining=off"},
	} {
		_, err := ParseConfig(tc.dsn)
		if err == nil {
			t.Errorf("ParseConfig(%q) succeeded", tc.dsn)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConfig(%q) = %v, want an error about %s", tc.dsn, err, tc.want)
		}
		if strings.Contains(err.Error(), ":pw@") {
			t.Errorf("ParseConfig(%q) error shows the password: %v", tc.dsn, err)
		}
	}
}

// FuzzParseConfig checks that no DSN panics the parser or leaks its
// password into an error, in any form (drivertest.DSNForms: with and
// without the scheme, passwords holding '%', '@', ':' and '/').
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{"", "redis://:pw@127.0.0.1:6379/0", "redis://u:p@h:1/2?scanindex=false", "redis://[::1", "redis://:secret@h:x"} {
		f.Add(s, "s3cr3t%zz", "127.0.0.1:6379")
	}
	f.Add("", "p@ss:w/rd", "h:99999")
	f.Fuzz(func(t *testing.T, dsn, pw, host string) {
		cfg, err := ParseConfig(dsn)
		if err == nil && (cfg.Addr == "" || cfg.DB < 0 || cfg.DialTimeout <= 0) {
			t.Errorf("ParseConfig(%q) = %+v: incomplete", dsn, cfg)
		}
		drivertest.FuzzDSN(t, "redis", "", pw, host, func(d string) error { _, err := ParseConfig(d); return err })
	})
}
