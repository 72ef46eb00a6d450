package point

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// worker is one worker's operation stream. All buffers are owned by it and
// reused, so producing and running an operation allocates nothing.
type worker struct {
	w     *Workload
	s     Store
	sc    Scanner
	r     *gen.Rand
	id, n int64

	mix      *gen.Discrete
	mixOps   []int // mix index → op
	keys     gen.IntGenerator
	scanLen  gen.IntGenerator
	inserted int64  // own inserts so far
	updates  uint64 // own updates so far, for value versions

	// pending is the operation Next prepared last (opRead …), version the
	// value version of a pending update, and ledger the outcomes of the
	// worker's writes, for Verify.
	pending int
	version uint64
	ledger  *workloads.Ledger

	keynum int64
	key    []byte
	fields []int // nil: all fields
	one    [1]int
	upd    []int // fields to update; all fields or one
	allIdx []int
	values [][]byte
	dst    [][]byte
	recs   []Record
	count  int

	read   readOp
	update updateOp
	insert insertOp
	scan   scanOp
	rmw    rmwOp
}

// Worker returns worker id of n.
func (w *Workload) Worker(c drivers.Conn, id, n int) (workloads.Worker, error) {
	s, err := w.store(c)
	if err != nil {
		return nil, err
	}
	if id < 0 || n < 1 || id >= n {
		return nil, fmt.Errorf("point: worker %d of %d", id, n)
	}
	k := &worker{w: w, s: s, r: gen.NewRand(w.seed, uint64(id)+1), id: int64(id), n: int64(n)}
	k.sc, _ = s.(Scanner)
	k.ledger = w.newLedger(n)
	var weights []float64
	for op := range numOps {
		if w.props[op] > 0 {
			weights = append(weights, w.props[op])
			k.mixOps = append(k.mixOps, op)
		}
	}
	k.mix = gen.NewDiscrete(k.r, weights)
	cfg := w.cfg
	switch cfg.RequestDistribution {
	case "uniform":
		k.keys = gen.NewUniform(k.r, 0, cfg.Records-1)
	case "sequential":
		// Each worker walks its own slice of the key range.
		lo, hi := PartRange(cfg.Records, id, n)
		if hi <= lo {
			lo, hi = 0, cfg.Records
		}
		k.keys = gen.NewSequential(lo, hi-1)
	case "hotspot":
		k.keys = gen.NewHotspot(k.r, 0, cfg.Records-1, cfg.HotspotDataFraction, cfg.HotspotOpnFraction)
	case "latest":
		k.keys = gen.NewLatest(k.r, k.newest, gen.ZipfianConstant, w.zetan)
	case "exponential":
		k.keys = gen.NewExponential(k.r, cfg.ExponentialPercentile, float64(cfg.Records)*cfg.ExponentialFrac)
	default: // zipfian
		// YCSB's ScrambledZipfianGenerator(insertstart, insertstart +
		// insertcount + expectednewkeys): the upper bound is inclusive, so
		// the hashed item count is records + headroom + 1, and the hot keys
		// are the ones YCSB's are. Draws beyond the keys known to exist
		// are drawn again (nextKeynum).
		k.keys = gen.NewScrambledZipfian(k.r, 0, cfg.Records+cfg.InsertHeadroom)
	}
	if cfg.ScanLengthDistribution == "zipfian" {
		k.scanLen = gen.NewZipfian(k.r, int64(cfg.MinScanLength), int64(cfg.MaxScanLength), gen.ZipfianConstant)
	} else {
		k.scanLen = gen.NewUniform(k.r, int64(cfg.MinScanLength), int64(cfg.MaxScanLength))
	}
	k.allIdx = make([]int, cfg.FieldCount)
	for i := range k.allIdx {
		k.allIdx[i] = i
	}
	k.values = make([][]byte, cfg.FieldCount)
	for i := range k.values {
		k.values[i] = make([]byte, 0, cfg.FieldLength)
	}
	k.dst = make([][]byte, cfg.FieldCount)
	k.read.k, k.update.k, k.insert.k, k.scan.k, k.rmw.k = k, k, k, k, k
	k.read.kind, k.update.kind, k.insert.kind, k.scan.kind, k.rmw.kind =
		w.index[opRead], w.index[opUpdate], w.index[opInsert], w.index[opScan], w.index[opRMW]
	return k, nil
}

// exists reports whether this worker knows key number n to exist: a loaded
// key or one of its own inserts.
func (k *worker) exists(n int64) bool {
	recs := k.w.cfg.Records
	if n < recs {
		return n >= 0
	}
	d := n - recs
	return d%k.n == k.id && d/k.n < k.inserted
}

// newest returns the logical index (see logical) of the newest key this
// worker knows to exist.
func (k *worker) newest() int64 { return k.w.cfg.Records + k.inserted - 1 }

// logical maps the latest generator's logical index (loaded keys, then this
// worker's inserts in order) to a key number.
func (k *worker) logical(i int64) int64 {
	recs := k.w.cfg.Records
	if i < recs {
		return i
	}
	return recs + k.id + (i-recs)*k.n
}

