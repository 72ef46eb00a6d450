package syncer

import (
	"context"
	"fmt"
)

// MemorySource is a source held in memory (a State): the sync system of
// tests and embedded runs without a database. It runs commands under one
// lock, so a command's changes are registered and applied atomically.
type MemorySource struct {
	st *State
}

// NewMemorySource returns an empty in-memory source.
func NewMemorySource() *MemorySource { return &MemorySource{st: NewState(AllEntities)} }

// Store returns "memory".
func (m *MemorySource) Store() string { return "memory" }

// Exec decides cmd and applies it; committing is called with the changes
// before they are applied.
func (m *MemorySource) Exec(ctx context.Context, cmd *Command, committing func([]Change)) ([]Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := m.st
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.decide(cmd)
	if err != nil || len(ch) == 0 {
		return nil, err
	}
	committing(ch)
	s.apply(ch)
	return ch, nil
}

// Reset empties the source.
func (m *MemorySource) Reset(ctx context.Context) error { return m.st.Reset(ctx) }

// Load adds rows.
func (m *MemorySource) Load(ctx context.Context, rows []Change) error {
	m.st.Apply(rows)
	return nil
}

// Scan calls fn with every row.
func (m *MemorySource) Scan(ctx context.Context, fn func(c *Change) error) error {
	return m.st.Scan(ctx, fn)
}

// MemorySink is a view held in memory: the memory store's sink, and the
// reference the other stores' sinks are tested against.
type MemorySink struct {
	name string
	st   *State
}

// NewMemorySink returns an empty in-memory view called name that keeps
// the entities of keeps.
func NewMemorySink(name string, keeps EntitySet) *MemorySink {
	return &MemorySink{name: name, st: NewState(keeps)}
}

// Name returns the view's name.
func (m *MemorySink) Name() string { return m.name }

// Keeps returns the entities the view keeps.
func (m *MemorySink) Keeps() EntitySet { return m.st.Keeps() }

// Store returns "memory".
func (m *MemorySink) Store() string { return "memory" }

// Apply folds the batch in.
func (m *MemorySink) Apply(ctx context.Context, batch []Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.st.Apply(batch)
	return nil
}

// Reset empties the view.
func (m *MemorySink) Reset(ctx context.Context) error { return m.st.Reset(ctx) }

// Scan calls fn with every row.
func (m *MemorySink) Scan(ctx context.Context, fn func(c *Change) error) error {
	return m.st.Scan(ctx, fn)
}

// String describes the view.
func (m *MemorySink) String() string { return fmt.Sprintf("memory view %s (%s)", m.name, m.st.Keeps()) }
