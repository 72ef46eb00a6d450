package series

import (
	"context"
	"fmt"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

var _ workloads.Verifier = (*Workload)(nil)

// Verify reads back every loaded reading after the run — the series run
// only reads, so its acknowledged writes are the ingest — host by host: a
// MaxByTime of all ten fields of one host over the whole span in buckets
// of one reading interval, whose every bucket holds exactly one reading, so
// the answer is the host's readings, which must be the generated ones (time
// by time, values within Tolerance). In a sharded run each shard reads back
// the hosts its load parts hold.
func (w *Workload) Verify(ctx context.Context, c drivers.Conn, sc workloads.VerifyScope) (workloads.Verification, error) {
	var ver workloads.Verification
	s, err := w.store(c)
	if err != nil {
		return ver, err
	}
	if err := workloads.RefreshStore(ctx, s); err != nil {
		return ver, err
	}
	// A shard reads back the hosts its own load parts hold (the parts of
	// shard i of n cover gen.CPUPartHosts(hosts, i, n)).
	shards := max(sc.Shards, 1)
	lo, hi := gen.CPUPartHosts(w.cfg.Hosts, sc.Shard, shards)
	keep := func(h int) bool { return h >= lo && h < hi }
	v, hosts, err := workloads.ReadEach(ctx, w.cfg.Hosts, sc.Readers, keep, func() func(context.Context, int, *workloads.Validation) error {
		hc := &hostChecker{w: w, s: s, raw: make([]gen.CPURow, w.data.Points)}
		return hc.check
	})
	ver.Validation = v
	ver.Keys = hosts * w.data.Points
	ver.Writes = ver.Keys
	if shards > 1 {
		ver.Skipped = fmt.Sprintf("hosts of the other %d shards (each shard reads back its share)", shards-1)
	}
	return ver, err
}

// allFields asks for every field, in order.
var allFields = func() []int {
	fs := make([]int, NumFields)
	for i := range fs {
		fs[i] = i
	}
	return fs
}()

// hostChecker reads back hosts' readings for Verify; it is used by one
// goroutine.
type hostChecker struct {
	w     *Workload
	s     Store
	raw   []gen.CPURow
	hosts [1]string
	got   []Bucket
}

// check reads back the readings of host h.
func (hc *hostChecker) check(ctx context.Context, h int, v *workloads.Validation) error {
	w := hc.w
	hc.hosts[0] = w.hostnames[h]
	q := MaxQuery{Hosts: hc.hosts[:], Fields: allFields, Start: time.Unix(0, w.data.Start).UTC(),
		End: time.Unix(0, w.data.End()).UTC(), Bucket: w.cfg.Interval}
	var err error
	hc.got, err = hc.s.MaxByTime(ctx, q, hc.got)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("read back the readings of %s: %w", hc.hosts[0], err)
	}
	n := gen.NewCPUGenerator(w.data, h, w.cfg.Hosts).Next(hc.raw)
	if len(hc.got) != n {
		v.Failf("%s: %d readings, want %d", hc.hosts[0], len(hc.got), n)
		return nil
	}
	for i, r := range hc.raw[:n] {
		b := &hc.got[i]
		if want := BucketStart(time.Unix(0, r.Time), w.cfg.Interval); !b.Time.Equal(want) {
			v.Failf("%s: reading %d at %s, want %s", hc.hosts[0], i, b.Time.UTC().Format(timeFormat), want.Format(timeFormat))
			return nil
		}
		if d := diffValues(b.Values, r.Fields[:]); d != "" {
			v.Failf("%s at %s: %s", hc.hosts[0], b.Time.UTC().Format(timeFormat), d)
			return nil
		}
	}
	v.Pass()
	return nil
}
