package wide

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
)

// Ledger keys are a row and a column (columns are below 1024); a column's
// state is the version of the value a set wrote, or unset.
const (
	colBits = 10
	unset   = math.MaxUint64
)

func ledgerKey(row int64, col int) uint64 { return uint64(row)<<colBits | uint64(col) }

// ownRows returns the number of loaded rows worker id of n writes: the ids
// congruent to id modulo n (none when the mix does not write).
func (w *Workload) ownRows(id, n int) int64 {
	if w.props[opSet] == 0 && w.props[opDelete] == 0 {
		return 0
	}
	return max(0, (w.cfg.Rows-int64(id)+int64(n)-1)/int64(n))
}

// newLedger returns the ledger of worker id of n: the columns of its own
// loaded rows in its dense arrays (row id+n·i is the worker's i-th), the
// row it may write beyond them in maps.
func (w *Workload) newLedger(id, n int) *workloads.Ledger {
	sp := workloads.LedgerSpace{Shift: colBits, Subs: w.cfg.Columns, First: int64(id), Step: int64(n), Records: w.ownRows(id, n)}
	return workloads.NewLedger(sp, n)
}

// LedgerBytes returns the memory of the ledgers of workers workers
// (workloads.LedgerSizer).
func (w *Workload) LedgerBytes(workers int) int64 {
	_, b := workloads.LedgerPlan(w.ownRows(0, workers), w.cfg.Columns, workers)
	return b
}

var (
	_ workloads.Verifier    = (*Workload)(nil)
	_ workloads.LedgerSizer = (*Workload)(nil)
)

// Verify reads back, whole, every row the workers wrote after the run, and
// checks each column a worker set or deleted against what its writes allow
// (workloads.Ledger; each row has one writer, so the rule is exact: the
// last acknowledged write, or one of unknown outcome), and every other
// column against the loaded row. On a store with Counter it then counts
// the rows setting each column the writes touched, which must equal the
// loaded count changed by exactly what the rows read back show (in a run of
// every worker on freshly loaded data).
func (w *Workload) Verify(ctx context.Context, c drivers.Conn, sc workloads.VerifyScope) (workloads.Verification, error) {
	var ver workloads.Verification
	s, err := w.store(c)
	if err != nil {
		return ver, err
	}
	if err := workloads.RefreshStore(ctx, s); err != nil {
		return ver, err
	}
	ws, ledgers, err := workloads.WorkerLedgers("wide", sc.Workers, &ver, func(k *worker) *workloads.Ledger { return k.ledger })
	if err != nil {
		return ver, err
	}
	n := 0
	if len(ws) > 0 {
		n = int(ws[len(ws)-1].n)
	}
	cnt, counts := s.(Counter)
	// Counts compare every row with the rows read back: not when the
	// ledgers sampled the rows.
	sampled := false
	for _, l := range ledgers {
		sampled = sampled || l.Stride() > 1
	}
	counts = counts && sc.Fresh && len(sc.Workers) == n && !sampled
	var (
		mu       sync.Mutex
		checkers []*rowChecker
	)
	v, keys, err := workloads.ReadBack(ctx, ledgers, colBits, sc.Readers, nil, func() workloads.Checker {
		ck := &rowChecker{w: w, s: s, fresh: sc.Fresh}
		if counts {
			ck.delta = make([]int64, w.cfg.Columns)
		}
		mu.Lock()
		checkers = append(checkers, ck)
		mu.Unlock()
		return ck.check
	})
	ver.Validation, ver.Keys = v, keys
	if err != nil || !counts || keys == 0 {
		if !counts && keys > 0 {
			if _, ok := s.(Counter); ok {
				ver.Skip("column counts: the run did not start from freshly loaded data, other shards wrote rows too, or the ledgers sampled the rows")
			}
		}
		return ver, err
	}
	// Counts: the loaded count of each column the rows read back changed,
	// plus their change.
	delta := make([]int64, w.cfg.Columns)
	for _, ck := range checkers {
		for c, d := range ck.delta {
			delta[c] += d
		}
	}
	touched := make([]bool, w.cfg.Columns)
	for _, ck := range checkers {
		for _, c := range ck.touched {
			touched[c] = true
		}
	}
	loaded, err := w.columnCounts(ctx)
	if err != nil {
		return ver, err
	}
	for col, t := range touched {
		if !t {
			continue
		}
		got, err := cnt.CountRowsWith(ctx, col)
		if err != nil {
			if ctx.Err() != nil {
				return ver, ctx.Err()
			}
			return ver, fmt.Errorf("count rows with %s: %w", ColumnName(col), err)
		}
		want := loaded[col] + delta[col]
		ver.Check(got == want, "count rows with %s: got %d, want %d (%d loaded, %+d by the rows the run wrote)", ColumnName(col), got, want, loaded[col], delta[col])
	}
	return ver, nil
}

// columnCounts returns the number of loaded rows setting each column, in
// one streaming pass over the generated rows.
func (w *Workload) columnCounts(ctx context.Context) ([]int64, error) {
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
	return counts, nil
}

