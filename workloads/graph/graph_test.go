package graph

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
)

func newWorkload(t testing.TB, variant string, scale workloads.Scale, opts map[string]any) *Workload {
	t.Helper()
	w, err := New(variant, workloads.Params{Seed: 1, Scale: scale, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestDefaults(t *testing.T) {
	q := newWorkload(t, "mix", workloads.Quick, nil).Config()
	if q.Users != 10_000 || q.MeanDegree != 10 || q.Exponent != 2.1 || q.MaxDegree != 1000 || q.MaxHops != 4 || q.TopK != 10 {
		t.Errorf("quick config %+v: want 10000 users, mean 10, exponent 2.1, cap 1000, 4 hops, top 10", q)
	}
	if p := [4]float64{q.NeighboursProportion, q.FoFProportion, q.WTFProportion, q.PathProportion}; p != [4]float64{0.4, 0.3, 0.2, 0.1} {
		t.Errorf("mix proportions %v, want 40/30/20/10", p)
	}
	full, err := DefaultConfig("mix", workloads.Full)
	if err != nil {
		t.Fatal(err)
	}
	if full.Users != 1_000_000 || full.MeanDegree != 20 {
		t.Errorf("full config %+v: want 1000000 users of mean degree 20", full)
	}
	if got := full.autoMaxDegree(); got != 5000 {
		t.Errorf("full automatic maxdegree %d, want 5000", got)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]any
		want string // substring of the error; "" for valid
		good func(Config) bool
	}{
		{"strings as --set gives them", map[string]any{"users": "3000", "meandegree": "5", "topk": "3"}, "",
			func(c Config) bool { return c.Users == 3000 && c.MeanDegree == 5 && c.TopK == 3 && c.MaxDegree == 300 }},
		{"explicit cap", map[string]any{"maxdegree": 50}, "", func(c Config) bool { return c.MaxDegree == 50 }},
		{"small graph", map[string]any{"users": 20}, "", func(c Config) bool { return c.MaxDegree == 19 }},
		{"unknown option", map[string]any{"nodes": 5}, "nodes", nil},
		{"one user", map[string]any{"users": 1}, "users", nil},
		{"mean above cap", map[string]any{"maxdegree": 5}, "meandegree", nil},
		{"bad exponent", map[string]any{"exponent": 0.5}, "exponent", nil},
		{"bad popularity", map[string]any{"popularity": 1.5}, "popularity", nil},
		{"negative hops", map[string]any{"maxhops": -1}, "maxhops", nil},
		{"zero topk", map[string]any{"topk": 0}, "topk", nil},
		{"zero reach hops", map[string]any{"reachhops": 0}, "reachhops", nil},
		{"zero batch", map[string]any{"loadbatch": 0}, "loadbatch", nil},
		{"no operations", map[string]any{"neighboursproportion": 0, "fofproportion": 0, "wtfproportion": 0, "pathproportion": 0}, "proportion", nil},
		{"negative proportion", map[string]any{"fofproportion": -1}, "proportion", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := New("mix", workloads.Params{Seed: 1, Scale: workloads.Quick, Options: tt.opts})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one naming %q", err, tt.want)
			case tt.want == "" && !tt.good(w.Config()):
				t.Errorf("config %+v not as asked", w.Config())
			}
		})
	}
	if _, err := New("nope", workloads.Params{}); err == nil {
		t.Error("unknown variant: no error")
	}
}

