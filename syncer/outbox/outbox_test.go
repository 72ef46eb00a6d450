package outbox

import (
	"testing"
	"time"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

// Outbox rows decode from PostgreSQL's to_jsonb and SQLite's json_object.
func TestDecode(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	want := syncer.TweetUpsert(crud.Tweet{ID: 5, UserID: 9, Body: `a "body"`, CreatedAt: at, LikeCount: 2})
	for _, row := range []string{
		`{"id": 5, "body": "a \"body\"", "user_id": 9, "created_at": "2024-01-02T05:04:05.123456+02:00", "like_count": 2}`,
		`{"id":5,"user_id":9,"body":"a \"body\"","created_at":1704164645123456000,"like_count":2}`,
	} {
		c, err := Decode(syncer.EntityTweet, "UPDATE", []byte(row))
		if err != nil || c.Digest() != want.Digest() {
			t.Errorf("%s: %v %v", row, c.Digest(), err)
		}
	}
	c, err := Decode(syncer.EntityFollow, "DELETE", []byte(`{"src": 1, "dst": 2}`))
	if err != nil || c.Op != syncer.Delete || c.Edge != (graph.Edge{Src: 1, Dst: 2}) {
		t.Errorf("follow delete: %+v %v", c, err)
	}
}
