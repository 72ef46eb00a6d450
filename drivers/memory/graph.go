package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/storefit/storefit/workloads/graph"
)

var (
	_ graph.Provider = (*Conn)(nil)
	_ graph.Store    = (*graphStore)(nil)
)

// graphState holds the graphs of a Conn by name.
type graphState struct {
	mu     sync.Mutex
	graphs map[string]*graphStore
}

// graphStore is one follows graph: for every user with followees, the
// sorted list of them. Queries are brute force over maps, written to be
// obviously right rather than fast.
type graphStore struct {
	mu  sync.RWMutex
	out map[graph.UserID][]graph.UserID
}

// GraphStore returns the graph s names, creating it empty if new.
func (c *Conn) GraphStore(s graph.Schema) (graph.Store, error) {
	st, err := patternState(c, "graph", func() *graphState {
		return &graphState{graphs: map[string]*graphStore{}}
	})
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	g, ok := st.graphs[s.Name]
	if !ok {
		g = &graphStore{out: map[graph.UserID][]graph.UserID{}}
		st.graphs[s.Name] = g
	}
	return g, nil
}

func (g *graphStore) Setup(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.out = map[graph.UserID][]graph.UserID{}
	return nil
}

// LoadEdges adds the edges, rejecting the whole batch if one is a self loop
// or already present (in the store or earlier in the batch).
func (g *graphStore) LoadEdges(ctx context.Context, edges []graph.Edge) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	added := map[graph.Edge]bool{}
	for _, e := range edges {
		if e.Src == e.Dst {
			return fmt.Errorf("memory: self loop %d → %d", e.Src, e.Dst)
		}
		if _, dup := slices.BinarySearch(g.out[e.Src], e.Dst); dup || added[e] {
			return fmt.Errorf("memory: duplicate edge %d → %d", e.Src, e.Dst)
		}
		added[e] = true
	}
	for _, e := range edges {
		list := g.out[e.Src]
		i, _ := slices.BinarySearch(list, e.Dst)
		g.out[e.Src] = slices.Insert(list, i, e.Dst)
	}
	return nil
}

func (g *graphStore) Neighbours(ctx context.Context, u graph.UserID, dst []graph.UserID) ([]graph.UserID, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return append(dst[:0], g.out[u]...), nil
}

// scores returns, for every user exactly two hops from u (not u, not one
// of u's followees), the number of u's followees who follow it. The caller
// holds the read lock.
func (g *graphStore) scores(u graph.UserID) map[graph.UserID]int64 {
	direct := map[graph.UserID]bool{}
	for _, x := range g.out[u] {
		direct[x] = true
	}
	score := map[graph.UserID]int64{}
	for _, x := range g.out[u] {
		for _, w := range g.out[x] {
			if w != u && !direct[w] {
				score[w]++
			}
		}
	}
	return score
}

func (g *graphStore) FriendsOfFriends(ctx context.Context, u graph.UserID) (int64, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return int64(len(g.scores(u))), nil
}

func (g *graphStore) WhoToFollow(ctx context.Context, u graph.UserID, k int, dst []graph.Suggestion) ([]graph.Suggestion, error) {
	if k < 0 {
		return dst[:0], fmt.Errorf("memory: who-to-follow of %d suggestions", k)
	}
	g.mu.RLock()
	score := g.scores(u)
	g.mu.RUnlock()
	all := make([]graph.Suggestion, 0, len(score))
	for w, n := range score {
		all = append(all, graph.Suggestion{User: w, Score: n})
	}
	slices.SortFunc(all, graph.CompareSuggestions)
	return append(dst[:0], all[:min(k, len(all))]...), nil
}

func (g *graphStore) ShortestPath(ctx context.Context, u, v graph.UserID, maxHops int) (int, error) {
	if maxHops < 0 {
		return 0, fmt.Errorf("memory: shortest path with maxHops %d", maxHops)
	}
	if u == v {
		return 0, nil
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	// Breadth-first search, one level per hop.
	seen := map[graph.UserID]bool{u: true}
	level := []graph.UserID{u}
	for hop := 1; hop <= maxHops && len(level) > 0; hop++ {
		var next []graph.UserID
		for _, x := range level {
			for _, w := range g.out[x] {
				if w == v {
					return hop, nil
				}
				if !seen[w] {
					seen[w] = true
					next = append(next, w)
				}
			}
		}
		level = next
	}
	return -1, nil
}

// Reach collects every user on a path of 1 to hops edges from u, one hop at
// a time, and counts them without u.
func (g *graphStore) Reach(ctx context.Context, u graph.UserID, hops int) (int64, error) {
	if hops < 0 {
		return 0, fmt.Errorf("memory: reach within %d hops", hops)
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	reached := map[graph.UserID]bool{}
	level := []graph.UserID{u}
	for range hops {
		var next []graph.UserID
		for _, x := range level {
			for _, w := range g.out[x] {
				if w != u && !reached[w] {
					reached[w] = true
					next = append(next, w)
				}
			}
		}
		level = next
	}
	return int64(len(reached)), nil
}
