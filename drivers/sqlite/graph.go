package sqlite

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/storefit/storefit/workloads/graph"
)

var (
	_ graph.Provider = (*Conn)(nil)
	_ graph.Store    = (*graphTable)(nil)
)

// graphTable is a follows graph: one edge table clustered by source,
//
//	follows(src INTEGER, dst INTEGER, PRIMARY KEY (src, dst)) WITHOUT ROWID
//
// so a user's followees are one range of the primary key B-tree. Every
// query walks out-edges only, so no (dst, src) index is kept.
type graphTable struct {
	c     *Conn
	name  string
	table string // quoted
	q     graphSQL

	mu      sync.Mutex
	paths   map[int]string // pathSQL by hop bound
	reaches map[int]string // reachSQL by hop bound
}

type graphSQL struct {
	insert, neighbours, fof, wtf string
}

// GraphStore returns a handle on the graph s names.
func (c *Conn) GraphStore(s graph.Schema) (graph.Store, error) {
	if err := checkName("table", s.Name); err != nil {
		return nil, err
	}
	g := &graphTable{c: c, name: s.Name, table: ident(s.Name), paths: map[int]string{}, reaches: map[int]string{}}
	// Friends of friends: the second hop's targets, less u and u's
	// followees. Edges are unique, so COUNT(*) per candidate is the number
	// of u's followees who follow it.
	twoHops := " FROM " + g.table + " f1 JOIN " + g.table + " f2 ON f2.src = f1.dst" +
		" WHERE f1.src = ?1 AND f2.dst <> ?1 AND NOT EXISTS (SELECT 1 FROM " + g.table + " d WHERE d.src = ?1 AND d.dst = f2.dst)"
	g.q = graphSQL{
		insert:     "INSERT INTO " + g.table + " (src, dst) VALUES",
		neighbours: "SELECT dst FROM " + g.table + " WHERE src = ?",
		fof:        "SELECT COUNT(DISTINCT f2.dst)" + twoHops,
		wtf:        "SELECT f2.dst, COUNT(*) AS score" + twoHops + " GROUP BY f2.dst ORDER BY score DESC, f2.dst LIMIT ?2",
	}
	return g, nil
}

func (g *graphTable) Setup(ctx context.Context) error {
	err := g.c.execScript(ctx,
		"DROP TABLE IF EXISTS "+g.table,
		"CREATE TABLE "+g.table+" (src INTEGER NOT NULL, dst INTEGER NOT NULL, PRIMARY KEY (src, dst)) WITHOUT ROWID")
	if err != nil {
		return fmt.Errorf("sqlite: graph setup %s: %w", g.name, err)
	}
	return nil
}

func (g *graphTable) LoadEdges(ctx context.Context, edges []graph.Edge) error {
	for _, e := range edges {
		if e.Src == e.Dst {
			return fmt.Errorf("sqlite: graph %s: self loop %d → %d", g.name, e.Src, e.Dst)
		}
	}
	err := g.c.tx(ctx, func(w *writeConn) error {
		return bulkInsert(ctx, w, g.q.insert, "", 2, len(edges), func(dst []any, i int) []any {
			return append(dst, int64(edges[i].Src), int64(edges[i].Dst))
		})
	})
	if err != nil {
		return fmt.Errorf("sqlite: graph load %s: %w", g.name, err)
	}
	return nil
}

func (g *graphTable) Neighbours(ctx context.Context, u graph.UserID, dst []graph.UserID) ([]graph.UserID, error) {
	dst = dst[:0]
	rows, err := g.c.query(ctx, g.q.neighbours, int64(u))
	if err != nil {
		return dst, fmt.Errorf("sqlite: neighbours of %d: %w", u, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return dst[:0], fmt.Errorf("sqlite: neighbours of %d: %w", u, err)
		}
		dst = append(dst, graph.UserID(v))
	}
	if err := rows.Err(); err != nil {
		return dst[:0], fmt.Errorf("sqlite: neighbours of %d: %w", u, err)
	}
	return dst, nil
}

func (g *graphTable) FriendsOfFriends(ctx context.Context, u graph.UserID) (int64, error) {
	row, err := g.c.queryRow(ctx, g.q.fof, int64(u))
	if err != nil {
		return 0, fmt.Errorf("sqlite: friends of friends of %d: %w", u, err)
	}
	var n int64
	if err := row.Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: friends of friends of %d: %w", u, err)
	}
	return n, nil
}

