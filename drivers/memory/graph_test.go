package memory

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/storefit/storefit/workloads/graph"
)

func graphEdges(pairs ...[2]graph.UserID) []graph.Edge {
	var es []graph.Edge
	for _, p := range pairs {
		es = append(es, graph.Edge{Src: p[0], Dst: p[1]})
	}
	return es
}

func newGraphConn(t *testing.T) *Conn {
	t.Helper()
	c, err := Driver{}.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*Conn)
}

func newGraphStore(t *testing.T, c *Conn, name string) graph.Store {
	t.Helper()
	g, err := c.GraphStore(graph.Schema{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGraphHandComputed checks the oracle on a tiny graph against answers
// worked out by hand from the definitions:
//
//	0 → 1 2 3    1 → 2 4 5    2 → 0 4 5    3 → 5 6    4 → 7    6 → 0
func TestGraphHandComputed(t *testing.T) {
	ctx := context.Background()
	g := newGraphStore(t, newGraphConn(t), "tiny")
	// Loaded in two batches, out of order.
	if err := g.LoadEdges(ctx, graphEdges([2]graph.UserID{6, 0}, [2]graph.UserID{4, 7}, [2]graph.UserID{3, 6}, [2]graph.UserID{3, 5},
		[2]graph.UserID{2, 5}, [2]graph.UserID{2, 4}, [2]graph.UserID{2, 0})); err != nil {
		t.Fatal(err)
	}
	if err := g.LoadEdges(ctx, graphEdges([2]graph.UserID{1, 5}, [2]graph.UserID{1, 4}, [2]graph.UserID{1, 2},
		[2]graph.UserID{0, 3}, [2]graph.UserID{0, 2}, [2]graph.UserID{0, 1})); err != nil {
		t.Fatal(err)
	}

	for u, want := range map[graph.UserID][]graph.UserID{0: {1, 2, 3}, 3: {5, 6}, 5: nil, 99: nil} {
		got, err := g.Neighbours(ctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("Neighbours(%d) = %v, want %v", u, got, want)
		}
	}
	// fof(0): {2,4,5} ∪ {0,4,5} ∪ {5,6} minus 0 and 1,2,3 = {4,5,6}.
	for u, want := range map[graph.UserID]int64{0: 3, 1: 2, 2: 3, 3: 1, 4: 0, 5: 0, 6: 3, 7: 0, 99: 0} {
		if got, err := g.FriendsOfFriends(ctx, u); err != nil || got != want {
			t.Errorf("FriendsOfFriends(%d) = %d, %v; want %d", u, got, err, want)
		}
	}
	wtf := []struct {
		u    graph.UserID
		k    int
		want []graph.Suggestion
	}{
		{0, 10, []graph.Suggestion{{User: 5, Score: 3}, {User: 4, Score: 2}, {User: 6, Score: 1}}},
		{0, 2, []graph.Suggestion{{User: 5, Score: 3}, {User: 4, Score: 2}}},
		{0, 0, []graph.Suggestion{}},
		{1, 10, []graph.Suggestion{{User: 0, Score: 1}, {User: 7, Score: 1}}},
		{2, 10, []graph.Suggestion{{User: 1, Score: 1}, {User: 3, Score: 1}, {User: 7, Score: 1}}},
		{6, 2, []graph.Suggestion{{User: 1, Score: 1}, {User: 2, Score: 1}}},
		{4, 10, []graph.Suggestion{}},
		{99, 10, []graph.Suggestion{}},
	}
	for _, tt := range wtf {
		got, err := g.WhoToFollow(ctx, tt.u, tt.k, nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("WhoToFollow(%d, %d) (-want +got):\n%s", tt.u, tt.k, diff)
		}
	}
	paths := []struct {
		u, v    graph.UserID
		maxHops int
		want    int
	}{
		{0, 0, 4, 0}, {0, 1, 4, 1}, {0, 1, 0, -1}, {0, 4, 4, 2}, {0, 7, 4, 3},
		{6, 7, 4, 4}, {6, 7, 3, -1}, {1, 3, 4, 3}, {3, 0, 4, 2},
		{5, 0, 4, -1}, {4, 0, 4, -1}, {0, 99, 4, -1}, {99, 0, 4, -1}, {99, 99, 0, 0},
	}
	for _, tt := range paths {
		if got, err := g.ShortestPath(ctx, tt.u, tt.v, tt.maxHops); err != nil || got != tt.want {
			t.Errorf("ShortestPath(%d, %d, %d) = %d, %v; want %d", tt.u, tt.v, tt.maxHops, got, err, tt.want)
		}
	}
}

func TestGraphLoadErrors(t *testing.T) {
	ctx := context.Background()
	c := newGraphConn(t)
	g := newGraphStore(t, c, "errors")
	if err := g.LoadEdges(ctx, graphEdges([2]graph.UserID{1, 2})); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		batch []graph.Edge
	}{
		{"self loop", graphEdges([2]graph.UserID{3, 4}, [2]graph.UserID{5, 5})},
		{"edge already loaded", graphEdges([2]graph.UserID{3, 4}, [2]graph.UserID{1, 2})},
		{"edge twice in the batch", graphEdges([2]graph.UserID{3, 4}, [2]graph.UserID{3, 4})},
	}
	for _, tt := range tests {
		if err := g.LoadEdges(ctx, tt.batch); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
		// A rejected batch loads nothing.
		if got, _ := g.Neighbours(ctx, 3, nil); len(got) != 0 {
			t.Errorf("%s: the rejected batch left %v", tt.name, got)
		}
	}
	if _, err := g.WhoToFollow(ctx, 1, -1, nil); err == nil {
		t.Error("WhoToFollow(k = -1): no error")
	}
	if _, err := g.ShortestPath(ctx, 1, 2, -1); err == nil {
		t.Error("ShortestPath(maxHops = -1): no error")
	}
	// Graphs of different names are separate; Setup empties one.
	if got, _ := newGraphStore(t, c, "other").Neighbours(ctx, 1, nil); len(got) != 0 {
		t.Errorf("graph other has %v", got)
	}
	if got, _ := newGraphStore(t, c, "errors").Neighbours(ctx, 1, nil); len(got) != 1 {
		t.Errorf("graph errors asked for again has %v, want [2]", got)
	}
	if err := g.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := g.Neighbours(ctx, 1, nil); len(got) != 0 {
		t.Errorf("after Setup: %v", got)
	}
}
