package syncer_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/syncer/synctest"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

func TestMemorySink(t *testing.T) {
	synctest.RunSink(t, "", func(spec syncer.SinkSpec) (syncer.Sink, error) {
		return syncer.NewMemorySink(spec.Name, spec.Keeps), nil
	}, func(syncer.EntitySet) bool { return true })
}

func TestMemorySource(t *testing.T) { synctest.RunSource(t, syncer.NewMemorySource()) }

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func tw(id, likes int64, body string) syncer.Change {
	return syncer.TweetUpsert(crud.Tweet{ID: crud.TweetID(id), UserID: 1, Body: body, CreatedAt: t0, LikeCount: likes})
}

// The ledger measures commit-to-visible per change, keeps a row's images in
// order (a newer image shown makes older ones visible), counts replays,
// counts a change shown before its writer stamped it with lag 0, and
// counts the changes pending as the window ends with their age.
func TestLedger(t *testing.T) {
	l := syncer.NewLedger([]syncer.ViewInfo{{Name: "a", Keeps: syncer.Entities(syncer.EntityTweet)}, {Name: "f", Keeps: syncer.Entities(syncer.EntityFollow)}})
	l.BeginMeasure(t0)
	v1, v2, v3 := tw(1, 0, "x"), tw(1, 1, "x"), tw(2, 0, "y")
	k1 := l.Begin([]syncer.Change{v1})
	k1.Commit(t0.Add(10 * time.Millisecond))
	k2 := l.Begin([]syncer.Change{v2})
	k2.Commit(t0.Add(20 * time.Millisecond))
	if got := l.Pending(0); got != 2 {
		t.Fatalf("pending %d, want 2", got)
	}
	if got := l.Pending(1); got != 0 {
		t.Fatalf("a follows view has %d tweets pending", got)
	}
	// v2 shown at 50 ms: v1 is superseded (visible too).
	l.Visible(0, []syncer.Change{v2}, t0.Add(50*time.Millisecond))
	if got := l.Pending(0); got != 0 {
		t.Fatalf("pending %d after the newer image, want 0", got)
	}
	l.Visible(0, []syncer.Change{v1}, t0.Add(60*time.Millisecond)) // a replay
	// Shown before the stamp: lag 0.
	k3 := l.Begin([]syncer.Change{v3})
	l.Visible(0, []syncer.Change{v3}, t0.Add(70*time.Millisecond))
	k3.Commit(t0.Add(80 * time.Millisecond))
	// Withdrawn: never counted.
	k4 := l.Begin([]syncer.Change{tw(9, 0, "never")})
	k4.Withdraw()
	// Pending at the end: counts with its age.
	k5 := l.Begin([]syncer.Change{tw(5, 0, "late"), syncer.FollowUpsert(graph.Edge{Src: 1, Dst: 2})})
	k5.Commit(t0.Add(100 * time.Millisecond))
	if !l.AnyPending(1, func(c *syncer.Change) bool { return c.Entity == syncer.EntityFollow }) {
		t.Error("the follow is not pending for the follows view")
	}
	l.EndMeasure(t0.Add(1100 * time.Millisecond))
	lag := l.Lag(0)
	if lag.Changes != 4 || lag.PendingAtEnd != 1 || lag.Oldest != time.Second || lag.Replays != 1 {
		t.Errorf("lag %+v: want 4 changes, 1 pending at the end (1 s old), 1 replay", lag)
	}
	if lag.Max != time.Second || lag.P50 < 30*time.Millisecond || lag.P50 > 41*time.Millisecond {
		t.Errorf("lag max %v p50 %v: want 1 s, 30–40 ms", lag.Max, lag.P50)
	}
	if got := l.Diverged(0, nil); got != 1 {
		t.Errorf("diverged rows %d, want 1", got)
	}
	// Closed window: later changes do not count.
	l.Visible(0, []syncer.Change{tw(5, 0, "late")}, t0.Add(2*time.Second))
	if got := l.Lag(0); got.Changes != 4 || got.Max != time.Second {
		t.Errorf("after the window: %+v", got)
	}
	if s := l.Lag(0).Series; len(s) != 2 || s[1] != 1000 {
		t.Errorf("staleness series %v, want [… 1000]", s)
	}
}

