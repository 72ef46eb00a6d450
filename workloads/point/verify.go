package point

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
)

// Ledger keys: a key number and a field, or insertMark for the record's
// insert. Fields are below 1000 (Config.validate).
const (
	fieldBits  = 10
	insertMark = 1<<fieldBits - 1
)

// States of an insertMark key.
const (
	inserted       = 1 // the insert applied (or, of unknown outcome, may have)
	insertRejected = 2 // the store said the insert did not apply
)

func ledgerKey(keynum int64, field int) uint64 { return uint64(keynum)<<fieldBits | uint64(field) }

// newLedger returns the ledger of one of n workers: the loaded records'
// fields in its dense arrays (none when the mix does not update them),
// inserted records in maps.
func (w *Workload) newLedger(n int) *workloads.Ledger {
	return workloads.NewLedger(workloads.LedgerSpace{Shift: fieldBits, Subs: w.cfg.FieldCount, Records: w.ledgerRecords()}, n)
}

// ledgerRecords returns the records of the ledgers' dense arrays: the loaded
// ones if the mix updates them.
func (w *Workload) ledgerRecords() int64 {
	if w.props[opUpdate] == 0 && w.props[opRMW] == 0 {
		return 0
	}
	return w.cfg.Records
}

// LedgerBytes returns the memory of the ledgers of workers workers
// (workloads.LedgerSizer).
func (w *Workload) LedgerBytes(workers int) int64 {
	_, b := workloads.LedgerPlan(w.ledgerRecords(), w.cfg.FieldCount, workers)
	return b
}

var (
	_ workloads.Verifier    = (*Workload)(nil)
	_ workloads.LedgerSizer = (*Workload)(nil)
)

// Verify reads back every record the workers wrote — updated or inserted —
// after the run, whole, and checks that it exists when an acknowledged
// insert created it (and not when the store rejected the insert), and that
// every field a worker updated holds the value of one of the updates the
// rule allows (workloads.Ledger): the last acknowledged update of each
// worker that wrote it, any update of unknown outcome, or — when no update
// of the field was acknowledged — its loaded value. Fields nobody updated
// must hold their loaded (or inserted) value. In a sharded run loaded
// records, which other shards' workers update too, are not read back; each
// worker's own inserts are.
func (w *Workload) Verify(ctx context.Context, c drivers.Conn, sc workloads.VerifyScope) (workloads.Verification, error) {
	var ver workloads.Verification
	s, err := w.store(c)
	if err != nil {
		return ver, err
	}
	if err := workloads.RefreshStore(ctx, s); err != nil {
		return ver, err
	}
	ws, ledgers, err := workloads.WorkerLedgers("point", sc.Workers, &ver, func(k *worker) *workloads.Ledger { return k.ledger })
	if err != nil {
		return ver, err
	}
	n := 0
	if len(ws) > 0 {
		n = int(ws[len(ws)-1].n)
	}
	var keep func(uint64) bool
	if len(sc.Workers) < n {
		keep = func(id uint64) bool { return int64(id) >= w.cfg.Records }
		ver.Skip("loaded records: workers of other shards update them too (each shard reads back its own inserts)")
	}
	v, keys, err := workloads.ReadBack(ctx, ledgers, fieldBits, sc.Readers, keep, func() workloads.Checker {
		ck := &checker{w: w, s: s, fresh: sc.Fresh}
		return ck.check
	})
	ver.Validation, ver.Keys = v, keys
	return ver, err
}

// checker reads back records for Verify; it is used by one goroutine.
type checker struct {
	w     *Workload
	s     Store
	fresh bool
	key   []byte
	dst   [][]byte
	want  []byte
}

// check reads back one record and compares it with what its writes allow.
func (ck *checker) check(ctx context.Context, r *workloads.Record, v *workloads.Validation) error {
	w := ck.w
	keynum := int64(r.ID)
	fields := r.Keys
	// Must the record exist, or be absent? A loaded record (in a run on
	// freshly loaded data) or one whose insert or an update was
	// acknowledged exists; one whose insert the store rejected does not
	// (freshly loaded data again).
	mustExist := ck.fresh && keynum < w.cfg.Records
	mayBeAbsent := !mustExist
	if last := fields[len(fields)-1]; last.Key&insertMark == insertMark {
		fields = fields[:len(fields)-1]
		if !last.Prior && slices.Equal(last.States, []uint64{inserted}) {
			mustExist, mayBeAbsent = true, false
		}
		if !last.Prior && slices.Equal(last.States, []uint64{insertRejected}) && ck.fresh {
			mustExist, mayBeAbsent = false, false
		}
	}
	for _, f := range fields {
		if !f.Prior { // an acknowledged update found the record
			mustExist, mayBeAbsent = true, false
		}
	}
	ck.key = w.AppendKey(ck.key[:0], keynum)
	var err error
	ck.dst, err = ck.s.Read(ctx, ck.key, nil, ck.dst)
	switch {
	case errors.Is(err, drivers.ErrNotFound):
		v.Check(!mustExist || mayBeAbsent, "record %s: not found, but an acknowledged write created it", ck.key)
		return nil
	case err != nil:
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("read back %s: %w", ck.key, err)
	}
	if !mustExist && !mayBeAbsent {
		v.Failf("record %s: found, but the store rejected its insert", ck.key)
		return nil
	}
	v.Pass() // it exists, as it may
	if len(ck.dst) != w.cfg.FieldCount {
		v.Failf("record %s: %d fields, want %d", ck.key, len(ck.dst), w.cfg.FieldCount)
		return nil
	}
	// Every field: one a worker wrote must hold a value a write allows;
	// one nobody wrote its loaded value (unless an earlier run may have
	// changed it).
	next, others := 0, false
	for f := range w.cfg.FieldCount {
		got := ck.dst[f]
		if next == len(fields) || int(fields[next].Key&insertMark) != f {
			if ck.fresh || mustExist && keynum >= w.cfg.Records {
				ck.want = w.AppendValue(ck.want[:0], keynum, f, 0)
				if !bytes.Equal(got, ck.want) {
					v.Failf("record %s field%d: got %.16q…, want its loaded value %.16q… (no worker updated it)", ck.key, f, got, ck.want)
					return nil
				}
				others = true
			}
			continue
		}
		cand := &fields[next]
		next++
		ok := cand.Prior && !ck.fresh // it may hold what an earlier run left
		for _, ver := range cand.States {
			if ok {
				break
			}
			ck.want = w.AppendValue(ck.want[:0], keynum, f, ver)
			ok = bytes.Equal(got, ck.want)
		}
		if !ok && cand.Prior {
			ck.want = w.AppendValue(ck.want[:0], keynum, f, 0)
			ok = bytes.Equal(got, ck.want)
		}
		v.Check(ok, "record %s field%d: got %.16q…, which no allowed update wrote (versions %v%s)", ck.key, f, got, cand.States, priorNote(cand.Prior))
	}
	if others {
		v.Pass() // the fields nobody wrote
	}
	return nil
}

// priorNote says when the loaded value was allowed too.
func priorNote(prior bool) string {
	if prior {
		return ", or the loaded value: no update of it was acknowledged"
	}
	return ""
}
