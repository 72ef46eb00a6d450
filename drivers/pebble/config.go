package pebble

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/storefit/storefit/drivers"
)

// Default settings.
const (
	// DefaultCacheSize is the block cache size when the DSN sets none.
	DefaultCacheSize = 64 << 20
	// DefaultMemTableSize is the memtable size when the DSN sets none.
	DefaultMemTableSize = 64 << 20
)

// Config is a parsed pebble DSN.
type Config struct {
	// Path is the database directory. Empty means a fresh temporary
	// directory that Close removes; a given directory is created if
	// missing and kept.
	Path string
	// Sync makes every write fsync the write-ahead log before it returns
	// (pebble.Sync). When false (the default) writes go to the WAL without
	// an fsync (pebble.NoSync): they survive a crash of storefit but not
	// of the machine.
	Sync bool
	// CacheSize is the block cache size in bytes.
	CacheSize int64
	// MemTableSize is the memtable size in bytes: how much is written
	// before a flush to an L0 sstable.
	MemTableSize int64
}

// configKeys are the DSN query parameters ParseConfig knows.
var configKeys = []string{"sync", "cache", "memtable"}

// ParseConfig parses a pebble DSN:
//
//	""                                      temporary directory, defaults
//	/var/tmp/storefit-pebble                a directory path (no options)
//	pebble:///var/tmp/storefit-pebble?sync=true&cache=256MiB
//	pebble:data/pebble?memtable=32MiB       a relative path
//	pebble://?sync=true                     temporary directory, options
//
// Options: sync (bool: fsync the WAL on every write, default false), cache
// (block cache size, default 64MiB) and memtable (memtable size, default
// 64MiB). Sizes are bytes or a number with a KB, MB, GB, KiB, MiB or GiB
// suffix.
func ParseConfig(dsn string) (Config, error) {
	cfg := Config{CacheSize: DefaultCacheSize, MemTableSize: DefaultMemTableSize}
	shown := drivers.RedactDSN(dsn) // errors never show a password
	if !strings.HasPrefix(dsn, "pebble:") {
		if strings.Contains(dsn, "://") {
			return Config{}, fmt.Errorf("pebble DSN %q: want a directory path or pebble:///path", shown)
		}
		cfg.Path = dsn
		return cfg, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a password
		}
		return Config{}, fmt.Errorf("pebble DSN %q: %w", shown, err)
	}
	switch {
	case u.User != nil || u.Host != "":
		return Config{}, fmt.Errorf("pebble DSN %q: a pebble DSN names a local directory, not a host (use pebble:///absolute/path)", shown)
	case u.Opaque != "":
		cfg.Path = u.Opaque // pebble:relative/path
	default:
		cfg.Path = u.Path
	}
	if u.Fragment != "" {
		return Config{}, fmt.Errorf("pebble DSN %q: unexpected fragment #%s", shown, u.Fragment)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Config{}, fmt.Errorf("pebble DSN %q: %w", shown, err)
	}
	for k, vs := range q {
		if !slices.Contains(configKeys, k) {
			return Config{}, fmt.Errorf("pebble DSN %q: unknown option %q (known: %s)", shown, k, strings.Join(configKeys, ", "))
		}
		if len(vs) != 1 {
			return Config{}, fmt.Errorf("pebble DSN %q: option %s given %d times", shown, k, len(vs))
		}
		v := vs[0]
		switch k {
		case "sync":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return Config{}, fmt.Errorf("pebble DSN %q: sync=%q is not a boolean", shown, v)
			}
			cfg.Sync = b
		case "cache":
			if cfg.CacheSize, err = parseSize(v); err != nil {
				return Config{}, fmt.Errorf("pebble DSN %q: cache: %w", shown, err)
			}
		case "memtable":
			if cfg.MemTableSize, err = parseSize(v); err != nil {
				return Config{}, fmt.Errorf("pebble DSN %q: memtable: %w", shown, err)
			}
			if cfg.MemTableSize < 1<<20 || cfg.MemTableSize >= 4<<30 {
				return Config{}, fmt.Errorf("pebble DSN %q: memtable=%s is outside 1MiB … 4GiB", shown, v)
			}
		}
	}
	return cfg, nil
}

// sizeUnits are the size suffixes parseSize accepts, longest first.
var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
	{"B", 1},
}

// parseSize parses a byte size: "67108864", "64MiB", "100MB".
func parseSize(s string) (int64, error) {
	num, mult := s, int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			num, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (bytes, or a number with KiB, MiB, GiB, KB, MB or GB)", s)
	}
	return n * mult, nil
}

// String returns the settings as a DSN that ParseConfig reads back.
func (c Config) String() string {
	prefix := "pebble://" + c.Path // empty or absolute: pebble:///abs
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		prefix = "pebble:" + c.Path
	}
	return fmt.Sprintf("%s?sync=%t&cache=%s&memtable=%s", prefix, c.Sync, formatSize(c.CacheSize), formatSize(c.MemTableSize))
}

// formatSize writes n in the largest binary unit that divides it.
func formatSize(n int64) string {
	switch {
	case n != 0 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n != 0 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n != 0 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10)
}
