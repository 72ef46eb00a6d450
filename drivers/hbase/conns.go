package hbase

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.WorkerConner        = (*Conn)(nil)
	_ drivers.ConnectionDescriber = (*Conn)(nil)
)

// WorkerConn returns a Conn with an HTTP client of worker's own, of one
// connection, under conns=worker; nil under conns=shared
// (drivers.WorkerConner).
func (c *Conn) WorkerConn(ctx context.Context, worker int) (drivers.Conn, error) {
	if !c.cfg.Conn.Worker() {
		return nil, nil
	}
	cfg := c.cfg
	cfg.Conn.Own = true
	wc, err := OpenConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("client of worker %d: %w", worker, err)
	}
	return wc, nil
}

// Connection says how the Conn reaches the server
// (drivers.ConnectionDescriber).
func (c *Conn) Connection() drivers.Connection {
	return drivers.HTTPConnection("HBase REST gateway client", c.cfg.Conn, 256)
}
