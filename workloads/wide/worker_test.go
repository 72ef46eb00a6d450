package wide

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
)

// fakeConn hands out a fakeStore; withCount selects whether the store has
// Counter.
type fakeConn struct {
	s         *fakeStore
	withCount bool
}

func (c *fakeConn) Close() error { return nil }
func (c *fakeConn) WideStore(s Schema) (Store, error) {
	if c.withCount {
		return countingStore{c.s}, nil
	}
	return c.s, nil
}

// fakeStore records the operations it is asked (when log is set) and keeps
// no data; it allocates nothing otherwise.
type fakeStore struct {
	log   []string
	loads [][]Row
}

func (s *fakeStore) logf(format string, args ...any) {
	if s.log != nil {
		s.log = append(s.log, fmt.Sprintf(format, args...))
	}
}

func (s *fakeStore) Setup(context.Context) error { return nil }
func (s *fakeStore) LoadRows(_ context.Context, rows []Row) error {
	cp := make([]Row, len(rows))
	for i, r := range rows {
		cp[i] = Row{ID: r.ID, Cols: slices.Clone(r.Cols), Values: make([][]byte, len(r.Values))}
		for j, v := range r.Values {
			cp[i].Values[j] = slices.Clone(v)
		}
	}
	s.loads = append(s.loads, cp)
	return nil
}
func (s *fakeStore) ReadRow(_ context.Context, id int64, dst Row) (Row, error) {
	s.logf("read_row %d", id)
	return dst, nil
}
func (s *fakeStore) ReadColumns(_ context.Context, id int64, cols []int, dst []Value) ([]Value, error) {
	s.logf("read_columns %d %v", id, cols)
	return Grow(dst, len(cols)), nil
}
func (s *fakeStore) SetColumns(_ context.Context, id int64, cols []int, values [][]byte) error {
	s.logf("set_columns %d %v %q", id, cols, values)
	return nil
}
func (s *fakeStore) DeleteColumn(_ context.Context, id int64, col int) error {
	s.logf("delete_column %d %d", id, col)
	return nil
}

type countingStore struct{ *fakeStore }

func (s countingStore) CountRowsWith(_ context.Context, col int) (int64, error) {
	s.logf("count %d", col)
	return 0, nil
}

