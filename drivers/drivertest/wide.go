package drivertest

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/wide"
)

func newWide(t *testing.T, variant string, opts map[string]any) *wide.Workload {
	t.Helper()
	w, err := wide.New(variant, workloads.Params{Seed: 7, Scale: workloads.Quick, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func wideStore(t *testing.T, w *wide.Workload, c drivers.Conn) wide.Store {
	t.Helper()
	s, err := c.(wide.Provider).WideStore(w.Schema())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkWide(t *testing.T, c, oracle drivers.Conn) {
	opts := map[string]any{"rows": 2000, "table": "prefs"}
	// The table is loaded as the mix, which counts, would load it when the
	// store can count: a store may keep its count structure only for a
	// mix that counts (wide.Schema.Uncounted).
	w := newWide(t, "rows", opts)
	if _, ok := wideStore(t, newWide(t, "mix", opts), c).(wide.Counter); ok {
		w = newWide(t, "mix", opts)
	}
	setupLoad(t, w, c, 3)
	setupLoad(t, w, oracle, 1)

	t.Run("validate", func(t *testing.T) {
		v := validate(t, w, c)
		if _, ok := wideStore(t, w, c).(wide.Counter); !ok {
			t.Logf("%T has no wide.Counter: counts not checked (%d checks)", c, v.Checks)
		}
	})
	t.Run("operations", func(t *testing.T) { compareWideOps(t, w, c, oracle) })
	t.Run("setup empties", func(t *testing.T) {
		w2 := newWide(t, "rows", map[string]any{"rows": 10, "table": "prefs_setup"})
		setupLoad(t, w2, c, 1)
		if err := w2.Setup(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		s := wideStore(t, w2, c)
		if _, err := s.ReadRow(context.Background(), 0, wide.Row{}); !errors.Is(err, drivers.ErrNotFound) {
			t.Errorf("read row after Setup: err = %v, want ErrNotFound", err)
		}
		if cnt, ok := s.(wide.Counter); ok {
			if n, err := cnt.CountRowsWith(context.Background(), 0); err != nil || n != 0 {
				t.Errorf("count after Setup: %d, %v; want 0", n, err)
			}
		}
	})
	for _, variant := range []string{"mix", "rows"} {
		t.Run("workers "+variant, func(t *testing.T) {
			wo := map[string]any{"rows": 1000, "columns": 100, "meancolumns": 10, "table": "prefs_" + variant}
			wm := newWide(t, variant, wo)
			if _, err := wm.Worker(c, 0, 1); errors.Is(err, drivers.ErrUnsupported) {
				t.Skipf("%v", err)
			}
			// The same streams on the driver (concurrently) and on the
			// oracle: writes are partitioned by worker, so both must end
			// with the same data.
			setupLoad(t, wm, c, 2)
			setupLoad(t, wm, oracle, 1)
			gens := runWorkers(t, wm, c, 4, 600, nil)
			runWorkers(t, wm, oracle, 4, 600, nil)
			verifyWrites(t, wm, c, gens)
			compareWideTables(t, wm, wideStore(t, wm, c), wideStore(t, wm, oracle), 1000+4)
		})
	}
}

// compareWideTables compares every row with id below ids, and every
// column's count when both stores count.
func compareWideTables(t *testing.T, w *wide.Workload, got, want wide.Store, ids int64) {
	t.Helper()
	ctx := context.Background()
	var g, o wide.Row
	for id := range ids {
		var e1, e2 error
		g, e1 = got.ReadRow(ctx, id, g)
		o, e2 = want.ReadRow(ctx, id, o)
		if !sameWideErr(t, "read row", id, e1, e2) {
			continue
		}
		if !equalWideRows(g, o) {
			t.Errorf("row %d: got %v, oracle %v", id, rowString(g), rowString(o))
			return
		}
	}
	gc, ok1 := got.(wide.Counter)
	oc, ok2 := want.(wide.Counter)
	if !ok1 || !ok2 {
		return
	}
	for col := range w.Config().Columns {
		n1, e1 := gc.CountRowsWith(ctx, col)
		n2, e2 := oc.CountRowsWith(ctx, col)
		if e1 != nil || e2 != nil {
			t.Fatalf("count %s: %v / oracle %v", wide.ColumnName(col), e1, e2)
		}
		if n1 != n2 {
			t.Errorf("count %s: got %d, oracle %d", wide.ColumnName(col), n1, n2)
		}
	}
}

// sameWideErr reports whether both answers succeeded; it fails the test when
// one is not found and the other not, and stops it on other errors.
func sameWideErr(t *testing.T, op string, id int64, e1, e2 error) bool {
	t.Helper()
	if errors.Is(e1, drivers.ErrNotFound) != errors.Is(e2, drivers.ErrNotFound) || (e1 == nil) != (e2 == nil) {
		t.Errorf("%s %d: err = %v, oracle %v", op, id, e1, e2)
		return false
	}
	if e1 != nil && !errors.Is(e1, drivers.ErrNotFound) {
		t.Fatalf("%s %d: %v", op, id, e1)
	}
	return e1 == nil
}

func equalWideRows(a, b wide.Row) bool {
	return a.ID == b.ID && slices.Equal(a.Cols, b.Cols) && equalValues(a.Values, b.Values)
}

func rowString(r wide.Row) string {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range r.Cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(wide.ColumnName(c))
		b.WriteByte(':')
		if i < len(r.Values) {
			b.Write(r.Values[i])
		}
	}
	b.WriteByte('}')
	return b.String()
}

func valuesString(vals []wide.Value) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(' ')
		}
		if v.Valid {
			b.Write(v.Bytes)
		} else {
			b.WriteString("null")
		}
	}
	b.WriteByte(']')
	return b.String()
}

func equalWideValues(a, b []wide.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Valid != b[i].Valid || a[i].Valid && !bytes.Equal(a[i].Bytes, b[i].Bytes) {
			return false
		}
	}
	return true
}

