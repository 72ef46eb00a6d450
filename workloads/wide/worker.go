package wide

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// worker is one worker's operation stream. All buffers are owned by it and
// reused, so producing and running an operation allocates nothing.
type worker struct {
	w     *Workload
	s     Store
	cnt   Counter
	r     *gen.Rand
	id, n int64

	mix    *gen.Discrete
	mixOps []int // mix index → op
	rows   gen.IntGenerator
	sets   uint64 // own set operations so far, for value versions

	// pending is the operation Next prepared last (opReadRow …), version
	// the value version of a pending set, and ledger the outcomes of the
	// worker's writes, for Verify.
	pending int
	version uint64
	ledger  *workloads.Ledger

	row     int64
	col     int
	cols    []int
	values  [][]byte
	loaded  []int // scratch: a row's loaded columns
	dstRow  Row
	dstVals []Value
	count   int64

	readRow  readRowOp
	readCols readColumnsOp
	set      setOp
	del      deleteOp
	countOp  countOp
}

// Worker returns worker id of n. Reads cover all rows; writes (set, delete)
// go only to the rows of the worker's own partition, the ids congruent to
// id modulo n, so no two workers write the same row and every row's final
// state depends only on its worker's deterministic stream.
func (w *Workload) Worker(c drivers.Conn, id, n int) (workloads.Worker, error) {
	s, err := w.store(c)
	if err != nil {
		return nil, err
	}
	if id < 0 || n < 1 || id >= n {
		return nil, fmt.Errorf("wide: worker %d of %d", id, n)
	}
	// Stream numbers above 2^32 keep workers apart from other streams.
	k := &worker{w: w, s: s, r: gen.NewRand(w.seed, 1<<32+uint64(id)), id: int64(id), n: int64(n)}
	k.cnt, _ = s.(Counter)
	k.ledger = w.newLedger(id, n)
	var weights []float64
	for op := range numOps {
		if w.props[op] > 0 {
			weights = append(weights, w.props[op])
			k.mixOps = append(k.mixOps, op)
		}
	}
	k.mix = gen.NewDiscrete(k.r, weights)
	if w.cfg.RequestDistribution == "uniform" {
		k.rows = gen.NewUniform(k.r, 0, w.cfg.Rows-1)
	} else {
		k.rows = gen.NewScrambledZipfian(k.r, 0, w.cfg.Rows-1)
	}
	nv := max(w.cfg.SetColumns, w.cfg.ReadColumns)
	k.cols = make([]int, 0, nv)
	k.values = make([][]byte, w.cfg.SetColumns)
	for i := range k.values {
		k.values[i] = make([]byte, 0, w.cfg.ValueLength)
	}
	k.dstVals = make([]Value, 0, w.cfg.ReadColumns)
	k.readRow.k, k.readCols.k, k.set.k, k.del.k, k.countOp.k = k, k, k, k, k
	k.readRow.kind, k.readCols.kind, k.set.kind, k.del.kind, k.countOp.kind =
		w.index[opReadRow], w.index[opReadColumns], w.index[opSet], w.index[opDelete], w.index[opCount]
	return k, nil
}

// ownRow maps row x to a row of the worker's partition near it: the row of
// x's block of n that the worker owns, or the block before when that is past
// the loaded rows. A worker whose partition holds no loaded row (more
// workers than rows) writes row Rows+id, a new row only it writes.
func (k *worker) ownRow(x int64) int64 {
	y := x - x%k.n + k.id
	if y >= k.w.cfg.Rows {
		y -= k.n
	}
	if y < 0 {
		y = k.w.cfg.Rows + k.id
	}
	return y
}

// Next chooses the next operation and prepares its arguments.
func (k *worker) Next() workloads.Op {
	cfg := &k.w.cfg
	k.pending = k.mixOps[k.mix.Next()]
	switch k.pending {
	case opReadRow:
		k.row = k.rows.Next()
		return &k.readRow
	case opReadColumns:
		k.row = k.rows.Next()
		// Named columns drawn uniformly from the universe: a row sets
		// about 2% of them, so most answers are null.
		k.cols = k.cols[:0]
		for len(k.cols) < cfg.ReadColumns {
			if c := k.r.IntN(cfg.Columns); !slices.Contains(k.cols, c) {
				k.cols = append(k.cols, c)
			}
		}
		return &k.readCols
	case opSet:
		k.row = k.ownRow(k.rows.Next())
		k.cols = k.w.gen.DrawColumns(k.r, k.cols[:0], cfg.SetColumns)
		k.sets++
		k.version = k.sets*uint64(k.n) + uint64(k.id) // unique per (worker, set), never 0
		for i, c := range k.cols {
			k.values[i] = k.w.gen.AppendValue(k.values[i][:0], k.row, c, k.version)
		}
		return &k.set
	case opDelete:
		// One of the columns the row was loaded with (it may be gone
		// already; deleting it again changes nothing).
		k.row = k.ownRow(k.rows.Next())
		if k.row < cfg.Rows {
			k.loaded = k.w.gen.RowColumns(k.loaded[:0], k.row) // never empty
			k.col = k.loaded[k.r.IntN(len(k.loaded))]
		} else {
			k.col = k.w.gen.DrawColumn(k.r)
		}
		return &k.del
	default: // opCount
		k.col = k.w.gen.DrawColumn(k.r)
		return &k.countOp
	}
}

// Acknowledge records the outcome of the operation Next prepared last in
// the worker's ledger, if it wrote: a set's new version of its columns, a
// delete's unset column.
func (k *worker) Acknowledge(err error) {
	switch k.pending {
	case opSet:
		o := workloads.OutcomeOf(err)
		k.ledger.Count(o)
		for _, c := range k.cols {
			k.ledger.Set(ledgerKey(k.row, c), k.version, o)
		}
	case opDelete:
		o := workloads.OutcomeOf(err)
		k.ledger.Count(o)
		k.ledger.Set(ledgerKey(k.row, k.col), unset, o)
	}
}

type readRowOp struct {
	k    *worker
	kind int
}

func (o *readRowOp) Kind() int { return o.kind }
func (o *readRowOp) Do(ctx context.Context) (err error) {
	k := o.k
	k.dstRow, err = k.s.ReadRow(ctx, k.row, k.dstRow)
	if errors.Is(err, drivers.ErrNotFound) {
		// Deletes can empty a row: "no columns" is an answer, not a failure.
		return nil
	}
	return err
}

type readColumnsOp struct {
	k    *worker
	kind int
}

func (o *readColumnsOp) Kind() int { return o.kind }
func (o *readColumnsOp) Do(ctx context.Context) (err error) {
	k := o.k
	k.dstVals, err = k.s.ReadColumns(ctx, k.row, k.cols, k.dstVals)
	return err
}

type setOp struct {
	k    *worker
	kind int
}

func (o *setOp) Kind() int { return o.kind }
func (o *setOp) Do(ctx context.Context) error {
	k := o.k
	return k.s.SetColumns(ctx, k.row, k.cols, k.values[:len(k.cols)])
}

type deleteOp struct {
	k    *worker
	kind int
}

func (o *deleteOp) Kind() int { return o.kind }
func (o *deleteOp) Do(ctx context.Context) error {
	k := o.k
	return k.s.DeleteColumn(ctx, k.row, k.col)
}

type countOp struct {
	k    *worker
	kind int
}

func (o *countOp) Kind() int { return o.kind }
func (o *countOp) Do(ctx context.Context) (err error) {
	k := o.k
	k.count, err = k.cnt.CountRowsWith(ctx, k.col)
	return err
}
