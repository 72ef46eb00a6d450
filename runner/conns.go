package runner

import (
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
