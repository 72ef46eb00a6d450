package series

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// worker is one worker's query stream. Each query kind has one op value
// with its own parameter and answer buffers, reused for every operation.
type worker struct {
	w   *Workload
	s   Store
	d   *drawer
	mix *gen.Discrete

	single111 maxOp
	single581 maxOp
	double    meanOp
	high      highOp
	last      lastOp
	recent    recentOp
	doubleAll meanOp
	maxAll    maxOp
}

// Worker returns worker id of n. Its stream depends only on (seed, id): the
// mix is read-only, so workers need no partitioning.
func (w *Workload) Worker(c drivers.Conn, id, n int) (workloads.Worker, error) {
	s, err := w.store(c)
	if err != nil {
		return nil, err
	}
	if id < 0 || n < 1 || id >= n {
		return nil, fmt.Errorf("series: worker %d of %d", id, n)
	}
	r := gen.NewRand(w.seed, workerStream+uint64(id))
	k := &worker{w: w, s: s, d: newDrawer(w, r)}
	weights := make([]float64, len(w.queries))
	for i := range weights {
		weights[i] = 1
	}
	k.mix = gen.NewDiscrete(r, weights)
	k.single111 = maxOp{s: s, kind: w.kindOf[qSingle111]}
	k.single581 = maxOp{s: s, kind: w.kindOf[qSingle581]}
	k.double = meanOp{s: s, kind: w.kindOf[qDouble1]}
	k.high = highOp{s: s, kind: w.kindOf[qHighCPU1]}
	k.last = lastOp{s: s, kind: w.kindOf[qLastpoint]}
	k.recent = recentOp{s: s, kind: w.kindOf[qGroupByLimit]}
	k.doubleAll = meanOp{s: s, kind: w.kindOf[qDoubleAll]}
	k.maxAll = maxOp{s: s, kind: w.kindOf[qMaxAll8]}
	return k, nil
}

// Next draws the next query and its parameters.
func (k *worker) Next() workloads.Op {
	switch k.w.queries[k.mix.Next()] {
	case qSingle111:
		k.d.single(&k.single111.q, 1, 1)
		return &k.single111
	case qSingle581:
		k.d.single(&k.single581.q, single581Fields, single581Hosts)
		return &k.single581
	case qDouble1:
		k.d.double(&k.double.q)
		return &k.double
	case qHighCPU1:
		k.d.highCPU(&k.high.q)
		return &k.high
	case qLastpoint:
		return &k.last
	case qDoubleAll:
		k.d.doubleAll(&k.doubleAll.q)
		return &k.doubleAll
	case qMaxAll8:
		k.d.maxAll(&k.maxAll.q)
		return &k.maxAll
	default: // qGroupByLimit
		k.d.recent(&k.recent.q)
		return &k.recent
	}
}

type maxOp struct {
	s    Store
	kind int
	q    MaxQuery
	dst  []Bucket
}

func (o *maxOp) Kind() int { return o.kind }
func (o *maxOp) Do(ctx context.Context) (err error) {
	o.dst, err = o.s.MaxByTime(ctx, o.q, o.dst)
	return err
}

type meanOp struct {
	s    Store
	kind int
	q    MeanQuery
	dst  []HostBucket
}

func (o *meanOp) Kind() int { return o.kind }
func (o *meanOp) Do(ctx context.Context) (err error) {
	o.dst, err = o.s.MeanByTimeHost(ctx, o.q, o.dst)
	return err
}

type highOp struct {
	s    Store
	kind int
	q    HighCPUQuery
	dst  []HostPoint
}

func (o *highOp) Kind() int { return o.kind }
func (o *highOp) Do(ctx context.Context) (err error) {
	o.dst, err = o.s.HighCPU(ctx, o.q, o.dst)
	return err
}

type lastOp struct {
	s    Store
	kind int
	dst  []HostPoint
}

func (o *lastOp) Kind() int { return o.kind }
func (o *lastOp) Do(ctx context.Context) (err error) {
	o.dst, err = o.s.LastPoint(ctx, o.dst)
	return err
}

type recentOp struct {
	s    Store
	kind int
	q    RecentQuery
	dst  []Bucket
}

func (o *recentOp) Kind() int { return o.kind }
func (o *recentOp) Do(ctx context.Context) (err error) {
	o.dst, err = o.s.RecentMaxByTime(ctx, o.q, o.dst)
	return err
}
