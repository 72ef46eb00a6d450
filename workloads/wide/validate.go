package wide

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Query kinds of the validation set.
const (
	qReadRow = iota
	qReadColumns
	qCount
)

// check is one validation query with its expected answer, computed from the
// generator alone.
type check struct {
	kind int
	id   int64 // qReadRow, qReadColumns
	// qReadRow: the expected columns (nil: the row does not exist);
	// qReadColumns: the columns asked.
	cols []int
	// want holds the expected values, aligned with cols; nil for a column
	// the row does not set (qReadColumns).
	want  [][]byte
	col   int   // qCount
	count int64 // qCount
}

// Validation sample sizes.
const (
	sampleRows    = 200 // rows read whole
	sampleColumns = 50  // rows read by named columns
)

// sample returns the ids of the rows validation reads: both ends and an
// even spread between.
func (w *Workload) sample() []int64 { return spread(0, w.cfg.Rows, sampleRows) }

// spread returns both ends of the ids [lo, hi) and an even spread of n
// between.
func spread(lo, hi, n int64) []int64 {
	if hi <= lo {
		return nil
	}
	rows := hi - lo
	ids := []int64{lo}
	for i := int64(1); i < n && i < rows; i++ {
		ids = append(ids, lo+i*rows/n)
	}
	if rows > 1 {
		ids = append(ids, hi-1)
	}
	return slices.Compact(ids)
}

