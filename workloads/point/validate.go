package point

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
)

// Validate reads a fixed sample of records (all fields and field subsets),
// a missing key, and — on ordered stores — scans from fixed start keys, and
// compares every answer with the deterministic loaded data.
func (w *Workload) Validate(ctx context.Context, c drivers.Conn) (workloads.Validation, error) {
	var v workloads.Validation
	s, err := w.store(c)
	if err != nil {
		return v, err
	}
	recs := w.cfg.Records

	// Sample of key numbers: both ends and an even spread between.
	sample := []int64{0, recs - 1}
	const spread = 200
	for i := int64(1); i < spread && i < recs; i++ {
		sample = append(sample, i*recs/spread)
	}
	if err := w.checkRecords(ctx, s, sample, &v); err != nil {
		return v, err
	}
	if err := w.checkMissing(ctx, s, &v); err != nil {
		return v, err
	}
	if sc, ok := s.(Scanner); ok {
		if err := w.validateScans(ctx, sc, sample, &v); err != nil {
			return v, err
		}
	}
	return v, nil
}

// ValidateShare checks the records of load parts [first, first+count) of
// parts, as Validate checks a sample of all of them: both ends of each
// part and an even spread between, all fields and a field subset, and a
// key that was never loaded. Scans are left out: their answers depend on
// the other shares.
func (w *Workload) ValidateShare(ctx context.Context, c drivers.Conn, first, count, parts int) (workloads.Validation, error) {
	var v workloads.Validation
	s, err := w.store(c)
	if err != nil {
		return v, err
	}
	per := max(1, 200/int64(count))
	var sample []int64
	for part := first; part < first+count; part++ {
		lo, hi := PartRange(w.cfg.Records, part, parts)
		if hi <= lo {
			continue
		}
		sample = append(sample, lo, hi-1)
		for i := int64(1); i < per && i < hi-lo; i++ {
			sample = append(sample, lo+i*(hi-lo)/per)
		}
	}
	if err := w.checkRecords(ctx, s, sample, &v); err != nil {
		return v, err
	}
	err = w.checkMissing(ctx, s, &v)
	return v, err
}

// checkRecords reads the records of the sample's key numbers, with all
// fields and then (for the first 20) a field subset in a non-sorted order,
// and compares them with the loaded data.
func (w *Workload) checkRecords(ctx context.Context, s Store, sample []int64, v *workloads.Validation) error {
	nf := w.cfg.FieldCount
	var dst [][]byte
	var want []byte
	var err error
	for _, n := range sample {
		key := w.AppendKey(nil, n)
		dst, err = s.Read(ctx, key, nil, dst)
		if err != nil {
			if err := readFailure(ctx, v, err, "read %s", key); err != nil {
				return err
			}
			continue
		}
		v.Check(len(dst) == nf, "read %s: %d fields, want %d", key, len(dst), nf)
		for f := 0; f < min(len(dst), nf); f++ {
			want = w.AppendValue(want[:0], n, f, 0)
			v.Check(bytes.Equal(dst[f], want), "read %s field%d: got %.20q…, want %.20q…", key, f, dst[f], want)
		}
	}
	// Field subsets in a non-sorted order: answers must follow the order asked.
	if nf > 1 {
		fields := []int{nf - 1, 0}
		for _, n := range sample[:min(len(sample), 20)] {
			key := w.AppendKey(nil, n)
			dst, err = s.Read(ctx, key, fields, dst)
			if err != nil {
				if err := readFailure(ctx, v, err, "read %s %v", key, fields); err != nil {
					return err
				}
				continue
			}
			ok := len(dst) == 2
			if ok {
				ok = bytes.Equal(dst[0], w.AppendValue(nil, n, nf-1, 0)) && bytes.Equal(dst[1], w.AppendValue(nil, n, 0, 0))
			}
			v.Check(ok, "read %s fields %v: wrong values or order", key, fields)
		}
	}
	return nil
}

