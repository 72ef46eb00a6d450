package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Random streams of this package, clear of the generator's follows streams.
const (
	validationStream = 0x7661_6c00_0000_0000 // "val"
	workerStream     = 0x776b_0000_0000_0000 // "wk" + worker id
)

// query is one validation query with its expected answer.
type query struct {
	op      int
	u, v    UserID
	k       int // who-to-follow
	maxHops int // shortest path
	note    string

	wantSet   []UserID // neighbours, ascending
	wantCount int64
	wantSugg  []Suggestion
	wantDist  int
}

func (q *query) String() string {
	var s string
	switch q.op {
	case opNeighbours:
		s = fmt.Sprintf("neighbours(u=%d)", q.u)
	case opFoF:
		s = fmt.Sprintf("fof(u=%d)", q.u)
	case opWTF:
		s = fmt.Sprintf("wtf(u=%d, k=%d)", q.u, q.k)
	default:
		s = fmt.Sprintf("path(u=%d, v=%d, maxhops=%d)", q.u, q.v, q.maxHops)
	}
	if q.note != "" {
		s += " [" + q.note + "]"
	}
	return s
}

// queries builds the fixed validation queries and their answers from the
// reference adjacency. The sample covers users spread over the id range,
// users who follow nobody, the users who follow most (out-degree hubs) and
// are followed most (popular), a user with fewer candidates than topk, an
// id outside the graph; who-to-follow with small k (ties cut); and paths to
// targets at every distance 1…maxhops+1, to unreachable users, to oneself,
// between unknown ids, with a tighter and a looser hop bound, and between
// random pairs.
func (w *Workload) queries(ctx context.Context) ([]query, error) {
	a, err := buildAdjacency(ctx, w.model)
	if err != nil {
		return nil, err
	}
	users := w.cfg.Users
	outDeg := func(u int64) int64 { return a.off[u+1] - a.off[u] }
	in := a.inDegrees()

	type pick struct {
		u    UserID
		note string
	}
	var picks []pick
	seen := map[UserID]bool{}
	add := func(u int64, note string) {
		if !seen[UserID(u)] {
			seen[UserID(u)] = true
			picks = append(picks, pick{UserID(u), note})
		}
	}
	const spread = 20
	for i := range int64(spread) {
		add(i*users/spread, "")
	}
	add(users-1, "last")
	zeros := 0
	for u := int64(0); u < users && zeros < 3; u++ {
		if outDeg(u) == 0 {
			add(u, "follows nobody")
			zeros++
		}
	}
	byOut := topUsers(users, 3, outDeg)
	for _, u := range byOut {
		add(u, fmt.Sprintf("hub, follows %d", outDeg(u)))
	}
	byIn := topUsers(users, 3, func(u int64) int64 { return int64(in[u]) })
	for _, u := range byIn {
		add(u, fmt.Sprintf("popular, %d followers", in[u]))
	}
	for u := int64(0); u < min(users, 5000); u++ {
		if n := a.friendsOfFriends(UserID(u)); n > 0 && n < int64(w.cfg.TopK) {
			add(u, fmt.Sprintf("%d candidates", n))
			break
		}
	}
	add(users+7, "unknown id")

	var qs []query
	for _, p := range picks {
		qs = append(qs,
			query{op: opNeighbours, u: p.u, note: p.note, wantSet: a.neighbours(p.u)},
			query{op: opFoF, u: p.u, note: p.note, wantCount: a.friendsOfFriends(p.u)},
			query{op: opWTF, u: p.u, k: w.cfg.TopK, note: p.note, wantSugg: a.whoToFollow(p.u, w.cfg.TopK)})
	}
	// Small k: ties at the cut are broken by id.
	pickAt := func(i int) UserID { return picks[min(i, len(picks)-1)].u }
	for _, u := range []UserID{UserID(byOut[0]), pickAt(1), pickAt(2), pickAt(3)} {
		for _, k := range []int{0, 1, 3} {
			qs = append(qs, query{op: opWTF, u: u, k: k, note: "small k", wantSugg: a.whoToFollow(u, k)})
		}
	}

	// Paths from a few sources to targets at each distance, found by an
	// unbounded breadth-first search.
	maxHops := w.cfg.MaxHops
	sources := []UserID{pickAt(0), pickAt(1), pickAt(2), pickAt(3), pickAt(4), pickAt(5),
		UserID(byOut[0]), UserID(byIn[0])}
	for u := range users {
		if outDeg(u) == 0 {
			sources = append(sources, UserID(u))
			break
		}
	}
	for i, s := range sources {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		dist := a.distances(s, -1)
		// Scan targets from a source-dependent start, so targets are not
		// all low ids.
		start := (int64(s)*7919 + int64(i)) % users
		// Bucket the targets: distance 1 … maxhops+1, -1 for unreachable,
		// maxhops+2 for anything farther than maxhops+1.
		found := make(map[int32]UserID)
		for j := range users {
			t := (start + j) % users
			d := dist[t]
			switch {
			case d == 0:
				continue
			case d > int32(maxHops)+1:
				d = int32(maxHops) + 2
			}
			if _, ok := found[d]; !ok {
				found[d] = UserID(t)
			}
		}
		for d := int32(-1); d <= int32(maxHops)+2; d++ {
			t, ok := found[d]
			if !ok {
				continue
			}
			want, note := int(d), fmt.Sprintf("distance %d", d)
			switch {
			case d < 0:
				want, note = -1, "unreachable"
			case d == int32(maxHops)+2:
				want, note = -1, fmt.Sprintf("distance > %d", maxHops+1)
			case d > int32(maxHops):
				want = -1
			}
			qs = append(qs, query{op: opPath, u: s, v: t, maxHops: maxHops, note: note, wantDist: want})
			if d == int32(maxHops) && maxHops > 0 {
				qs = append(qs,
					query{op: opPath, u: s, v: t, maxHops: maxHops - 1, note: note + ", bound one less", wantDist: -1},
					query{op: opPath, u: s, v: t, maxHops: maxHops + 2, note: note + ", looser bound", wantDist: int(d)})
			}
		}
	}
	s0 := sources[0]
	unknown := UserID(users + 7)
	qs = append(qs,
		query{op: opPath, u: s0, v: s0, maxHops: maxHops, note: "to oneself", wantDist: 0},
		query{op: opPath, u: s0, v: s0, maxHops: 0, note: "to oneself, bound 0", wantDist: 0},
		query{op: opPath, u: unknown, v: 0, maxHops: maxHops, note: "from unknown id", wantDist: -1},
		query{op: opPath, u: 0, v: unknown, maxHops: maxHops, note: "to unknown id", wantDist: -1},
		query{op: opPath, u: unknown, v: unknown, maxHops: maxHops, note: "unknown to itself", wantDist: 0})
	if out := a.out(UserID(byOut[0])); len(out) > 0 {
		qs = append(qs, query{op: opPath, u: UserID(byOut[0]), v: UserID(out[0]), maxHops: 0, note: "neighbour, bound 0", wantDist: -1})
	}
	for u := range users {
		if in[u] == 0 && u != byOut[0] {
			qs = append(qs, query{op: opPath, u: UserID(byOut[0]), v: UserID(u), maxHops: maxHops, note: "target has no followers", wantDist: -1})
			break
		}
	}
	r := gen.NewRand(w.seed, validationStream)
	for range 30 {
		u, v := UserID(r.Int64N(users)), UserID(r.Int64N(users))
		qs = append(qs, query{op: opPath, u: u, v: v, maxHops: maxHops, note: "random pair", wantDist: a.shortestPath(u, v, maxHops)})
	}
	return qs, nil
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

// Validate asks the store every validation query (see queries) and
// compares its answers with the reference adjacency's: neighbours as sets,
// counts and path lengths exactly, who-to-follow in order.
func (w *Workload) Validate(ctx context.Context, c drivers.Conn) (workloads.Validation, error) {
	var v workloads.Validation
	s, err := w.store(c)
	if err != nil {
		return v, err
	}
	qs, err := w.queries(ctx)
	if err != nil {
		return v, fmt.Errorf("graph reference answers: %w", err)
	}
	var nb []UserID
	var sg []Suggestion
	for i := range qs {
		q := &qs[i]
		switch q.op {
		case opNeighbours:
			nb, err = s.Neighbours(ctx, q.u, nb)
			if err == nil {
				got := slices.Clone(nb)
				slices.Sort(got)
				v.Check(slices.Equal(got, q.wantSet), "%s: %s", q, diffIDs(got, q.wantSet))
			}
		case opFoF:
			var n int64
			n, err = s.FriendsOfFriends(ctx, q.u)
			if err == nil {
				v.Check(n == q.wantCount, "%s = %d, want %d", q, n, q.wantCount)
			}
		case opWTF:
			sg, err = s.WhoToFollow(ctx, q.u, q.k, sg)
			if err == nil {
				v.Check(slices.Equal(sg, q.wantSugg), "%s: %s", q, diffSuggestions(sg, q.wantSugg))
			}
		case opPath:
			var d int
			d, err = s.ShortestPath(ctx, q.u, q.v, q.maxHops)
			if err == nil {
				v.Check(d == q.wantDist, "%s = %d, want %d", q, d, q.wantDist)
			}
		}
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return v, ctx.Err()
			case errors.Is(err, drivers.ErrNotFound):
				v.Failf("%s: not found, want an answer (unknown users have empty answers)", q)
			default:
				return v, fmt.Errorf("%s: %w", q, err)
			}
		}
	}
	return v, nil
}

