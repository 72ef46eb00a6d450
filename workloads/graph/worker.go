package graph

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// worker is one worker's operation stream: the mix chooses a query, and its
// users are drawn uniformly from the loaded ids. The mix only reads, so
// workers share nothing. All buffers are owned by the worker and reused,
// so producing and running an operation allocates nothing in the worker.
type worker struct {
	w      *Workload
	s      Store
	r      *gen.Rand
	mix    *gen.Discrete
	mixOps []int // mix index → op

	u, v UserID
	ids  []UserID
	sugg []Suggestion

	neighbours neighboursOp
	fof        fofOp
	wtf        wtfOp
	path       pathOp
	reach      reachOp
}

// Worker returns worker id of n. Its stream depends only on the seed and id.
func (w *Workload) Worker(c drivers.Conn, id, n int) (workloads.Worker, error) {
	s, err := w.store(c)
	if err != nil {
		return nil, err
	}
	if id < 0 || n < 1 || id >= n {
		return nil, fmt.Errorf("graph: worker %d of %d", id, n)
	}
	k := &worker{w: w, s: s, r: gen.NewRand(w.seed, workerStream+uint64(id))}
	var weights []float64
	for op := range numOps {
		if w.props[op] > 0 {
			weights = append(weights, w.props[op])
			k.mixOps = append(k.mixOps, op)
		}
	}
	k.mix = gen.NewDiscrete(k.r, weights)
	k.ids = make([]UserID, 0, w.cfg.MaxDegree)
	k.sugg = make([]Suggestion, 0, w.cfg.TopK)
	k.neighbours = neighboursOp{k, w.index[opNeighbours]}
	k.fof = fofOp{k, w.index[opFoF]}
	k.wtf = wtfOp{k, w.index[opWTF]}
	k.path = pathOp{k, w.index[opPath]}
	k.reach = reachOp{k, w.index[opReach]}
	return k, nil
}

// Next chooses the next query and its users.
func (k *worker) Next() workloads.Op {
	users := k.w.cfg.Users
	k.u = UserID(k.r.Int64N(users))
	switch k.mixOps[k.mix.Next()] {
	case opNeighbours:
		return &k.neighbours
	case opFoF:
		return &k.fof
	case opWTF:
		return &k.wtf
	case opReach:
		return &k.reach
	default: // opPath
		k.v = UserID(k.r.Int64N(users))
		return &k.path
	}
}

type neighboursOp struct {
	k    *worker
	kind int
}

func (o *neighboursOp) Kind() int { return o.kind }
func (o *neighboursOp) Do(ctx context.Context) (err error) {
	k := o.k
	k.ids, err = k.s.Neighbours(ctx, k.u, k.ids)
	return err
}

type fofOp struct {
	k    *worker
	kind int
}

func (o *fofOp) Kind() int { return o.kind }
func (o *fofOp) Do(ctx context.Context) error {
	_, err := o.k.s.FriendsOfFriends(ctx, o.k.u)
	return err
}

type wtfOp struct {
	k    *worker
	kind int
}

func (o *wtfOp) Kind() int { return o.kind }
func (o *wtfOp) Do(ctx context.Context) (err error) {
	k := o.k
	k.sugg, err = k.s.WhoToFollow(ctx, k.u, k.w.cfg.TopK, k.sugg)
	return err
}

type pathOp struct {
	k    *worker
	kind int
}

func (o *pathOp) Kind() int { return o.kind }
func (o *pathOp) Do(ctx context.Context) error {
	k := o.k
	_, err := k.s.ShortestPath(ctx, k.u, k.v, k.w.cfg.MaxHops)
	return err
}

type reachOp struct {
	k    *worker
	kind int
}

func (o *reachOp) Kind() int { return o.kind }
func (o *reachOp) Do(ctx context.Context) error {
	k := o.k
	_, err := k.s.Reach(ctx, k.u, k.w.cfg.ReachHops)
	return err
}
