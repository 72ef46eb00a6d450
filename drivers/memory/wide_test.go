package memory_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/workloads/wide"
)

func wideTable(t *testing.T, columns int) wide.Store {
	t.Helper()
	c, err := memory.Driver{}.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.(wide.Provider).WideStore(wide.Schema{Table: "t", Columns: columns, ValueLength: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// row is a comparable form of a ReadRow answer: column → value, nil when
// not found.
func readRow(t *testing.T, s wide.Store, id int64) map[int]string {
	t.Helper()
	r, err := s.ReadRow(context.Background(), id, wide.Row{})
	if errors.Is(err, drivers.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("ReadRow(%d): %v", id, err)
	}
	if r.ID != id {
		t.Errorf("ReadRow(%d): ID %d", id, r.ID)
	}
	m := map[int]string{}
	for i, c := range r.Cols {
		if i > 0 && r.Cols[i-1] >= c {
			t.Errorf("ReadRow(%d): columns %v not ascending", id, r.Cols)
		}
		m[c] = string(r.Values[i])
	}
	return m
}

// readColumns returns a ReadColumns answer with "<null>" for unset columns.
func readColumns(t *testing.T, s wide.Store, id int64, cols ...int) []string {
	t.Helper()
	vals, err := s.ReadColumns(context.Background(), id, cols, nil)
	if err != nil {
		t.Fatalf("ReadColumns(%d, %v): %v", id, cols, err)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = "<null>"
		if v.Valid {
			out[i] = string(v.Bytes)
		}
	}
	return out
}

func counts(t *testing.T, s wide.Store, columns int) []int64 {
	t.Helper()
	out := make([]int64, columns)
	for c := range columns {
		n, err := s.(wide.Counter).CountRowsWith(context.Background(), c)
		if err != nil {
			t.Fatalf("CountRowsWith(%d): %v", c, err)
		}
		out[c] = n
	}
	return out
}

// TestWideHandComputed runs every operation on a five-column table of three
// rows whose answers are worked out by hand from the Store contract.
func TestWideHandComputed(t *testing.T) {
	ctx := context.Background()
	s := wideTable(t, 5)
	err := s.LoadRows(ctx, []wide.Row{
		{ID: 1, Cols: []int{0, 3}, Values: bs("a", "b")},
		{ID: 2, Cols: []int{3}, Values: bs("c")},
		{ID: 7, Cols: []int{1, 2, 4}, Values: bs("d", "e", "f")},
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string, rows map[int64]map[int]string, wantCounts []int64) {
		t.Helper()
		for _, id := range []int64{0, 1, 2, 5, 7, 9, 42} {
			if diff := cmp.Diff(rows[id], readRow(t, s, id)); diff != "" {
				t.Errorf("%s: row %d (-want +got):\n%s", step, id, diff)
			}
		}
		if diff := cmp.Diff(wantCounts, counts(t, s, 5)); diff != "" {
			t.Errorf("%s: counts (-want +got):\n%s", step, diff)
		}
	}
	check("loaded", map[int64]map[int]string{
		1: {0: "a", 3: "b"},
		2: {3: "c"},
		7: {1: "d", 2: "e", 4: "f"},
	}, []int64{1, 1, 1, 2, 1})

	for _, tc := range []struct {
		id   int64
		cols []int
		want []string
	}{
		{7, []int{4, 0, 2}, []string{"f", "<null>", "e"}},
		{1, []int{3, 3}, []string{"b", "b"}},
		{1, []int{1, 2, 4}, []string{"<null>", "<null>", "<null>"}},
		{99, []int{0, 1}, []string{"<null>", "<null>"}}, // missing row: nulls, no error
		{1, []int{}, []string{}},
	} {
		if diff := cmp.Diff(tc.want, readColumns(t, s, tc.id, tc.cols...)); diff != "" {
			t.Errorf("ReadColumns(%d, %v) (-want +got):\n%s", tc.id, tc.cols, diff)
		}
	}

	// Overwrite one column and add another; create a row by setting.
	if err := s.SetColumns(ctx, 2, []int{3, 0}, bs("y", "x")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetColumns(ctx, 9, []int{4}, bs("z")); err != nil {
		t.Fatal(err)
	}
	check("set", map[int64]map[int]string{
		1: {0: "a", 3: "b"},
		2: {0: "x", 3: "y"},
		7: {1: "d", 2: "e", 4: "f"},
		9: {4: "z"},
	}, []int64{2, 1, 1, 2, 2})

	// Delete a column, the same again (no change), a column of a missing
	// row (no change), then the last column of row 2 (the row is gone).
	for _, d := range []struct {
		id  int64
		col int
	}{{2, 3}, {2, 3}, {42, 1}, {1, 1}, {2, 0}} {
		if err := s.DeleteColumn(ctx, d.id, d.col); err != nil {
			t.Fatalf("DeleteColumn(%d, %d): %v", d.id, d.col, err)
		}
	}
	check("deleted", map[int64]map[int]string{
		1: {0: "a", 3: "b"},
		7: {1: "d", 2: "e", 4: "f"},
		9: {4: "z"},
	}, []int64{1, 1, 1, 1, 2})
	// A deleted row comes back when a column is set again.
	if err := s.SetColumns(ctx, 2, []int{2}, bs("w")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[int]string{2: "w"}, readRow(t, s, 2)); diff != "" {
		t.Errorf("row 2 set again (-want +got):\n%s", diff)
	}

	// Bad input is an error, never ErrNotFound.
	for name, err := range map[string]error{
		"read column 5":     func() error { _, err := s.ReadColumns(ctx, 1, []int{5}, nil); return err }(),
		"set column -1":     s.SetColumns(ctx, 1, []int{-1}, bs("v")),
		"set twice":         s.SetColumns(ctx, 1, []int{2, 2}, bs("v", "w")),
		"set 2 cols 1 val":  s.SetColumns(ctx, 1, []int{1, 2}, bs("v")),
		"delete column 9":   s.DeleteColumn(ctx, 1, 9),
		"count column 5":    func() error { _, err := s.(wide.Counter).CountRowsWith(ctx, 5); return err }(),
		"load duplicate":    s.LoadRows(ctx, []wide.Row{{ID: 1, Cols: []int{0}, Values: bs("a")}}),
		"load empty row":    s.LoadRows(ctx, []wide.Row{{ID: 100}}),
		"load bad column":   s.LoadRows(ctx, []wide.Row{{ID: 100, Cols: []int{7}, Values: bs("a")}}),
		"load column twice": s.LoadRows(ctx, []wide.Row{{ID: 100, Cols: []int{1, 1}, Values: bs("a", "b")}}),
	} {
		if err == nil || errors.Is(err, drivers.ErrNotFound) {
			t.Errorf("%s: err = %v, want an error other than not found", name, err)
		}
	}
	if readRow(t, s, 100) != nil {
		t.Error("a failed LoadRows left row 100 behind")
	}

	// Setup empties the table.
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	check("setup", nil, []int64{0, 0, 0, 0, 0})
}

// TestWideCountsMatchScan checks the counts the store keeps against a brute
// force count over every row after a random sequence of writes.
func TestWideCountsMatchScan(t *testing.T) {
	ctx := context.Background()
	const columns, ids = 12, 40
	s := wideTable(t, columns)
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		id := r.Int64N(ids)
		if r.IntN(3) == 0 {
			if err := s.SetColumns(ctx, id, []int{r.IntN(columns)}, bs("v")); err != nil {
				t.Fatal(err)
			}
		} else if err := s.DeleteColumn(ctx, id, r.IntN(columns)); err != nil {
			t.Fatal(err)
		}
	}
	want := make([]int64, columns)
	for id := range int64(ids) {
		for c := range readRow(t, s, id) {
			want[c]++
		}
	}
	if diff := cmp.Diff(want, counts(t, s, columns)); diff != "" {
		t.Errorf("counts (-scan +store):\n%s", diff)
	}
}

// TestWideReadReusesBuffers checks that answers reuse the caller's buffers.
func TestWideReadReusesBuffers(t *testing.T) {
	ctx := context.Background()
	s := wideTable(t, 4)
	if err := s.LoadRows(ctx, []wide.Row{{ID: 1, Cols: []int{0, 2}, Values: bs("aa", "bb")}}); err != nil {
		t.Fatal(err)
	}
	row, err := s.ReadRow(ctx, 1, wide.Row{})
	if err != nil {
		t.Fatal(err)
	}
	cols := []int{2, 1}
	vals, err := s.ReadColumns(ctx, 1, cols, nil)
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		row, _ = s.ReadRow(ctx, 1, row)
		vals, _ = s.ReadColumns(ctx, 1, cols, vals)
	})
	if allocs > 0 {
		t.Errorf("reads with reused buffers allocate %.1f times", allocs)
	}
}
