package wide_test

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/wide"
)

func newWide(t testing.TB, variant string, scale workloads.Scale, opts map[string]any) *wide.Workload {
	t.Helper()
	w, err := wide.New(variant, workloads.Params{Seed: 1, Scale: scale, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestRegistered(t *testing.T) {
	for _, name := range []string{"wide/mix", "wide/rows"} {
		w, err := workloads.New(name, workloads.Params{Seed: 1})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if w.Name() != name || w.Pattern() != "wide" || w.Records() != 10_000 {
			t.Errorf("%s: name %s, pattern %s, records %d", name, w.Name(), w.Pattern(), w.Records())
		}
	}
	mem, _ := memory.Driver{}.Open(context.Background(), "")
	if !workloads.Supports(mem, "wide") {
		t.Error("memory does not support the wide pattern")
	}
}

func TestDefaults(t *testing.T) {
	for _, tc := range []struct {
		variant string
		scale   workloads.Scale
		rows    int64
		kinds   []string
	}{
		{"mix", workloads.Quick, 10_000, []string{"read_row", "read_columns", "set_columns", "delete_column", "count"}},
		{"mix", workloads.Full, 10_000_000, []string{"read_row", "read_columns", "set_columns", "delete_column", "count"}},
		{"rows", workloads.Quick, 10_000, []string{"read_row", "read_columns", "set_columns", "delete_column"}},
	} {
		w := newWide(t, tc.variant, tc.scale, nil)
		c := w.Config()
		if c.Rows != tc.rows || c.Columns != 1000 || c.MeanColumns != 20 || c.ReadColumns != 5 || c.SetColumns != 3 {
			t.Errorf("%s %s: config %+v", tc.variant, tc.scale, c)
		}
		if diff := cmp.Diff(tc.kinds, w.OpKinds()); diff != "" {
			t.Errorf("%s: op kinds (-want +got):\n%s", tc.variant, diff)
		}
		if w.ValuesPerRow() != 20 {
			t.Errorf("values per row %v, want 20", w.ValuesPerRow())
		}
	}
	if _, err := wide.New("nope", workloads.Params{}); err == nil {
		t.Error("unknown variant: no error")
	}
}

func TestOptions(t *testing.T) {
	// Options arrive as strings from --set.
	w := newWide(t, "mix", workloads.Quick, map[string]any{"rows": "500", "columns": "40", "meancolumns": "4.5", "requestdistribution": "uniform", "countproportion": "0"})
	c := w.Config()
	if c.Rows != 500 || c.Columns != 40 || c.MeanColumns != 4.5 || c.RequestDistribution != "uniform" || len(w.OpKinds()) != 4 {
		t.Errorf("options not applied: %+v, kinds %v", c, w.OpKinds())
	}
	if s := w.Settings(); s["rows"] != int64(500) || s["countproportion"] != nil {
		t.Errorf("settings %v", s)
	}
	for _, tc := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"rowz": 5}, "rowz"},
		{map[string]any{"rows": 0}, "rows"},
		{map[string]any{"columns": 1001}, "columns"},
		{map[string]any{"meancolumns": 300}, "meancolumns"},
		{map[string]any{"columnskew": 0}, "columnskew"},
		{map[string]any{"valuelength": 0}, "valuelength"},
		{map[string]any{"readcolumns": 0}, "readcolumns"},
		{map[string]any{"setcolumns": 1001}, "setcolumns"},
		{map[string]any{"requestdistribution": "latest"}, "requestdistribution"},
		{map[string]any{"setproportion": -1}, "proportions"},
		{map[string]any{"readrowproportion": 0, "readcolumnsproportion": 0, "setproportion": 0, "deleteproportion": 0, "countproportion": 0}, "proportion"},
		{map[string]any{"loadbatch": 0}, "loadbatch"},
	} {
		_, err := wide.New("mix", workloads.Params{Seed: 1, Options: tc.opts})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("options %v: err = %v, want one naming %s", tc.opts, err, tc.want)
		}
	}
}

