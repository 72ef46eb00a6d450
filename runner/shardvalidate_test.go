package runner

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/search"
	"github.com/storefit/storefit/workloads/series"
)

// shardCells are the patterns whose answers depend on more than one
// record (aggregates, counts, timelines, per-host groups), at sizes a test
// loads in a moment.
var shardCells = []struct {
	workload string
	opts     map[string]any
}{
	{"crud/mix", map[string]any{"users": 300, "tweets": 3000}},
	{"agg/mix", map[string]any{"records": 20000}},
	{"search/mix", map[string]any{"records": 6000}},
	{"series/mix", map[string]any{"hosts": 12}},
}

func shardCell(workload, store string, opts map[string]any) Cell {
	return Cell{Workload: workload, Params: workloads.Params{Seed: 1, Scale: workloads.Quick, Options: opts}, Store: store,
		Config: Config{Workers: 1, Ops: 50, Loaders: 2, Timeout: 10 * time.Second}}
}

// Issue 16, "Rank only what was checked": every --shard run used to leave
// crud, agg, search and series "unvalidated", so a sharded run was never
// ranked. Each shard now checks what its share alone determines: run as
// shards of 2 and of 3 (each shard with a store of its own holding only its
// share, as the runner's tests simulate shards; the server case, every
// share in one store, is TestShareValidationBesideOtherShares and each
// driver's conformance test), every shard passes with real checks, and the
// merged result is validated and ranked like a single run.
func TestShardsValidateEveryPattern(t *testing.T) {
	for _, store := range []string{"memory", "sqlite"} {
		for _, tc := range shardCells {
			for _, n := range []int{2, 3} {
				t.Run(fmt.Sprintf("%s/%s/%d", store, tc.workload, n), func(t *testing.T) {
					var shards []*results.Result
					for i := range n {
						res, err := Run(context.Background(), Plan{Cells: []Cell{shardCell(tc.workload, store, tc.opts)}, Shard: results.Shard{Index: i, Count: n}}, Options{})
						if err != nil {
							t.Fatal(err)
						}
						c := res.Cells[0]
						v := c.Validation
						switch {
						case c.Run == nil:
							t.Fatalf("shard %d: %s: %s", i, c.Status, c.Error)
						case v == nil || v.Status != results.ValidationPassed || v.Checks-verifyChecks(v) < 10:
							t.Fatalf("shard %d validation %+v, want its share checked", i, v)
						}
						shards = append(shards, res)
					}
					m, err := results.Merge(shards)
					if err != nil {
						t.Fatal(err)
					}
					if v := m.Cells[0].Validation; v.Status != results.ValidationPassed {
						t.Errorf("merged validation %+v", v)
					}
					// Each shard's private store holds only its share, so
					// operations on the other shares' records fail and
					// may keep the cell from ranking on its error rate;
					// its validation no longer does.
					p := results.Pick([]*results.Result{m}, results.PickOptions{IncludeOracle: true, Score: true})
					for _, pr := range p.Patterns {
						for _, c := range pr.Excluded {
							if c.Why == results.WhyUnvalidated || c.Why == results.WhyInvalid {
								t.Errorf("pick leaves the merged shards out: %s: %s", c.Why, c.Reason)
							}
						}
					}
				})
			}
		}
	}
}

func verifyChecks(v *results.Validation) int {
	if v.Verify == nil {
		return 0
	}
	return v.Verify.Checks
}

// A server holds every shard's share: a shard's checks must hold whatever
// the other shares put beside its own. Load all parts into one store, then
// validate each share.
func TestShareValidationBesideOtherShares(t *testing.T) {
	ctx := context.Background()
	for _, tc := range shardCells {
		t.Run(tc.workload, func(t *testing.T) {
			wl, err := workloads.New(tc.workload, workloads.Params{Seed: 1, Scale: workloads.Quick, Options: tc.opts})
			if err != nil {
				t.Fatal(err)
			}
			conn, err := drivers.Open(ctx, "memory", "")
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			const shards, loaders = 3, 2
			if err := wl.Setup(ctx, conn); err != nil {
				t.Fatal(err)
			}
			for part := range shards * loaders {
				if err := wl.Load(ctx, conn, part, shards*loaders, nopProgress{}); err != nil {
					t.Fatal(err)
				}
			}
			if f, ok := wl.(workloads.Finisher); ok {
				if err := f.FinishLoad(ctx, conn); err != nil {
					t.Fatal(err)
				}
			}
			for i := range shards {
				v, err := wl.(workloads.ShareValidator).ValidateShare(ctx, conn, i*loaders, loaders, shards*loaders)
				if err != nil {
					t.Fatal(err)
				}
				if !v.OK() || v.Checks < 10 {
					t.Errorf("share %d: %d checks, %d failed: %v", i, v.Checks, v.Failed, v.Failures)
				}
			}
		})
	}
}

