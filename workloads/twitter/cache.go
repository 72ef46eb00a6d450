package twitter

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/wide"
)

// CacheOptions say how the timeline page cache is filled and how its
// staleness is measured.
type CacheOptions struct {
	// TTL expires a filled page after this long; 0 keeps it until its
	// author's next post invalidates it. A TTL bounds how long a page
	// filled by a racing miss (below) can stay stale.
	TTL time.Duration
	// Versioned fills a page only if its author's version has not changed
	// since the miss read it: every invalidation bumps the version, so a
	// miss that read the source before a post and fills after the post's
	// invalidation is refused (the way Redis users do it: a version key
	// checked and set in one Lua script, see PageCache). Without it
	// cache-aside has the classic race — the stale page stays until the
	// author posts again or the TTL expires.
	Versioned bool
	// CheckEvery makes one timeline cache hit in CheckEvery (about) ask a
	// checker to read the cached page again between two reads of the
	// source: the read is stale when the page is neither (CacheCheck).
	// 0 disables the check.
	CheckEvery int64
}

// DefaultCheckEvery is the default sampling period of the cache check:
// one hit in 100.
const DefaultCheckEvery = 100

// PageCache is the timeline page cache with expiry and versioned fills.
// Every user has a page (the ids of the timeline) and a version, bumped
// by every invalidation; a fill names the version its miss read.
type PageCache interface {
	// Setup removes every page and version.
	Setup(ctx context.Context) error
	// Page appends user's cached page to dst; ok is false on a miss.
	// version is the user's version as of the same read (0 when the cache
	// keeps none), to hand to Fill.
	Page(ctx context.Context, user int64, dst []byte) (page []byte, ok bool, version int64, err error)
	// Fill caches page for user, expiring after ttl (0: never). When
	// versioned, it does so only if the user's version is still version —
	// checked and written atomically —, and stored says whether it did.
	Fill(ctx context.Context, user int64, page []byte, version int64, versioned bool, ttl time.Duration) (stored bool, err error)
	// Invalidate deletes user's page and bumps its version, atomically.
	Invalidate(ctx context.Context, user int64) error
}

// PageCacheProvider is a connection that offers a PageCache with expiry
// and versioned fills (drivers/redis). Tables are named after prefix.
type PageCacheProvider interface {
	PageCache(prefix string) (PageCache, error)
}

// widePages is the page cache over a wide store (column 0 of row user):
// plain cache-aside, no expiry, no version.
type widePages struct{ s wide.Store }

func (w widePages) Setup(ctx context.Context) error { return w.s.Setup(ctx) }

func (w widePages) Page(ctx context.Context, user int64, dst []byte) ([]byte, bool, int64, error) {
	var vals [1]wide.Value
	vals[0].Bytes = dst[:0]
	got, err := w.s.ReadColumns(ctx, user, cacheCols[:], vals[:0])
	if err != nil || len(got) != 1 || !got[0].Valid {
		return dst[:0], false, 0, err
	}
	return got[0].Bytes, true, 0, nil
}

func (w widePages) Fill(ctx context.Context, user int64, page []byte, _ int64, versioned bool, ttl time.Duration) (bool, error) {
	if versioned || ttl > 0 {
		return false, fmt.Errorf("the cache's store keeps no versions or expiry (use a store with a page cache, e.g. redis)")
	}
	return true, w.s.SetColumns(ctx, user, cacheCols[:], [][]byte{page})
}

func (w widePages) Invalidate(ctx context.Context, user int64) error {
	return w.s.DeleteColumn(ctx, user, 0)
}

// CacheCheck is the outcome of checking one cached page against the
// source.
type CacheCheck int

// Outcomes of a cache check.
const (
	// CheckMiss: no page was cached; nothing to judge.
	CheckMiss CacheCheck = iota
	// CheckFresh: the page equals the source's timeline as read just
	// before or just after it.
	CheckFresh
	// CheckStale: the page equals neither: it was stale when read (the
	// source only gains tweets, so a page older than the first read was
	// already out of date then).
	CheckStale
)

