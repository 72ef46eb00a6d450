package redis_test

import (
	"testing"

	"github.com/storefit/storefit/drivers/redis"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/syncer/synctest"
)

// TestSyncSink: Redis as a view keeps every entity.
func TestSyncSink(t *testing.T) {
	c := open(t, serverDSN(t)).(*redis.Conn)
	defer c.Close()
	synctest.RunSink(t, "synctest_", c.SyncSink, func(syncer.EntitySet) bool { return true })
}
