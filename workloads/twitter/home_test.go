package twitter_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/twitter"
)

// TestHomeStrategies: over the memory stores, fan-out on write and the
// hybrid (inboxes fed by an asynchronous relay, the applier crashing once
// between applying and recording) pass validation after the load and, once
// the run's writes drained, return every user's home page exactly as the
// oracle's fan-out on read does. The hybrid has celebrities at this scale
// and reads them on demand.
func TestHomeStrategies(t *testing.T) {
	for _, strategy := range []string{twitter.HomeWrite, twitter.HomeHybrid} {
		t.Run(strategy, func(t *testing.T) {
			ctx := context.Background()
			w, err := twitter.New(workloads.Params{Seed: 5, Scale: workloads.Quick, Options: tiny})
			if err != nil {
				t.Fatal(err)
			}
			c, err := drivers.Open(ctx, "memory", "")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			b, err := twitter.MemoryBackends(c)
			if err != nil {
				t.Fatal(err)
			}
			if b.Inbox, err = c.(twitter.InboxProvider).Inboxes("tw_home", 50); err != nil {
				t.Fatal(err)
			}
			app, err := twitter.NewApp(b, twitter.Options{Home: strategy, HomeThreshold: 15, InboxCapacity: 50})
			if err != nil {
				t.Fatal(err)
			}
			e, err := syncer.New(syncer.Config{Strategy: "relay", Source: app, Sinks: app.Sinks(), Options: syncer.Options{InsertsOnly: true, Batch: 7}})
			if err != nil {
				t.Fatal(err)
			}
			app.SetEngine(e)
			m := memConn{c, app}
			if err := w.Setup(ctx, m); err != nil {
				t.Fatal(err)
			}
			if err := w.Load(ctx, m, 0, 1, &count{}); err != nil {
				t.Fatal(err)
			}
			if err := w.FinishLoad(ctx, m); err != nil {
				t.Fatal(err)
			}
			if err := e.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer e.Close(ctx)
			v, err := w.Validate(ctx, m)
			if err != nil || !v.OK() {
				t.Fatalf("validate: %v %+v", err, v)
			}
			oracle, closeOracle, err := w.Oracle(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer closeOracle()
			k, _ := w.Worker(m, 0, 1)
			ko, _ := w.Worker(memConn{nil, oracle.(*twitter.App)}, 0, 1)
			e.CrashNextApply()
			for range 1500 {
				op, ref := k.Next(), ko.Next()
				if err := op.Do(ctx); err != nil {
					t.Fatal(err)
				}
				if err := ref.Do(ctx); err != nil {
					t.Fatal(err)
				}
			}
			dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			if err := e.Drain(dctx); err != nil {
				t.Fatal(err)
			}
			st := app.Stats()
			if st.Views["home"].Applied == 0 || st.Views["home"].Reads == 0 || st.Routes["home"]["inbox"] == 0 {
				t.Errorf("home view: %+v, routes %v", st.Views["home"], st.Routes["home"])
			}
			if strategy == twitter.HomeHybrid && st.Routes["home"]["source"] == 0 {
				t.Error("hybrid: no celebrity read on demand")
			}
			if strategy == twitter.HomeWrite && st.Routes["home"]["source"] != 0 {
				t.Error("fan-out on write read the source")
			}
			var got, want []crud.TweetID
			differ := 0
			for u := crud.UserID(1); u <= 200; u++ {
				got, err = app.Home(ctx, u, 20, got)
				if err != nil {
					t.Fatal(err)
				}
				want, _ = oracle.Home(ctx, u, 20, want)
				if !slices.Equal(got, want) {
					differ++
					if differ < 4 {
						t.Errorf("after sync, home of %d: got %v, want %v", u, got, want)
					}
				}
			}
			if differ > 0 {
				t.Errorf("%d of 200 home pages differ from fan-out on read", differ)
			}
		})
	}
}
