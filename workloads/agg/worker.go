package agg

import (
	"context"
	"fmt"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Random stream numbers of the agg pattern: worker id's stream is
// workerStream+id; validation parameters use validateStream.
const (
	workerStream   = 0xA6600000
	validateStream = 0xA66F0000
)

const day = 24 * time.Hour

// worker is one worker's operation stream: it owns its random stream and one
// Op value per kind, so choosing an operation allocates nothing.
type worker struct {
	w      *Workload
	s      Store
	dc     DistinctCounter
	r      *gen.Rand
	mix    *gen.Discrete
	mixOps []int // mix index → op

	// Parameters of the prepared operation.
	from, to time.Time
	category int

	ops [numOps]op
}

// Worker returns worker id of n. Its stream depends only on the seed, id and
// the configuration (the queries write nothing, so n only checks id).
func (w *Workload) Worker(c drivers.Conn, id, n int) (workloads.Worker, error) {
	s, err := w.store(c)
	if err != nil {
		return nil, err
	}
	if id < 0 || n < 1 || id >= n {
		return nil, fmt.Errorf("agg: worker %d of %d", id, n)
	}
	k := &worker{w: w, s: s, r: gen.NewRand(w.seed, workerStream+uint64(id))}
	if w.props[opQ4] > 0 {
		dc, ok := s.(DistinctCounter)
		if !ok {
			return nil, fmt.Errorf("agg Q4 (exact distinct count): %w", drivers.ErrUnsupported)
		}
		k.dc = dc
	}
	var weights []float64
	for q := range numOps {
		if w.props[q] > 0 {
			weights = append(weights, w.props[q])
			k.mixOps = append(k.mixOps, q)
		}
		k.ops[q] = op{k: k, q: q, kind: w.index[q]}
	}
	k.mix = gen.NewDiscrete(k.r, weights)
	return k, nil
}

// Next chooses the next query and draws its parameters: Q3's window starts
// at midnight of a day uniform over the year (the window lies inside it);
// Q5's category is uniform, and its week is one of the year's whole weeks,
// counted from January 1.
func (k *worker) Next() workloads.Op {
	q := k.mixOps[k.mix.Next()]
	switch q {
	case opQ3:
		d := k.r.Int64N(k.w.days - int64(k.w.cfg.WindowDays) + 1)
		k.from = k.w.start.Add(time.Duration(d) * day)
		k.to = k.from.Add(time.Duration(k.w.cfg.WindowDays) * day)
	case opQ5:
		k.category = k.r.IntN(k.w.cfg.Categories)
		week := k.r.Int64N(k.w.days / 7)
		k.from = k.w.start.Add(time.Duration(week) * 7 * day)
		k.to = k.from.Add(7 * day)
	}
	return &k.ops[q]
}

// op is a prepared query; the worker holds one per kind.
type op struct {
	k    *worker
	q    int // opQ1 … opQ5
	kind int
}

func (o *op) Kind() int { return o.kind }

func (o *op) Do(ctx context.Context) error {
	k := o.k
	var err error
	switch o.q {
	case opQ1:
		_, err = k.s.AvgPriceByRegion(ctx)
	case opQ2:
		_, err = k.s.RevenueByCategoryMonth(ctx)
	case opQ3:
		_, err = k.s.TopProducts(ctx, k.from, k.to, k.w.cfg.TopK)
	case opQ4:
		_, err = k.dc.DistinctCustomersByRegion(ctx)
	default:
		_, err = k.s.CategoryQuantity(ctx, k.category, k.from, k.to)
	}
	return err
}