// diffIDs describes how a set of ids (sorted) differs from the expected one.
func diffIDs(got, want []UserID) string {
	var missing, extra []UserID
	for _, x := range want {
		if _, ok := slices.BinarySearch(got, x); !ok {
			missing = append(missing, x)
		}
	}
	for _, x := range got {
		if _, ok := slices.BinarySearch(want, x); !ok {
			extra = append(extra, x)
		}
	}
	return fmt.Sprintf("%d users, want %d; missing %v, unexpected %v (duplicates if both are empty)",
		len(got), len(want), head(missing), head(extra))
}

// diffSuggestions describes the first difference of two suggestion lists.
func diffSuggestions(got, want []Suggestion) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("%d suggestions, want %d; #%d is %v, want %v", len(got), len(want), i, got[i], want[i])
		}
	}
	return fmt.Sprintf("%d suggestions, want %d (%v…, want %v…)", len(got), len(want), head(got), head(want))
}

// head returns at most the first 5 elements of s.
func head[T any](s []T) []T { return s[:min(len(s), 5)] }

// Queries lists the validation queries with their expected answers:
// neighbours (compared as sets), fof counts and path lengths (exact),
// who-to-follow lists (ordered).
func (w *Workload) Queries(ctx context.Context) ([]workloads.Query, error) {
	qs, err := w.queries(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]workloads.Query, 0, len(qs))
	for _, q := range qs {
		wq := workloads.Query{Name: opNames[q.op], Params: map[string]any{"u": int64(q.u)}}
		switch q.op {
		case opNeighbours:
			wq.Answer, wq.Compare = q.wantSet, "set"
		case opFoF:
			wq.Answer, wq.Compare = q.wantCount, "exact"
		case opWTF:
			wq.Params = map[string]any{"u": int64(q.u), "k": q.k}
			wq.Answer, wq.Compare = q.wantSugg, "ordered"
		case opPath:
			wq.Params = map[string]any{"u": int64(q.u), "v": int64(q.v), "maxhops": q.maxHops}
			wq.Answer, wq.Compare = q.wantDist, "exact"
		}
		out = append(out, wq)
	}
	return out, nil
}

