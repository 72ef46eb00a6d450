package graph

import (
	"cmp"
	"context"
	"slices"

	"github.com/storefit/storefit/workloads/gen"
)

// adjacency is the reference graph the workload answers validation queries
// from: compressed sparse rows of int32 ids (followees of u are
// dst[off[u]:off[u+1]], ascending), built from the generator. 8 bytes per
// user and 4 per edge: 88 MB at the full scale. It answers by array scans,
// independently of any store's code, and is not safe for concurrent use
// (it keeps scratch buffers).
type adjacency struct {
	users int64
	off   []int64
	dst   []int32

	// Scratch, sized users, reused between queries.
	mark  []uint32 // mark[w] == epoch: w seen in this query
	epoch uint32
	score []int32
	dist  []int32
	list  []int32
}

// buildAdjacency generates the whole graph of model into an adjacency.
func buildAdjacency(ctx context.Context, model *gen.Follows) (*adjacency, error) {
	users := model.Config().Users
	a := &adjacency{users: users, off: make([]int64, users+1)}
	a.dst = make([]int32, 0, model.EdgeCount(0, users))
	d := model.Drawer()
	var buf []int64
	for u := range users {
		if u%65536 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		buf = d.AppendFollowees(buf[:0], u)
		for _, v := range buf {
			a.dst = append(a.dst, int32(v))
		}
		a.off[u+1] = int64(len(a.dst))
	}
	return a, nil
}

// newAdjacency builds an adjacency of users users from an edge list (tests).
func newAdjacency(users int64, edges []Edge) *adjacency {
	sorted := slices.Clone(edges)
	slices.SortFunc(sorted, func(x, y Edge) int {
		return cmp.Or(cmp.Compare(x.Src, y.Src), cmp.Compare(x.Dst, y.Dst))
	})
	a := &adjacency{users: users, off: make([]int64, users+1)}
	for _, e := range sorted {
		a.dst = append(a.dst, int32(e.Dst))
		a.off[e.Src+1]++
	}
	for u := range users {
		a.off[u+1] += a.off[u]
	}
	return a
}

func (a *adjacency) known(u UserID) bool { return u >= 0 && int64(u) < a.users }

// out returns the followees of u (none for unknown ids).
func (a *adjacency) out(u UserID) []int32 {
	if !a.known(u) {
		return nil
	}
	return a.dst[a.off[u]:a.off[u+1]]
}

// inDegrees returns the number of followers of every user.
func (a *adjacency) inDegrees() []int32 {
	in := make([]int32, a.users)
	for _, v := range a.dst {
		in[v]++
	}
	return in
}

// begin starts a query that marks users: every mark is cleared.
func (a *adjacency) begin() {
	if a.mark == nil {
		a.mark = make([]uint32, a.users)
		a.score = make([]int32, a.users)
		a.dist = make([]int32, a.users)
	}
	a.epoch++
	if a.epoch == 0 {
		clear(a.mark)
		a.epoch = 1
	}
}

func (a *adjacency) marked(w int32) bool { return a.mark[w] == a.epoch }
func (a *adjacency) setMark(w int32)     { a.mark[w] = a.epoch }

// neighbours returns the followees of u, ascending.
func (a *adjacency) neighbours(u UserID) []UserID {
	out := []UserID{}
	for _, v := range a.out(u) {
		out = append(out, UserID(v))
	}
	return out
}

// candidates lists in a.list the users exactly two hops from u (u and its
// followees excluded), in order of discovery, with a.score holding the
// number of u's followees that follow each.
func (a *adjacency) candidates(u UserID) {
	a.list = a.list[:0]
	if !a.known(u) {
		return
	}
	a.begin()
	// Marked with score -1: u and its followees, never candidates.
	a.setMark(int32(u))
	a.score[u] = -1
	for _, x := range a.out(u) {
		a.setMark(x)
		a.score[x] = -1
	}
	for _, x := range a.out(u) {
		for _, w := range a.out(UserID(x)) {
			if !a.marked(w) {
				a.setMark(w)
				a.score[w] = 0
				a.list = append(a.list, w)
			}
			if a.score[w] >= 0 {
				a.score[w]++
			}
		}
	}
}

// friendsOfFriends counts the users exactly two hops from u.
func (a *adjacency) friendsOfFriends(u UserID) int64 {
	a.candidates(u)
	return int64(len(a.list))
}

// whoToFollow returns the top k candidates of u by score descending, ties
// by id ascending.
func (a *adjacency) whoToFollow(u UserID, k int) []Suggestion {
	a.candidates(u)
	all := make([]Suggestion, len(a.list))
	for i, w := range a.list {
		all[i] = Suggestion{User: UserID(w), Score: int64(a.score[w])}
	}
	slices.SortFunc(all, CompareSuggestions)
	return all[:min(k, len(all))]
}

// distances runs a breadth-first search from u up to maxHops levels
// (maxHops < 0: no bound) and returns a.dist, where dist[w] is the hop
// count of w, or -1 for users not reached. Only valid until the next query.
func (a *adjacency) distances(u UserID, maxHops int) []int32 {
	a.begin()
	for i := range a.dist {
		a.dist[i] = -1
	}
	if !a.known(u) {
		return a.dist
	}
	a.dist[u] = 0
	frontier := append(a.list[:0], int32(u))
	var next []int32
	for hop := int32(1); len(frontier) > 0 && (maxHops < 0 || hop <= int32(maxHops)); hop++ {
		next = next[:0]
		for _, x := range frontier {
			for _, w := range a.out(UserID(x)) {
				if a.dist[w] < 0 {
					a.dist[w] = hop
					next = append(next, w)
				}
			}
		}
		frontier, next = next, frontier
	}
	a.list = frontier[:0]
	return a.dist
}

// shortestPath returns the hop count of a shortest path from u to v if at
// most maxHops, else -1; 0 when u == v.
func (a *adjacency) shortestPath(u, v UserID, maxHops int) int {
	if u == v {
		return 0
	}
	if !a.known(u) || !a.known(v) {
		return -1
	}
	return int(a.distances(u, maxHops)[v])
}
