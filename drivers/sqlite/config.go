package sqlite

import (
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is the parsed form of a sqlite DSN.
type Config struct {
	// Path is the database file. Empty means a file in a fresh temporary
	// directory that Close removes; a given path is used and kept.
	Path string
	// Synchronous is SQLite's synchronous setting on the write connection:
	// OFF, NORMAL (the default; with WAL a commit is durable once the WAL
	// is synced at checkpoint, an OS crash may lose the last commits but
	// never corrupts the database), FULL or EXTRA.
	Synchronous string
	// Readers is the size of the read connection pool (default
	// max(4, 2·GOMAXPROCS)). Writes always go through one connection.
	Readers int
	// CacheKiB is the page cache of each connection in KiB (SQLite's
	// cache_size = -CacheKiB); default 65536 (64 MiB).
	CacheKiB int
	// MmapBytes is SQLite's mmap_size: how much of the database file is
	// read through a shared memory map instead of read(2) into each
	// connection's cache; default 1 GiB, 0 turns it off.
	MmapBytes int64
	// BusyTimeout is how long a connection waits for a lock another
	// connection holds before it fails with SQLITE_BUSY (default 10s).
	BusyTimeout time.Duration
}

// DefaultConfig returns the defaults: a temporary database, synchronous
// NORMAL, a pool of max(4, 2·GOMAXPROCS) readers, 64 MiB of cache per
// connection, 1 GiB of mmap and a 10 s busy timeout.
func DefaultConfig() Config {
	return Config{
		Synchronous: "NORMAL",
		Readers:     max(4, 2*runtime.GOMAXPROCS(0)),
		CacheKiB:    64 << 10,
		MmapBytes:   1 << 30,
		BusyTimeout: 10 * time.Second,
	}
}

// ParseConfig parses a DSN of the form
//
//	[file:][PATH][?option=value&…]
//
// An empty PATH (an empty DSN, or one that is only options) selects a
// temporary database removed at Close. Options:
//
//	synchronous   off, normal (default), full or extra
//	readers       size of the read connection pool (1 … 256)
//	cache_mb      page cache per connection in MiB (0 … 65536)
//	mmap_mb       memory-mapped I/O size in MiB (0 turns it off)
//	busy_timeout  Go duration ("10s") to wait for another connection's lock
//
// For example "/var/tmp/storefit.db?synchronous=full&readers=8".
func ParseConfig(dsn string) (Config, error) {
	cfg := DefaultConfig()
	path, query, _ := strings.Cut(dsn, "?")
	path = strings.TrimPrefix(path, "file:")
	if path == ":memory:" || strings.Contains(path, "mode=memory") {
		return Config{}, fmt.Errorf("sqlite: in-memory databases are not supported (WAL needs a file); give a path or nothing")
	}
	cfg.Path = path
	q, err := url.ParseQuery(query)
	if err != nil {
		return Config{}, fmt.Errorf("sqlite: bad DSN options %q: %w", query, err)
	}
	for key, vals := range q {
		if len(vals) != 1 {
			return Config{}, fmt.Errorf("sqlite: DSN option %s given %d times", key, len(vals))
		}
		v := vals[0]
		switch strings.ToLower(key) {
		case "synchronous":
			switch s := strings.ToUpper(v); s {
			case "OFF", "NORMAL", "FULL", "EXTRA":
				cfg.Synchronous = s
			default:
				return Config{}, fmt.Errorf("sqlite: synchronous=%q: use off, normal, full or extra", v)
			}
		case "readers":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 256 {
				return Config{}, fmt.Errorf("sqlite: readers=%q: want an integer in 1..256", v)
			}
			cfg.Readers = n
		case "cache_mb":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 65536 {
				return Config{}, fmt.Errorf("sqlite: cache_mb=%q: want an integer in 0..65536", v)
			}
			cfg.CacheKiB = n << 10
		case "mmap_mb":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || n > 1<<30 {
				return Config{}, fmt.Errorf("sqlite: mmap_mb=%q: want a non-negative integer", v)
			}
			cfg.MmapBytes = n << 20
		case "busy_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return Config{}, fmt.Errorf("sqlite: busy_timeout=%q: want a Go duration such as 10s", v)
			}
			cfg.BusyTimeout = d
		default:
			return Config{}, fmt.Errorf("sqlite: unknown DSN option %q (known: synchronous, readers, cache_mb, mmap_mb, busy_timeout)", key)
		}
	}
	return cfg, nil
}

// connDSN returns the modernc.org/sqlite DSN of one connection to the
// database: the pragmas every connection gets, and query_only for readers.
func (c Config) connDSN(path string, reader bool) string {
	q := url.Values{}
	pragma := func(s string) { q.Add("_pragma", s) }
	pragma(fmt.Sprintf("busy_timeout(%d)", c.BusyTimeout.Milliseconds()))
	pragma("synchronous(" + c.Synchronous + ")")
	pragma(fmt.Sprintf("cache_size(%d)", -c.CacheKiB))
	pragma(fmt.Sprintf("mmap_size(%d)", c.MmapBytes))
	pragma("temp_store(MEMORY)")
	if reader {
		pragma("query_only(1)")
	} else {
		// The writer sets WAL (a property of the file) before any reader
		// opens, and begins every transaction IMMEDIATE.
		pragma("journal_mode(WAL)")
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}
