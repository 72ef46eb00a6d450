package search

import (
	"context"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
)

var _ workloads.Finisher = (*Workload)(nil)

// FinishLoad lets the store finish what it deferred during the load (see
// drivers.LoadFinisher).
func (w *Workload) FinishLoad(ctx context.Context, c drivers.Conn) error {
	s, err := w.store(c)
	if err != nil {
		return err
	}
	return workloads.FinishStore(ctx, s)
}