func loadMemory(t *testing.T, w workloads.Workload, parts int) drivers.Conn {
	t.Helper()
	ctx := context.Background()
	c, err := memory.Driver{}.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := w.Setup(ctx, c); err != nil {
		t.Fatal(err)
	}
	for part := range parts {
		if err := w.Load(ctx, c, part, parts, nopProgress{}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

type nopProgress struct{}

func (nopProgress) Add(int64) {}

// TestValidateQuick validates the memory oracle at quick scale, the check
// every run makes, and reports how long it takes.
func TestValidateQuick(t *testing.T) {
	w := newWide(t, "mix", workloads.Quick, nil)
	c := loadMemory(t, w, 2)
	t0 := time.Now()
	v, err := w.Validate(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("quick validation: %d checks in %v", v.Checks, time.Since(t0))
	if !v.OK() {
		t.Fatalf("%d of %d checks failed: %v", v.Failed, v.Checks, v.Failures)
	}
	// 201 rows, 50 column reads, the empty read, the missing row twice, 9
	// or 10 counts.
	if v.Checks < 262 {
		t.Errorf("%d checks, want at least 262", v.Checks)
	}
}

// TestValidateFails corrupts the loaded data in different ways and checks
// that validation notices each.
func TestValidateFails(t *testing.T) {
	ctx := context.Background()
	w := newWide(t, "mix", workloads.Quick, map[string]any{"rows": 3000})
	for _, tc := range []struct {
		name    string
		corrupt func(s wide.Store, first, last int) error
		want    string
	}{
		{"changed value", func(s wide.Store, first, last int) error {
			return s.SetColumns(ctx, 0, []int{first}, [][]byte{[]byte("changed")})
		}, "read row 0"},
		{"extra column", func(s wide.Store, first, last int) error {
			return s.SetColumns(ctx, 15, []int{999}, [][]byte{[]byte("extra")})
		}, "read row 15"},
		{"lost column", func(s wide.Store, first, last int) error {
			return s.DeleteColumn(ctx, 0, last)
		}, "read row 0"},
		{"phantom row", func(s wide.Store, first, last int) error {
			return s.SetColumns(ctx, 3000+1<<40, []int{1}, [][]byte{[]byte("x")})
		}, "want not found"},
		{"count", func(s wide.Store, first, last int) error {
			return s.SetColumns(ctx, 2999+1<<20, []int{499}, [][]byte{[]byte("x")})
		}, "count rows with pref_499"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadMemory(t, w, 1)
			s, err := c.(wide.Provider).WideStore(w.Schema())
			if err != nil {
				t.Fatal(err)
			}
			cols := w.Generator().RowColumns(nil, 0)
			if err := tc.corrupt(s, cols[0], cols[len(cols)-1]); err != nil {
				t.Fatal(err)
			}
			v, err := w.Validate(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if v.OK() || !strings.Contains(strings.Join(v.Failures, "\n"), tc.want) {
				t.Errorf("validation passed or missed it: %d failed, %v", v.Failed, v.Failures)
			}
		})
	}
}

// exportHash hashes what Export emits for parts 0..parts-1 in order.
func exportHash(t *testing.T, w *wide.Workload, parts int) (uint64, int) {
	t.Helper()
	h := fnv.New64a()
	n := 0
	for part := range parts {
		err := w.Export(context.Background(), part, parts, func(table string, row []any) error {
			n++
			fmt.Fprintf(h, "%s|%v|%v|%v\n", table, row[0], row[1], row[2])
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return h.Sum64(), n
}

func TestExport(t *testing.T) {
	w := newWide(t, "mix", workloads.Quick, map[string]any{"rows": 700})
	whole, n := exportHash(t, w, 1)
	for _, parts := range []int{2, 3, 7} {
		if h, m := exportHash(t, w, parts); h != whole || m != n {
			t.Errorf("%d parts: %d cells, hash %#x; whole: %d cells, hash %#x", parts, m, h, n, whole)
		}
	}
	// About 20 cells per row.
	if per := float64(n) / 700; per < 19 || per > 21 {
		t.Errorf("%.2f cells per row, want about 20", per)
	}
	if h, _ := exportHash(t, newWide(t, "mix", workloads.Quick, map[string]any{"rows": 700, "valuelength": 13}), 1); h == whole {
		t.Error("a different value length exports the same data")
	}
	if diff := cmp.Diff([]workloads.Table{{Name: "prefs", Columns: []string{"user_id", "column", "value"}}}, w.Tables()); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	// The first cells are row 0's columns in ascending order.
	var first []any
	w.Export(context.Background(), 0, 1, func(table string, row []any) error {
		if row[0] == int64(0) {
			first = append(first, row[1])
		}
		return nil
	})
	var want []any
	for _, c := range w.Generator().RowColumns(nil, 0) {
		want = append(want, wide.ColumnName(c))
	}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("row 0 cells (-want +got):\n%s", diff)
	}
}

func TestQueries(t *testing.T) {
	w := newWide(t, "mix", workloads.Quick, map[string]any{"rows": 500})
	qs, err := w.Queries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for _, q := range qs {
		byName[q.Name]++
	}
	if byName["read_row"] != 202 || byName["read_columns"] != 52 || byName["count"] < 9 {
		t.Errorf("queries by name: %v", byName)
	}
	if _, err := json.Marshal(qs); err != nil {
		t.Fatalf("queries do not marshal: %v", err)
	}
	// Row 0's answer is its generated columns and values.
	want := map[string]string{}
	for _, c := range w.Generator().RowColumns(nil, 0) {
		want[wide.ColumnName(c)] = string(w.AppendValue(nil, 0, c, 0))
	}
	if diff := cmp.Diff(want, qs[0].Answer); diff != "" {
		t.Errorf("read_row 0 answer (-want +got):\n%s", diff)
	}
	// Counts agree with the memory oracle loaded with the same data.
	c := loadMemory(t, w, 1)
	s, _ := c.(wide.Provider).WideStore(w.Schema())
	for _, q := range qs {
		if q.Name != "count" {
			continue
		}
		col, ok := wide.ParseColumnName(q.Params.(map[string]any)["column"].(string))
		if !ok {
			t.Fatalf("bad column in %v", q.Params)
		}
		n, err := s.(wide.Counter).CountRowsWith(context.Background(), col)
		if err != nil || n != q.Answer.(int64) {
			t.Errorf("count %s: oracle %d (%v), query answer %v", wide.ColumnName(col), n, err, q.Answer)
		}
	}
}

func TestColumnName(t *testing.T) {
	for _, tc := range []struct {
		i    int
		name string
	}{{0, "pref_000"}, {7, "pref_007"}, {42, "pref_042"}, {999, "pref_999"}} {
		if got := wide.ColumnName(tc.i); got != tc.name {
			t.Errorf("ColumnName(%d) = %s, want %s", tc.i, got, tc.name)
		}
		if i, ok := wide.ParseColumnName(tc.name); !ok || i != tc.i {
			t.Errorf("ParseColumnName(%s) = %d, %v", tc.name, i, ok)
		}
	}
	for _, bad := range []string{"", "pref_1", "pref_01a", "col_001", "pref_0001"} {
		if _, ok := wide.ParseColumnName(bad); ok {
			t.Errorf("ParseColumnName(%q) accepted", bad)
		}
	}
}

// BenchmarkLoadRows measures generating and loading the quick data set into
// the memory store.
func BenchmarkLoadRows(b *testing.B) {
	w := newWide(b, "rows", workloads.Quick, nil)
	ctx := context.Background()
	c, _ := memory.Driver{}.Open(ctx, "")
	defer c.Close()
	rows := 0
	for b.Loop() {
		if err := w.Setup(ctx, c); err != nil {
			b.Fatal(err)
		}
		if err := w.Load(ctx, c, 0, 1, nopProgress{}); err != nil {
			b.Fatal(err)
		}
		rows += int(w.Records())
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkValidateQuick measures the memory oracle answering the quick
// validation set.
func BenchmarkValidateQuick(b *testing.B) {
	w := newWide(b, "mix", workloads.Quick, nil)
	ctx := context.Background()
	c, _ := memory.Driver{}.Open(ctx, "")
	defer c.Close()
	if err := w.Setup(ctx, c); err != nil {
		b.Fatal(err)
	}
	if err := w.Load(ctx, c, 0, 1, nopProgress{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if v, err := w.Validate(ctx, c); err != nil || !v.OK() {
			b.Fatal(err, v.Failures)
		}
	}
}
