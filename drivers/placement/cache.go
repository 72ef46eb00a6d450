package placement

import (
	"fmt"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/twitter"
)

// CacheConfig is how the timeline cache is filled and checked (the
// placement file's cache: section).
type CacheConfig struct {
	// TTL expires a filled page after this long ("30s"); empty: never
	// (the page lives until its author's next post invalidates it).
	TTL string `yaml:"ttl"`
	// Fill is "plain" (default: cache-aside, set the page after a miss)
	// or "versioned" (set it only if no invalidation came between the
	// miss and the fill: a per-user version counter checked in the same
	// Lua script that sets the page). TTL and versioned fills need a
	// cache store that offers them (redis).
	Fill string `yaml:"fill"`
	// CheckEvery samples one timeline cache hit in CheckEvery for a check
	// against the source, outside the timed operations (default 100; 0:
	// no check): the cache's stale reads.
	CheckEvery *int64 `yaml:"check_every"`

	ttl time.Duration
}

// The cache fills.
const (
	FillPlain     = "plain"
	FillVersioned = "versioned"
)

func (c *CacheConfig) validate(hasCache bool) error {
	if !hasCache && (c.TTL != "" || c.Fill != "" || c.CheckEvery != nil) {
		return fmt.Errorf("cache: settings without a cache role")
	}
	if c.TTL != "" {
		d, err := time.ParseDuration(c.TTL)
		if err != nil || d < time.Millisecond {
			return fmt.Errorf("cache: ttl %q is not a duration of at least 1ms (e.g. 30s)", c.TTL)
		}
		c.ttl = d
	}
	switch c.Fill {
	case "":
		c.Fill = FillPlain
	case FillPlain, FillVersioned:
	default:
		return fmt.Errorf("cache: fill %q: use %s or %s", c.Fill, FillPlain, FillVersioned)
	}
	if c.CheckEvery != nil && *c.CheckEvery < 0 {
		return fmt.Errorf("cache: check_every must not be negative, not %d", *c.CheckEvery)
	}
	return nil
}

// options returns the application's cache options.
func (c CacheConfig) options() twitter.CacheOptions {
	o := twitter.CacheOptions{TTL: c.ttl, Versioned: c.Fill == FillVersioned, CheckEvery: twitter.DefaultCheckEvery}
	if c.CheckEvery != nil {
		o.CheckEvery = *c.CheckEvery
	}
	return o
}

// pageCache returns the page cache of the cache's store when it offers
// one (redis), so fills can expire and be versioned; nil otherwise, when
// plain fills over its wide store do (an error if the file asks for more).
func (c *Conn) pageCache(conn drivers.Conn, driver, table string) (twitter.PageCache, error) {
	p, ok := conn.(twitter.PageCacheProvider)
	if !ok {
		if c.cfg.Cache.ttl > 0 || c.cfg.Cache.Fill == FillVersioned {
			return nil, fmt.Errorf("cache: store %s keeps no expiry or versions for pages: ttl and fill: versioned need a cache store that does (redis): %w", driver, drivers.ErrUnsupported)
		}
		return nil, nil
	}
	return p.PageCache(table)
}
