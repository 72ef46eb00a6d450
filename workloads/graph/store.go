package graph

import (
	"cmp"
	"context"

	"github.com/storefit/storefit/drivers"
)

// UserID identifies a user. Users are implicit: there is no users table,
// only follows edges, so any id is valid and an id without edges simply
// follows nobody and is followed by nobody.
type UserID int64

// Edge is one follows relation: Src follows Dst.
type Edge struct {
	Src, Dst UserID
}

// Suggestion is one who-to-follow answer: a user and its score, the number
// of the asking user's followees who follow it.
type Suggestion struct {
	User  UserID `json:"user"`
	Score int64  `json:"score"`
}

// CompareSuggestions orders suggestions as WhoToFollow returns them: by
// score descending, then by user id ascending.
func CompareSuggestions(a, b Suggestion) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	return cmp.Compare(a.User, b.User)
}

// Schema describes the graph a workload uses.
type Schema struct {
	// Name names the edge table (collection, graph), "follows" by default.
	// Stores keep graphs of different names apart.
	Name string
	// Users is the number of users the workload loads edges for (ids
	// 0 … Users-1); a sizing hint. Stores must still accept other ids.
	Users int64
}

// Provider is implemented by connections that support the graph pattern.
type Provider interface {
	// GraphStore returns a handle on the graph s describes. It does not
	// touch the store; Store.Setup creates the graph.
	GraphStore(s Schema) (Store, error)
}

// Store is the graph (follows) pattern: a directed graph of users with no
// self loops and no parallel edges. Methods are safe for concurrent use.
// Slices passed in are only valid for the duration of the call.
//
// Unknown users are not errors: they have no edges, so their answers are
// empty (no neighbours, a count of 0, no suggestions, -1 for a path to
// another user).
type Store interface {
	// Setup creates the graph empty, dropping any previous one.
	Setup(ctx context.Context) error
	// LoadEdges adds a batch of edges (bulk load). The edges are new: none
	// is already in the store or repeated in the batch, and none is a self
	// loop; a store may, but need not, reject a batch that breaks this.
	LoadEdges(ctx context.Context, edges []Edge) error
	// Neighbours returns the users u follows, in any order, appended to
	// dst[:0] (the store may reuse dst's capacity).
	Neighbours(ctx context.Context, u UserID, dst []UserID) ([]UserID, error)
	// FriendsOfFriends returns the number of distinct users exactly two hops
	// from u: users w with u → x → w for some x, excluding u itself and the
	// users u follows directly.
	FriendsOfFriends(ctx context.Context, u UserID) (int64, error)
	// WhoToFollow returns the top k candidates for u to follow, appended to
	// dst[:0]. Candidates are the friends of friends (as FriendsOfFriends
	// defines them); a candidate's score is the number of users u follows
	// who follow it. The answer is ordered by score descending, ties by
	// user id ascending (CompareSuggestions), and has min(k, candidates)
	// entries. k < 0 is an error.
	WhoToFollow(ctx context.Context, u UserID, k int, dst []Suggestion) ([]Suggestion, error)
	// ShortestPath returns the number of edges of a shortest directed path
	// from u to v if it is at most maxHops, and -1 otherwise (no path, or
	// only longer ones). It returns 0 when u == v. maxHops < 0 is an error.
	ShortestPath(ctx context.Context, u, v UserID, maxHops int) (int, error)
	// Reach returns the number of distinct users reachable from u by a
	// directed path of 1 to hops edges, u itself excluded: the size of u's
	// hops-hop neighbourhood. It returns 0 when hops is 0; hops < 0 is an
	// error.
	Reach(ctx context.Context, u UserID, hops int) (int64, error)
}

// Supports reports whether c supports the graph pattern.
func Supports(c drivers.Conn) bool {
	_, ok := c.(Provider)
	return ok
}
