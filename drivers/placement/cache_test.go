package placement_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers/placement"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/twitter"
)

// cachePlacement writes a placement with a PostgreSQL source and a Redis
// cache (the other roles in memory) and the given cache: section, opens
// it and loads the tiny data set. It needs STOREFIT_POSTGRES_DSN and
// STOREFIT_REDIS_DSN.
func cachePlacement(t *testing.T, cache string) *placement.Conn {
	t.Helper()
	for _, e := range []string{"STOREFIT_POSTGRES_DSN", "STOREFIT_REDIS_DSN"} {
		if os.Getenv(e) == "" {
			if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
				t.Fatalf("%s is not set", e)
			}
			t.Skipf("%s is not set", e)
		}
	}
	doc := `name: pg-redis-cache
stores:
  pg: {driver: postgres, dsn: "${STOREFIT_POSTGRES_DSN}"}
  redis: {driver: redis, dsn: "${STOREFIT_REDIS_DSN}"}
  mem: {driver: memory}
route: {source: pg, cache: redis, search: mem, follows: pg, dashboard: mem}
sync: {strategy: dual}
` + cache + "\n"
	path := filepath.Join(t.TempDir(), "pg-redis-cache.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	c := open(t, path)
	load(t, newWorkload(t), c)
	return c
}

// raceFill reproduces cache-aside's classic race on user u's page: a
// timeline miss reads the source, then — before the miss fills the cache
// — u posts a tweet (the source commits, the writer invalidates the
// page), then the miss fills the page it read. It returns the new
// tweet's id.
func raceFill(t *testing.T, app *twitter.App, u crud.UserID) crud.TweetID {
	t.Helper()
	ctx := context.Background()
	const id = crud.TweetID(50_000_000)
	app.InjectBeforeFill(func(crud.UserID) {
		if err := app.PostTweet(ctx, id, u, []byte("racing post"), time.Now()); err != nil {
			t.Error(err)
		}
	})
	page, err := app.Timeline(ctx, u, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(page, id) {
		t.Fatal("the racing miss read the source after the post")
	}
	return id
}

// timelineHas reads u's timeline through the cache and tells whether it
// holds tweet id.
func timelineHas(t *testing.T, app *twitter.App, u crud.UserID, id crud.TweetID) bool {
	t.Helper()
	page, err := app.Timeline(context.Background(), u, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(page, id)
}

func check(t *testing.T, app *twitter.App, u crud.UserID) twitter.CacheCheck {
	t.Helper()
	r, err := app.CheckCache(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Issue 18: "a miss that refills after a post leaves a stale page until
// the author posts again, and this staleness is not tracked". With plain
// fills and no TTL the racing fill leaves the page stale for good — the
// check against PostgreSQL says so and the sampled checks count it as the
// cache view's stale reads —; a TTL bounds it; a versioned fill (the
// version counter checked in the fill's Lua script) refuses the racing
// fill, so the page is never stale. Real PostgreSQL and Redis.
func TestCacheRaceStaleness(t *testing.T) {
	ctx := context.Background()
	const u = crud.UserID(7)

	t.Run("plain fill, no TTL: stale until the next post", func(t *testing.T) {
		c := cachePlacement(t, "cache: {check_every: 1}")
		app := c.App()
		id := raceFill(t, app, u)
		if r := check(t, app, u); r != twitter.CheckStale {
			t.Fatalf("check after the racing fill: %v, want stale", r)
		}
		time.Sleep(300 * time.Millisecond)
		if timelineHas(t, app, u, id) {
			t.Fatal("the cached timeline shows the post: the racing fill did not leave a stale page")
		}
		// The sampled checks see it and report it as the cache's stale reads.
		c.BeginMeasure(ctx)
		deadline := time.Now().Add(5 * time.Second)
		for app.Stats().Views["cache"].Checked < 3 && time.Now().Before(deadline) {
			timelineHas(t, app, u, id)
			time.Sleep(20 * time.Millisecond)
		}
		figs := c.Figures(ctx)
		if figs["view.cache.checked"] < 3 || figs["view.cache.checked_stale"] != figs["view.cache.checked"] || figs["view.cache.stale_reads"] < 3 {
			t.Errorf("figures: checked %v, stale %v, stale reads %v of %v: every hit was stale", figs["view.cache.checked"], figs["view.cache.checked_stale"], figs["view.cache.stale_reads"], figs["view.cache.reads"])
		}
	})

	t.Run("plain fill, TTL 250ms: stale until it expires", func(t *testing.T) {
		c := cachePlacement(t, "cache: {ttl: 250ms}")
		app := c.App()
		id := raceFill(t, app, u)
		if r := check(t, app, u); r != twitter.CheckStale {
			t.Fatalf("check after the racing fill: %v, want stale", r)
		}
		time.Sleep(400 * time.Millisecond)
		if r := check(t, app, u); r != twitter.CheckMiss {
			t.Fatalf("check after the TTL: %v, want a miss (the page expired)", r)
		}
		if !timelineHas(t, app, u, id) || check(t, app, u) != twitter.CheckFresh {
			t.Fatal("after the TTL the refilled page lacks the post")
		}
	})

	t.Run("versioned fill: the racing fill is refused", func(t *testing.T) {
		c := cachePlacement(t, "cache: {fill: versioned}")
		app := c.App()
		id := raceFill(t, app, u)
		if n := app.Stats().FillsRefused; n != 1 {
			t.Errorf("%d fills refused, want the racing one", n)
		}
		if r := check(t, app, u); r == twitter.CheckStale {
			t.Fatal("check after the racing fill: stale, want no stale page")
		}
		if !timelineHas(t, app, u, id) || check(t, app, u) != twitter.CheckFresh {
			t.Fatal("the next read's page lacks the post")
		}
	})
}

// The cache: section's settings are checked, and TTL or versioned fills
// on a store that keeps neither is a clear error.
func TestCacheConfig(t *testing.T) {
	base := "stores: {m: {driver: memory}}\nroute: {source: m, search: m, follows: m, dashboard: m%s}\n%s"
	for _, tt := range []struct{ route, cache, want string }{
		{", cache: m", "cache: {ttl: 30s, fill: versioned, check_every: 10}", ""},
		{", cache: m", "cache: {ttl: soon}", `ttl "soon" is not a duration`},
		{", cache: m", "cache: {fill: lazy}", `fill "lazy": use plain or versioned`},
		{", cache: m", "cache: {check_every: -1}", "check_every must not be negative"},
		{"", "cache: {ttl: 1s}", "cache: settings without a cache role"},
	} {
		_, err := placement.Parse([]byte(strings.ReplaceAll(strings.Replace(base, "%s", tt.route, 1), "%s", tt.cache)))
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s %s: err = %v, want %q", tt.route, tt.cache, err, tt.want)
		}
	}
	path := filepath.Join(t.TempDir(), "mem.yaml")
	doc := "stores: {m: {driver: memory}}\nroute: {source: m, cache: m, search: m, follows: m, dashboard: m}\ncache: {fill: versioned}\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	c := open(t, path)
	if _, err := c.TwitterStore(); err == nil || !strings.Contains(err.Error(), "store memory keeps no expiry or versions for pages") {
		t.Errorf("versioned fills on a memory cache: %v", err)
	}
}
