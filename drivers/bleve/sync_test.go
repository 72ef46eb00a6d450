package bleve_test

import (
	"context"
	"testing"

	"github.com/storefit/storefit/drivers/bleve"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/syncer/synctest"
)

// TestSyncSink: a bleve index as a view of tweets.
func TestSyncSink(t *testing.T) {
	c, err := bleve.OpenConfig(context.Background(), bleve.Config{Path: t.TempDir(), Scoring: bleve.ScoringBM25})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	synctest.RunSink(t, "synctest_", c.SyncSink, func(s syncer.EntitySet) bool { return s == syncer.Entities(syncer.EntityTweet) })
	if _, err := c.SyncSink(syncer.SinkSpec{Name: "x", Keeps: syncer.Entities(syncer.EntityFollow), Tables: syncer.Tables{Follows: "f"}}); err == nil {
		t.Error("a bleve view of follows accepted")
	}
}
