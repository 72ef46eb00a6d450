package bleve

import (
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	def := Config{Scoring: ScoringBM25}
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
		{"/var/tmp/b", with(func(c *Config) { c.Path = "/var/tmp/b" })},
		{"data/b", with(func(c *Config) { c.Path = "data/b" })},
		{"bleve://", def},
		{"bleve:", def},
		{"bleve:///var/tmp/b", with(func(c *Config) { c.Path = "/var/tmp/b" })},
		{"bleve:data/b?unsafebatch=1", with(func(c *Config) { c.Path, c.UnsafeBatch = "data/b", true })},
		{"bleve://?scoring=tfidf", with(func(c *Config) { c.Scoring = ScoringTFIDF })},
		{"bleve:///x?scoring=bm25&unsafebatch=false", with(func(c *Config) { c.Path = "/x" })},
	}
	for _, tt := range tests {
		got, err := ParseConfig(tt.dsn)
		if err != nil {
			t.Errorf("ParseConfig(%q): %v", tt.dsn, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseConfig(%q) = %+v, want %+v", tt.dsn, got, tt.want)
		}
		if again, err := ParseConfig(got.String()); err != nil || again != got {
			t.Errorf("ParseConfig(%q) = %+v, %v; want %+v", got.String(), again, err, got)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"http://localhost:9200", "directory path"},
		{"bleve://host/b", "not a host"},
		{"bleve://u:secret@/b", "not a host"},
		{"bleve://u:secret@%zz/b", "invalid"},
		{"bleve:///b?fast=1", `unknown option "fast"`},
		{"bleve:///b?scoring=lucene", "use bm25 or tfidf"},
		{"bleve:///b?unsafebatch=maybe", "not a boolean"},
		{"bleve:///b?scoring=bm25&scoring=tfidf", "given 2 times"},
		{"bleve:///b#frag", "fragment"},
	}
	for _, tt := range tests {
		_, err := ParseConfig(tt.dsn)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseConfig(%q) error = %v, want one containing %q", tt.dsn, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseConfig(%q) error shows the password: %v", tt.dsn, err)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{"", "/b", "bleve:///b?scoring=tfidf", "bleve:x?unsafebatch=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		c, err := ParseConfig(dsn)
		if err != nil {
			return
		}
		if c.Scoring != ScoringBM25 && c.Scoring != ScoringTFIDF {
			t.Fatalf("ParseConfig(%q) = %+v: bad scoring", dsn, c)
		}
	})
}
