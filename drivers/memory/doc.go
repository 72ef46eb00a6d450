// Package memory is the reference store of storefit: every access pattern
// implemented in plain, obviously correct Go over in-process data
// structures. It is the oracle other drivers' answers are compared with
// (drivers/drivertest) and a store in its own right for runs.
//
// DSN: ignored; every Open gives a new, empty store ("memory" or "").
//
// Point: one ordered B-tree (github.com/google/btree) per table, guarded by
// a read-write mutex, so scans return keys in byte order.
//
// It also offers the sync engine an in-memory source and views
// (syncer.MemorySource, MemorySink): the sync tests' stores, and the
// reference the other stores' sync views are checked against.
package memory
