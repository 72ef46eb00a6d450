package drivers

import "context"

// Sizer is an optional interface of a pattern store (point.Store,
// agg.Store, …) that can tell how many bytes its data take: the files of
// an embedded store's database, the tables and indexes (or segments,
// shards) a server keeps for the pattern, or the memory of a store that
// keeps its data in memory (Redis). The runner asks after setup and again
// after the load: the size after the load feeds the cost-growth figures
// (bytes per record against data size) and the estimate before a large
// load, the growth the resource figures (bytes per loaded row). A store
// that cannot tell does not implement it, or returns an error wrapping
// ErrUnsupported (an in-memory database).
type Sizer interface {
	// Size returns the bytes the store's data take and what was counted,
	// "disk: …" or "memory: …" (e.g. "disk: pg_total_relation_size",
	// "memory: used_memory").
	Size(ctx context.Context) (bytes int64, what string, err error)
}
