package clickhouse

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.WorkerConner        = (*Conn)(nil)
	_ drivers.ConnectionDescriber = (*Conn)(nil)
)

// WorkerConn returns a Conn with a pool of one connection of worker's own
// under conns=worker, nil under conns=shared (drivers.WorkerConner).
func (c *Conn) WorkerConn(ctx context.Context, worker int) (drivers.Conn, error) {
	if !c.cfg.Conn.Worker() {
		return nil, nil
	}
	cfg := c.cfg
	cfg.MaxOpenConns = 1
	wc, err := OpenConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connection of worker %d: %w", worker, err)
	}
	return wc, nil
}

// Connection says how the Conn reaches the server
// (drivers.ConnectionDescriber).
func (c *Conn) Connection() drivers.Connection {
	conn := drivers.Connection{
		Client:     "clickhouse-go (native protocol, a pool)",
		Conns:      drivers.ConnsShared,
		PoolSize:   c.cfg.MaxOpenConns,
		Pipelining: drivers.PipeliningOff,
		IO:         drivers.IONetpoll,
	}
	if c.cfg.Conn.Worker() {
		conn.Client, conn.Conns, conn.PoolSize = "clickhouse-go (native protocol, a connection per worker)", drivers.ConnsWorker, 0
	}
	return conn
}