// countColumns returns the columns whose counts validation checks: popular
// and rare ones.
func (w *Workload) countColumns() []int {
	var cols []int
	for _, c := range []int{0, 1, 2, 3, 9, 49, 99, 499, w.cfg.Columns - 1} {
		if c < w.cfg.Columns && !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	return cols
}

// missingRow returns an id no row has.
func (w *Workload) missingRow() int64 { return w.cfg.Rows + 1<<40 }

// checks builds the validation queries and their expected answers from the
// generator: whole rows of the sample, named columns (some set, some not,
// in an order that is not the column order), a row that does not exist,
// and, when withCounts, the number of rows setting popular and rare
// columns, counted in one streaming pass over every generated row.
func (w *Workload) checks(ctx context.Context, sample []int64, withCounts bool) ([]check, error) {
	var cs []check
	for _, id := range sample {
		var r Row
		w.FillRow(&r, id)
		cs = append(cs, check{kind: qReadRow, id: id, cols: r.Cols, want: r.Values})
	}
	// Named columns: the row's last and first set columns, then up to
	// three it does not set, drawn uniformly.
	r := gen.NewRand(w.seed, 1<<33)
	for _, id := range sample[:min(len(sample), sampleColumns)] {
		set := w.gen.RowColumns(nil, id)
		cols := []int{set[len(set)-1]}
		if set[0] != cols[0] {
			cols = append(cols, set[0])
		}
		for absent := min(3, w.cfg.Columns-len(set)); absent > 0; {
			c := r.IntN(w.cfg.Columns)
			if !slices.Contains(set, c) && !slices.Contains(cols, c) {
				cols = append(cols, c)
				absent--
			}
		}
		// Absent columns first: the answer must follow the order asked.
		slices.Reverse(cols)
		want := make([][]byte, len(cols))
		for i, c := range cols {
			if slices.Contains(set, c) {
				want[i] = w.gen.AppendValue(nil, id, c, 0)
			}
		}
		cs = append(cs, check{kind: qReadColumns, id: id, cols: cols, want: want})
	}
	// No columns asked: an empty answer.
	cs = append(cs, check{kind: qReadColumns, id: sample[0], cols: []int{}, want: [][]byte{}})
	// A row that does not exist: not found whole, all null by columns.
	missing := w.missingRow()
	cs = append(cs, check{kind: qReadRow, id: missing})
	var mcols []int
	for _, c := range []int{0, w.cfg.Columns / 2, w.cfg.Columns - 1} {
		if !slices.Contains(mcols, c) {
			mcols = append(mcols, c)
		}
	}
	cs = append(cs, check{kind: qReadColumns, id: missing, cols: mcols, want: make([][]byte, len(mcols))})

	if withCounts {
		counts := make([]int64, w.cfg.Columns)
		var cols []int
		for id := range w.cfg.Rows {
			if id%(1<<16) == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			cols = w.gen.RowColumns(cols[:0], id)
			for _, c := range cols {
				counts[c]++
			}
		}
		ccols := w.countColumns()
		// A column no row sets, if there is one (small data sets).
		if i := slices.Index(counts, 0); i >= 0 && !slices.Contains(ccols, i) {
			ccols = append(ccols, i)
		}
		for _, c := range ccols {
			cs = append(cs, check{kind: qCount, col: c, count: counts[c]})
		}
	}
	return cs, nil
}

// Validate reads whole rows of a sample, named columns of some of them
// (set and unset ones), a row that does not exist, and — on stores with
// Counter — counts rows setting popular and rare columns, and compares every
// answer with the generated data.
func (w *Workload) Validate(ctx context.Context, c drivers.Conn) (workloads.Validation, error) {
	s, err := w.store(c)
	if err != nil {
		return workloads.Validation{}, err
	}
	_, hasCount := s.(Counter)
	cs, err := w.checks(ctx, w.sample(), hasCount)
	if err != nil {
		return workloads.Validation{}, err
	}
	return w.verify(ctx, s, cs)
}

// ValidateShare checks the rows of load parts [first, first+count) of
// parts as Validate checks a sample of all rows — whole rows, named
// columns, a row that does not exist — without the counts, which depend
// on the other shares.
func (w *Workload) ValidateShare(ctx context.Context, c drivers.Conn, first, count, parts int) (workloads.Validation, error) {
	s, err := w.store(c)
	if err != nil {
		return workloads.Validation{}, err
	}
	per := max(2, sampleRows/int64(count))
	var sample []int64
	for part := first; part < first+count; part++ {
		lo, hi := PartRange(w.cfg.Rows, part, parts)
		sample = append(sample, spread(lo, hi, per)...)
	}
	if len(sample) == 0 {
		return workloads.Validation{}, nil
	}
	cs, err := w.checks(ctx, sample, false)
	if err != nil {
		return workloads.Validation{}, err
	}
	return w.verify(ctx, s, cs)
}

// verify asks the store every check and compares its answers.
func (w *Workload) verify(ctx context.Context, s Store, cs []check) (workloads.Validation, error) {
	var v workloads.Validation
	cnt, _ := s.(Counter)
	var err error
	var row Row
	var vals []Value
	for _, q := range cs {
		switch q.kind {
		case qReadRow:
			row, err = s.ReadRow(ctx, q.id, row)
			if q.cols == nil {
				switch {
				case errors.Is(err, drivers.ErrNotFound):
					v.Pass()
				case err == nil:
					v.Failf("read row %d: found %d columns, want not found", q.id, len(row.Cols))
				case ctx.Err() != nil:
					return v, ctx.Err()
				default:
					return v, fmt.Errorf("read missing row %d: %w", q.id, err)
				}
				continue
			}
			if err != nil {
				if errors.Is(err, drivers.ErrNotFound) {
					v.Failf("read row %d: not found", q.id)
					continue
				}
				if ctx.Err() != nil {
					return v, ctx.Err()
				}
				return v, fmt.Errorf("read row %d: %w", q.id, err)
			}
			v.Check(row.ID == q.id && equalRow(row.Cols, row.Values, q.cols, q.want),
				"read row %d: got id %d %s, want %s", q.id, row.ID, formatCells(row.Cols, row.Values), formatCells(q.cols, q.want))
		case qReadColumns:
			vals, err = s.ReadColumns(ctx, q.id, q.cols, vals)
			if err != nil {
				if ctx.Err() != nil {
					return v, ctx.Err()
				}
				return v, fmt.Errorf("read row %d columns %v: %w", q.id, q.cols, err)
			}
			v.Check(equalValues(vals, q.want), "read row %d columns %v: got %s, want %s", q.id, q.cols, formatValues(vals), formatWant(q.want))
		case qCount:
			n, err := cnt.CountRowsWith(ctx, q.col)
			if err != nil {
				if ctx.Err() != nil {
					return v, ctx.Err()
				}
				return v, fmt.Errorf("count rows with %s: %w", ColumnName(q.col), err)
			}
			v.Check(n == q.count, "count rows with %s: got %d, want %d", ColumnName(q.col), n, q.count)
		}
	}
	return v, nil
}

func equalRow(cols []int, vals [][]byte, wantCols []int, want [][]byte) bool {
	if !slices.Equal(cols, wantCols) || len(vals) != len(want) {
		return false
	}
	for i := range vals {
		if !bytes.Equal(vals[i], want[i]) {
			return false
		}
	}
	return true
}

// equalValues compares a ReadColumns answer with expected values (nil: not
// set).
func equalValues(got []Value, want [][]byte) bool {
	if len(got) != len(want) {
		return false
	}
	for i, g := range got {
		if g.Valid != (want[i] != nil) || g.Valid && !bytes.Equal(g.Bytes, want[i]) {
			return false
		}
	}
	return true
}

func formatCells(cols []int, vals [][]byte) string {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		if i == 8 {
			fmt.Fprintf(&b, "… %d columns", len(cols))
			break
		}
		v := []byte("?")
		if i < len(vals) {
			v = vals[i]
		}
		fmt.Fprintf(&b, "%s:%s", ColumnName(c), v)
	}
	b.WriteByte('}')
	return b.String()
}

func formatValues(vals []Value) string {
	want := make([][]byte, len(vals))
	for i, v := range vals {
		if v.Valid {
			want[i] = v.Bytes
		}
	}
	return formatWant(want)
}

func formatWant(want [][]byte) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, v := range want {
		if i > 0 {
			b.WriteByte(' ')
		}
		if v == nil {
			b.WriteString("null")
		} else {
			fmt.Fprintf(&b, "%q", v)
		}
	}
	b.WriteByte(']')
	return b.String()
}