func TestRegistered(t *testing.T) {
	want := map[string][]string{
		"graph/mix":        {"neighbours", "fof", "wtf", "path"},
		"graph/neighbours": {"neighbours"},
		"graph/fof":        {"fof"},
		"graph/wtf":        {"wtf"},
		"graph/path":       {"path"},
		"graph/reach":      {"reach"},
		"graph/deep":       {"path", "reach"},
	}
	for name, kinds := range want {
		w, err := workloads.New(name, workloads.Params{Seed: 1, Scale: workloads.Quick, Options: map[string]any{"users": 100}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if w.Pattern() != "graph" || !slices.Equal(w.OpKinds(), kinds) {
			t.Errorf("%s: pattern %s, kinds %v; want graph, %v", name, w.Pattern(), w.OpKinds(), kinds)
		}
	}
	if workloads.Supports(fakeConn{}, "graph") == workloads.Supports(struct{ drivers.Conn }{}, "graph") {
		t.Error("Supports does not tell a graph provider from a plain Conn")
	}
}

// recordStore records what the workload asks of it and answers nothing.
type recordStore struct {
	mu      sync.Mutex
	edges   []Edge
	batches []int
	ops     []call
}

type call struct {
	op      string
	u, v    UserID
	k, hops int
}

func (s *recordStore) Setup(context.Context) error { return nil }
func (s *recordStore) LoadEdges(_ context.Context, edges []Edge) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.edges = append(s.edges, edges...)
	s.batches = append(s.batches, len(edges))
	return nil
}
func (s *recordStore) record(c call) {
	s.mu.Lock()
	s.ops = append(s.ops, c)
	s.mu.Unlock()
}
func (s *recordStore) Neighbours(_ context.Context, u UserID, dst []UserID) ([]UserID, error) {
	s.record(call{op: "neighbours", u: u})
	return dst[:0], nil
}
func (s *recordStore) FriendsOfFriends(_ context.Context, u UserID) (int64, error) {
	s.record(call{op: "fof", u: u})
	return 0, nil
}
func (s *recordStore) WhoToFollow(_ context.Context, u UserID, k int, dst []Suggestion) ([]Suggestion, error) {
	s.record(call{op: "wtf", u: u, k: k})
	return dst[:0], nil
}
func (s *recordStore) ShortestPath(_ context.Context, u, v UserID, maxHops int) (int, error) {
	s.record(call{op: "path", u: u, v: v, hops: maxHops})
	return -1, nil
}
func (s *recordStore) Reach(_ context.Context, u UserID, hops int) (int64, error) {
	s.record(call{op: "reach", u: u, hops: hops})
	return 0, nil
}

// fakeConn hands out one store for every schema.
type fakeConn struct{ s Store }

func (fakeConn) Close() error                            { return nil }
func (c fakeConn) GraphStore(Schema) (Store, error)      { return c.s, nil }
func (fakeConn) Version(context.Context) (string, error) { return "fake", nil }

type nopProgress struct{ n int64 }

func (p *nopProgress) Add(n int64) { p.n += n }

// runWorker returns the calls of n operations of worker id of of.
func runWorker(t *testing.T, w *Workload, id, of, n int) []call {
	t.Helper()
	s := &recordStore{}
	k, err := w.Worker(fakeConn{s}, id, of)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range n {
		op := k.Next()
		if err := op.Do(ctx); err != nil {
			t.Fatal(err)
		}
		if got := w.OpKinds()[op.Kind()]; got != s.ops[len(s.ops)-1].op {
			t.Fatalf("op of kind %s called %s", got, s.ops[len(s.ops)-1].op)
		}
	}
	return s.ops
}

func TestWorkerMix(t *testing.T) {
	w := newWorkload(t, "mix", workloads.Quick, nil)
	const n = 100_000
	ops := runWorker(t, w, 0, 2, n)
	counts := map[string]int{}
	for _, c := range ops {
		counts[c.op]++
		if c.u < 0 || int64(c.u) >= w.cfg.Users || c.v < 0 || int64(c.v) >= w.cfg.Users {
			t.Fatalf("%+v: user out of range", c)
		}
		if (c.op == "wtf" && c.k != 10) || (c.op == "path" && c.hops != 4) {
			t.Fatalf("%+v: want k 10 and 4 hops", c)
		}
	}
	// Binomial standard deviation at n = 100 000 is < 0.0016; allow 0.01.
	for op, p := range map[string]float64{"neighbours": 0.4, "fof": 0.3, "wtf": 0.2, "path": 0.1} {
		if got := float64(counts[op]) / n; math.Abs(got-p) > 0.01 {
			t.Errorf("%s: %.3f of operations, want %.2f", op, got, p)
		}
	}
	// Users are uniform: each tenth of the id range gets 10% ± 1%.
	var tenths [10]int
	for _, c := range ops {
		tenths[int64(c.u)*10/w.cfg.Users]++
	}
	for i, c := range tenths {
		if math.Abs(float64(c)/n-0.1) > 0.01 {
			t.Errorf("users in tenth %d: %.3f of operations, want 0.1", i, float64(c)/n)
		}
	}
}

func TestWorkerDeterminism(t *testing.T) {
	w := newWorkload(t, "mix", workloads.Quick, nil)
	a, b := runWorker(t, w, 1, 4, 500), runWorker(t, w, 1, 4, 500)
	if diff := cmp.Diff(a, b, cmp.AllowUnexported(call{})); diff != "" {
		t.Errorf("same worker, different streams (-first +second):\n%s", diff)
	}
	if c := runWorker(t, w, 2, 4, 500); cmp.Equal(a, c, cmp.AllowUnexported(call{})) {
		t.Error("workers 1 and 2 have the same stream")
	}
	w2, err := New("mix", workloads.Params{Seed: 2, Scale: workloads.Quick})
	if err != nil {
		t.Fatal(err)
	}
	if c := runWorker(t, w2, 1, 4, 500); cmp.Equal(a, c, cmp.AllowUnexported(call{})) {
		t.Error("seeds 1 and 2 give the same stream")
	}
	if _, err := w.Worker(fakeConn{&recordStore{}}, 4, 4); err == nil {
		t.Error("worker 4 of 4: no error")
	}
	if _, err := w.Worker(struct{ drivers.Conn }{}, 0, 1); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("worker on a Conn without the pattern: err = %v, want ErrUnsupported", err)
	}
}

