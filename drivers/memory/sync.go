package memory

import "github.com/storefit/storefit/syncer"

var (
	_ syncer.SourceProvider = (*Conn)(nil)
	_ syncer.SinkProvider   = (*Conn)(nil)
)

// SyncSource returns an in-memory source of truth (syncer.MemorySource):
// it runs commands under one lock, with the reference semantics.
func (c *Conn) SyncSource(spec syncer.SourceSpec) (syncer.Source, error) {
	return syncer.NewMemorySource(), nil
}

// SyncSink returns an in-memory view keeping any entities
// (syncer.MemorySink): the graph view of the sync workload, the reference
// of every other store's views.
func (c *Conn) SyncSink(spec syncer.SinkSpec) (syncer.Sink, error) {
	return syncer.NewMemorySink(spec.Name, spec.Keeps), nil
}
