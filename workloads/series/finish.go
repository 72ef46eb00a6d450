package series

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

// StorageBytes asks the store for its size on disk (see
// drivers.StorageSizer).
func (w *Workload) StorageBytes(ctx context.Context, c drivers.Conn) (int64, bool, error) {
	s, err := w.store(c)
	if err != nil {
		return 0, false, err
	}
	return workloads.StoreBytes(ctx, s)
}
