package neo4j

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.WorkerConner        = (*Conn)(nil)
	_ drivers.ConnectionDescriber = (*Conn)(nil)
)

// WorkerConn returns a Conn with a Go driver of worker's own, whose pool
// holds one connection, under conns=worker; nil under conns=shared
// (drivers.WorkerConner).
func (c *Conn) WorkerConn(ctx context.Context, worker int) (drivers.Conn, error) {
	if !c.cfg.Conn.Worker() {
		return nil, nil
	}
	cfg := c.cfg
	cfg.MaxConnections = 1
	wc, err := Connect(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("driver of worker %d: %w", worker, err)
	}
	return wc, nil
}

// Connection says how the Conn reaches the server
// (drivers.ConnectionDescriber).
func (c *Conn) Connection() drivers.Connection {
	conn := drivers.Connection{
		Client:     "neo4j-go-driver (a pool; a session per operation borrows a connection)",
		Conns:      drivers.ConnsShared,
		PoolSize:   c.cfg.MaxConnections,
		Pipelining: drivers.PipeliningOff,
		Prepared:   "parameterized Cypher; the server caches plans by query text",
		IO:         drivers.IONetpoll,
	}
	if c.cfg.Conn.Worker() {
		conn.Client, conn.Conns, conn.PoolSize = "neo4j-go-driver (a driver per worker, a pool of one connection)", drivers.ConnsWorker, 0
	}
	return conn
}
