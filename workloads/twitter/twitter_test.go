package twitter_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	_ "github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/search"
	"github.com/storefit/storefit/workloads/twitter"
)

var tiny = map[string]any{"users": 200, "tweets": 2000, "likespertweet": 2, "meandegree": 4, "dashboardhours": 1}

// memConn runs the application over one memory connection, dual writes.
type memConn struct {
	drivers.Conn
	app *twitter.App
}

func (m memConn) TwitterStore() (twitter.Store, error) { return m.app, nil }

func newMem(t *testing.T) memConn {
	t.Helper()
	c, err := drivers.Open(context.Background(), "memory", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b, err := twitter.MemoryBackends(c)
	if err != nil {
		t.Fatal(err)
	}
	app, err := twitter.NewApp(b, twitter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return memConn{c, app}
}

type count struct {
	sync.Mutex
	n int64
}

func (c *count) Add(n int64) { c.Lock(); c.n += n; c.Unlock() }

// TestMixOnMemory loads, validates and runs the mix from two goroutines on
// the application over memory (the race detector checks the App), then
// checks the counts: every operation routed, no view left behind with dual
// writes.
func TestMixOnMemory(t *testing.T) {
	ctx := context.Background()
	w, err := twitter.New(workloads.Params{Seed: 3, Scale: workloads.Quick, Options: tiny})
	if err != nil {
		t.Fatal(err)
	}
	c := newMem(t)
	if err := w.Setup(ctx, c); err != nil {
		t.Fatal(err)
	}
	var p count
	var wg sync.WaitGroup
	for part := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Load(ctx, c, part, 3, &p); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := w.FinishLoad(ctx, c); err != nil {
		t.Fatal(err)
	}
	if p.n != w.Records() {
		t.Errorf("loaded %d rows, Records %d", p.n, w.Records())
	}
	v, err := w.Validate(ctx, c)
	if err != nil || !v.OK() {
		t.Fatalf("validate: %v %+v", err, v)
	}
	w.BeginMeasure(ctx, c)
	for id := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := w.Worker(c, id, 2)
			if err != nil {
				t.Error(err)
				return
			}
			for range 500 {
				op := k.Next()
				if err := op.Do(ctx); err != nil {
					t.Errorf("%s: %v", w.OpKinds()[op.Kind()], err)
					return
				}
			}
		}()
	}
	wg.Wait()
	figs := w.EndMeasure(ctx, c)
	for _, op := range twitter.OpNames() {
		found := false
		for k, v := range figs {
			if strings.HasPrefix(k, "route."+op+".") && v > 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("operation %s never routed: %v", op, figs)
		}
	}
	if figs["view.search.pending"] != 0 || figs["view.dashboard.pending"] != 0 {
		t.Errorf("dual writes left changes pending: %v", figs)
	}
	if figs["view.search.applied"] == 0 {
		t.Errorf("no posted tweet reached search: %v", figs)
	}
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]any
		err  string
	}{
		{map[string]any{"users": 1}, "users must be"},
		{map[string]any{"users": 1 << 21}, "users must be"},
		{map[string]any{"searchproportion": -1}, "searchproportion"},
		{map[string]any{"timelineproportion": 0, "readtweetproportion": 0, "posttweetproportion": 0, "likeproportion": 0,
			"followproportion": 0, "searchproportion": 0, "whotofollowproportion": 0, "dashboardproportion": 0, "homeproportion": 0}, "at least one"},
		{map[string]any{"colour": "red"}, "unknown field colour"},
		{map[string]any{"dashboardhours": "0"}, "dashboardhours"},
	} {
		_, err := twitter.New(workloads.Params{Seed: 1, Scale: workloads.Quick, Options: tc.opts})
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("options %v: error %v, want %q", tc.opts, err, tc.err)
		}
	}
	w, err := twitter.New(workloads.Params{Seed: 1, Scale: workloads.Quick, Options: map[string]any{"followproportion": "0"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range w.OpKinds() {
		if k == "follow" {
			t.Error("follow in the mix with proportion 0")
		}
	}
}

// TestUnsupported: a store that is not a placement is n/a.
func TestUnsupported(t *testing.T) {
	w, err := twitter.New(workloads.Params{Seed: 1, Scale: workloads.Quick, Options: tiny})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := drivers.Open(context.Background(), "memory", "")
	defer c.Close()
	if _, err := w.Worker(c, 0, 1); err == nil || !strings.Contains(err.Error(), drivers.ErrUnsupported.Error()) {
		t.Errorf("worker on memory: %v, want unsupported", err)
	}
}

func TestOracleBound(t *testing.T) {
	w, err := twitter.New(workloads.Params{Seed: 1, Scale: workloads.Quick, Options: map[string]any{"users": 200, "tweets": 2000, "oraclemaxrows": 100}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Oracle(context.Background()); err == nil || !strings.Contains(err.Error(), "oraclemaxrows") {
		t.Errorf("oracle over its bound: %v", err)
	}
}

// TestApplyFromLog: under a strategy that delivers from a log (here the
// in-process relay), changes are applied to each view once however often
// the log repeats them (an applier crashing between applying a batch and
// recording its position), are pending until applied, and count as
// replays when handed again.
func TestApplyFromLog(t *testing.T) {
	ctx := context.Background()
	m := newMem(t)
	a := m.app
	e, err := syncer.New(syncer.Config{Strategy: "relay", Source: a, Sinks: a.Sinks(), Options: syncer.Options{InsertsOnly: true, Batch: 1}})
	if err != nil {
		t.Fatal(err)
	}
	a.SetEngine(e)
	if err := a.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if err := a.LoadUsers(ctx, []crud.User{{ID: 1, Handle: "a", CreatedAt: at}, {ID: 2, Handle: "b", CreatedAt: at}}); err != nil {
		t.Fatal(err)
	}
	if err := a.PostTweet(ctx, 10, 1, []byte("hello world"), at); err != nil {
		t.Fatal(err)
	}
	pending := func(v string) int64 { return a.Stats().Views[v].Pending }
	if pending("search") != 1 || pending("dashboard") != 1 {
		t.Fatalf("after a post, before delivery: pending %+v", a.Stats().Views)
	}
	e.CrashNextApply()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	if err := a.Like(ctx, 2, 10, at); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := e.Drain(dctx); err != nil {
		t.Fatal(err)
	}
	hello := search.Query{Kind: search.Term, Terms: []string{"hello"}}
	if n, err := a.CountTweets(ctx, hello); err != nil || n != 1 {
		t.Errorf("search count %d, %v; want 1", n, err)
	}
	d, err := a.Dashboard(ctx, at.Add(-time.Hour), at.Add(time.Hour))
	if err != nil || d.Tweets != 1 || d.Likes != 1 {
		t.Errorf("dashboard %+v, %v; want 1 tweet and 1 like, once each", d, err)
	}
	if s := a.Stats(); s.Replays == 0 || e.Stats().Crashes != 1 {
		t.Errorf("replays %d, crashes %d: the crash between apply and position replayed nothing", s.Replays, e.Stats().Crashes)
	}
}
