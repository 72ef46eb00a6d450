package hbase

import (
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers/drivertest"
)

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		dsn, url, ns string
		timeout      time.Duration
	}{
		{"", "http://127.0.0.1:8080", "storefit", time.Minute},
		{"http://db.example", "http://db.example:8080", "storefit", time.Minute},
		{"https://10.0.0.1:9090/?namespace=bench&timeout=5s", "https://10.0.0.1:9090", "bench", 5 * time.Second},
	} {
		c, err := ParseConfig(tc.dsn)
		if err != nil {
			t.Errorf("%q: %v", tc.dsn, err)
			continue
		}
		if c.URL != tc.url || c.Namespace != tc.ns || c.Timeout != tc.timeout {
			t.Errorf("%q: %+v", tc.dsn, c)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"hbase://h", "scheme"},
		{"http://h:99999", "port"},
		{"http://h/table", "path"},
		{"http://u:secret@h", "no user or password"},
		{"http://h?namespace=a:b", "namespace"},
		{"http://h?timeout=never", "timeout"},
		{"http://h?table=x", "unknown option"},
	} {
		_, err := ParseConfig(tc.dsn)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one about %s", tc.dsn, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: error shows the password: %v", tc.dsn, err)
		}
	}
}

// FuzzDSNSecrets checks that no DSN form (drivertest.DSNForms: with and
// without the scheme, passwords holding '%', '@', ':' and '/') makes the
// parser panic or show the password in its error (issue 17).
func FuzzDSNSecrets(f *testing.F) {
	f.Add("s3cr3t%zz", "127.0.0.1:8080")
	f.Add("p@ss:w/rd", "h:99999")
	f.Add("100%/@:x", "h:notaport")
	f.Fuzz(func(t *testing.T, pw, host string) {
		drivertest.FuzzDSN(t, "http", "u", pw, host, func(d string) error { _, err := ParseConfig(d); return err })
	})
}
