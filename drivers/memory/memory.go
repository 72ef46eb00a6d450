package memory

import (
	"context"
	"runtime"
	"sync"

	"github.com/storefit/storefit/drivers"
)

func init() { drivers.Register("memory", Driver{}) }

// Driver opens memory stores.
type Driver struct{}

// Open returns a new, empty store; dsn is ignored.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	return &Conn{tables: map[string]*pointTable{}}, nil
}

// Describe describes the memory driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Summary:    "in-process reference store (the oracle answers are checked against)",
		Patterns:   []string{"point"},
		Embedded:   true,
		DSNExample: "memory",
	}
}

// Conn is a memory store. It is safe for concurrent use.
type Conn struct {
	mu     sync.Mutex // guards tables
	tables map[string]*pointTable
}

// Close drops all data.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tables = nil
	return nil
}

// Version reports the Go runtime the store runs on.
func (c *Conn) Version(ctx context.Context) (string, error) {
	return "storefit memory (" + runtime.Version() + ")", nil
}
