package graph

import (
	"cmp"
	"slices"

	"github.com/storefit/storefit/workloads/gen"
)

// adjacency is the reference graph the workload answers validation queries
// from. A user's followees are a pure function of the seed and the user, so
// the reference need not hold the graph: it keeps the followees of the
// first users in a cache of at most cacheEdges edges (compressed sparse
// rows of int32: the whole graph up to about factor 80) and regenerates
// the others' when a query needs them. Its memory is bounded whatever the
// graph's size: the cache, one byte per user for the distances of a
// breadth-first search and four for the scores of who-to-follow, nothing
// per edge. It answers by
// plain traversals, independently of any store's code, and is not safe for
// concurrent use (it keeps scratch buffers).
type adjacency struct {
	users int64
	// followees appends the followees of u (0 <= u < users) to dst in
	// ascending order.
	followees func(dst []int64, u int64) []int64

	// The cache: followees of user u < len(off)-1 are dst[off[u]:off[u+1]].
	off []int64
	dst []int32

	bufs  [2][]int64 // followee lists being walked, by nesting depth
	dist  []int8     // breadth-first search: hops from the source, -1 unreached
	score []int32    // who-to-follow: score per user, -1 excluded
}

// cacheEdges bounds the edges the reference keeps (64 MB of int32).
const cacheEdges = 1 << 24

// newReference returns the reference of the graph model generates, with
// the followees of its first users cached, at most maxEdges edges.
func newReference(model *gen.Follows, maxEdges int64) *adjacency {
	d := model.Drawer()
	a := &adjacency{users: model.Config().Users, followees: d.AppendFollowees}
	a.off = []int64{0}
	var buf []int64
	for u := range a.users {
		deg := model.OutDegree(u)
		if int64(len(a.dst))+deg > maxEdges {
			break
		}
		buf = d.AppendFollowees(buf[:0], u)
		for _, v := range buf {
			a.dst = append(a.dst, int32(v))
		}
		a.off = append(a.off, int64(len(a.dst)))
	}
	return a
}

// newAdjacency returns the reference of users users and an edge list
// (tests).
func newAdjacency(users int64, edges []Edge) *adjacency {
	out := map[int64][]int64{}
	for _, e := range edges {
		out[int64(e.Src)] = append(out[int64(e.Src)], int64(e.Dst))
	}
	for _, l := range out {
		slices.Sort(l)
	}
	return &adjacency{users: users, followees: func(dst []int64, u int64) []int64 { return append(dst, out[u]...) }}
}

func (a *adjacency) known(u UserID) bool { return u >= 0 && int64(u) < a.users }

// out returns the followees of u (none for unknown ids) in the buffer of
// nesting depth level: valid until the next call with the same level.
func (a *adjacency) out(u UserID, level int) []int64 {
	b := a.bufs[level][:0]
	switch {
	case int64(u) >= 0 && int64(u) < int64(len(a.off)-1):
		for _, v := range a.dst[a.off[u]:a.off[u+1]] {
			b = append(b, int64(v))
		}
	case a.known(u):
		b = a.followees(b, int64(u))
	}
	a.bufs[level] = b
	return b
}

// neighbours returns the followees of u, ascending.
func (a *adjacency) neighbours(u UserID) []UserID {
	out := []UserID{}
	for _, v := range a.out(u, 0) {
		out = append(out, UserID(v))
	}
	return out
}

// candidates scores the users exactly two hops from u (u and its
// followees excluded): a.score of each is the number of u's followees that
// follow it, -1 for u and its followees, 0 for the others. It returns the
// number of candidates. The scores live in one dense table over the users
// (four bytes each), so a query over a hub holds no set of what it reached.
func (a *adjacency) candidates(u UserID) int64 {
	if a.score == nil {
		a.score = make([]int32, a.users)
	}
	clear(a.score)
	if !a.known(u) {
		return 0
	}
	a.score[u] = -1
	direct := a.out(u, 0)
	for _, x := range direct {
		a.score[x] = -1
	}
	var n int64
	for _, x := range direct {
		for _, w := range a.out(UserID(x), 1) {
			switch s := a.score[w]; {
			case s == 0:
				n++
				a.score[w] = 1
			case s > 0:
				a.score[w] = s + 1
			}
		}
	}
	return n
}

