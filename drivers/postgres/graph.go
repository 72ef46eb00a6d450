package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/graph"
)

var (
	_ graph.Provider       = (*Conn)(nil)
	_ graph.Store          = (*graphStore)(nil)
	_ drivers.LoadFinisher = (*graphStore)(nil)
)

// graphStore is one edge table, follows(src, dst) with primary key (src,
// dst): a user's followees are one index range, read by index-only scans;
// an index on (dst, src) serves the backward half of path searches.
type graphStore struct {
	c           *Conn
	name, table string

	neighbours, fof, wtf, path string
	reach                      [9]string // by hops, 1…8
}

// GraphStore returns a handle on the edge table s names.
func (c *Conn) GraphStore(s graph.Schema) (graph.Store, error) {
	if err := checkName("graph table", s.Name); err != nil {
		return nil, err
	}
	t := ident(s.Name)
	g := &graphStore{c: c, name: s.Name, table: t}
	g.neighbours = "SELECT dst FROM " + t + " WHERE src = $1"
	// Two hops from $1, not $1 itself, not a direct followee.
	twoHops := " FROM " + t + " f1 JOIN " + t + " f2 ON f2.src = f1.dst WHERE f1.src = $1 AND f2.dst <> $1" +
		" AND NOT EXISTS (SELECT FROM " + t + " f3 WHERE f3.src = $1 AND f3.dst = f2.dst)"
	g.fof = "SELECT count(DISTINCT f2.dst)" + twoHops
	// Edges are unique, so each (followee, candidate) pair counts once.
	g.wtf = "SELECT f2.dst, count(*) AS score" + twoHops + " GROUP BY f2.dst ORDER BY score DESC, f2.dst LIMIT $2"
	// Bidirectional breadth-first search, as two recursive CTEs: nodes
	// within $3 hops forward of $1 and within $4 hops backward of $2
	// ($3 + $4 = maxHops, $3 = ⌈maxHops/2⌉), joined where they meet; the
	// shortest path is the least sum of the two depths. Each side's rows
	// are (node, depth), and UNION (not UNION ALL) drops a row produced
	// before, so a node is expanded at most once per depth — the bound
	// that keeps cycles and diamonds from multiplying rows as enumerating
	// paths would. Two half-depth searches touch about d^(h/2) edges each
	// instead of d^h (d the degree, h the bound).
	g.path = "WITH RECURSIVE fw(node, depth) AS (SELECT $1::bigint, 0 UNION SELECT f.dst, fw.depth + 1 FROM fw JOIN " + t +
		" f ON f.src = fw.node WHERE fw.depth < $3)," +
		" bw(node, depth) AS (SELECT $2::bigint, 0 UNION SELECT f.src, bw.depth + 1 FROM bw JOIN " + t +
		" f ON f.dst = bw.node WHERE bw.depth < $4)" +
		" SELECT coalesce(min(fw.depth + bw.depth), -1) FROM fw JOIN bw ON bw.node = fw.node"
	for h := 1; h < len(g.reach); h++ {
		g.reach[h] = reachSQL(t, h)
	}
	return g, nil
}

// reachSQL returns Reach's statement for hops ≥ 1: a breadth-first search
// unrolled into one materialized CTE per level, level i the followees of
// level i-1 (index-only scans of the primary key) less $1 and every
// earlier level — EXCEPT, a hashed set operation that also makes the level
// distinct — so each user is expanded once. A recursive CTE cannot do
// that: it sees only the previous iteration's rows, so it would expand a
// user once for every depth it is reached at. The answer adds the levels'
// sizes.
func reachSQL(table string, hops int) string {
	var b strings.Builder
	b.WriteString("WITH l1 AS MATERIALIZED (SELECT dst AS n FROM " + table + " WHERE src = $1)")
	for i := 2; i <= hops; i++ {
		fmt.Fprintf(&b, ", l%d AS MATERIALIZED (SELECT f.dst AS n FROM l%d JOIN %s f ON f.src = l%d.n EXCEPT (SELECT $1::bigint", i, i-1, table, i-1)
		for j := 1; j < i; j++ {
			fmt.Fprintf(&b, " UNION ALL SELECT n FROM l%d", j)
		}
		b.WriteString("))")
	}
	b.WriteString(" SELECT 0::bigint")
	for i := 1; i <= hops; i++ {
		fmt.Fprintf(&b, " + (SELECT count(*) FROM l%d)", i)
	}
	return b.String()
}

