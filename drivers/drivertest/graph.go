package drivertest

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/graph"
)

func newGraph(t *testing.T, variant string, opts map[string]any) *graph.Workload {
	t.Helper()
	w, err := graph.New(variant, workloads.Params{Seed: 7, Scale: workloads.Quick, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func graphStore(t *testing.T, c drivers.Conn, s graph.Schema) graph.Store {
	t.Helper()
	g, err := c.(graph.Provider).GraphStore(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func checkGraph(t *testing.T, c, oracle drivers.Conn) {
	w := newGraph(t, "mix", map[string]any{"users": 2000, "table": "follows"})
	setupLoad(t, w, c, 3)
	setupLoad(t, w, oracle, 1)

	t.Run("validate", func(t *testing.T) { validate(t, w, c) })
	t.Run("operations", func(t *testing.T) {
		compareGraphOps(t, w.Config().Users, graphStore(t, c, w.Schema()), graphStore(t, oracle, w.Schema()))
	})
	t.Run("tiny graph", func(t *testing.T) { compareTinyGraph(t, c, oracle) })
	t.Run("bad arguments", func(t *testing.T) {
		ctx := context.Background()
		g := graphStore(t, c, w.Schema())
		if _, err := g.WhoToFollow(ctx, 1, -1, nil); err == nil {
			t.Error("WhoToFollow with k = -1: no error")
		}
		if _, err := g.ShortestPath(ctx, 1, 2, -1); err == nil {
			t.Error("ShortestPath with maxHops = -1: no error")
		}
		if _, err := g.Reach(ctx, 1, -1); err == nil {
			t.Error("Reach with hops = -1: no error")
		}
	})
	t.Run("setup empties", func(t *testing.T) {
		ctx := context.Background()
		w2 := newGraph(t, "neighbours", map[string]any{"users": 50, "table": "follows_setup"})
		setupLoad(t, w2, c, 1)
		g := graphStore(t, c, w2.Schema())
		if err := g.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		for u := range graph.UserID(50) {
			if got, err := g.Neighbours(ctx, u, nil); err != nil || len(got) != 0 {
				t.Fatalf("neighbours(%d) after Setup = %v, %v; want none", u, got, err)
			}
		}
		// The first graph is untouched by the other's Setup.
		for u := range graph.UserID(5) {
			n1, err := graphStore(t, c, w.Schema()).FriendsOfFriends(ctx, u)
			n2, _ := graphStore(t, oracle, w.Schema()).FriendsOfFriends(ctx, u)
			if err != nil || n1 != n2 {
				t.Errorf("fof(%d) of graph %s after Setup of %s = %d, %v; oracle %d", u, w.Schema().Name, w2.Schema().Name, n1, err, n2)
			}
		}
	})
	t.Run("validate deep", func(t *testing.T) {
		wd := newGraph(t, "deep", map[string]any{"users": 2000, "table": "follows_deep"})
		setupLoad(t, wd, c, 2)
		validate(t, wd, c)
	})
	for _, variant := range []string{"mix", "neighbours", "fof", "wtf", "path", "reach", "deep"} {
		t.Run("workers "+variant, func(t *testing.T) {
			wv := newGraph(t, variant, map[string]any{"users": 500, "table": "follows_" + variant})
			setupLoad(t, wv, c, 2)
			runWorkers(t, wv, c, 4, 300, nil)
		})
	}
}

// compareGraphOps runs a deterministic random sequence of every graph
// operation, with edge loads in between, against the driver and the oracle
// and compares the answers.
func compareGraphOps(t *testing.T, users int64, got, want graph.Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	next := graph.UserID(users) // next brand-new user
	user := func() graph.UserID {
		switch r.IntN(10) {
		case 0:
			return graph.UserID(users + 1<<20 + r.Int64N(100)) // no edges
		case 1:
			return graph.UserID(users + r.Int64N(int64(next)-users+1)) // new users, if any
		}
		return graph.UserID(r.Int64N(users))
	}
	check := func(op string, e1, e2 error) {
		t.Helper()
		if e1 != nil || e2 != nil {
			t.Fatalf("%s: err = %v, oracle %v", op, e1, e2)
		}
	}
	var g, o []graph.UserID
	var gs, os []graph.Suggestion
	for i := 0; i < 1500 && !t.Failed(); i++ {
		switch op := r.IntN(14); op {
		case 0, 1, 2: // neighbours
			u := user()
			var e1, e2 error
			g, e1 = got.Neighbours(ctx, u, g)
			o, e2 = want.Neighbours(ctx, u, o)
			check("neighbours", e1, e2)
			gg, oo := slices.Sorted(slices.Values(g)), slices.Sorted(slices.Values(o))
			if !slices.Equal(gg, oo) {
				t.Errorf("neighbours(%d) = %v, oracle %v", u, graphHead(gg), graphHead(oo))
			}
		case 3, 4, 5: // friends of friends
			u := user()
			n1, e1 := got.FriendsOfFriends(ctx, u)
			n2, e2 := want.FriendsOfFriends(ctx, u)
			check("fof", e1, e2)
			if n1 != n2 {
				t.Errorf("fof(%d) = %d, oracle %d", u, n1, n2)
			}
		case 6, 7: // who to follow
			u, k := user(), []int{0, 1, 3, 10, 10, 50}[r.IntN(6)]
			var e1, e2 error
			gs, e1 = got.WhoToFollow(ctx, u, k, gs)
			os, e2 = want.WhoToFollow(ctx, u, k, os)
			check("wtf", e1, e2)
			if !slices.Equal(gs, os) {
				t.Errorf("wtf(%d, %d) = %v, oracle %v", u, k, graphHead(gs), graphHead(os))
			}
		case 8, 9: // shortest path
			u, v := user(), user()
			if r.IntN(10) == 0 {
				v = u
			}
			h := []int{0, 1, 2, 3, 4, 4, 6}[r.IntN(7)]
			d1, e1 := got.ShortestPath(ctx, u, v, h)
			d2, e2 := want.ShortestPath(ctx, u, v, h)
			check("path", e1, e2)
			if d1 != d2 {
				t.Errorf("path(%d, %d, %d) = %d, oracle %d", u, v, h, d1, d2)
			}
		case 12, 13: // reach
			u, h := user(), []int{0, 1, 2, 3, 3, 4}[r.IntN(6)]
			n1, e1 := got.Reach(ctx, u, h)
			n2, e2 := want.Reach(ctx, u, h)
			check("reach", e1, e2)
			if n1 != n2 {
				t.Errorf("reach(%d, %d) = %d, oracle %d", u, h, n1, n2)
			}
		case 10, 11: // load a few new edges
			batch := newGraphEdges(t, r, want, users, &next)
			check("load edges", got.LoadEdges(ctx, batch), want.LoadEdges(ctx, batch))
		}
	}
}

// newGraphEdges returns 1–5 edges not yet in the oracle: from a brand-new
// user, to a brand-new user, or between loaded users.
func newGraphEdges(t *testing.T, r *rand.Rand, oracle graph.Store, users int64, next *graph.UserID) []graph.Edge {
	t.Helper()
	var batch []graph.Edge
	for range 1 + r.IntN(5) {
		var e graph.Edge
		switch r.IntN(3) {
		case 0:
			e = graph.Edge{Src: *next, Dst: graph.UserID(r.Int64N(users))}
			*next++
		case 1:
			e = graph.Edge{Src: graph.UserID(r.Int64N(users)), Dst: *next}
			*next++
		default:
			e = graph.Edge{Src: graph.UserID(r.Int64N(users)), Dst: graph.UserID(r.Int64N(users))}
			have, err := oracle.Neighbours(context.Background(), e.Src, nil)
			if err != nil {
				t.Fatal(err)
			}
			if e.Src == e.Dst || slices.Contains(have, e.Dst) || slices.Contains(batch, e) {
				continue
			}
		}
		batch = append(batch, e)
	}
	return batch
}

// compareTinyGraph loads a small hand-made graph with many ties and
// compares every query for every user (and pair) with the oracle.
func compareTinyGraph(t *testing.T, c, oracle drivers.Conn) {
	ctx := context.Background()
	s := graph.Schema{Name: "follows_tiny", Users: 10}
	g, o := graphStore(t, c, s), graphStore(t, oracle, s)
	// 0 follows 1, 2, 3; each of those follows 4 and 5 (ties of score 3)
	// and 1 also 6; a chain 6 → 7 → 8 → 9 → 0; 9 follows nobody else.
	var edges []graph.Edge
	for _, p := range [][2]graph.UserID{{0, 1}, {0, 2}, {0, 3}, {1, 4}, {2, 4}, {3, 4}, {1, 5}, {2, 5}, {3, 5},
		{1, 6}, {6, 7}, {7, 8}, {8, 9}, {9, 0}, {4, 0}, {5, 2}} {
		edges = append(edges, graph.Edge{Src: p[0], Dst: p[1]})
	}
	for _, st := range []graph.Store{g, o} {
		if err := st.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		if err := st.LoadEdges(ctx, edges); err != nil {
			t.Fatal(err)
		}
	}
	for u := range graph.UserID(11) {
		n1, e1 := g.FriendsOfFriends(ctx, u)
		n2, _ := o.FriendsOfFriends(ctx, u)
		if e1 != nil || n1 != n2 {
			t.Errorf("tiny fof(%d) = %d, %v; oracle %d", u, n1, e1, n2)
		}
		for _, k := range []int{1, 2, 10} {
			s1, e1 := g.WhoToFollow(ctx, u, k, nil)
			s2, _ := o.WhoToFollow(ctx, u, k, nil)
			if e1 != nil || !slices.Equal(s1, s2) {
				t.Errorf("tiny wtf(%d, %d) = %v, %v; oracle %v", u, k, s1, e1, s2)
			}
		}
		for _, h := range []int{0, 1, 2, 3, 5} {
			n1, e1 := g.Reach(ctx, u, h)
			n2, _ := o.Reach(ctx, u, h)
			if e1 != nil || n1 != n2 {
				t.Errorf("tiny reach(%d, %d) = %d, %v; oracle %d", u, h, n1, e1, n2)
			}
		}
		for v := range graph.UserID(11) {
			for _, h := range []int{0, 2, 4} {
				d1, e1 := g.ShortestPath(ctx, u, v, h)
				d2, _ := o.ShortestPath(ctx, u, v, h)
				if e1 != nil || d1 != d2 {
					t.Errorf("tiny path(%d, %d, %d) = %d, %v; oracle %d", u, v, h, d1, e1, d2)
				}
			}
		}
	}
}

// graphHead returns at most the first 8 elements of s, for messages.
func graphHead[T any](s []T) []T { return s[:min(len(s), 8)] }
