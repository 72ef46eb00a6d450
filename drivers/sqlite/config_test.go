package sqlite

import (
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	def := DefaultConfig()
	tests := []struct {
		dsn  string
		want func(c *Config) // edits the defaults into the expected config
		err  string          // substring of the error, "" for none
	}{
		{dsn: "", want: func(c *Config) {}},
		{dsn: "/tmp/x.db", want: func(c *Config) { c.Path = "/tmp/x.db" }},
		{dsn: "file:/tmp/x.db", want: func(c *Config) { c.Path = "/tmp/x.db" }},
		{dsn: "rel/dir/x.db?synchronous=full", want: func(c *Config) { c.Path = "rel/dir/x.db"; c.Synchronous = "FULL" }},
		{dsn: "?synchronous=Off&readers=3&cache_mb=8&mmap_mb=0&busy_timeout=2s", want: func(c *Config) {
			c.Synchronous, c.Readers, c.CacheKiB, c.MmapBytes, c.BusyTimeout = "OFF", 3, 8<<10, 0, 2*time.Second
		}},
		{dsn: "x.db?synchronous=sometimes", err: "synchronous"},
		{dsn: "x.db?readers=0", err: "readers"},
		{dsn: "x.db?readers=many", err: "readers"},
		{dsn: "x.db?cache_mb=-1", err: "cache_mb"},
		{dsn: "x.db?mmap_mb=x", err: "mmap_mb"},
		{dsn: "x.db?busy_timeout=5", err: "busy_timeout"},
		{dsn: "x.db?journal_mode=delete", err: "unknown DSN option"},
		{dsn: "x.db?readers=1&readers=2", err: "given 2 times"},
		{dsn: "x.db?%zz", err: "bad DSN options"},
		{dsn: ":memory:", err: "in-memory"},
		{dsn: "file::memory:?cache=shared", err: "in-memory"},
	}
	for _, tc := range tests {
		t.Run(tc.dsn, func(t *testing.T) {
			got, err := ParseConfig(tc.dsn)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseConfig(%q) error = %v, want one mentioning %q", tc.dsn, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseConfig(%q): %v", tc.dsn, err)
			}
			want := def
			tc.want(&want)
			if got != want {
				t.Errorf("ParseConfig(%q) = %+v, want %+v", tc.dsn, got, want)
			}
		})
	}
}

func TestConnDSN(t *testing.T) {
	c := DefaultConfig()
	w := c.connDSN("/tmp/a b/x.db", false)
	r := c.connDSN("/tmp/a b/x.db", true)
	for _, s := range []string{"file:/tmp/a%20b/x.db?", "journal_mode%28WAL%29", "synchronous%28NORMAL%29", "_txlock=immediate", "busy_timeout%2810000%29"} {
		if !strings.Contains(w, s) {
			t.Errorf("writer DSN %q lacks %q", w, s)
		}
	}
	for _, s := range []string{"query_only%281%29", "mmap_size%281073741824%29"} {
		if !strings.Contains(r, s) {
			t.Errorf("reader DSN %q lacks %q", r, s)
		}
	}
	if strings.Contains(r, "journal_mode") || strings.Contains(r, "_txlock") {
		t.Errorf("reader DSN %q sets the journal mode or a transaction lock", r)
	}
}