func (g *graphTable) WhoToFollow(ctx context.Context, u graph.UserID, k int, dst []graph.Suggestion) ([]graph.Suggestion, error) {
	dst = dst[:0]
	if k < 0 {
		return dst, fmt.Errorf("sqlite: who-to-follow of %d suggestions", k)
	}
	if k == 0 {
		return dst, nil
	}
	rows, err := g.c.query(ctx, g.q.wtf, int64(u), k)
	if err != nil {
		return dst, fmt.Errorf("sqlite: who to follow for %d: %w", u, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s graph.Suggestion
		if err := rows.Scan(&s.User, &s.Score); err != nil {
			return dst[:0], fmt.Errorf("sqlite: who to follow for %d: %w", u, err)
		}
		dst = append(dst, s)
	}
	if err := rows.Err(); err != nil {
		return dst[:0], fmt.Errorf("sqlite: who to follow for %d: %w", u, err)
	}
	return dst, nil
}

func (g *graphTable) ShortestPath(ctx context.Context, u, v graph.UserID, maxHops int) (int, error) {
	if maxHops < 0 {
		return 0, fmt.Errorf("sqlite: shortest path with maxHops %d", maxHops)
	}
	if u == v {
		return 0, nil
	}
	if maxHops == 0 {
		return -1, nil
	}
	row, err := g.c.queryRow(ctx, g.pathSQL(maxHops), int64(u), int64(v))
	if err != nil {
		return 0, fmt.Errorf("sqlite: path %d → %d: %w", u, v, err)
	}
	var d int
	if err := row.Scan(&d); err != nil {
		return 0, fmt.Errorf("sqlite: path %d → %d: %w", u, v, err)
	}
	return d, nil
}

// pathSQL returns ShortestPath's statement for a bound of hops ≥ 1 hops:
// a breadth-first search, unrolled into one CTE per level. Level l<i>
// holds the users first reached at hop i — the followees of level i-1
// less u and every earlier level, so cycles end — and a CASE tests the
// levels in order. SQLite materializes a CTE when the CASE first needs it,
// so the search stops at the first level that holds the target. The last
// level is never built: an EXISTS probes, one primary key lookup per user
// of the level before, whether one of them follows the target. CROSS JOIN
// keeps the planner from scanning the edge table instead. Statements are
// cached per bound; the arguments (?1 = u, ?2 = v) are bound.
func (g *graphTable) pathSQL(hops int) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if q, ok := g.paths[hops]; ok {
		return q
	}
	var b strings.Builder
	g.levels(&b, hops-1)
	b.WriteString(" SELECT CASE")
	for i := 1; i < hops; i++ {
		fmt.Fprintf(&b, " WHEN ?2 IN l%d THEN %d", i, i)
	}
	if hops == 1 {
		b.WriteString(" WHEN ?2 IN l1 THEN 1")
	} else {
		fmt.Fprintf(&b, " WHEN EXISTS (SELECT 1 FROM l%d CROSS JOIN %s f ON f.src = l%d.n AND f.dst = ?2) THEN %d", hops-1, g.table, hops-1, hops)
	}
	b.WriteString(" ELSE -1 END")
	g.paths[hops] = b.String()
	return b.String()
}

// levels writes the CTEs l1 … l<n> (n ≥ 1) of a breadth-first search from
// ?1: level i holds the users first reached at hop i, the followees of
// level i-1 less ?1 and every earlier level (so each user is expanded
// once), materialized, with CROSS JOIN keeping the planner from scanning
// the edge table instead of probing its primary key.
func (g *graphTable) levels(b *strings.Builder, n int) {
	b.WriteString("WITH l1(n) AS MATERIALIZED (SELECT dst FROM " + g.table + " WHERE src = ?1)")
	for i := 2; i <= n; i++ {
		fmt.Fprintf(b, ", l%d(n) AS MATERIALIZED (SELECT DISTINCT f.dst FROM l%d CROSS JOIN %s f ON f.src = l%d.n WHERE f.dst <> ?1", i, i-1, g.table, i-1)
		for j := 1; j < i; j++ {
			fmt.Fprintf(b, " AND f.dst NOT IN l%d", j)
		}
		b.WriteString(")")
	}
}

// reachSQL returns Reach's statement for hops ≥ 1: the levels of a
// breadth-first search (see levels), whose sizes add up to the users
// within hops hops; they are disjoint and never hold ?1. Statements are
// cached per bound.
func (g *graphTable) reachSQL(hops int) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if q, ok := g.reaches[hops]; ok {
		return q
	}
	var b strings.Builder
	g.levels(&b, hops)
	b.WriteString(" SELECT 0")
	for i := 1; i <= hops; i++ {
		fmt.Fprintf(&b, " + (SELECT COUNT(*) FROM l%d)", i)
	}
	g.reaches[hops] = b.String()
	return b.String()
}

func (g *graphTable) Reach(ctx context.Context, u graph.UserID, hops int) (int64, error) {
	if hops < 0 {
		return 0, fmt.Errorf("sqlite: reach within %d hops", hops)
	}
	if hops == 0 {
		return 0, nil
	}
	row, err := g.c.queryRow(ctx, g.reachSQL(hops), int64(u))
	if err != nil {
		return 0, fmt.Errorf("sqlite: reach of %d within %d hops: %w", u, hops, err)
	}
	var n int64
	if err := row.Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: reach of %d within %d hops: %w", u, hops, err)
	}
	return n, nil
}