// allocStore answers without allocating, reusing dst.
type allocStore struct{ recordStore }

func (*allocStore) Neighbours(_ context.Context, u UserID, dst []UserID) ([]UserID, error) {
	return append(dst[:0], u, u+1), nil
}
func (*allocStore) FriendsOfFriends(context.Context, UserID) (int64, error) { return 1, nil }
func (*allocStore) WhoToFollow(_ context.Context, u UserID, k int, dst []Suggestion) ([]Suggestion, error) {
	return append(dst[:0], Suggestion{u, 1}), nil
}
func (*allocStore) ShortestPath(context.Context, UserID, UserID, int) (int, error) { return 2, nil }
func (*allocStore) Reach(context.Context, UserID, int) (int64, error)              { return 7, nil }

func TestWorkerAllocs(t *testing.T) {
	w := newWorkload(t, "mix", workloads.Quick, nil)
	k, err := w.Worker(fakeConn{&allocStore{}}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(2000, func() {
		if err := k.Next().Do(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per operation, want 0", allocs)
	}
}

// exportEdges returns the edges of share part of parts as Export emits them.
func exportEdges(t *testing.T, w *Workload, part, parts int) []Edge {
	t.Helper()
	var edges []Edge
	err := w.Export(context.Background(), part, parts, func(table string, row []any) error {
		if table != "follows" || len(row) != 2 {
			t.Fatalf("row %v of table %s", row, table)
		}
		edges = append(edges, Edge{UserID(row[0].(int64)), UserID(row[1].(int64))})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return edges
}

func TestShards(t *testing.T) {
	w := newWorkload(t, "mix", workloads.Quick, map[string]any{"users": 3000, "loadbatch": 100})
	all := exportEdges(t, w, 0, 1)
	if int64(len(all)) != w.Records() {
		t.Fatalf("export has %d edges, Records %d", len(all), w.Records())
	}
	if diff := cmp.Diff([]workloads.Table{{Name: "follows", Columns: []string{"src", "dst"}}}, w.Tables()); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	for _, parts := range []int{2, 3, 7} {
		var union []Edge
		for part := range parts {
			union = append(union, exportEdges(t, w, part, parts)...)
		}
		if !slices.Equal(union, all) {
			t.Errorf("export: the union of %d parts differs from the whole (%d vs %d edges)", parts, len(union), len(all))
		}
		// Load writes the same edges, in batches of at most loadbatch.
		s := &recordStore{}
		var p nopProgress
		for part := range parts {
			if err := w.Load(context.Background(), fakeConn{s}, part, parts, &p); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(s.edges, all) || p.n != w.Records() {
			t.Errorf("load in %d parts: %d edges (%d reported), want the %d exported", parts, len(s.edges), p.n, len(all))
		}
		if slices.Max(s.batches) > 100 {
			t.Errorf("load batch of %d edges, want at most 100", slices.Max(s.batches))
		}
	}
	if err := w.Export(context.Background(), 3, 3, nil); err == nil {
		t.Error("export of part 3 of 3: no error")
	}
}