// checkMissing reads a key that was never loaded: it must not be found.
func (w *Workload) checkMissing(ctx context.Context, s Store, v *workloads.Validation) error {
	recs := w.cfg.Records
	var dst [][]byte
	// A key that was never loaded.
	missing := w.AppendKey(nil, recs+1<<40)
	_, err := s.Read(ctx, missing, nil, dst)
	switch {
	case errors.Is(err, drivers.ErrNotFound):
		v.Pass()
	case err == nil:
		v.Failf("read missing key %s: found a record, want not found", missing)
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		return fmt.Errorf("read missing key %s: %w", missing, err)
	}
	return nil
}

// readFailure turns a read error into a failed check (not found: it
// returns nil) or an error to return (anything else).
func readFailure(ctx context.Context, v *workloads.Validation, err error, format string, args ...any) error {
	switch {
	case errors.Is(err, drivers.ErrNotFound):
		v.Failf(format+": not found", args...)
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

type scanCheck struct {
	start []byte
	count int
	best  keyHeap // the count smallest keys >= start seen so far
}

// validateScans checks scans from fixed start keys against the expected
// ordered keys, found in one pass over all loaded keys (no full key list in
// memory, so it works at full scale).
func (w *Workload) validateScans(ctx context.Context, sc Scanner, sample []int64, v *workloads.Validation) error {
	var checks []*scanCheck
	counts := []int{1, 7, 100, w.cfg.MaxScanLength}
	for i, n := range sample[:min(len(sample), 12)] {
		checks = append(checks, &scanCheck{start: w.AppendKey(nil, n), count: counts[i%len(counts)]})
	}
	// Starts between and around keys: before all keys, after all keys.
	checks = append(checks,
		&scanCheck{start: []byte("user"), count: 10},
		&scanCheck{start: []byte("user5"), count: 50},
		&scanCheck{start: []byte("user~"), count: 10})
	var key []byte
	for n := int64(0); n < w.cfg.Records; n++ {
		key = w.AppendKey(key[:0], n)
		for _, c := range checks {
			if bytes.Compare(key, c.start) < 0 {
				continue
			}
			if len(c.best) < c.count {
				heap.Push(&c.best, keyNum{append([]byte(nil), key...), n})
			} else if bytes.Compare(key, c.best[0].key) < 0 {
				c.best[0] = keyNum{append(c.best[0].key[:0], key...), n}
				heap.Fix(&c.best, 0)
			}
		}
		if n%(1<<20) == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	var got []Record
	var err error
	for _, c := range checks {
		want := make([]keyNum, len(c.best))
		for i := len(want) - 1; i >= 0; i-- {
			want[i] = heap.Pop(&c.best).(keyNum)
		}
		got, err = sc.Scan(ctx, c.start, c.count, nil, got)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("scan from %s: %w", c.start, err)
		}
		if len(got) != len(want) {
			v.Failf("scan %d from %s: %d records, want %d", c.count, c.start, len(got), len(want))
			continue
		}
		ok := true
		for i, r := range got {
			if !bytes.Equal(r.Key, want[i].key) {
				v.Failf("scan %d from %s: record %d is %s, want %s", c.count, c.start, i, r.Key, want[i].key)
				ok = false
				break
			}
			if len(r.Values) != w.cfg.FieldCount || !bytes.Equal(r.Values[0], w.AppendValue(nil, want[i].n, 0, 0)) {
				v.Failf("scan %d from %s: record %s has wrong values", c.count, c.start, r.Key)
				ok = false
				break
			}
		}
		if ok {
			v.Pass()
		}
	}
	return nil
}

type keyNum struct {
	key []byte
	n   int64
}

// keyHeap is a max-heap of keys.
type keyHeap []keyNum

func (h keyHeap) Len() int           { return len(h) }
func (h keyHeap) Less(i, j int) bool { return bytes.Compare(h[i].key, h[j].key) > 0 }
func (h keyHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *keyHeap) Push(x any)        { *h = append(*h, x.(keyNum)) }
func (h *keyHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
