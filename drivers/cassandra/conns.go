package cassandra

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.WorkerConner        = (*Conn)(nil)
	_ drivers.ConnectionDescriber = (*Conn)(nil)
)

// WorkerConn returns a Conn with a session of worker's own under
// conns=worker, nil under conns=shared (drivers.WorkerConner): one
// connection per node, on which the worker has one request in flight.
func (c *Conn) WorkerConn(ctx context.Context, worker int) (drivers.Conn, error) {
	if !c.cfg.Conn.Worker() {
		return nil, nil
	}
	cfg := c.cfg
	cfg.NumConns = 1
	wc, err := Connect(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("session of worker %d: %w", worker, err)
	}
	return wc, nil
}

// Connection says how the Conn reaches the cluster
// (drivers.ConnectionDescriber).
func (c *Conn) Connection() drivers.Connection {
	conn := drivers.Connection{
		Client:     "gocql (a session, token-aware routing)",
		Conns:      drivers.ConnsShared,
		PoolSize:   c.cfg.NumConns,
		Pipelining: drivers.PipeliningMultiplexed,
		Prepared:   "prepared once per session (gocql statement cache)",
		IO:         drivers.IONetpoll,
	}
	if c.cfg.Conn.Worker() {
		conn.Client, conn.Conns, conn.PoolSize, conn.Pipelining = "gocql (a session per worker, one connection per node)", drivers.ConnsWorker, 0, drivers.PipeliningOff
	}
	return conn
}
