package influx

import (
	"github.com/storefit/storefit/drivers/drivertest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfig(t *testing.T) {
	def := Config{URL: "http://127.0.0.1:8086", API: APIAuto, Database: "storefit", Org: "storefit", Bucket: "storefit", Timeout: 60 * time.Second}
	with := func(f func(*Config)) Config { c := def; f(&c); return c }
	off, on := false, true
	for _, tc := range []struct {
		dsn  string
		want Config
	}{
		{"", def},
		{DefaultDSN, def},
		{"http://localhost", with(func(c *Config) { c.URL = "http://localhost:8086" })},
		{"https://u:p%40ss@h:9999/?db=m&rp=week&gzip=false", with(func(c *Config) {
			c.URL, c.Username, c.Password, c.Database, c.RetentionPolicy, c.Gzip = "https://h:9999", "u", "p@ss", "m", "week", &off
		})},
		{"http://h?api=v2&org=o&bucket=b&token=t0k&gzip=1&timeout=5s", with(func(c *Config) {
			c.URL, c.API, c.Org, c.Bucket, c.Token, c.Gzip, c.Timeout = "http://h:8086", APIV2, "o", "b", "t0k", &on, 5*time.Second
		})},
		{"http://[::1]:8087?api=v1&u=x&p=y", with(func(c *Config) { c.URL, c.API, c.Username, c.Password = "http://[::1]:8087", APIV1, "x", "y" })},
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
	if c, _ := ParseConfig("http://h?gzip=false"); c.gzip(APIV2) {
		t.Error("gzip=false still compresses 2.x writes")
	}
	if c, _ := ParseConfig("http://h"); !c.gzip(APIV2) || c.gzip(APIV1) {
		t.Error("default gzip: want on for 2.x, off for 1.x")
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"influx://h", "scheme must be http"},
		{"127.0.0.1:8086", "use http://"},
		{"http://:secret@h:99999", "port"},
		{"http://h/db", "unexpected path"},
		{"http://h?api=v3&token=secret", "api="},
		{"http://h?db=", "db is empty"},
		{"http://h?gzip=maybe", "gzip"},
		{"http://h?timeout=soon", "timeout"},
		{"http://h?pool=3&token=secret", "unknown option"},
		{"http://h?%zz", "bad query"},
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
			t.Errorf("ParseConfig(%q) error shows the secret: %v", tc.dsn, err)
		}
	}
}

// FuzzDSNSecrets checks that no DSN form (drivertest.DSNForms: with and
// without the scheme, passwords holding '%', '@', ':' and '/') makes the
// parser panic or show the password in its error.
func FuzzDSNSecrets(f *testing.F) {
	f.Add("s3cr3t%zz", "127.0.0.1:8086")
	f.Add("p@ss:w/rd", "h:99999")
	f.Add("100%/@:x", "h:notaport")
	f.Fuzz(func(t *testing.T, pw, host string) {
		drivertest.FuzzDSN(t, "http", "u", pw, host, func(d string) error { _, err := ParseConfig(d); return err })
	})
}
