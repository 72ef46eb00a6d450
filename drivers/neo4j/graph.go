package neo4j

import (
	"context"
	"fmt"
	"slices"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/storefit/storefit/workloads/graph"
)

var (
	_ graph.Provider = (*Conn)(nil)
	_ graph.Store    = (*graphStore)(nil)
)

// graphStore is one follows graph: nodes labelled User_<name> with a
// unique id property, and a FOLLOWS relationship per edge. Graphs of
// different names share nothing but the relationship type: no edge joins
// nodes of two labels.
type graphStore struct {
	c     *Conn
	label string
	q     graphQueries
}

// graphQueries are a graph's Cypher statements, with its label filled in.
type graphQueries struct {
	clear, constraint, load string
	neighbours, fof, wtf    string
	path                    [9]string // by maxHops, 1…8
	reach                   [9]string // by hops, 1…8
}

// GraphStore returns a handle on the graph s names.
func (c *Conn) GraphStore(s graph.Schema) (graph.Store, error) {
	if err := checkName("graph name", s.Name); err != nil {
		return nil, err
	}
	label := "User_" + s.Name
	g := &graphStore{c: c, label: label}
	g.q = graphQueries{
		clear: fmt.Sprintf("MATCH (n:`%s`) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS", label),
		constraint: fmt.Sprintf("CREATE CONSTRAINT `storefit_%s_id` IF NOT EXISTS FOR (n:`%s`) REQUIRE n.id IS UNIQUE",
			label, label),
		load: fmt.Sprintf("UNWIND $ids AS id MERGE (n:`%s` {id: id}) WITH collect(n) AS nodes "+
			"UNWIND range(0, size($src) - 1) AS i WITH nodes[$src[i]] AS a, nodes[$dst[i]] AS b "+
			"CREATE (a)-[:FOLLOWS]->(b)", label),
		neighbours: fmt.Sprintf("MATCH (:`%s` {id: $u})-[:FOLLOWS]->(v) RETURN collect(v.id)", label),
		fof: fmt.Sprintf("MATCH (u:`%s` {id: $u})-[:FOLLOWS]->()-[:FOLLOWS]->(w) "+
			"WHERE w <> u AND NOT (u)-[:FOLLOWS]->(w) RETURN count(DISTINCT w)", label),
		wtf: fmt.Sprintf("MATCH (u:`%s` {id: $u})-[:FOLLOWS]->()-[:FOLLOWS]->(w) "+
			"WHERE w <> u AND NOT (u)-[:FOLLOWS]->(w) "+
			"WITH w.id AS id, count(*) AS score RETURN id, score ORDER BY score DESC, id ASC LIMIT $k", label),
	}
	for h := 1; h < len(g.q.path); h++ {
		g.q.path[h] = g.pathQuery(h)
		g.q.reach[h] = g.reachQuery(h)
	}
	return g, nil
}

// reachQuery is the reach query within hops >= 1 hops: a variable-length
// pattern whose distinct end nodes alone are asked for, which the planner
// runs as a breadth-first expansion that visits each node once
// (VarLengthExpand(Pruning)) instead of enumerating paths.
func (g *graphStore) reachQuery(hops int) string {
	return fmt.Sprintf("MATCH (u:`%s` {id: $u})-[:FOLLOWS*1..%d]->(w) WHERE w <> u RETURN count(DISTINCT w)", g.label, hops)
}

// pathQuery is the shortest-path query bounded to maxHops >= 1 hops (a
// bound of a variable-length pattern cannot be a parameter).
func (g *graphStore) pathQuery(maxHops int) string {
	return fmt.Sprintf("MATCH (a:`%[1]s` {id: $u}), (b:`%[1]s` {id: $v}) "+
		"MATCH p = shortestPath((a)-[:FOLLOWS*..%[2]d]->(b)) RETURN length(p)", g.label, maxHops)
}

// Setup deletes the graph's nodes and edges, in transactions of 5000
// nodes, and creates the uniqueness constraint on the user id (whose index
// every query starts from).
func (g *graphStore) Setup(ctx context.Context) error {
	if err := g.c.autoCommit(ctx, "graph "+g.label+" setup: clear", g.q.clear, nil); err != nil {
		return err
	}
	return g.c.autoCommit(ctx, "graph "+g.label+" setup: constraint", g.q.constraint, nil)
}