// compareWideOps runs a deterministic random sequence of every wide
// operation against the driver and the oracle and compares the answers:
// missing rows, rows emptied by deletes and set again, absent columns,
// repeated deletes, counts of popular, rare and unset columns.
func compareWideOps(t *testing.T, w *wide.Workload, c, oracle drivers.Conn) {
	ctx := context.Background()
	got, want := wideStore(t, w, c), wideStore(t, w, oracle)
	gotCnt, counts := got.(wide.Counter)
	wantCnt := want.(wide.Counter)
	cfg := w.Config()
	g := w.Generator()
	r := rand.New(rand.NewPCG(5, 6))
	// Ids: loaded rows, a few new ones, and missing ones.
	id := func() int64 {
		switch r.IntN(10) {
		case 0:
			return cfg.Rows + int64(r.IntN(5)) // new rows the sequence sets
		case 1:
			return cfg.Rows + 1<<30 + int64(r.IntN(100)) // never set
		}
		return r.Int64N(min(cfg.Rows, 50)) // a few rows, so deletes empty some
	}
	// Columns: the row's own (mostly), popular ones, and any.
	col := func(id int64) int {
		switch r.IntN(3) {
		case 0:
			if cols := g.RowColumns(nil, id); id < cfg.Rows {
				return cols[r.IntN(len(cols))]
			}
			return r.IntN(3)
		case 1:
			return r.IntN(5)
		}
		return r.IntN(cfg.Columns)
	}
	distinct := func(id int64, n int) []int {
		var cols []int
		for len(cols) < n {
			if c := col(id); !slices.Contains(cols, c) {
				cols = append(cols, c)
			}
		}
		return cols
	}
	var gRow, oRow wide.Row
	var gVals, oVals []wide.Value
	version := uint64(0)
	for i := 0; i < 4000 && !t.Failed(); i++ {
		switch op := r.IntN(10); op {
		case 0, 1: // read row
			k := id()
			var e1, e2 error
			gRow, e1 = got.ReadRow(ctx, k, gRow)
			oRow, e2 = want.ReadRow(ctx, k, oRow)
			if sameWideErr(t, "read row", k, e1, e2) && !equalWideRows(gRow, oRow) {
				t.Errorf("read row %d: got %s, oracle %s", k, rowString(gRow), rowString(oRow))
			}
		case 2, 3: // read columns
			k := id()
			cols := distinct(k, r.IntN(7))
			var e1, e2 error
			gVals, e1 = got.ReadColumns(ctx, k, cols, gVals)
			oVals, e2 = want.ReadColumns(ctx, k, cols, oVals)
			if e1 != nil || e2 != nil {
				t.Fatalf("read row %d columns %v: %v / oracle %v", k, cols, e1, e2)
			}
			if !equalWideValues(gVals, oVals) {
				t.Errorf("read row %d columns %v: got %s, oracle %s", k, cols, valuesString(gVals), valuesString(oVals))
			}
		case 4, 5: // set columns
			k := id()
			cols := distinct(k, 1+r.IntN(4))
			version++
			vals := make([][]byte, len(cols))
			for j, cl := range cols {
				vals[j] = w.AppendValue(nil, k, cl, version)
			}
			e1, e2 := got.SetColumns(ctx, k, cols, vals), want.SetColumns(ctx, k, cols, vals)
			if e1 != nil || e2 != nil {
				t.Fatalf("set row %d columns %v: %v / oracle %v", k, cols, e1, e2)
			}
		case 6, 7, 8: // delete column
			k := id()
			cl := col(k)
			e1, e2 := got.DeleteColumn(ctx, k, cl), want.DeleteColumn(ctx, k, cl)
			if e1 != nil || e2 != nil {
				t.Fatalf("delete row %d column %d: %v / oracle %v", k, cl, e1, e2)
			}
		case 9: // count
			if !counts {
				continue
			}
			cl := r.IntN(cfg.Columns)
			if r.IntN(2) == 0 {
				cl = r.IntN(4)
			}
			n1, e1 := gotCnt.CountRowsWith(ctx, cl)
			n2, e2 := wantCnt.CountRowsWith(ctx, cl)
			if e1 != nil || e2 != nil {
				t.Fatalf("count %s: %v / oracle %v", wide.ColumnName(cl), e1, e2)
			}
			if n1 != n2 {
				t.Errorf("count %s: got %d, oracle %d", wide.ColumnName(cl), n1, n2)
			}
		}
	}
	// Empty a row completely: it is gone, and comes back when set.
	const k = 3
	var o wide.Row
	o, err := want.ReadRow(ctx, k, o)
	if err == nil {
		for _, cl := range o.Cols {
			e1, e2 := got.DeleteColumn(ctx, k, cl), want.DeleteColumn(ctx, k, cl)
			if e1 != nil || e2 != nil {
				t.Fatalf("delete row %d column %d: %v / oracle %v", k, cl, e1, e2)
			}
		}
	}
	if _, err := got.ReadRow(ctx, k, gRow); !errors.Is(err, drivers.ErrNotFound) {
		t.Errorf("read row %d after deleting every column: err = %v, want ErrNotFound", k, err)
	}
	if err := got.SetColumns(ctx, k, []int{cfg.Columns - 1}, [][]byte{[]byte("back")}); err != nil {
		t.Fatal(err)
	}
	if err := want.SetColumns(ctx, k, []int{cfg.Columns - 1}, [][]byte{[]byte("back")}); err != nil {
		t.Fatal(err)
	}
	compareWideTables(t, w, got, want, cfg.Rows+5)
}
