package syncwl

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pglogrepl"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/storefit/storefit/cdc/pgoutput"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

func scanAll(t *testing.T, v View) map[string]string {
	t.Helper()
	got := map[string]string{}
	if err := v.Scan(context.Background(), func(k, d string) error { got[k] = d; return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

var at = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// stream is a small change stream with a repeated suffix, as a restarted
// consumer delivers it.
func stream() []Change {
	cs := []Change{
		TweetChange(1, 7, "hello world", at, 0),
		TweetChange(2, 8, "second", at, 0),
		{Entity: EntityFollow, Op: OpUpsert, Src: 1, Dst: 2},
		{Entity: EntityFollow, Op: OpUpsert, Src: 2, Dst: 1},
		TweetChange(1, 7, "hello world", at, 1),
		{Entity: EntityMarker, Seq: 3},
		{Entity: EntityTweet, Op: OpDelete, TweetID: 2, UserID: 8},
		{Entity: EntityFollow, Op: OpDelete, Src: 2, Dst: 1},
		TweetChange(3, 7, "third", at, 0),
	}
	return append(cs, cs[4:]...) // replay after a restart
}

// Embedded views end as the last image of every row says, whatever the
// batching and however often a suffix is replayed; markers are read back.
func TestEmbeddedViewsIdempotent(t *testing.T) {
	ctx := context.Background()
	an, err := NewAnalyticsView(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer an.Close()
	for _, v := range []View{NewSearchView(), NewGraphView(), an} {
		t.Run(v.Name(), func(t *testing.T) {
			if err := v.Setup(ctx); err != nil {
				t.Fatal(err)
			}
			cs := stream()
			for i := 0; i < len(cs); i += 4 { // batches of 4
				if err := v.Apply(ctx, cs[i:min(i+4, len(cs))]); err != nil {
					t.Fatal(err)
				}
			}
			want := map[string]string{}
			for _, c := range []Change{TweetChange(1, 7, "hello world", at, 1), TweetChange(3, 7, "third", at, 0), {Entity: EntityFollow, Src: 1, Dst: 2}} {
				if k, d, ok := v.Digest(&c); ok {
					want[k] = d
				}
			}
			if diff := cmp.Diff(want, scanAll(t, v)); diff != "" {
				t.Errorf("view content (-want +got):\n%s", diff)
			}
			if m, err := v.Marker(ctx); err != nil || m != 3 {
				t.Errorf("marker %d, %v; want 3", m, err)
			}
			if err := v.Setup(ctx); err != nil {
				t.Fatal(err)
			}
			if got := scanAll(t, v); len(got) != 0 {
				t.Errorf("after Setup: %v", got)
			}
		})
	}
}

func TestLastPerKey(t *testing.T) {
	rows, marker := lastPerKey(stream(), EntityTweet)
	var got []string
	for _, c := range rows {
		got = append(got, c.Key()+" "+c.Op.String())
	}
	want := []string{"tweet/1 upsert", "tweet/2 delete", "tweet/3 upsert"}
	if !cmp.Equal(got, want) || marker != 3 {
		t.Errorf("got %v marker %d, want %v marker 3", got, marker, want)
	}
}

func tuple(vals ...string) *pglogrepl.TupleData {
	td := &pglogrepl.TupleData{}
	for _, v := range vals {
		td.Columns = append(td.Columns, &pglogrepl.TupleDataColumn{DataType: 't', Data: []byte(v)})
	}
	return td
}

func TestDecodeRow(t *testing.T) {
	tb := Tables{Prefix: "p_"}
	row := func(r *pgoutput.Relation, op pgoutput.Op, tup *pglogrepl.TupleData) pgoutput.Row {
		t.Helper()
		rw, err := pgoutput.Decode(r, op, tup)
		if err != nil {
			t.Fatal(err)
		}
		return rw
	}
	tweets := &pgoutput.Relation{Name: "p_tweets", Cols: []string{"id", "user_id", "body", "created_at", "like_count"}}
	c, ok, err := decodeRow(tb, row(tweets, pgoutput.Insert, tuple("5", "9", "a body", "2024-01-02 03:04:05+00", "2")))
	if err != nil || !ok || !cmp.Equal(c, TweetChange(5, 9, "a body", at, 2)) {
		t.Errorf("tweet: %+v %v %v", c, ok, err)
	}
	follows := &pgoutput.Relation{Name: "p_follows", Cols: []string{"src", "dst"}}
	c, ok, err = decodeRow(tb, row(follows, pgoutput.Delete, tuple("1", "2")))
	if err != nil || !ok || c != (Change{Entity: EntityFollow, Op: OpDelete, Src: 1, Dst: 2}) {
		t.Errorf("follow: %+v %v %v", c, ok, err)
	}
	if _, ok, err := decodeRow(tb, row(&pgoutput.Relation{Name: "other"}, pgoutput.Insert, tuple("1"))); ok || err != nil {
		t.Errorf("other table: %v %v", ok, err)
	}
	if _, _, err := decodeRow(tb, row(tweets, pgoutput.Insert, tuple("x", "9", "b", "2024-01-02 03:04:05+00", "2"))); err == nil {
		t.Error("bad id accepted")
	}
	if _, err := pgoutput.Decode(nil, pgoutput.Insert, tuple("1")); err == nil {
		t.Error("change before relation accepted")
	}
}

// Random failures spare marker-only batches; an outage fails everything
// until it ends; counts are exact.
func TestFaults(t *testing.T) {
	f := NewFaults(1, map[string]float64{"*": 1})
	g := NewGraphView()
	ctx := context.Background()
	if err := f.Apply(ctx, g, []Change{{Entity: EntityMarker, Seq: 1}}); err != nil {
		t.Errorf("marker batch failed: %v", err)
	}
	if err := f.Apply(ctx, g, []Change{{Entity: EntityFollow, Src: 1, Dst: 2}}); !errors.Is(err, ErrInjected) {
		t.Errorf("p=1 did not fail: %v", err)
	}
	f = NewFaults(1, nil)
	f.Down(ViewGraph, time.Now().Add(50*time.Millisecond))
	if err := f.Apply(ctx, g, []Change{{Entity: EntityMarker, Seq: 2}}); !errors.Is(err, ErrInjected) {
		t.Errorf("down view accepted a write: %v", err)
	}
	time.Sleep(60 * time.Millisecond)
	if err := f.Apply(ctx, g, []Change{{Entity: EntityMarker, Seq: 2}}); err != nil {
		t.Errorf("view still down: %v", err)
	}
	if got := f.Injected(); got[ViewGraph] != 1 {
		t.Errorf("injected %v", got)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]any
		err  string
	}{
		{nil, ""},
		{map[string]any{"views": "search,timeline", "viewdown": "timeline", "viewdownat": "5s"}, ""},
		{map[string]any{"views": "search,cache"}, `unknown view "cache"`},
		{map[string]any{"views": "search", "viewdown": "timeline"}, "viewdown"},
		{map[string]any{"failp": "1.5"}, "failp"},
		{map[string]any{"colour": "red"}, "unknown field colour"},
		{map[string]any{"createtweetproportion": 0}, "deletetweetproportion"},
	} {
		_, err := New("outbox", workloads.Params{Seed: 1, Options: tc.opts})
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%v: error %v, want %q", tc.opts, err, tc.err)
		}
	}
	if _, err := New("carrier-pigeon", workloads.Params{Seed: 1}); err == nil {
		t.Error("unknown strategy accepted")
	}
	var names []string
	for _, e := range workloads.Entries() {
		if strings.HasPrefix(e.Name, "sync/") {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	if want := []string{"sync/cdc-debezium", "sync/cdc-logical", "sync/dual", "sync/outbox"}; !cmp.Equal(names, want) {
		t.Errorf("registered %v", names)
	}
}

// The write streams are deterministic.
func TestWorkerDeterministic(t *testing.T) {
	w, err := New("dual", workloads.Params{Seed: 1, Options: map[string]any{"users": 100, "tweets": 100}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := func() []int {
		k, err := w.Worker(fakeSource{}, 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for range 200 {
			out = append(out, k.Next().Kind())
		}
		return out
	}
	a, b := kinds(), kinds()
	if !cmp.Equal(a, b) {
		t.Error("two workers with the same id made different streams")
	}
	seen := map[int]bool{}
	for _, k := range a {
		seen[k] = true
	}
	if len(seen) != len(w.OpKinds()) {
		t.Errorf("kinds drawn %v of %v", seen, w.OpKinds())
	}
}

func TestVerdict(t *testing.T) {
	s := &results.Sync{Strategy: "dual", Writes: 10000, Drained: true,
		Faults: []results.SyncFault{{Kind: "write-failures", Probability: 0.01}},
		Views:  []results.SyncView{{Name: "search", Store: "bleve", Rows: 10000, Divergence: 37, LagP99Ms: 3}, {Name: "graph", Store: "memory", LagP99Ms: 2}}}
	want := "dual writes under 1% view write failures, 10000 writes: lost or left different 37 of 10000 rows in the search view (bleve) after draining (none in graph); worst lag p99 3 ms."
	if got := Verdict(s); got != want {
		t.Errorf("verdict\n got %s\nwant %s", got, want)
	}
	s = &results.Sync{Strategy: "cdc-debezium", Writes: 5, Drained: true, Views: []results.SyncView{{Name: "search", LagP99Ms: 180}}}
	want = "CDC through Debezium and Kafka without faults, 5 writes: 0 rows lost or different in any view after draining; worst lag p99 180 ms."
	if got := Verdict(s); got != want {
		t.Errorf("verdict\n got %s\nwant %s", got, want)
	}
}

// fakePipeline replays a fixed stream, committing its position after each
// batch, as a Kafka consumer group does.
type fakePipeline struct {
	mu        sync.Mutex
	changes   []Change
	committed map[string]int // per consumer
	opened    int
}

func (p *fakePipeline) Prepare(ctx context.Context, src Source) error { return nil }
func (p *fakePipeline) Cleanup(ctx context.Context) error             { return nil }
func (p *fakePipeline) Open(ctx context.Context, consumer string) (ChangeStream, error) {
	p.mu.Lock()
	p.opened++
	if p.committed == nil {
		p.committed = map[string]int{}
	}
	p.mu.Unlock()
	return fakeStream{p, consumer}, nil
}

type fakeStream struct {
	p        *fakePipeline
	consumer string
}

func (s fakeStream) Close() error { return nil }
func (s fakeStream) Run(ctx context.Context, fn func(context.Context, []Change) error) error {
	for {
		s.p.mu.Lock()
		from := s.p.committed[s.consumer]
		s.p.mu.Unlock()
		if from >= len(s.p.changes) {
			<-ctx.Done()
			return ctx.Err()
		}
		to := min(from+2, len(s.p.changes))
		if err := fn(ctx, s.p.changes[from:to]); err != nil {
			return err
		}
		s.p.mu.Lock()
		s.p.committed[s.consumer] = to
		s.p.mu.Unlock()
	}
}

// The Stream strategy delivers every change despite injected failures and
// a restart, and reopens the stream after Restart.
func TestStreamStrategy(t *testing.T) {
	p := &fakePipeline{changes: stream()}
	s := NewStream("fake", p)
	g := NewGraphView()
	env := Env{Views: []View{g}, Faults: NewFaults(2, map[string]float64{"*": 0.3})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Prepare(ctx, env); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for { // let the first consumer open its stream, then kill it
		p.mu.Lock()
		opened := p.opened
		p.mu.Unlock()
		if opened > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		done := p.committed[ViewGraph] == len(p.changes) && p.opened >= 2
		p.mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if got, want := scanAll(t, g), map[string]string{"follow/1/2": "1"}; !cmp.Equal(got, want) {
		t.Errorf("graph %v, want %v", got, want)
	}
	st := s.Stats()
	if st.Restarts != 1 || p.opened < 2 || st.Delivered[ViewGraph] < int64(len(p.changes)) {
		t.Errorf("stats %+v, opened %d", st, p.opened)
	}
}

// fakeSource is a connection that offers a source; no test here opens it.
type fakeSource struct{}

func (fakeSource) Close() error                { return nil }
func (fakeSource) SyncSource() *pgxpool.Config { return nil }

// The Stream strategy gives each view its own consumer and position: a
// view that is down does not hold back the others, and catches up after.
func TestStreamViewsIsolated(t *testing.T) {
	p := &fakePipeline{changes: stream()}
	s := NewStream("fake", p)
	g, sv := NewGraphView(), NewSearchView()
	if err := sv.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := NewFaults(2, nil)
	f.Down(ViewSearch, time.Now().Add(time.Hour))
	env := Env{Views: []View{g, sv}, Faults: f}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Prepare(ctx, env); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			p.mu.Lock()
			ok := cond()
			p.mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: committed %v", what, p.committed)
			}
		}
	}
	waitFor("graph's consumer reads while search is down", func() bool { return p.committed[ViewGraph] == len(p.changes) })
	if p.committed[ViewSearch] != 0 {
		t.Errorf("search's consumer committed %d changes while its view was down", p.committed[ViewSearch])
	}
	f.Down(ViewSearch, time.Now())
	waitFor("search catches up", func() bool { return p.committed[ViewSearch] == len(p.changes) })
}
