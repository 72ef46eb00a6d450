package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/point"
	"github.com/storefit/storefit/workloads/series"
	"github.com/storefit/storefit/workloads/wide"
)

// TestConformance runs the conformance suite. drivertest.Run checks the
// patterns one after the other, each on a fresh Conn; to use both cores of
// a CI machine, each pattern runs in a parallel subtest on a Conn that
// exposes that pattern only (the suite skips the others there).
func TestConformance(t *testing.T) {
	open := func(t *testing.T) *Conn {
		c, err := OpenConfig(context.Background(), Config{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, p := range []struct {
		name string
		only func(*Conn) drivers.Conn
	}{
		{"point", func(c *Conn) drivers.Conn { return pointOnly{c} }},
		{"crud", func(c *Conn) drivers.Conn { return crudOnly{c} }},
		{"agg", func(c *Conn) drivers.Conn { return aggOnly{c} }},
		{"graph", func(c *Conn) drivers.Conn { return graphOnly{c} }},
		{"series", func(c *Conn) drivers.Conn { return seriesOnly{c} }},
		{"wide", func(c *Conn) drivers.Conn { return wideOnly{c} }},
	} {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			drivertest.Run(t, func() drivers.Conn { return p.only(open(t)) })
		})
	}
}

// The Conn of one pattern, for TestConformance.
type (
	pointOnly  struct{ c *Conn }
	crudOnly   struct{ c *Conn }
	aggOnly    struct{ c *Conn }
	graphOnly  struct{ c *Conn }
	seriesOnly struct{ c *Conn }
	wideOnly   struct{ c *Conn }
)

func (x pointOnly) Close() error  { return x.c.Close() }
func (x crudOnly) Close() error   { return x.c.Close() }
func (x aggOnly) Close() error    { return x.c.Close() }
func (x graphOnly) Close() error  { return x.c.Close() }
func (x seriesOnly) Close() error { return x.c.Close() }
func (x wideOnly) Close() error   { return x.c.Close() }

func (x pointOnly) PointStore(s point.Schema) (point.Store, error)     { return x.c.PointStore(s) }
func (x crudOnly) CrudStore(s crud.Schema) (crud.Store, error)         { return x.c.CrudStore(s) }
func (x aggOnly) AggStore(s agg.Schema) (agg.Store, error)             { return x.c.AggStore(s) }
func (x graphOnly) GraphStore(s graph.Schema) (graph.Store, error)     { return x.c.GraphStore(s) }
func (x seriesOnly) SeriesStore(s series.Schema) (series.Store, error) { return x.c.SeriesStore(s) }
func (x wideOnly) WideStore(s wide.Schema) (wide.Store, error)         { return x.c.WideStore(s) }

// TestNotImplemented checks the patterns the whole Conn offers: all but
// search.
func TestNotImplemented(t *testing.T) {
	c, err := OpenConfig(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range []string{"point", "crud", "agg", "graph", "series", "wide"} {
		if !workloads.Supports(c, p) {
			t.Errorf("Conn does not support %s", p)
		}
	}
	if workloads.Supports(c, "search") {
		t.Error("Conn claims the search pattern")
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		dsn     string
		want    Config
		wantErr string
	}{
		{dsn: "", want: Config{}},
		{dsn: ":memory:", want: Config{Path: MemoryPath}},
		{dsn: "/data/x.duckdb", want: Config{Path: "/data/x.duckdb"}},
		{dsn: "x.duckdb?threads=2&memory_limit=4GB", want: Config{Path: "x.duckdb", Threads: 2, MemoryLimit: "4GB"}},
		{dsn: "?memory_limit=512MiB", want: Config{MemoryLimit: "512MiB"}},
		{dsn: "x.duckdb?threads=0", wantErr: "threads must be"},
		{dsn: "x.duckdb?threads=two", wantErr: "threads must be"},
		{dsn: "x.duckdb?memory_limit=lots", wantErr: "memory_limit must be"},
		{dsn: "x.duckdb?threads=1&threads=2", wantErr: "given 2 times"},
		{dsn: "x.duckdb?password=secret", wantErr: `unknown option "password"`},
		{dsn: "x.duckdb?threads=%zz", wantErr: "options"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			got, err := ParseConfig(tt.dsn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseConfig(%q) error = %v, want one containing %q", tt.dsn, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error %q shows a secret", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("ParseConfig(%q) (-want +got):\n%s", tt.dsn, d)
			}
		})
	}
}

// TestFiles checks where data lives: a temporary directory removed at
// Close without a path, the given file (kept, reopened with its data)
// with one, nothing on disk in memory.
func TestFiles(t *testing.T) {
	ctx := context.Background()
	t.Run("temporary", func(t *testing.T) {
		c, err := OpenConfig(ctx, Config{})
		if err != nil {
			t.Fatal(err)
		}
		dir := c.tempDir
		if _, err := os.Stat(filepath.Join(dir, "storefit.duckdb")); err != nil {
			t.Fatalf("database file: %v", err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("temporary directory %s still there after Close (%v)", dir, err)
		}
	})
	t.Run("path", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "kept.duckdb")
		for i := range 2 {
			c, err := Driver{}.Open(ctx, path+"?threads=1")
			if err != nil {
				t.Fatal(err)
			}
			s, err := c.(agg.Provider).AggStore(agg.Schema{Table: "sales"})
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				if err := s.Setup(ctx); err != nil {
					t.Fatal(err)
				}
				// Loaded rows are flushed at Close even without FinishLoad.
				if err := s.Load(ctx, []agg.Sale{{ID: 1, Region: 3, Quantity: 1, PriceCents: 250}}); err != nil {
					t.Fatal(err)
				}
			} else {
				got, err := s.AvgPriceByRegion(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if want := []agg.RegionAvg{{Region: 3, AvgPriceCents: 250}}; !cmp.Equal(got, want) {
					t.Errorf("reopened: Q1 = %v, want %v", got, want)
				}
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("memory", func(t *testing.T) {
		c, err := Driver{}.Open(ctx, MemoryPath)
		if err != nil {
			t.Fatal(err)
		}
		if c.(*Conn).tempDir != "" {
			t.Error("in-memory database made a temporary directory")
		}
		if v := drivers.Version(ctx, c); !strings.HasPrefix(v, "DuckDB v") {
			t.Errorf("version %q", v)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	_, err := drivers.Open(context.Background(), "duckdb", filepath.Join(t.TempDir(), "no", "such", "dir", "x.duckdb"))
	if err == nil {
		t.Fatal("opening a file in a missing directory: no error")
	}
	if _, err := (Driver{}).Open(context.Background(), "x?bogus=1"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown option: err = %v", err)
	}
}

// TestConflictRetry holds an uncommitted update of a row and checks that a
// concurrent Update of the same row, which DuckDB rejects as a conflict,
// is retried until the first transaction commits, and counted.
func TestConflictRetry(t *testing.T) {
	ctx := context.Background()
	c, err := OpenConfig(ctx, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.PointStore(point.Schema{Table: "usertable", FieldCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, []byte("k"), [][]byte{[]byte("v0")}); err != nil {
		t.Fatal(err)
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE usertable SET field0 = 'v1' WHERE key = 'k'::BLOB`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- s.Update(ctx, []byte("k"), []int{0}, [][]byte{[]byte("v2")}) }()
	for c.Retries() == 0 {
		time.Sleep(100 * time.Microsecond)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Update after a conflict: %v", err)
	}
	got, err := s.Read(ctx, []byte("k"), nil, nil)
	if err != nil || string(got[0]) != "v2" {
		t.Errorf("after the retried update: %q, %v; want v2", got, err)
	}
	t.Logf("%d retries", c.Retries())
}

// TestDistinctWideRange checks Q4 when customer ids span too wide a range
// for bitstrings (COUNT(DISTINCT) then answers) and on an empty table.
func TestDistinctWideRange(t *testing.T) {
	ctx := context.Background()
	c, err := OpenConfig(ctx, Config{Path: MemoryPath})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.AggStore(agg.Schema{Table: "sales"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	dc := s.(agg.DistinctCounter)
	if got, err := dc.DistinctCustomersByRegion(ctx); err != nil || len(got) != 0 {
		t.Errorf("empty table: %v, %v", got, err)
	}
	rows := []agg.Sale{
		{ID: 1, Region: 0, CustomerID: -5, Quantity: 1},
		{ID: 2, Region: 0, CustomerID: 1 << 40, Quantity: 1},
		{ID: 3, Region: 0, CustomerID: 1 << 40, Quantity: 1},
		{ID: 4, Region: 2, CustomerID: 7, Quantity: 1},
	}
	if err := s.Load(ctx, rows); err != nil {
		t.Fatal(err)
	}
	got, err := dc.DistinctCustomersByRegion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []agg.RegionCustomers{{Region: 0, Customers: 2}, {Region: 2, Customers: 1}}; !cmp.Equal(got, want) {
		t.Errorf("Q4 = %v, want %v", got, want)
	}
}

// TestExtremeWindows asks Q3 and Q5 with bounds far outside the data and
// DuckDB's timestamp range.
func TestExtremeWindows(t *testing.T) {
	ctx := context.Background()
	c, err := OpenConfig(ctx, Config{Path: MemoryPath})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.AggStore(agg.Schema{Table: "sales"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Load(ctx, []agg.Sale{{ID: 1, TS: ts, ProductID: 4, Quantity: 2, PriceCents: 100}}); err != nil {
		t.Fatal(err)
	}
	for _, w := range [][2]time.Time{
		{{}, ts.AddDate(1, 0, 0)},
		{time.Unix(-1<<62, 0), time.Unix(1<<62, 0)},
		{ts, ts.Add(time.Nanosecond)},
	} {
		got, err := s.TopProducts(ctx, w[0], w[1], 3)
		if err != nil || len(got) != 1 || got[0].RevenueCents != 200 {
			t.Errorf("Q3 in [%v, %v) = %v, %v", w[0], w[1], got, err)
		}
		if q, err := s.CategoryQuantity(ctx, 0, w[0], w[1]); err != nil || q != 2 {
			t.Errorf("Q5 in [%v, %v) = %d, %v", w[0], w[1], q, err)
		}
	}
	if got, err := s.TopProducts(ctx, ts.Add(time.Nanosecond), ts.Add(time.Hour), 3); err != nil || len(got) != 0 {
		t.Errorf("Q3 just after the sale = %v, %v", got, err)
	}
}
