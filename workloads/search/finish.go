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

var _ workloads.StorageReporter = (*Workload)(nil)

// StoreSize asks the store how many bytes its data take (see
// drivers.Sizer).
func (w *Workload) StoreSize(ctx context.Context, c drivers.Conn) (int64, string, error) {
	s, err := w.store(c)
	if err != nil {
		return 0, "", err
	}
	return workloads.StoreSize(ctx, s)
}
