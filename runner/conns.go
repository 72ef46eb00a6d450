package runner

import (
	"context"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

// connectionOf returns the result's record of how conn reaches its store,
// or nil when the driver does not say.
func connectionOf(conn drivers.Conn, info drivers.Info) *results.Connection {
	c, ok := drivers.ConnectionOf(conn)
	if !ok {
		if !info.Embedded || info.Composite {
			return nil
		}
		c = drivers.Connection{Conns: drivers.ConnsInProcess}
	}
	return &results.Connection{
		Client: c.Client, Conns: c.Conns, PoolSize: c.PoolSize, Pipelining: c.Pipelining,
		Prepared: c.Prepared, IO: c.IO, YCSB: c.YCSB(),
	}
}

// storeSize is the size of a cell's data after setup, before its load.
type storeSize struct {
	bytes int64
	known bool
}

// cellSize asks the cell's store how many bytes its data take
// (drivers.Sizer, through the workload's store); what is "" when it
// cannot tell — and for a sharded run (a shard would see the others' data
// land too) and a sink.
func cellSize(ctx context.Context, wl workloads.Workload, conn drivers.Conn, shard results.Shard) (n int64, what string, err error) {
	sr, ok := wl.(workloads.StorageReporter)
	if !ok || shard.Count > 1 || drivers.DiscardsData(conn) {
		return 0, "", nil
	}
	return sr.StoreSize(ctx, conn)
}

// startSize takes the size of the cell's data after setup, when its store
// can tell; a failure leaves the load's growth unmeasured.
func startSize(ctx context.Context, wl workloads.Workload, conn drivers.Conn, shard results.Shard) storeSize {
	n, what, err := cellSize(ctx, wl, conn, shard)
	if err != nil || what == "" {
		return storeSize{}
	}
	return storeSize{bytes: n, known: true}
}

// recordSize records the size of the cell's data after the load in rc —
// the total (StorageBytes, for the cost-growth figures) and, when the cell
// loaded and before is known, the load's growth (Load.StoreBytes and
// BytesPerRow, for the resource figures). A failure to ask is logged, not
// fatal.
func recordSize(ctx context.Context, rc *results.Cell, wl workloads.Workload, conn drivers.Conn, shard results.Shard, before storeSize, disp Display) {
	n, what, err := cellSize(ctx, wl, conn, shard)
	if err != nil {
		disp.Logf("%s: %v (bytes per record not reported)", wl.Name(), err)
		return
	}
	if what == "" {
		return
	}
	rc.StorageBytes = n
	if r := wl.Records(); r > 0 {
		disp.Logf("%s: %s, %.0f bytes per record", what, results.FormatBytes(n), float64(n)/float64(r))
	}
	load := rc.Load
	if load == nil {
		return
	}
	load.Size = what
	if before.known && load.Rows > 0 && n > before.bytes {
		load.StoreBytes = n - before.bytes
		load.BytesPerRow = float64(load.StoreBytes) / float64(load.Rows)
	}
}