// LoadEdges adds the batch in one write transaction of one statement:
// MERGE of every user the batch names, in ascending id order (concurrent
// loaders then lock the users they share in the same order, so they do not
// deadlock), collected into a list, then one CREATE per edge between the
// nodes at the edge's positions in that list. Parameters are the sorted
// ids and, per edge, the positions of its source and target in them: the
// nodes are found once, by the MERGE, instead of again by id per edge
// (which cost about a quarter more server CPU time on 100 000 edges;
// see doc.go).
func (g *graphStore) LoadEdges(ctx context.Context, edges []graph.Edge) error {
	if len(edges) == 0 {
		return nil
	}
	ids := make([]int64, 0, 2*len(edges))
	for _, e := range edges {
		if e.Src == e.Dst {
			return fmt.Errorf("neo4j: graph %s: self loop %d → %d", g.label, e.Src, e.Dst)
		}
		ids = append(ids, int64(e.Src), int64(e.Dst))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	src := make([]int64, len(edges))
	dst := make([]int64, len(edges))
	for i, e := range edges {
		a, _ := slices.BinarySearch(ids, int64(e.Src))
		b, _ := slices.BinarySearch(ids, int64(e.Dst))
		src[i], dst[i] = int64(a), int64(b)
	}
	params := map[string]any{"ids": ids, "src": src, "dst": dst}
	return writeTx(ctx, g.c, "graph "+g.label+" load", func(tx n4j.ManagedTransaction) error {
		res, err := tx.Run(ctx, g.q.load, params)
		if err == nil {
			_, err = res.Consume(ctx)
		}
		return err
	})
}

func (g *graphStore) Neighbours(ctx context.Context, u graph.UserID, dst []graph.UserID) ([]graph.UserID, error) {
	return readTx(ctx, g.c, "graph "+g.label+" neighbours", func(tx querier) ([]graph.UserID, error) {
		res, err := tx.Run(ctx, g.q.neighbours, map[string]any{"u": int64(u)})
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		list, _ := rec.Values[0].([]any)
		out := dst[:0]
		for _, v := range list {
			id, ok := v.(int64)
			if !ok {
				return nil, fmt.Errorf("neighbour id %v is a %T", v, v)
			}
			out = append(out, graph.UserID(id))
		}
		return out, nil
	})
}

func (g *graphStore) FriendsOfFriends(ctx context.Context, u graph.UserID) (int64, error) {
	return readTx(ctx, g.c, "graph "+g.label+" fof", func(tx querier) (int64, error) {
		res, err := tx.Run(ctx, g.q.fof, map[string]any{"u": int64(u)})
		if err != nil {
			return 0, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return 0, err
		}
		n, ok := rec.Values[0].(int64)
		if !ok {
			return 0, fmt.Errorf("count %v is a %T", rec.Values[0], rec.Values[0])
		}
		return n, nil
	})
}

func (g *graphStore) WhoToFollow(ctx context.Context, u graph.UserID, k int, dst []graph.Suggestion) ([]graph.Suggestion, error) {
	if k < 0 {
		return dst[:0], fmt.Errorf("neo4j: graph %s: who-to-follow of %d suggestions", g.label, k)
	}
	if k == 0 {
		return dst[:0], nil
	}
	return readTx(ctx, g.c, "graph "+g.label+" wtf", func(tx querier) ([]graph.Suggestion, error) {
		res, err := tx.Run(ctx, g.q.wtf, map[string]any{"u": int64(u), "k": int64(k)})
		if err != nil {
			return nil, err
		}
		out := dst[:0]
		for res.Next(ctx) {
			v := res.Record().Values
			id, ok1 := v[0].(int64)
			score, ok2 := v[1].(int64)
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("suggestion %v is not two integers", v)
			}
			out = append(out, graph.Suggestion{User: graph.UserID(id), Score: score})
		}
		return out, res.Err()
	})
}

func (g *graphStore) ShortestPath(ctx context.Context, u, v graph.UserID, maxHops int) (int, error) {
	if maxHops < 0 {
		return 0, fmt.Errorf("neo4j: graph %s: shortest path with maxHops %d", g.label, maxHops)
	}
	if u == v {
		return 0, nil
	}
	if maxHops == 0 {
		return -1, nil
	}
	q := ""
	if maxHops < len(g.q.path) {
		q = g.q.path[maxHops]
	} else {
		q = g.pathQuery(maxHops)
	}
	return readTx(ctx, g.c, "graph "+g.label+" path", func(tx querier) (int, error) {
		res, err := tx.Run(ctx, q, map[string]any{"u": int64(u), "v": int64(v)})
		if err != nil {
			return 0, err
		}
		if !res.Next(ctx) {
			return -1, res.Err()
		}
		n, ok := res.Record().Values[0].(int64)
		if !ok {
			return 0, fmt.Errorf("path length %v is a %T", res.Record().Values[0], res.Record().Values[0])
		}
		_, err = res.Consume(ctx)
		return int(n), err
	})
}

func (g *graphStore) Reach(ctx context.Context, u graph.UserID, hops int) (int64, error) {
	if hops < 0 {
		return 0, fmt.Errorf("neo4j: graph %s: reach within %d hops", g.label, hops)
	}
	if hops == 0 {
		return 0, nil
	}
	q := ""
	if hops < len(g.q.reach) {
		q = g.q.reach[hops]
	} else {
		q = g.reachQuery(hops)
	}
	return readTx(ctx, g.c, "graph "+g.label+" reach", func(tx querier) (int64, error) {
		res, err := tx.Run(ctx, q, map[string]any{"u": int64(u)})
		if err != nil {
			return 0, err
		}
		if !res.Next(ctx) {
			return 0, res.Err()
		}
		n, ok := res.Record().Values[0].(int64)
		if !ok {
			return 0, fmt.Errorf("reach count %v is a %T", res.Record().Values[0], res.Record().Values[0])
		}
		_, err = res.Consume(ctx)
		return n, err
	})
}
