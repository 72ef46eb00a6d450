package search

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// worker is one worker's operation stream. The mix is read-only, so a
// worker's stream depends only on the seed and its id. Its buffers are
// reused: preparing and running an operation allocates nothing (beyond
// what the store does).
type worker struct {
	w     *Workload
	s     Store
	r     *gen.Rand
	mix   *gen.Discrete
	terms [2]string
	q     Query
	ranks []int32 // the document a phrase is drawn from
	hits  Hits
	ops   []op // one per operation kind
}

// Worker returns worker id of n.
func (w *Workload) Worker(c drivers.Conn, id, n int) (workloads.Worker, error) {
	s, err := w.store(c)
	if err != nil {
		return nil, err
	}
	if id < 0 || n < 1 || id >= n {
		return nil, fmt.Errorf("search: worker %d of %d", id, n)
	}
	k := &worker{w: w, s: s, r: gen.NewRand(w.seed, uint64(id)+1)}
	weights := make([]float64, len(w.ops))
	k.ops = make([]op, len(w.ops))
	for i, o := range w.ops {
		weights[i] = 1 // equal weights
		k.ops[i] = op{k: k, kind: i, top: o.top}
	}
	k.mix = gen.NewDiscrete(k.r, weights)
	k.hits = make(Hits, 0, w.cfg.TopK)
	return k, nil
}

// Next draws the next operation kind and its query.
func (k *worker) Next() workloads.Op {
	i := k.mix.Next()
	w := k.w
	switch s := w.ops[i].shape; s {
	case shapeRare, shapeMedium, shapeCommon:
		k.set(Term, w.drawRank(k.r, s))
	case shapeAnd:
		a, b := w.drawAndPair(k.r)
		k.set(And, a, b)
	case shapeOr:
		a := w.drawRank(k.r, shapeCommon)
		k.set(Or, a, w.drawRank(k.r, shapeMedium))
	case shapePhrase:
		var a, b int32
		k.ranks, a, b = w.drawPhrase(k.r, k.ranks)
		k.set(Phrase, a, b)
	}
	return &k.ops[i]
}

// set prepares the query of the next operation.
func (k *worker) set(kind Kind, ranks ...int32) {
	for i, r := range ranks {
		k.terms[i] = k.w.corpus.Word(int(r))
	}
	k.q = Query{Kind: kind, Terms: k.terms[:len(ranks)]}
}

type op struct {
	k    *worker
	kind int
	top  bool
}

func (o *op) Kind() int { return o.kind }

func (o *op) Do(ctx context.Context) (err error) {
	k := o.k
	if o.top {
		k.hits, err = Search(ctx, k.s, k.q, k.w.cfg.TopK, k.hits)
		return err
	}
	_, err = Count(ctx, k.s, k.q)
	return err
}