// Setup drops and creates the edge table; its primary key comes with
// FinishLoad.
func (g *graphStore) Setup(ctx context.Context) error {
	return g.c.ddl(ctx, "setup "+g.name,
		"DROP TABLE IF EXISTS "+g.table,
		"CREATE TABLE "+g.table+" (src bigint NOT NULL, dst bigint NOT NULL)")
}

// FinishLoad adds the primary key (src, dst) and the reverse index (dst,
// src) the backward half of the path search walks, then vacuums and
// analyzes the table, so both are read by index-only scans.
func (g *graphStore) FinishLoad(ctx context.Context) error {
	return g.c.finishLoad(ctx, g.name, true, g.c.primaryKeyDDL(g.name, "src", "dst"),
		"CREATE INDEX IF NOT EXISTS "+ident(g.name+"_dst_src")+" ON "+g.table+" (dst, src)")
}

// LoadEdges copies a batch of edges with COPY (binary).
func (g *graphStore) LoadEdges(ctx context.Context, edges []graph.Edge) error {
	_, err := g.c.pool.CopyFrom(ctx, pgx.Identifier{g.name}, []string{"src", "dst"}, pgx.CopyFromSlice(len(edges), func(i int) ([]any, error) {
		return []any{int64(edges[i].Src), int64(edges[i].Dst)}, nil
	}))
	return g.c.wrap(err, "load %d edges into %s", len(edges), g.name)
}

func (g *graphStore) Neighbours(ctx context.Context, u graph.UserID, dst []graph.UserID) ([]graph.UserID, error) {
	dst = dst[:0]
	rows, err := g.c.pool.Query(ctx, g.neighbours, int64(u))
	if err != nil {
		return dst, g.c.wrap(err, "neighbours of %d", u)
	}
	defer rows.Close()
	var v int64
	for rows.Next() {
		if err := rows.Scan(&v); err != nil {
			return dst, g.c.wrap(err, "neighbours of %d", u)
		}
		dst = append(dst, graph.UserID(v))
	}
	return dst, g.c.wrap(rows.Err(), "neighbours of %d", u)
}

func (g *graphStore) FriendsOfFriends(ctx context.Context, u graph.UserID) (int64, error) {
	var n int64
	err := g.c.pool.QueryRow(ctx, g.fof, int64(u)).Scan(&n)
	return n, g.c.wrap(err, "friends of friends of %d", u)
}

func (g *graphStore) WhoToFollow(ctx context.Context, u graph.UserID, k int, dst []graph.Suggestion) ([]graph.Suggestion, error) {
	dst = dst[:0]
	if k < 0 {
		return dst, fmt.Errorf("postgres: who-to-follow of %d suggestions", k)
	}
	if k == 0 {
		return dst, nil
	}
	rows, err := g.c.pool.Query(ctx, g.wtf, int64(u), k)
	if err != nil {
		return dst, g.c.wrap(err, "who to follow for %d", u)
	}
	defer rows.Close()
	var s graph.Suggestion
	var id int64
	for rows.Next() {
		if err := rows.Scan(&id, &s.Score); err != nil {
			return dst, g.c.wrap(err, "who to follow for %d", u)
		}
		s.User = graph.UserID(id)
		dst = append(dst, s)
	}
	return dst, g.c.wrap(rows.Err(), "who to follow for %d", u)
}

func (g *graphStore) ShortestPath(ctx context.Context, u, v graph.UserID, maxHops int) (int, error) {
	if maxHops < 0 {
		return 0, fmt.Errorf("postgres: shortest path with maxHops %d", maxHops)
	}
	if u == v {
		return 0, nil
	}
	if maxHops == 0 {
		return -1, nil
	}
	var d int
	fwd := (maxHops + 1) / 2
	err := g.c.pool.QueryRow(ctx, g.path, int64(u), int64(v), fwd, maxHops-fwd).Scan(&d)
	return d, g.c.wrap(err, "shortest path %d → %d", u, v)
}

func (g *graphStore) Reach(ctx context.Context, u graph.UserID, hops int) (int64, error) {
	if hops < 0 {
		return 0, fmt.Errorf("postgres: reach within %d hops", hops)
	}
	if hops == 0 {
		return 0, nil
	}
	q := ""
	if hops < len(g.reach) {
		q = g.reach[hops]
	} else {
		q = reachSQL(g.table, hops)
	}
	var n int64
	err := g.c.pool.QueryRow(ctx, q, int64(u)).Scan(&n)
	return n, g.c.wrap(err, "reach of %d within %d hops", u, hops)
}
