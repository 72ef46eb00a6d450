package drivers

import "context"

// Sizer is an optional interface of a Conn that tells how much data its
// store holds, so a result can say how many bytes a loaded row costs. The
// runner asks after setup and again after the load, and records the
// growth.
type Sizer interface {
	// Size returns the bytes the store's data take and what was counted,
	// e.g. "disk: pg_database_size" or "memory: used_memory".
	Size(ctx context.Context) (bytes int64, what string, err error)
}