type nopProgress struct{}

func (nopProgress) Add(int64) {}

// A shard whose store lost half of what it loaded fails its validation,
// so the merged run fails and is not ranked.
func TestCorruptedShardFails(t *testing.T) {
	for _, tc := range shardCells {
		t.Run(tc.workload, func(t *testing.T) {
			res, err := Run(context.Background(), Plan{Cells: []Cell{shardCell(tc.workload, "halfload-test", tc.opts)}, Shard: results.Shard{Index: 1, Count: 2}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			v := res.Cells[0].Validation
			if v == nil || v.Status != results.ValidationFailed || v.Failed == 0 {
				t.Fatalf("validation of a shard that lost half its load: %+v, want failed (cell %s: %s)", v, res.Cells[0].Status, res.Cells[0].Error)
			}
			if !strings.Contains(res.Cells[0].Validation.Reason+strings.Join(v.Failures, " "), "want") {
				t.Errorf("failures do not say what was wanted: %v", v.Failures)
			}
		})
	}
}

func init() {
	drivers.Register("halfload-test", halfDriver{})
	// A workload that cannot check a share (none of the seven patterns
	// now): point/c without its ValidateShare.
	workloads.Register(workloads.Entry{Name: "point/noshare-test", Summary: "point/c without share validation", New: func(p workloads.Params) (workloads.Workload, error) {
		w, err := workloads.New("point/c", p)
		return noShare{w}, err
	}})
}

// noShare hides the optional interfaces of the workload it wraps.
type noShare struct{ workloads.Workload }

// halfDriver opens memory stores that acknowledge bulk loads and keep only
// the first half of each batch: a shard whose store lost data.
type halfDriver struct{}

func (halfDriver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	c, err := memory.Driver{}.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return halfConn{c.(*memory.Conn)}, nil
}

type halfConn struct{ *memory.Conn }

func half[T any](rows []T) []T { return rows[:len(rows)/2] }

type halfAgg struct {
	agg.Store
	agg.DistinctCounter
}

func (s halfAgg) Load(ctx context.Context, rows []agg.Sale) error {
	return s.Store.Load(ctx, half(rows))
}

func (c halfConn) AggStore(s agg.Schema) (agg.Store, error) {
	st, err := c.Conn.AggStore(s)
	if err != nil {
		return nil, err
	}
	return halfAgg{st, st.(agg.DistinctCounter)}, nil
}

type halfCrud struct{ crud.Store }

func (s halfCrud) LoadLikes(ctx context.Context, rows []crud.Like) error {
	return s.Store.LoadLikes(ctx, half(rows))
}

func (c halfConn) CrudStore(s crud.Schema) (crud.Store, error) {
	st, err := c.Conn.CrudStore(s)
	if err != nil {
		return nil, err
	}
	return halfCrud{st}, nil
}

type halfSearch struct {
	search.Store
	search.Phraser
}

func (s halfSearch) LoadDocs(ctx context.Context, docs []search.Doc) error {
	return s.Store.LoadDocs(ctx, half(docs))
}

func (c halfConn) SearchStore(s search.Schema) (search.Store, error) {
	st, err := c.Conn.SearchStore(s)
	if err != nil {
		return nil, err
	}
	return halfSearch{st, st.(search.Phraser)}, nil
}

type halfSeries struct{ series.Store }

func (s halfSeries) LoadRows(ctx context.Context, rows []series.Row) error {
	return s.Store.LoadRows(ctx, half(rows))
}

func (c halfConn) SeriesStore(s series.Schema) (series.Store, error) {
	st, err := c.Conn.SeriesStore(s)
	if err != nil {
		return nil, err
	}
	return halfSeries{st}, nil
}