// rowChecker reads back rows for Verify; it is used by one goroutine.
type rowChecker struct {
	w      *Workload
	s      Store
	fresh  bool
	row    Row
	loaded []int
	want   []byte
	// delta, when counts are checked, is how much the rows read back
	// changed each column's count; touched the columns they set or unset
	// (with repeats).
	delta   []int64
	touched []int
}

// check reads back one row and compares every column with what its writes
// and the loaded row allow.
func (ck *rowChecker) check(ctx context.Context, r *workloads.Record, v *workloads.Validation) error {
	w := ck.w
	id := int64(r.ID)
	var err error
	ck.row, err = ck.s.ReadRow(ctx, id, ck.row)
	switch {
	case errors.Is(err, drivers.ErrNotFound):
		ck.row.Cols, ck.row.Values = ck.row.Cols[:0], ck.row.Values[:0]
	case err != nil:
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("read back row %d: %w", id, err)
	case ck.row.ID != id || len(ck.row.Values) != len(ck.row.Cols):
		v.Failf("row %d: answer for row %d with %d columns and %d values", id, ck.row.ID, len(ck.row.Cols), len(ck.row.Values))
		return nil
	}
	ck.loaded = ck.loaded[:0]
	if id < w.cfg.Rows {
		ck.loaded = w.gen.RowColumns(ck.loaded, id)
	}
	got := ck.row
	// Walk the columns written, read back and loaded in ascending order.
	gi, li := 0, 0
	for _, cand := range r.Keys {
		col := int(cand.Key & (1<<colBits - 1))
		// Columns before col nobody wrote: read back iff loaded.
		if !ck.unwritten(v, id, col, &gi, &li) {
			return nil
		}
		value, has := []byte(nil), gi < len(got.Cols) && got.Cols[gi] == col
		if has {
			value = got.Values[gi]
			gi++
		}
		wasLoaded := li < len(ck.loaded) && ck.loaded[li] == col
		if wasLoaded {
			li++
		}
		ok := cand.Prior && !ck.fresh // an earlier run may have left anything
		for _, ver := range cand.States {
			ok = ok || ck.holds(has, value, id, col, ver)
		}
		if cand.Prior && !ok {
			ok = wasLoaded && ck.holds(has, value, id, col, 0) || !wasLoaded && !has
		}
		v.Check(ok, "row %d %s: %s, which no allowed write left (versions %s)", id, ColumnName(col), describe(has, value), versions(&cand))
		if ck.delta != nil {
			ck.delta[col] += b2i(has) - b2i(wasLoaded)
			ck.touched = append(ck.touched, col)
		}
	}
	if !ck.unwritten(v, id, w.cfg.Columns, &gi, &li) {
		return nil
	}
	if ck.fresh {
		v.Pass() // the columns nobody wrote
	}
	return nil
}

// unwritten checks the columns below col that no worker wrote, from
// positions gi of the row read back and li of the loaded columns: in a run
// on freshly loaded data each must be as loaded. It reports false after
// recording a failure.
func (ck *rowChecker) unwritten(v *workloads.Validation, id int64, col int, gi, li *int) bool {
	got := ck.row
	for {
		g := math.MaxInt
		if *gi < len(got.Cols) {
			g = got.Cols[*gi]
		}
		l := math.MaxInt
		if *li < len(ck.loaded) {
			l = ck.loaded[*li]
		}
		next := min(g, l)
		if next >= col {
			return true
		}
		switch {
		case g == l:
			*gi++
			*li++
			ck.want = ck.w.gen.AppendValue(ck.want[:0], id, g, 0)
			if ck.fresh && !bytes.Equal(got.Values[*gi-1], ck.want) {
				v.Failf("row %d %s: got %.16q…, want its loaded value %.16q… (no worker wrote it)", id, ColumnName(g), got.Values[*gi-1], ck.want)
				return false
			}
		case g < l:
			*gi++
			if ck.fresh {
				v.Failf("row %d %s: set to %.16q…, but neither loaded nor written", id, ColumnName(g), got.Values[*gi-1])
				return false
			}
		default:
			*li++
			if ck.fresh {
				v.Failf("row %d %s: missing, but loaded and never deleted", id, ColumnName(l))
				return false
			}
		}
	}
}

// holds reports whether a column read back (has, value) is in state ver.
func (ck *rowChecker) holds(has bool, value []byte, id int64, col int, ver uint64) bool {
	if ver == unset {
		return !has
	}
	if !has {
		return false
	}
	ck.want = ck.w.gen.AppendValue(ck.want[:0], id, col, ver)
	return bytes.Equal(value, ck.want)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func describe(has bool, value []byte) string {
	if !has {
		return "not set"
	}
	return fmt.Sprintf("%.16q…", value)
}

// versions describes the states a column may be in.
func versions(c *workloads.Candidates) string {
	var parts []string
	for _, s := range c.States {
		if s == unset {
			parts = append(parts, "unset")
		} else {
			parts = append(parts, fmt.Sprint(s))
		}
	}
	if c.Prior {
		parts = append(parts, "as loaded")
	}
	return strings.Join(parts, " ")
}
