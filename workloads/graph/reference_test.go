package graph

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/storefit/storefit/workloads"
)

// tinyEdges is a hand-made graph of users 0…7 (5 and 7 follow nobody):
//
//	0 → 1 2 3    1 → 2 4 5    2 → 0 4 5    3 → 5 6    4 → 7    6 → 0
func tinyEdges() []Edge {
	var edges []Edge
	for _, p := range [][2]UserID{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 4}, {1, 5}, {2, 0}, {2, 4}, {2, 5},
		{3, 5}, {3, 6}, {4, 7}, {6, 0}} {
		edges = append(edges, Edge{Src: p[0], Dst: p[1]})
	}
	return edges
}

// The expected answers are worked out by hand from the definitions.
func TestReferenceTinyGraph(t *testing.T) {
	a := newAdjacency(8, tinyEdges())

	neighbours := map[UserID][]UserID{0: {1, 2, 3}, 3: {5, 6}, 5: {}, 7: {}, 99: {}}
	for u, want := range neighbours {
		if diff := cmp.Diff(want, a.neighbours(u)); diff != "" {
			t.Errorf("neighbours(%d) (-want +got):\n%s", u, diff)
		}
	}

	// fof(0): two hops reach 2,4,5 (via 1), 0,4,5 (via 2), 5,6 (via 3);
	// without 0 itself and its followees 1,2,3 that is {4,5,6}.
	fof := map[UserID]int64{0: 3, 1: 2, 2: 3, 3: 1, 4: 0, 5: 0, 6: 3, 7: 0, 99: 0}
	for u, want := range fof {
		if got := a.friendsOfFriends(u); got != want {
			t.Errorf("friendsOfFriends(%d) = %d, want %d", u, got, want)
		}
	}

	wtf := []struct {
		u    UserID
		k    int
		want []Suggestion
	}{
		// 5 is followed by 1, 2 and 3; 4 by 1 and 2; 6 by 3.
		{0, 10, []Suggestion{{5, 3}, {4, 2}, {6, 1}}},
		{0, 2, []Suggestion{{5, 3}, {4, 2}}},
		{0, 0, []Suggestion{}},
		// Ties of score 1 in id order.
		{1, 10, []Suggestion{{0, 1}, {7, 1}}},
		{1, 1, []Suggestion{{0, 1}}},
		{2, 10, []Suggestion{{1, 1}, {3, 1}, {7, 1}}},
		{6, 2, []Suggestion{{1, 1}, {2, 1}}},
		{3, 10, []Suggestion{{0, 1}}},
		{4, 10, []Suggestion{}},
		{99, 10, []Suggestion{}},
	}
	for _, tt := range wtf {
		if diff := cmp.Diff(tt.want, a.whoToFollow(tt.u, tt.k)); diff != "" {
			t.Errorf("whoToFollow(%d, %d) (-want +got):\n%s", tt.u, tt.k, diff)
		}
	}

	paths := []struct {
		u, v    UserID
		maxHops int
		want    int
	}{
		{0, 0, 4, 0},
		{0, 1, 4, 1},
		{0, 1, 0, -1},
		{0, 4, 4, 2},
		{0, 6, 4, 2},
		{0, 7, 4, 3},
		{6, 7, 4, 4}, // 6 → 0 → 1 → 4 → 7
		{6, 7, 3, -1},
		{3, 0, 4, 2},
		{1, 3, 4, 3}, // 1 → 2 → 0 → 3
		{2, 6, 4, 3},
		{5, 0, 4, -1}, // 5 follows nobody
		{4, 0, 4, -1}, // 4 → 7, a dead end
		{0, 99, 4, -1},
		{99, 0, 4, -1},
		{99, 99, 4, 0},
	}
	for _, tt := range paths {
		if got := a.shortestPath(tt.u, tt.v, tt.maxHops); got != tt.want {
			t.Errorf("shortestPath(%d, %d, %d) = %d, want %d", tt.u, tt.v, tt.maxHops, got, tt.want)
		}
	}
}

func TestReferenceReach(t *testing.T) {
	a := newAdjacency(8, tinyEdges())
	for _, tt := range []struct {
		u    UserID
		hops int
		want int64
	}{
		{0, 0, 0},
		{0, 1, 3},  // 1 2 3
		{0, 2, 6},  // + 4 5 6
		{0, 3, 7},  // + 7 (0 itself never counts)
		{0, 10, 7}, // nothing farther
		{6, 1, 1},  // 0
		{6, 2, 4},  // + 1 2 3
		{4, 5, 1},  // 7, a dead end
		{5, 3, 0},  // follows nobody
		{99, 3, 0}, // unknown
	} {
		if got := a.reach(tt.u, tt.hops); got != tt.want {
			t.Errorf("reach(%d, %d) = %d, want %d", tt.u, tt.hops, got, tt.want)
		}
	}
}

// TestReferenceRegenerates checks the reference that regenerates followees
// against one built from the exported edge list, on every query.
func TestReferenceRegenerates(t *testing.T) {
	w := newWorkload(t, "mix", workloads.Quick, map[string]any{"users": 1500})
	regen := newReference(w.model, 2000) // a few users cached, the rest regenerated
	fromEdges := newAdjacency(w.cfg.Users, exportEdges(t, w, 0, 1))
	for u := UserID(0); u < UserID(w.cfg.Users); u += 37 {
		if diff := cmp.Diff(fromEdges.neighbours(u), regen.neighbours(u)); diff != "" {
			t.Fatalf("neighbours(%d) differ:\n%s", u, diff)
		}
		if diff := cmp.Diff(fromEdges.whoToFollow(u, 10), regen.whoToFollow(u, 10)); diff != "" {
			t.Fatalf("whoToFollow(%d) differ:\n%s", u, diff)
		}
		if x, y := fromEdges.reach(u, 2), regen.reach(u, 2); x != y {
			t.Fatalf("reach(%d, 2) = %d from edges, %d regenerated", u, x, y)
		}
		v := (u * 7919) % UserID(w.cfg.Users)
		if x, y := fromEdges.shortestPath(u, v, 4), regen.shortestPath(u, v, 4); x != y {
			t.Fatalf("shortestPath(%d, %d) = %d from edges, %d regenerated", u, v, x, y)
		}
	}
}
