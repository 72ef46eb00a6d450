package graph_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/graph"
)

// loaded returns a memory store holding w's graph.
func loaded(t *testing.T, w *graph.Workload) drivers.Conn {
	t.Helper()
	ctx := context.Background()
	c, err := memory.Driver{}.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := w.Setup(ctx, c); err != nil {
		t.Fatal(err)
	}
	for part := range 2 {
		if err := w.Load(ctx, c, part, 2, progress{}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

type progress struct{}

func (progress) Add(int64) {}

// TestValidateQuick validates the memory oracle against the workload's own
// reference answers at the quick scale: two independent implementations.
func TestValidateQuick(t *testing.T) {
	w, err := graph.New("mix", workloads.Params{Seed: 1, Scale: workloads.Quick})
	if err != nil {
		t.Fatal(err)
	}
	c := loaded(t, w)
	t0 := time.Now()
	v, err := w.Validate(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("quick validation on memory: %d checks in %v", v.Checks, time.Since(t0))
	if !v.OK() {
		t.Errorf("%d of %d checks failed: %v", v.Failed, v.Checks, v.Failures)
	}
	if v.Checks < 150 {
		t.Errorf("only %d checks", v.Checks)
	}
}

// broken wraps a correct store and gets one thing wrong.
type broken struct {
	graph.Store
	neighbours func([]graph.UserID) []graph.UserID
	fof        func(int64) int64
	wtf        func([]graph.Suggestion) []graph.Suggestion
	path       func(u, v graph.UserID, maxHops int, d int) int
	reach      func(hops int, n int64) int64
	err        error
}

func (b broken) Reach(ctx context.Context, u graph.UserID, hops int) (int64, error) {
	n, err := b.Store.Reach(ctx, u, hops)
	if b.reach != nil {
		n = b.reach(hops, n)
	}
	return n, err
}

func (b broken) Neighbours(ctx context.Context, u graph.UserID, dst []graph.UserID) ([]graph.UserID, error) {
	got, err := b.Store.Neighbours(ctx, u, dst)
	if b.neighbours != nil {
		got = b.neighbours(got)
	}
	return got, err
}

func (b broken) FriendsOfFriends(ctx context.Context, u graph.UserID) (int64, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.Store.FriendsOfFriends(ctx, u)
	if b.fof != nil {
		n = b.fof(n)
	}
	return n, err
}

func (b broken) WhoToFollow(ctx context.Context, u graph.UserID, k int, dst []graph.Suggestion) ([]graph.Suggestion, error) {
	got, err := b.Store.WhoToFollow(ctx, u, k, dst)
	if b.wtf != nil {
		got = b.wtf(got)
	}
	return got, err
}

func (b broken) ShortestPath(ctx context.Context, u, v graph.UserID, maxHops int) (int, error) {
	if b.path != nil {
		// Answer as if the bound were larger: a common mistake.
		d, err := b.Store.ShortestPath(ctx, u, v, maxHops+1)
		return b.path(u, v, maxHops, d), err
	}
	return b.Store.ShortestPath(ctx, u, v, maxHops)
}

type brokenConn struct {
	drivers.Conn
	b broken
}

func (c brokenConn) GraphStore(s graph.Schema) (graph.Store, error) {
	inner, err := c.Conn.(graph.Provider).GraphStore(s)
	b := c.b
	b.Store = inner
	return b, err
}

func TestValidateCatchesWrongAnswers(t *testing.T) {
	w, err := graph.New("mix", workloads.Params{Seed: 3, Scale: workloads.Quick, Options: map[string]any{"users": 2000, "reachproportion": 0.1}})
	if err != nil {
		t.Fatal(err)
	}
	c := loaded(t, w)
	tests := []struct {
		name string
		b    broken
	}{
		{"neighbour dropped", broken{neighbours: func(s []graph.UserID) []graph.UserID {
			if len(s) > 3 {
				return s[1:]
			}
			return s
		}}},
		{"neighbour duplicated", broken{neighbours: func(s []graph.UserID) []graph.UserID {
			if len(s) > 0 {
				return append(s, s[0])
			}
			return s
		}}},
		{"fof counts u itself", broken{fof: func(n int64) int64 {
			if n > 0 {
				return n + 1
			}
			return n
		}}},
		{"wtf ties by id descending", broken{wtf: func(s []graph.Suggestion) []graph.Suggestion {
			slices.SortStableFunc(s, func(a, b graph.Suggestion) int {
				if a.Score != b.Score {
					return int(b.Score - a.Score)
				}
				return int(b.User - a.User)
			})
			return s
		}}},
		{"wtf one short", broken{wtf: func(s []graph.Suggestion) []graph.Suggestion {
			if len(s) > 1 {
				return s[:len(s)-1]
			}
			return s
		}}},
		{"path bound off by one", broken{path: func(_, _ graph.UserID, _ int, d int) int { return d }}},
		{"reach counts u itself", broken{reach: func(hops int, n int64) int64 {
			if n > 0 {
				return n + 1
			}
			return n
		}}},
		{"reach one hop short", broken{reach: func(hops int, n int64) int64 {
			if hops == 3 {
				return n - 1
			}
			return n
		}}},
		{"path to self is -1", broken{path: func(u, v graph.UserID, maxHops int, d int) int {
			if u == v {
				return -1
			}
			if d > maxHops {
				return -1
			}
			return d
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := w.Validate(context.Background(), brokenConn{c, tt.b})
			if err != nil {
				t.Fatal(err)
			}
			if v.OK() {
				t.Errorf("a store with %s passed validation (%d checks)", tt.name, v.Checks)
			}
			t.Logf("%d of %d checks failed; first: %v", v.Failed, v.Checks, v.Failures[:min(1, len(v.Failures))])
		})
	}
	t.Run("not found is a failed check", func(t *testing.T) {
		v, err := w.Validate(context.Background(), brokenConn{c, broken{err: drivers.ErrNotFound}})
		if err != nil || v.OK() {
			t.Errorf("Validate = %d failed, %v; want failed checks and no error", v.Failed, err)
		}
	})
	t.Run("other errors end validation", func(t *testing.T) {
		boom := errors.New("boom")
		if _, err := w.Validate(context.Background(), brokenConn{c, broken{err: boom}}); !errors.Is(err, boom) {
			t.Errorf("Validate error %v, want boom", err)
		}
	})
}

func TestQueries(t *testing.T) {
	w, err := graph.New("mix", workloads.Params{Seed: 1, Scale: workloads.Quick, Options: map[string]any{"users": 2000}})
	if err != nil {
		t.Fatal(err)
	}
	qs, err := w.Queries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v, err := w.Validate(context.Background(), loaded(t, w))
	if err != nil || !v.OK() {
		t.Fatalf("validate: %v, %v", v, err)
	}
	if len(qs) != v.Checks {
		t.Errorf("%d queries, %d validation checks; want the same set", len(qs), v.Checks)
	}
	compare := map[string]string{"neighbours": "set", "fof": "exact", "wtf": "ordered", "path": "exact"}
	kinds := map[string]int{}
	d := w.Model().Drawer()
	for _, q := range qs {
		kinds[q.Name]++
		if compare[q.Name] != q.Compare {
			t.Errorf("query %s compared %q, want %q", q.Name, q.Compare, compare[q.Name])
		}
		if q.Name == "neighbours" {
			u := q.Params.(map[string]any)["u"].(int64)
			var want []graph.UserID
			for _, x := range d.AppendFollowees(nil, u) {
				want = append(want, graph.UserID(x))
			}
			if got := q.Answer.([]graph.UserID); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("neighbours(%d) answer %v, generator says %v", u, got, want)
			}
		}
	}
	for name := range compare {
		if kinds[name] < 20 {
			t.Errorf("%d %s queries, want at least 20", kinds[name], name)
		}
	}
}
