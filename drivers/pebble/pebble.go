package pebble

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log"
	"os"
	"runtime/debug"
	"slices"
	"sync"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/point"
	"github.com/storefit/storefit/workloads/series"
	"github.com/storefit/storefit/workloads/wide"
)

func init() { drivers.Register("pebble", Driver{}) }

var (
	_ drivers.Driver    = Driver{}
	_ drivers.Describer = Driver{}
	_ drivers.Conn      = (*Conn)(nil)
	_ drivers.Versioner = (*Conn)(nil)
	_ point.Provider    = (*Conn)(nil)
	_ wide.Provider     = (*Conn)(nil)
	_ series.Provider   = (*Conn)(nil)
)

// modulePath is the pebble module this driver is built with.
const modulePath = "github.com/cockroachdb/pebble/v2"

// Driver opens pebble stores.
type Driver struct{}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (Driver) ParseDSN(dsn string) error {
	_, err := ParseConfig(dsn)
	return err
}

// Open opens (creating if needed) the pebble database dsn names; see
// ParseConfig. An empty dsn opens a new database in a temporary directory
// that Close removes.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// Describe describes the pebble driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/cockroachdb/pebble/v2"},
		Summary:    "Pebble (CockroachDB's LSM key-value store), embedded",
		Conn:       (*Conn)(nil),
		Embedded:   true,
		DSNExample: "pebble:///var/tmp/storefit-pebble?sync=false",
	}
}

// Conn is an open pebble database. It is safe for concurrent use.
type Conn struct {
	cfg  Config
	db   *pdb.DB
	dir  string // the database directory
	temp bool   // dir is ours: Close removes it
	wo   *pdb.WriteOptions

	// locks serialize the read-modify-write operations (update, insert
	// and delete of a point record; set and delete of a wide row's
	// columns) on keys that hash to the same stripe. Plain reads and bulk
	// loads take no lock.
	locks [256]sync.Mutex
	// counterLocks serialize the read-modify-write of wide column counts.
	// They are a separate set, always taken after a row's lock, several
	// at once in ascending order, so lock order is fixed.
	counterLocks [256]sync.Mutex
	seed         maphash.Seed

	closeOnce sync.Once
	closeErr  error
}

// OpenConfig opens the database cfg describes.
func OpenConfig(ctx context.Context, cfg Config) (*Conn, error) {
	c := &Conn{cfg: cfg, dir: cfg.Path, seed: maphash.MakeSeed(), wo: pdb.NoSync}
	if cfg.Sync {
		c.wo = pdb.Sync
	}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "storefit-pebble-")
		if err != nil {
			return nil, fmt.Errorf("pebble: temporary directory: %w", err)
		}
		c.dir, c.temp = d, true
	}
	cache := pdb.NewCache(cfg.CacheSize)
	defer cache.Unref() // the DB holds its own reference
	opts := &pdb.Options{
		Cache:              cache,
		MemTableSize:       uint64(cfg.MemTableSize),
		FormatMajorVersion: pdb.FormatNewest,
		Logger:             quietLogger{},
	}
	// Bloom filters (10 bits per key, ≈1% false positives) on every
	// level: most wide column reads and point reads of missing keys are
	// answered without reading a data block.
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pdb.Open(c.dir, opts)
	if err != nil {
		if c.temp {
			os.RemoveAll(c.dir)
		}
		return nil, fmt.Errorf("pebble: open %s: %w", c.dir, err)
	}
	c.db = db
	return c, nil
}

// Close closes the database and, when it lives in a temporary directory,
// removes it.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		err := c.db.Close()
		if err != nil {
			err = fmt.Errorf("pebble: close: %w", err)
		}
		if c.temp {
			if rerr := os.RemoveAll(c.dir); rerr != nil {
				err = errors.Join(err, fmt.Errorf("pebble: remove %s: %w", c.dir, rerr))
			}
		}
		c.closeErr = err
	})
	return c.closeErr
}

// Dir returns the database directory.
func (c *Conn) Dir() string { return c.dir }

// Version reports the pebble version and the durability and cache
// settings, which results record: whether writes fsync is part of what a
// figure means.
func (c *Conn) Version(ctx context.Context) (string, error) {
	sync := "WAL without fsync (sync=false)"
	if c.cfg.Sync {
		sync = "WAL fsync per write (sync=true)"
	}
	return fmt.Sprintf("pebble %s (%s, cache %s, memtable %s, format major version %d)",
		moduleVersion(), sync, formatSize(c.cfg.CacheSize), formatSize(c.cfg.MemTableSize), c.db.FormatMajorVersion()), nil
}

// moduleVersion returns the version of the pebble module in the binary.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == modulePath {
				if m.Replace != nil {
					m = m.Replace
				}
				return m.Version
			}
		}
	}
	return "v2 (version unknown)"
}

// lock locks the stripe of key and returns its unlock.
func (c *Conn) lock(key []byte) func() {
	m := &c.locks[maphash.Bytes(c.seed, key)%uint64(len(c.locks))]
	m.Lock()
	return m.Unlock
}

// lockCounters locks the counter stripes of keys, each once, in ascending
// order, and returns their unlock.
func (c *Conn) lockCounters(keys [][]byte) func() {
	stripes := make([]int, 0, len(keys))
	for _, k := range keys {
		stripes = append(stripes, int(maphash.Bytes(c.seed, k)%uint64(len(c.counterLocks))))
	}
	slices.Sort(stripes)
	stripes = slices.Compact(stripes)
	for _, i := range stripes {
		c.counterLocks[i].Lock()
	}
	return func() {
		for _, i := range slices.Backward(stripes) {
			c.counterLocks[i].Unlock()
		}
	}
}

// get returns a copy-free view of key's value, the closer that releases
// it, and whether the key exists.
func (c *Conn) get(key []byte) ([]byte, func(), bool, error) {
	v, closer, err := c.db.Get(key)
	if errors.Is(err, pdb.ErrNotFound) {
		return nil, func() {}, false, nil
	}
	if err != nil {
		return nil, func() {}, false, fmt.Errorf("pebble: get: %w", err)
	}
	return v, func() { closer.Close() }, true, nil
}

// exists reports whether key is set.
func (c *Conn) exists(key []byte) (bool, error) {
	_, release, ok, err := c.get(key)
	release()
	return ok, err
}

// clearRange deletes every key in [start, end) when there is any: a range
// tombstone, then a compaction of the range so that later reads and loads
// do not pay for the dropped data. An empty range is left alone.
func (c *Conn) clearRange(ctx context.Context, start, end []byte) error {
	it, err := c.db.NewIter(&pdb.IterOptions{LowerBound: start, UpperBound: end})
	if err != nil {
		return fmt.Errorf("pebble: iterator: %w", err)
	}
	empty := !it.First()
	if err := it.Close(); err != nil {
		return fmt.Errorf("pebble: iterate: %w", err)
	}
	if empty {
		return nil
	}
	if err := c.db.DeleteRange(start, end, c.wo); err != nil {
		return fmt.Errorf("pebble: delete range: %w", err)
	}
	if err := c.db.Compact(ctx, start, end, false); err != nil {
		return fmt.Errorf("pebble: compact: %w", err)
	}
	return nil
}

// quietLogger drops pebble's informational messages (flushes, compactions,
// WAL events) and writes errors to the standard logger.
type quietLogger struct{}

// Infof drops the message.
func (quietLogger) Infof(format string, args ...any) {}

// Errorf logs the message.
func (quietLogger) Errorf(format string, args ...any) { log.Printf("pebble: "+format, args...) }

// Fatalf panics: pebble calls it on unrecoverable corruption and must not
// continue.
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}
