package pebble

import (
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	def := Config{CacheSize: DefaultCacheSize, MemTableSize: DefaultMemTableSize}
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
		{"/var/tmp/p", with(func(c *Config) { c.Path = "/var/tmp/p" })},
		{"data/p", with(func(c *Config) { c.Path = "data/p" })},
		{"pebble://", def},
		{"pebble:", def},
		{"pebble:///var/tmp/p", with(func(c *Config) { c.Path = "/var/tmp/p" })},
		{"pebble:data/p?sync=1", with(func(c *Config) { c.Path, c.Sync = "data/p", true })},
		{"pebble://?sync=true&cache=1GiB&memtable=32MiB", with(func(c *Config) { c.Sync, c.CacheSize, c.MemTableSize = true, 1<<30, 32<<20 })},
		{"pebble:///x?cache=100MB", with(func(c *Config) { c.Path, c.CacheSize = "/x", 100e6 })},
		{"pebble:///x?cache=0", with(func(c *Config) { c.Path, c.CacheSize = "/x", 0 })},
		{"pebble:///x?sync=false", with(func(c *Config) { c.Path = "/x" })},
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
		// String reads back to the same settings.
		if again, err := ParseConfig(got.String()); err != nil || again != got {
			t.Errorf("ParseConfig(%q) = %+v, %v; want %+v", got.String(), again, err, got)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://localhost/db", "directory path"},
		{"pebble://host/p", "not a host"},
		{"pebble://u:secret@/p", "not a host"},
		{"pebble:///p?fast=1", `unknown option "fast"`},
		{"pebble:///p?sync=maybe", "not a boolean"},
		{"pebble:///p?sync=1&sync=0", "given 2 times"},
		{"pebble:///p?cache=lots", "not a size"},
		{"pebble:///p?cache=-1", "not a size"},
		{"pebble:///p?memtable=1KiB", "outside"},
		{"pebble:///p#frag", "fragment"},
		{"pebble:///p?%zz", "invalid"},
		{"pebble://u:secret@%zz/p", "invalid"},
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
	for _, s := range []string{"", "/p", "pebble:///p?sync=1&cache=64MiB", "pebble:x?memtable=2MiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		c, err := ParseConfig(dsn)
		if err != nil {
			return
		}
		if c.CacheSize < 0 || c.MemTableSize < 0 {
			t.Fatalf("ParseConfig(%q) = %+v: negative size", dsn, c)
		}
	})
}