func newTest(t testing.TB, variant string, opts map[string]any) *Workload {
	t.Helper()
	w, err := New(variant, workloads.Params{Seed: 3, Scale: workloads.Quick, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// runLog runs ops operations of worker id of n and returns what the store
// was asked.
func runLog(t *testing.T, w *Workload, id, n, ops int) []string {
	t.Helper()
	s := &fakeStore{log: []string{}}
	k, err := w.Worker(&fakeConn{s: s, withCount: true}, id, n)
	if err != nil {
		t.Fatal(err)
	}
	for range ops {
		if err := k.Next().Do(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return s.log
}

func TestWorkerDeterministic(t *testing.T) {
	w := newTest(t, "mix", nil)
	a, b := runLog(t, w, 1, 3, 2000), runLog(t, newTest(t, "mix", nil), 1, 3, 2000)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("same seed and worker, different streams (-first +second):\n%s", diff)
	}
	if c := runLog(t, w, 2, 3, 2000); slices.Equal(a, c) {
		t.Error("workers 1 and 2 of 3 have the same stream")
	}
	w2, err := New("mix", workloads.Params{Seed: 4, Scale: workloads.Quick})
	if err != nil {
		t.Fatal(err)
	}
	if d := runLog(t, w2, 1, 3, 2000); slices.Equal(a, d) {
		t.Error("seeds 3 and 4 give the same stream")
	}
}

// TestWorkerMix checks the proportions of the operation mix, that writes
// stay in the worker's partition, that read_columns asks distinct columns
// that are mostly not set, that deletes name a loaded column of the row, and
// that set values are new versions.
func TestWorkerMix(t *testing.T) {
	for _, tc := range []struct {
		variant string
		want    map[string]float64
	}{
		{"mix", map[string]float64{"read_row": 0.40, "read_columns": 0.30, "set_columns": 0.20, "delete_column": 0.05, "count": 0.05}},
		{"rows", map[string]float64{"read_row": 0.40 / 0.95, "read_columns": 0.30 / 0.95, "set_columns": 0.20 / 0.95, "delete_column": 0.05 / 0.95}},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			w := newTest(t, tc.variant, nil)
			const id, n, ops = 2, 5, 100_000
			log := runLog(t, w, id, n, ops)
			got := map[string]float64{}
			set, asked := 0, 0
			for _, line := range log {
				var kind string
				var row int64
				fmt.Sscan(line, &kind, &row)
				got[kind]++
				if (kind == "set_columns" || kind == "delete_column") && row%n != id {
					t.Fatalf("worker %d of %d writes row %d: %s", id, n, row, line)
				}
				switch kind {
				case "read_columns":
					var cols []int
					for f := range strings.FieldsSeq(strings.Trim(strings.SplitN(line, " ", 3)[2], "[]")) {
						var c int
						fmt.Sscan(f, &c)
						cols = append(cols, c)
					}
					if len(cols) != 5 || len(slices.Compact(slices.Sorted(slices.Values(cols)))) != 5 {
						t.Fatalf("read_columns asks %v, want 5 distinct columns", cols)
					}
					rowCols := w.gen.RowColumns(nil, row)
					for _, c := range cols {
						asked++
						if slices.Contains(rowCols, c) {
							set++
						}
					}
				case "delete_column":
					var col int
					fmt.Sscan(line, &kind, &row, &col)
					if !slices.Contains(w.gen.RowColumns(nil, row), col) {
						t.Fatalf("delete_column of row %d names column %d it was not loaded with", row, col)
					}
				case "set_columns":
					if strings.Contains(line, fmt.Sprintf("%q", w.AppendValue(nil, row, 0, 0))) {
						t.Fatalf("set_columns writes a loaded (version 0) value: %s", line)
					}
				}
			}
			for k, p := range tc.want {
				if f := got[k] / ops; math.Abs(f-p) > 0.005 {
					t.Errorf("%s: %.4f of operations, want %.4f ± 0.005", k, f, p)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("operation kinds %v, want %v", got, tc.want)
			}
			if frac := float64(set) / float64(asked); frac > 0.05 {
				t.Errorf("read_columns: %.3f of named columns are set, want most absent (< 0.05)", frac)
			}
		})
	}
}

// TestWorkerPartitions checks writes of every worker of n land only in its
// own partition, also with more workers than rows.
func TestWorkerPartitions(t *testing.T) {
	for _, tc := range []struct {
		rows int64
		n    int
	}{{1000, 3}, {10, 4}, {3, 8}, {1, 2}} {
		w := newTest(t, "mix", map[string]any{"rows": tc.rows, "columns": 20, "meancolumns": 3})
		owner := map[int64]int{}
		for id := range tc.n {
			for _, line := range runLog(t, w, id, tc.n, 3000) {
				var kind string
				var row int64
				fmt.Sscan(line, &kind, &row)
				if kind != "set_columns" && kind != "delete_column" {
					if kind != "count" && (row < 0 || row >= tc.rows) {
						t.Fatalf("rows %d: read of row %d", tc.rows, row)
					}
					continue
				}
				if o, ok := owner[row]; ok && o != id {
					t.Fatalf("rows %d, %d workers: row %d written by workers %d and %d", tc.rows, tc.n, row, o, id)
				}
				owner[row] = id
			}
		}
	}
}

func TestWorkerNoAllocs(t *testing.T) {
	w := newTest(t, "mix", nil)
	k, err := w.Worker(nopConn{}, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 1000 { // grow the reused buffers
		k.Next().Do(ctx)
	}
	if a := testing.AllocsPerRun(5000, func() { k.Next().Do(ctx) }); a > 0 {
		t.Errorf("Next+Do allocates %.2f times per operation", a)
	}
}

func TestWorkerUnsupported(t *testing.T) {
	w := newTest(t, "mix", nil)
	if _, err := w.Worker(&fakeConn{s: &fakeStore{}}, 0, 1); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("mix on a store without Counter: err = %v, want ErrUnsupported", err)
	}
	if _, err := w.Worker(noConn{}, 0, 1); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("mix on a Conn without the pattern: err = %v, want ErrUnsupported", err)
	}
	if _, err := newTest(t, "rows", nil).Worker(&fakeConn{s: &fakeStore{}}, 0, 1); err != nil {
		t.Errorf("rows on a store without Counter: %v", err)
	}
	for _, bad := range [][2]int{{-1, 1}, {1, 1}, {0, 0}} {
		if _, err := newTest(t, "rows", nil).Worker(&fakeConn{s: &fakeStore{}}, bad[0], bad[1]); err == nil {
			t.Errorf("worker %d of %d: no error", bad[0], bad[1])
		}
	}
}

// nopConn's store answers every operation without allocating.
type nopConn struct{}

func (nopConn) Close() error                      { return nil }
func (nopConn) WideStore(s Schema) (Store, error) { return nopStore{}, nil }

type nopStore struct{}

func (nopStore) Setup(context.Context) error                              { return nil }
func (nopStore) LoadRows(context.Context, []Row) error                    { return nil }
func (nopStore) ReadRow(_ context.Context, _ int64, dst Row) (Row, error) { return dst, nil }
func (nopStore) ReadColumns(_ context.Context, _ int64, cols []int, dst []Value) ([]Value, error) {
	return Grow(dst, len(cols)), nil
}
func (nopStore) SetColumns(context.Context, int64, []int, [][]byte) error { return nil }
func (nopStore) DeleteColumn(context.Context, int64, int) error           { return nil }
func (nopStore) CountRowsWith(context.Context, int) (int64, error)        { return 0, nil }

type noConn struct{}

func (noConn) Close() error { return nil }

type nopProgress struct{ n int64 }

func (p *nopProgress) Add(n int64) { p.n += n }

// TestLoadParts checks that the parts of a sharded load together are the
// unsharded load: the same rows, each once, in batches of loadbatch.
func TestLoadParts(t *testing.T) {
	w := newTest(t, "rows", map[string]any{"rows": 1234, "loadbatch": 100})
	load := func(part, parts int) ([]Row, int64) {
		s := &fakeStore{}
		var p nopProgress
		if err := w.Load(context.Background(), &fakeConn{s: s}, part, parts, &p); err != nil {
			t.Fatal(err)
		}
		var rows []Row
		for _, b := range s.loads {
			if len(b) > 100 {
				t.Fatalf("batch of %d rows, loadbatch 100", len(b))
			}
			rows = append(rows, b...)
		}
		return rows, p.n
	}
	whole, n := load(0, 1)
	if len(whole) != 1234 || n != 1234 {
		t.Fatalf("unsharded load: %d rows, progress %d; want 1234", len(whole), n)
	}
	for _, parts := range []int{2, 3, 7} {
		var union []Row
		for part := range parts {
			rows, _ := load(part, parts)
			union = append(union, rows...)
		}
		slices.SortFunc(union, func(a, b Row) int { return int(a.ID - b.ID) })
		if reflect.DeepEqual(whole, union) {
			continue
		}
		if diff := cmp.Diff(whole, union); diff != "" {
			t.Errorf("%d parts differ from the whole (-whole +parts):\n%s", parts, diff)
		}
	}
	for i, r := range whole {
		if r.ID != int64(i) || len(r.Cols) == 0 || len(r.Cols) != len(r.Values) {
			t.Fatalf("row %d: %+v", i, r)
		}
	}
	if err := w.Load(context.Background(), &fakeConn{s: &fakeStore{}}, 3, 3, &nopProgress{}); err == nil {
		t.Error("Load part 3 of 3: no error")
	}
}
