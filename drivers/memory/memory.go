package memory

import (
	"context"
	"errors"
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

// MemoryResident reports that memory stores keep all their data in the
// process (drivers.MemoryResident).
func (Driver) MemoryResident(string) bool { return true }

// Describe describes the memory driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Summary:    "in-process reference store (the oracle answers are checked against)",
		Conn:       (*Conn)(nil),
		Embedded:   true,
		Oracle:     true,
		DSNExample: "memory",
	}
}

// Conn is a memory store. It is safe for concurrent use.
type Conn struct {
	mu     sync.Mutex // guards the fields below
	closed bool
	tables map[string]*pointTable
	// states holds each other pattern's data, by pattern name, created on
	// first use (see patternState).
	states map[string]any
}

// Close drops all data.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.tables = nil
	c.states = nil
	return nil
}

// errClosed is returned by stores of a closed Conn.
var errClosed = errors.New("memory: store is closed")

// patternState returns the state the named pattern keeps in c, created by
// mk on first use. Each pattern's file keeps its own state type.
func patternState[T any](c *Conn, name string, mk func() *T) (*T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	if c.states == nil {
		c.states = map[string]any{}
	}
	if s, ok := c.states[name]; ok {
		return s.(*T), nil
	}
	s := mk()
	c.states[name] = s
	return s, nil
}

// Version reports the Go runtime the store runs on.
func (c *Conn) Version(ctx context.Context) (string, error) {
	return "storefit memory (" + runtime.Version() + ")", nil
}
