package runner

import (
	"context"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
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

// storeSize is the size of a store's data before its load (drivers.Sizer).
type storeSize struct {
	s     drivers.Sizer
	bytes int64
}

// startSize takes the size of conn's data after setup, when its driver
// can tell and the run is not sharded (a shard would see the others'
// rows land too).
func startSize(ctx context.Context, conn drivers.Conn, shard results.Shard) storeSize {
	s, ok := conn.(drivers.Sizer)
	if !ok || shard.Count > 1 {
		return storeSize{}
	}
	n, _, err := s.Size(ctx)
	if err != nil {
		return storeSize{}
	}
	return storeSize{s: s, bytes: n}
}

// finish records in load how much the load made the store grow.
func (z storeSize) finish(ctx context.Context, load *results.Load) {
	if z.s == nil || load.Rows <= 0 {
		return
	}
	n, what, err := z.s.Size(ctx)
	if err != nil || n <= z.bytes {
		return
	}
	load.StoreBytes, load.Size = n-z.bytes, what
	load.BytesPerRow = float64(load.StoreBytes) / float64(load.Rows)
}