// countingSink records applies and can fail.
type countingSink struct {
	*syncer.MemorySink
	applies atomic.Int64
	fail    atomic.Int64 // fail this many applies
	mu      sync.Mutex
	seen    map[syncer.Key]int
}

func (s *countingSink) Apply(ctx context.Context, b []syncer.Change) error {
	if s.fail.Load() > 0 && s.fail.Add(-1) >= 0 {
		return errors.New("flaky")
	}
	s.applies.Add(1)
	s.mu.Lock()
	for i := range b {
		s.seen[b[i].Key()]++
	}
	s.mu.Unlock()
	return s.MemorySink.Apply(ctx, b)
}

type onceSink struct{ *countingSink }

func (onceSink) NotIdempotent() {}

func newSink(name string, keeps syncer.EntitySet) *countingSink {
	return &countingSink{MemorySink: syncer.NewMemorySink(name, keeps), seen: map[syncer.Key]int{}}
}

// system is a memory source with three views (one not idempotent) under a
// strategy.
func system(t *testing.T, strategy string, f *syncer.Faults, opts syncer.Options) (*syncer.Engine, []*countingSink) {
	t.Helper()
	a := newSink("tweets", syncer.Entities(syncer.EntityTweet, syncer.EntityLike))
	b := newSink("follows", syncer.Entities(syncer.EntityFollow))
	c := newSink("once", syncer.Entities(syncer.EntityTweet))
	e, err := syncer.New(syncer.Config{Strategy: strategy, Source: syncer.NewMemorySource(), Sinks: []syncer.Sink{a, b, onceSink{c}},
		Faults: f, Options: opts, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Load(ctx, synctest.Rows()); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return e, []*countingSink{a, b, c}
}

// write runs n commands of every kind through e.
func write(t *testing.T, e *syncer.Engine, n int, tolerate error) { writeFrom(t, e, 0, n, tolerate) }

// writeFrom runs commands of rounds from to from+n.
func writeFrom(t *testing.T, e *syncer.Engine, from, n int, tolerate error) {
	t.Helper()
	ctx := context.Background()
	for i := from; i < from+n; i++ {
		id := int64(1000 + i)
		cmds := []syncer.Command{
			{Kind: syncer.CreateTweet, Tweet: crud.Tweet{ID: crud.TweetID(id), UserID: crud.UserID(i % 7), Body: fmt.Sprint("body ", i), CreatedAt: t0}},
			{Kind: syncer.Like, Like: crud.Like{UserID: crud.UserID(i % 5), TweetID: crud.TweetID(1000 + i/2), CreatedAt: t0}},
			{Kind: syncer.UpdateTweet, Tweet: crud.Tweet{ID: crud.TweetID(1000 + i/3), Body: fmt.Sprint("edit ", i)}},
			{Kind: syncer.ToggleFollow, Edge: graph.Edge{Src: graph.UserID(i % 4), Dst: graph.UserID(5 + i%3)}},
		}
		if i%5 == 4 {
			cmds = append(cmds, syncer.Command{Kind: syncer.DeleteTweet, Tweet: crud.Tweet{ID: crud.TweetID(id - 3)}})
		}
		for _, c := range cmds {
			if err := e.Exec(ctx, &c); err != nil && (tolerate == nil || !errors.Is(err, tolerate)) {
				t.Fatalf("%v: %v", c.Kind, err)
			}
		}
	}
}

// loaded returns a row's image as synctest.Rows loads it.
func loaded(k syncer.Key) string {
	for _, c := range synctest.Rows() {
		if c.Key() == k {
			return c.Digest()
		}
	}
	return ""
}

func drain(t *testing.T, e *syncer.Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

func divergence(t *testing.T, e *syncer.Engine) []syncer.Divergence {
	t.Helper()
	d, err := e.Reconcile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Dual writes: in sync without faults; with a view failing, the rows its
// lost writes left different are exactly the ones the ledger still holds
// pending; a retry policy rides out a transient failure.
func TestDual(t *testing.T) {
	e, _ := system(t, "dual", nil, syncer.Options{})
	write(t, e, 30, nil)
	drain(t, e)
	for i, d := range divergence(t, e) {
		if d.Total() != 0 || d.Rows == 0 {
			t.Errorf("view %s: %+v", e.Views()[i], d)
		}
	}

	f := syncer.NewFaults(1, map[string]float64{"tweets": 0.2})
	e, _ = system(t, "dual", f, syncer.Options{})
	write(t, e, 40, nil)
	drain(t, e)
	d := divergence(t, e)
	if lost := e.Ledger().Diverged(0, loaded); d[0].Total() == 0 || d[0].Total() != lost {
		t.Errorf("dual writes with 20%% failures: divergence %+v, diverged rows %d", d[0], lost)
	}
	if d[1].Total() != 0 {
		t.Errorf("the follows view diverged without faults: %+v", d[1])
	}

	e, sinks := system(t, "dual", nil, syncer.Options{Retry: syncer.Retry{Attempts: 3, Backoff: time.Millisecond}})
	sinks[0].fail.Store(2)
	write(t, e, 5, nil)
	if d := divergence(t, e); d[0].Total() != 0 {
		t.Errorf("two failures under 3 retries lost writes: %+v", d[0])
	}
	if st := e.Stats(); st.Views[0].Retries != 2 {
		t.Errorf("retries %d, want 2", st.Views[0].Retries)
	}
}

// A dual writer that crashes between its writes leaves a suffix of the
// views without the change: counted, and the write fails.
func TestDualWriterCrash(t *testing.T) {
	f := syncer.NewFaults(3, nil)
	f.SetWriteCrash(0.3)
	e, _ := system(t, "dual", f, syncer.Options{})
	write(t, e, 40, syncer.ErrInjected)
	drain(t, e)
	st := e.Stats()
	if st.WriterCrashes == 0 {
		t.Fatal("no writer crashed")
	}
	var total int64
	for i, d := range divergence(t, e) {
		if lost := e.Ledger().Diverged(i, loaded); d.Total() != lost {
			t.Errorf("view %s: divergence %d, diverged rows %d", e.Views()[i], d.Total(), lost)
		}
		total += d.Total()
	}
	if total == 0 {
		t.Error("writer crashes left no view behind")
	}
}

// The relay delivers at least once through failures, an applier restart
// and crashes between apply and position: every view converges, replays
// happen, and the view that is not idempotent gets each change once.
func TestRelayRecovers(t *testing.T) {
	f := syncer.NewFaults(2, map[string]float64{"*": 0.2})
	e, sinks := system(t, "relay", f, syncer.Options{Batch: 3})
	e.BeginMeasure(time.Now())
	writeFrom(t, e, 0, 10, nil)
	e.CrashNextApply()
	writeFrom(t, e, 10, 10, nil)
	for deadline := time.Now().Add(5 * time.Second); e.Stats().Crashes == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	e.Restart()
	e.CrashNextApply()
	writeFrom(t, e, 20, 10, nil)
	drain(t, e)
	e.EndMeasure(time.Now())
	for i, d := range divergence(t, e) {
		if d.Total() != 0 {
			t.Errorf("view %s: %+v", e.Views()[i], d)
		}
	}
	st := e.Stats()
	if st.Crashes != 2 || st.Restarts != 1 {
		t.Errorf("crashes %d restarts %d, want 2 and 1", st.Crashes, st.Restarts)
	}
	// The view that is not idempotent got no change twice: as many row
	// applies as changes delivered.
	var rows int
	for k, n := range sinks[2].seen {
		if k.A >= 1000 { // not loaded
			rows += n
		}
	}
	if int64(rows) != st.Views[2].Delivered {
		t.Errorf("view once: %d rows applied, %d changes delivered", rows, st.Views[2].Delivered)
	}
	var replays int64
	for _, v := range st.Views {
		replays += v.Lag.Replays
		if v.Lag.Changes == 0 || v.Lag.PendingAtEnd != 0 {
			t.Errorf("view %s: lag %+v", v.Name, v.Lag)
		}
	}
	if replays == 0 {
		t.Error("no replay after two crashes between apply and position")
	}
}

// A view that is down holds back only itself.
func TestViewsIsolated(t *testing.T) {
	f := syncer.NewFaults(1, nil)
	f.Down("follows", time.Now().Add(time.Hour))
	e, _ := system(t, "relay", f, syncer.Options{})
	write(t, e, 10, nil)
	deadline := time.Now().Add(5 * time.Second)
	for e.Ledger().Pending(0) > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := e.Ledger().Pending(0); n != 0 {
		t.Errorf("the tweets view has %d changes pending while only follows is down", n)
	}
	if e.Ledger().Pending(1) == 0 {
		t.Error("the follows view is down but nothing is pending for it")
	}
	f.Down("follows", time.Now())
	drain(t, e)
}

// refreshSink is a view its store derives: Refresh copies the source.
type refreshSink struct {
	*syncer.MemorySink
	src       syncer.Scanner
	refreshes atomic.Int64
}

func (r *refreshSink) Refresh(ctx context.Context) error {
	r.refreshes.Add(1)
	if err := r.Reset(ctx); err != nil {
		return err
	}
	return r.src.Scan(ctx, func(c *syncer.Change) error { return r.MemorySink.Apply(ctx, []syncer.Change{*c}) })
}

func (r *refreshSink) Apply(context.Context, []syncer.Change) error {
	return errors.New("a refreshed view is never written")
}

// The materialized-view strategy refreshes its view on a schedule and
// counts every change pending until the refresh that covered it ended.
func TestMaterializedView(t *testing.T) {
	src := syncer.NewMemorySource()
	mv := &refreshSink{MemorySink: syncer.NewMemorySink("dashboard", syncer.Entities(syncer.EntityTweet, syncer.EntityLike)), src: src}
	other := newSink("follows", syncer.Entities(syncer.EntityFollow))
	e, err := syncer.New(syncer.Config{Strategy: "materialized-view", Source: src, Sinks: []syncer.Sink{mv, other},
		Options: syncer.Options{Refresh: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	write(t, e, 10, nil)
	if e.Ledger().Pending(1) != 0 {
		t.Error("the dual-written view has changes pending")
	}
	drain(t, e)
	if d := divergence(t, e); d[0].Total() != 0 || d[1].Total() != 0 {
		t.Errorf("divergence %+v", d)
	}
	if mv.refreshes.Load() == 0 || e.Stats().Figures["sync.refreshes"] == 0 {
		t.Error("never refreshed")
	}
}

// Reconcile finds missing, extra and different rows.
func TestReconcile(t *testing.T) {
	src := syncer.NewMemorySource()
	view := syncer.NewMemorySink("v", syncer.AllEntities)
	ctx := context.Background()
	src.Load(ctx, []syncer.Change{tw(1, 0, "a"), tw(2, 0, "b"), tw(3, 0, "c")})
	view.Apply(ctx, []syncer.Change{tw(1, 0, "a"), tw(2, 1, "b"), tw(4, 0, "d")})
	d, err := syncer.Reconcile(ctx, src, []syncer.Sink{view})
	if err != nil {
		t.Fatal(err)
	}
	if got := d[0]; got.Rows != 3 || got.Missing != 1 || got.Extra != 1 || got.Different != 1 {
		t.Errorf("divergence %+v", got)
	}
}

func TestUnknownStrategy(t *testing.T) {
	_, err := syncer.New(syncer.Config{Strategy: "carrier-pigeon", Source: syncer.NewMemorySource()})
	if err == nil {
		t.Fatal("unknown strategy accepted")
	}
}

// blockingSink blocks in Apply until released, and records whether its
// context was cancelled meanwhile.
type blockingSink struct {
	*syncer.MemorySink
	started, release chan struct{}
	cut              atomic.Bool
}

func (b *blockingSink) Apply(ctx context.Context, batch []syncer.Change) error {
	close(b.started)
	<-b.release
	if ctx.Err() != nil {
		b.cut.Store(true)
		return ctx.Err()
	}
	return b.MemorySink.Apply(ctx, batch)
}

// A view write, once started, is not cut by its caller's cancellation (a
// killed applier): cut inside a store that is not idempotent it could land
// without being recorded and be applied twice. The kill takes effect
// between writes.
func TestViewWriteNotCut(t *testing.T) {
	b := &blockingSink{MemorySink: syncer.NewMemorySink("v", syncer.AllEntities), started: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- syncer.NewFaults(1, nil).Apply(ctx, b, []syncer.Change{tw(1, 0, "x")}) }()
	<-b.started
	cancel()
	close(b.release)
	if err := <-done; err != nil || b.cut.Load() {
		t.Errorf("a started write was cut: %v", err)
	}
	if err := syncer.NewFaults(1, nil).Apply(ctx, b, []syncer.Change{tw(2, 0, "y")}); err == nil {
		t.Error("a write began after the cancellation")
	}
}