// friendsOfFriends counts the users exactly two hops from u.
func (a *adjacency) friendsOfFriends(u UserID) int64 { return a.candidates(u) }

// whoToFollow returns the top k candidates of u by score descending, ties
// by id ascending, kept in a list of k as the scores are scanned in id
// order.
func (a *adjacency) whoToFollow(u UserID, k int) []Suggestion {
	n := a.candidates(u)
	top := make([]Suggestion, 0, min(int64(k), n)+1)
	for w, sc := range a.score {
		if sc <= 0 {
			continue
		}
		s := Suggestion{User: UserID(w), Score: int64(sc)}
		i, _ := slices.BinarySearchFunc(top, s, CompareSuggestions)
		if i < k {
			top = slices.Insert(top, i, s)
			top = top[:min(len(top), k)]
		}
	}
	return top
}

// distances runs a breadth-first search from u up to maxHops levels
// (maxHops < 0: no bound, at most 127) and returns a.dist, where dist[w] is
// the hop count of w, or -1 for users not reached. When stop is a known
// user the search ends as soon as it is reached. Each level scans dist
// for the users the previous one reached, so the search holds no frontier
// list, only the byte per user. Only valid until the next query.
func (a *adjacency) distances(u UserID, maxHops int, stop UserID) []int8 {
	if a.dist == nil {
		a.dist = make([]int8, a.users)
	}
	for i := range a.dist {
		a.dist[i] = -1
	}
	if !a.known(u) {
		return a.dist
	}
	if maxHops < 0 || maxHops > 127 {
		maxHops = 127
	}
	a.dist[u] = 0
	for hop := 1; hop <= maxHops; hop++ {
		grew := false
		for x, d := range a.dist {
			if int(d) != hop-1 {
				continue
			}
			for _, w := range a.out(UserID(x), 0) {
				if a.dist[w] < 0 {
					a.dist[w] = int8(hop)
					grew = true
					if UserID(w) == stop {
						return a.dist
					}
				}
			}
		}
		if !grew {
			break
		}
	}
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
	return int(a.distances(u, maxHops, v)[v])
}

// reach counts the users reachable from u by a path of 1 to hops edges, u
// itself excluded.
func (a *adjacency) reach(u UserID, hops int) int64 {
	if !a.known(u) || hops < 1 {
		return 0
	}
	var n int64
	for w, d := range a.distances(u, hops, -1) {
		if d > 0 && UserID(w) != u {
			n++
		}
	}
	return n
}

// topUsers returns the n users (fewer if there are fewer users) with the
// largest key, ties by id ascending.
func topUsers(users int64, n int, key func(int64) int64) []int64 {
	top := make([]int64, 0, n+1)
	for u := range users {
		// Insert u after the users whose key is at least its own (they
		// have smaller ids), keeping n.
		i := len(top)
		for i > 0 && key(top[i-1]) < key(u) {
			i--
		}
		if i < n {
			top = slices.Insert(top, i, u)
			top = top[:min(len(top), n)]
		}
	}
	return top
}

// inDegrees counts the followers of each of the users of ids in one pass
// over the edges (nothing but the counts is kept).
func (a *adjacency) inDegrees(ids []int64) map[int64]int64 {
	count := make(map[int64]int64, len(ids))
	for _, id := range ids {
		count[id] = 0
	}
	for u := range a.users {
		for _, v := range a.out(UserID(u), 0) {
			if _, ok := count[v]; ok {
				count[v]++
			}
		}
	}
	return count
}

// byKeyDesc orders ids by their key descending, ties by id ascending.
func byKeyDesc(key map[int64]int64) func(a, b int64) int {
	return func(a, b int64) int { return cmp.Or(cmp.Compare(key[b], key[a]), cmp.Compare(a, b)) }
}