// nextKeynum draws the key of the next read, update or scan, redrawing keys
// not known to exist as YCSB does.
func (k *worker) nextKeynum() int64 {
	switch k.w.cfg.RequestDistribution {
	case "latest":
		return k.logical(k.keys.Next())
	case "exponential":
		// YCSB: the newest key minus an exponential distance, drawn
		// again while it falls before key 0.
		for range 64 {
			if i := k.newest() - k.keys.Next(); i >= 0 {
				return k.logical(i)
			}
		}
		return k.logical(k.newest())
	}
	for range 64 {
		if n := k.keys.Next(); k.exists(n) {
			return n
		}
	}
	// Unlucky streak (tiny key ranges): fall back to a loaded key.
	return k.r.Int64N(k.w.cfg.Records)
}

func (k *worker) chooseReadFields() {
	if k.w.cfg.ReadAllFields {
		k.fields = nil
		return
	}
	k.one[0] = k.r.IntN(k.w.cfg.FieldCount)
	k.fields = k.one[:]
}

// prepareUpdate chooses the fields to write and fills their new values.
func (k *worker) prepareUpdate() {
	k.updates++
	k.version = k.updates*uint64(k.n) + uint64(k.id) // unique per (worker, update), never 0
	if k.w.cfg.WriteAllFields {
		k.upd = k.allIdx
	} else {
		k.one[0] = k.r.IntN(k.w.cfg.FieldCount)
		k.upd = k.one[:]
	}
	k.values = k.values[:len(k.upd)]
	for i, f := range k.upd {
		k.values[i] = k.w.AppendValue(k.values[i][:0], k.keynum, f, k.version)
	}
}

func (k *worker) setKey(n int64) {
	k.keynum = n
	k.key = k.w.AppendKey(k.key[:0], n)
}

// Next chooses the next operation and prepares its arguments.
func (k *worker) Next() workloads.Op {
	k.pending = k.mixOps[k.mix.Next()]
	switch k.pending {
	case opRead:
		k.setKey(k.nextKeynum())
		k.chooseReadFields()
		return &k.read
	case opUpdate:
		k.setKey(k.nextKeynum())
		k.prepareUpdate()
		return &k.update
	case opInsert:
		k.setKey(k.w.cfg.Records + k.id + k.inserted*k.n)
		k.values = k.values[:k.w.cfg.FieldCount]
		for f := range k.values {
			k.values[f] = k.w.AppendValue(k.values[f][:0], k.keynum, f, 0)
		}
		return &k.insert
	case opScan:
		k.setKey(k.nextKeynum())
		k.count = int(k.scanLen.Next())
		k.chooseReadFields()
		return &k.scan
	default: // opRMW
		k.setKey(k.nextKeynum())
		k.chooseReadFields()
		k.prepareUpdate()
		return &k.rmw
	}
}

// Acknowledge records the outcome of the operation Next prepared last in
// the worker's ledger, if it wrote: an update's new version of the fields it
// set, an insert's new record.
func (k *worker) Acknowledge(err error) {
	switch k.pending {
	case opUpdate, opRMW:
		o := workloads.OutcomeOf(err)
		k.ledger.Count(o)
		for _, f := range k.upd {
			k.ledger.Set(ledgerKey(k.keynum, f), k.version, o)
		}
	case opInsert:
		o := workloads.OutcomeOf(err)
		k.ledger.Count(o)
		if o == workloads.Rejected {
			// The store's word on the only write of this key: not there.
			k.ledger.Set(ledgerKey(k.keynum, insertMark), insertRejected, workloads.Acked)
		} else {
			k.ledger.Set(ledgerKey(k.keynum, insertMark), inserted, o)
		}
	}
}

type readOp struct {
	k    *worker
	kind int
}

func (o *readOp) Kind() int { return o.kind }
func (o *readOp) Do(ctx context.Context) (err error) {
	k := o.k
	k.dst, err = k.s.Read(ctx, k.key, k.fields, k.dst)
	return err
}

type updateOp struct {
	k    *worker
	kind int
}

func (o *updateOp) Kind() int { return o.kind }
func (o *updateOp) Do(ctx context.Context) error {
	k := o.k
	return k.s.Update(ctx, k.key, k.upd, k.values)
}

type insertOp struct {
	k    *worker
	kind int
}

func (o *insertOp) Kind() int { return o.kind }
func (o *insertOp) Do(ctx context.Context) error {
	k := o.k
	// The key is used up whether or not the store took it, so later inserts
	// never collide with it and the stream stays deterministic; a failed
	// insert is counted as an error and leaves a hole later reads may hit.
	k.inserted++
	return k.s.Insert(ctx, k.key, k.values)
}

type scanOp struct {
	k    *worker
	kind int
}

func (o *scanOp) Kind() int { return o.kind }
func (o *scanOp) Do(ctx context.Context) (err error) {
	k := o.k
	k.recs, err = k.sc.Scan(ctx, k.key, k.count, k.fields, k.recs)
	return err
}

type rmwOp struct {
	k    *worker
	kind int
}

func (o *rmwOp) Kind() int { return o.kind }
func (o *rmwOp) Do(ctx context.Context) (err error) {
	k := o.k
	if k.dst, err = k.s.Read(ctx, k.key, k.fields, k.dst); err != nil {
		return err
	}
	return k.s.Update(ctx, k.key, k.upd, k.values)
}
