package searchrest

import (
	"github.com/storefit/storefit/drivers/drivertest"
	"strings"
	"testing"
	"time"
)

func TestParseDSN(t *testing.T) {
	def := Config{URL: "http://127.0.0.1:9200", Options: Options{
		Prefix: "storefit_", Shards: 1, TieBreak: TieBreakValidation, ForceMerge: true, Analyzer: AnalyzerPattern, Timeout: 30 * time.Second,
	}}
	with := func(f func(*Config)) Config {
		c := def
		f(&c)
		return c
	}
	tests := []struct {
		dsn  string
		want Config
	}{
		{"", def},
		{"http://127.0.0.1:9200", def},
		{"http://127.0.0.1", def},
		{"http://127.0.0.1:9200/", def},
		{"https://admin:s3cr%40t@search.local:443", with(func(c *Config) {
			c.URL, c.Username, c.Password = "https://search.local:443", "admin", "s3cr@t"
		})},
		{"http://[::1]:9201", with(func(c *Config) { c.URL = "http://[::1]:9201" })},
		{"http://h:1?prefix=&shards=3&replicas=1&cache=true&tiebreak=false&forcemerge=0&analyzer=standard&timeout=5s",
			with(func(c *Config) {
				c.URL, c.Prefix, c.Shards, c.Replicas, c.Cache, c.TieBreak, c.ForceMerge, c.Analyzer, c.Timeout =
					"http://h:1", "", 3, 1, true, TieBreakNever, false, AnalyzerStandard, 5*time.Second
			})},
		{"http://h:1?tiebreak=always", with(func(c *Config) { c.URL, c.TieBreak = "http://h:1", TieBreakAlways })},
		{"http://h:1?tiebreak=validation", with(func(c *Config) { c.URL, c.TieBreak = "http://h:1", TieBreakValidation })},
		{"https://h?insecure=true", with(func(c *Config) { c.URL, c.Insecure = "https://h:9200", true })},
	}
	for _, tt := range tests {
		got, err := ParseDSN("opensearch", tt.dsn, "http://127.0.0.1:9200")
		if err != nil {
			t.Errorf("ParseDSN(%q): %v", tt.dsn, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDSN(%q) =\n %+v, want\n %+v", tt.dsn, got, tt.want)
		}
	}
}

func TestParseDSNErrors(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"127.0.0.1:9200", "not a URL"},
		{"redis://127.0.0.1:9200", "scheme must be http"},
		{"http://", "no host"},
		{"http://u:secret@h:99999", "port"},
		{"http://u:secret@h:9200/tweets", "unexpected path"},
		{"http://u:secret@h:9200?fast=1", `unknown option "fast"`},
		{"http://u:secret@h?shards=0", "shards"},
		{"http://u:secret@h?replicas=-1", "replicas"},
		{"http://u:secret@h?cache=maybe", "true or false"},
		{"http://u:secret@h?analyzer=english", "pattern or standard"},
		{"http://u:secret@h?timeout=0s", "positive duration"},
		{"http://u:secret@h?prefix=Bad", "lowercase"},
		{"http://u:secret@h?insecure=true", "needs https"},
		{"http://u:secret@h?%zz", "bad query"},
	}
	for _, tt := range tests {
		_, err := ParseDSN("opensearch", tt.dsn, "http://127.0.0.1:9200")
		if err == nil {
			t.Errorf("ParseDSN(%q) succeeded", tt.dsn)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "opensearch DSN") {
			t.Errorf("ParseDSN(%q): %q, want an opensearch DSN error with %q", tt.dsn, msg, tt.want)
		}
		if strings.Contains(msg, "secret") {
			t.Errorf("ParseDSN(%q) shows the password: %q", tt.dsn, msg)
		}
	}
}

func TestIndexName(t *testing.T) {
	for _, tt := range []struct {
		prefix, index, want string
		ok                  bool
	}{
		{"storefit_", "tweets", "storefit_tweets", true},
		{"storefit_", "", "storefit_tweets", true},
		{"", "tweets_mix", "tweets_mix", true},
		{"storefit_", "Tweets", "", false},
		{"", "_x", "", false},
		{"p_", "a b", "", false},
	} {
		got, err := IndexName(tt.prefix, tt.index)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("IndexName(%q, %q) = %q, %v", tt.prefix, tt.index, got, err)
		}
	}
}

// FuzzDSNSecrets checks that no DSN form (drivertest.DSNForms: with and
// without the scheme, passwords holding '%', '@', ':' and '/') makes the
// parser panic or show the password in its error.
func FuzzDSNSecrets(f *testing.F) {
	f.Add("s3cr3t%zz", "127.0.0.1:9200")
	f.Add("p@ss:w/rd", "h:99999")
	f.Add("100%/@:x", "h:notaport")
	f.Fuzz(func(t *testing.T, pw, host string) {
		drivertest.FuzzDSN(t, "http", "elastic", pw, host, func(d string) error { _, err := ParseDSN("elastic", d, "http://127.0.0.1:9200"); return err })
	})
}
