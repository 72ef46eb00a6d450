package postgres_test

import (
	"testing"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/syncer/synctest"
)

// TestSyncSource: PostgreSQL as a sync source runs every command as the
// reference does.
func TestSyncSource(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	src, err := c.SyncSource(syncer.SourceSpec{Tables: syncer.Tables{Tweets: "synctest_src_tweets", Likes: "synctest_src_likes", Follows: "synctest_src_follows"}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.(interface{ Close() error }).Close()
	synctest.RunSource(t, src)
}

// TestSyncSink: PostgreSQL as a view keeps every entity.
func TestSyncSink(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	synctest.RunSink(t, "synctest_view_", c.SyncSink, func(syncer.EntitySet) bool { return true })
}
