package duckdb_test

import (
	"context"
	"testing"

	"github.com/storefit/storefit/drivers/duckdb"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/syncer/synctest"
)

// TestSyncSink: DuckDB as a view keeps every entity.
func TestSyncSink(t *testing.T) {
	c, err := duckdb.Driver{}.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	synctest.RunSink(t, "synctest_", c.(*duckdb.Conn).SyncSink, func(syncer.EntitySet) bool { return true })
}