// ValidateShare checks the users whose follows load parts [first,
// first+count) of parts hold: a part loads every edge of its users, so
// each sampled user's neighbours are exact whatever the other shares
// hold. Friends-of-friends, who-to-follow and paths cross shares and are
// left out.
func (w *Workload) ValidateShare(ctx context.Context, c drivers.Conn, first, count, parts int) (workloads.Validation, error) {
	var v workloads.Validation
	s, err := w.store(c)
	if err != nil {
		return v, err
	}
	if err := checkPart(first, parts); err != nil {
		return v, err
	}
	per := max(2, 50/int64(count))
	d := w.model.Drawer()
	var want []int64
	var got []UserID
	for part := first; part < first+count && part < parts; part++ {
		lo, hi := PartRange(w.cfg.Users, part, parts)
		for i := int64(0); i < per && lo+i*(hi-lo)/per < hi; i++ {
			u := lo + i*(hi-lo)/per
			want = d.AppendFollowees(want[:0], u)
			slices.Sort(want)
			wantIDs := make([]UserID, len(want))
			for j, x := range want {
				wantIDs[j] = UserID(x)
			}
			got, err = s.Neighbours(ctx, UserID(u), got)
			if err != nil {
				if ctx.Err() != nil {
					return v, ctx.Err()
				}
				return v, fmt.Errorf("neighbours(%d): %w", u, err)
			}
			sorted := slices.Clone(got)
			slices.Sort(sorted)
			v.Check(slices.Equal(sorted, wantIDs), "neighbours(%d): %s", u, diffIDs(sorted, wantIDs))
		}
	}
	return v, nil
}