// CheckCache reads user's timeline from the source, the cached page, and
// — when they differ — the source again: the cached page is fresh when it
// equals either source read (it was the source's answer at some moment of
// the check), stale otherwise. A post committed between the reads makes
// the first differ; the second then matches, so a check never calls a
// fresh page stale (it may call a page that went stale during the check
// fresh: stale counts are a lower bound by at most that window). Nothing
// is timed or filled.
func (a *App) CheckCache(ctx context.Context, user crud.UserID) (CacheCheck, error) {
	if a.pages == nil {
		return CheckMiss, nil
	}
	limit := a.timelineLimit()
	before, err := a.b.Source.Timeline(ctx, user, limit, nil)
	if err != nil {
		return CheckMiss, fmt.Errorf("cache check: source: %w", err)
	}
	raw, ok, _, err := a.pages.Page(ctx, int64(user), nil)
	if err != nil {
		return CheckMiss, fmt.Errorf("cache check: %w", err)
	}
	if !ok {
		return CheckMiss, nil
	}
	page, err := decodeIDs(nil, raw)
	if err != nil {
		return CheckStale, err
	}
	if slices.Equal(page, before) {
		return CheckFresh, nil
	}
	after, err := a.b.Source.Timeline(ctx, user, limit, nil)
	if err != nil {
		return CheckMiss, fmt.Errorf("cache check: source: %w", err)
	}
	if slices.Equal(page, after) {
		return CheckFresh, nil
	}
	return CheckStale, nil
}

// timelineLimit is the page length the App's timelines were read with
// (the last Timeline call's limit; 20 before any).
func (a *App) timelineLimit() int {
	if n := a.limit.Load(); n > 0 {
		return int(n)
	}
	return 20
}

// cacheChecker runs the sampled cache checks of a measured phase outside
// the timed operations: a timeline hit hands its user over (never
// waiting: when the checker is busy the sample is skipped), the checker
// checks it (CheckCache).
type cacheChecker struct {
	users  chan crud.UserID
	cancel context.CancelFunc
	done   chan struct{}

	checked, stale, errs atomic.Int64
}

// startChecker starts the checker of a measured phase (stopping the
// previous one); it does nothing without a cache or with CheckEvery 0.
func (a *App) startChecker() {
	a.stopChecker()
	if a.pages == nil || a.opts.Cache.CheckEvery <= 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &cacheChecker{users: make(chan crud.UserID, 1), cancel: cancel, done: make(chan struct{})}
	a.checkMu.Lock()
	a.checker = c
	a.checkMu.Unlock()
	go func() {
		defer close(c.done)
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-c.users:
				switch r, err := a.CheckCache(ctx, u); {
				case err != nil:
					if ctx.Err() == nil {
						c.errs.Add(1)
					}
				case r == CheckFresh:
					c.checked.Add(1)
				case r == CheckStale:
					c.checked.Add(1)
					c.stale.Add(1)
				}
			}
		}
	}()
}

// stopChecker stops the checker and waits for it; its counts stay.
func (a *App) stopChecker() {
	a.checkMu.Lock()
	c := a.checker
	a.checkMu.Unlock()
	if c == nil {
		return
	}
	c.cancel()
	<-c.done
}

// sampleHit hands every CheckEvery-th hit's user to the checker, without
// waiting.
func (a *App) sampleHit(n int64, user crud.UserID) {
	every := a.opts.Cache.CheckEvery
	if every <= 0 || n%every != 0 {
		return
	}
	a.checkMu.Lock()
	c := a.checker
	a.checkMu.Unlock()
	if c == nil {
		return
	}
	select {
	case c.users <- user:
	default:
	}
}

// checkerCounts returns the checks made, the stale pages found and the
// checks that failed.
func (a *App) checkerCounts() (checked, stale, errs int64) {
	a.checkMu.Lock()
	c := a.checker
	a.checkMu.Unlock()
	if c == nil {
		return 0, 0, 0
	}
	return c.checked.Load(), c.stale.Load(), c.errs.Load()
}

// pagesOf returns the page cache of the backends: Pages, or plain
// cache-aside over Cache.
func pagesOf(b Backends) PageCache {
	switch {
	case b.Pages != nil:
		return b.Pages
	case b.Cache != nil:
		return widePages{b.Cache}
	}
	return nil
}

// cacheStats adds the cache's figures to s: its reads (the hits) also
// under cache-aside, where the cache is no view of the sync engine, and
// the sampled checks, which give its stale reads when any were made.
func (a *App) cacheStats(s *Stats) {
	if a.pages == nil {
		return
	}
	vs := s.Views[ViewCache.String()]
	vs.Reads = a.hits.Load()
	vs.Checked, vs.CheckedStale, vs.CheckErrors = a.checkerCounts()
	if vs.Checked > 0 {
		vs.StaleReads = int64(math.Round(float64(vs.Reads) * float64(vs.CheckedStale) / float64(vs.Checked)))
	}
	if vs.Reads > 0 || vs.Checked > 0 || vs.Applied > 0 || vs.Pending > 0 {
		s.Views[ViewCache.String()] = vs
	}
}

// InjectBeforeFill makes the next timeline miss run f between its source
// read and its cache fill: where cache-aside's classic race happens (a
// post committed and its page invalidated in between, then the miss
// fills the page it read before the post). For tests that reproduce the
// race, as syncer.Engine.CrashNextApply reproduces a crash.
func (a *App) InjectBeforeFill(f func(crud.UserID)) { a.beforeFill.Store(&f) }
