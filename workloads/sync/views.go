package syncwl

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bv "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/duckdb/duckdb-go/v2"
	"github.com/redis/rueidis"
)

// The views' names.
const (
	ViewSearch    = "search"
	ViewGraph     = "graph"
	ViewTimeline  = "timeline"
	ViewAnalytics = "analytics"
)

// lastPerKey reduces a batch to the last change of each row (markers kept
// apart as the highest Seq): applying that is what applying the batch in
// order does, for views that keep full row images.
func lastPerKey(changes []Change, keep Entity) (rows []*Change, marker int64) {
	idx := map[string]int{}
	for i := range changes {
		c := &changes[i]
		switch c.Entity {
		case EntityMarker:
			marker = max(marker, c.Seq)
			continue
		case keep:
		default:
			continue
		}
		k := c.Key()
		if j, ok := idx[k]; ok {
			rows[j] = c
			continue
		}
		idx[k] = len(rows)
		rows = append(rows, c)
	}
	return rows, marker
}

// ---- search: bleve ----

// SearchView is the search index of tweets: an in-memory bleve index
// (no server needed) with the tweet's body analyzed and stored, and its
// author stored. Its marker is kept in memory once a batch is indexed,
// which is when bleve makes it searchable.
type SearchView struct {
	mu     sync.RWMutex
	idx    bv.Index
	marker atomic.Int64
}

// NewSearchView returns an empty search view; Setup creates the index.
func NewSearchView() *SearchView { return &SearchView{} }

// Name returns "search".
func (v *SearchView) Name() string { return ViewSearch }

// Store returns "bleve".
func (v *SearchView) Store() string { return "bleve" }

// Setup creates an empty in-memory index.
func (v *SearchView) Setup(ctx context.Context) error {
	im := bv.NewIndexMapping()
	dm := bv.NewDocumentStaticMapping()
	body := bv.NewTextFieldMapping()
	body.Store = true
	body.IncludeInAll = false
	dm.AddFieldMappingsAt("body", body)
	user := bv.NewKeywordFieldMapping()
	user.Store = true
	user.IncludeInAll = false
	dm.AddFieldMappingsAt("user", user)
	im.DefaultMapping = dm
	im.IndexDynamic, im.StoreDynamic = false, false
	idx, err := bv.NewMemOnly(im)
	if err != nil {
		return fmt.Errorf("search view: %w", err)
	}
	v.mu.Lock()
	old := v.idx
	v.idx = idx
	v.mu.Unlock()
	v.marker.Store(0)
	if old != nil {
		_ = old.Close()
	}
	return nil
}

type searchDoc struct {
	Body string `json:"body"`
	User string `json:"user"`
}

// Apply indexes upserted tweets and deletes deleted ones in one batch.
func (v *SearchView) Apply(ctx context.Context, changes []Change) error {
	rows, marker := lastPerKey(changes, EntityTweet)
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.idx == nil {
		return errors.New("search view: not set up")
	}
	if len(rows) > 0 {
		b := v.idx.NewBatch()
		for _, c := range rows {
			id := strconv.FormatInt(c.TweetID, 10)
			if c.Op == OpDelete {
				b.Delete(id)
				continue
			}
			if err := b.Index(id, searchDoc{Body: c.Body, User: strconv.FormatInt(c.UserID, 10)}); err != nil {
				return fmt.Errorf("search view: %w", err)
			}
		}
		if err := v.idx.Batch(b); err != nil {
			return fmt.Errorf("search view: %w", err)
		}
	}
	if marker > 0 && marker > v.marker.Load() {
		v.marker.Store(marker)
	}
	return nil
}

// Marker returns the highest marker indexed.
func (v *SearchView) Marker(ctx context.Context) (int64, error) { return v.marker.Load(), nil }

// Digest projects a tweet to author and body.
func (v *SearchView) Digest(c *Change) (string, string, bool) {
	if c.Entity != EntityTweet {
		return "", "", false
	}
	return c.Key(), strconv.FormatInt(c.UserID, 10) + "|" + c.Body, true
}

// Scan pages through every document with its stored fields.
func (v *SearchView) Scan(ctx context.Context, fn func(key, digest string) error) error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.idx == nil {
		return errors.New("search view: not set up")
	}
	const page = 2000
	var after []string
	for {
		req := bv.NewSearchRequestOptions(query.NewMatchAllQuery(), page, 0, false)
		req.Fields = []string{"body", "user"}
		req.SortBy([]string{"_id"})
		if after != nil {
			req.SearchAfter = after
		}
		res, err := v.idx.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("search view: scan: %w", err)
		}
		for _, h := range res.Hits {
			body, _ := h.Fields["body"].(string)
			user, _ := h.Fields["user"].(string)
			if err := fn("tweet/"+h.ID, user+"|"+body); err != nil {
				return err
			}
		}
		if len(res.Hits) < page {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// Close closes the index.
func (v *SearchView) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.idx == nil {
		return nil
	}
	err := v.idx.Close()
	v.idx = nil
	return err
}

// ---- graph: in-memory adjacency ----

// GraphView is the follows graph: an in-process adjacency map (the memory
// graph), src → set of dst.
type GraphView struct {
	mu     sync.RWMutex
	out    map[int64]map[int64]struct{}
	marker int64
}

// NewGraphView returns an empty graph view.
func NewGraphView() *GraphView { return &GraphView{out: map[int64]map[int64]struct{}{}} }

// Name returns "graph".
func (v *GraphView) Name() string { return ViewGraph }

// Store returns "memory".
func (v *GraphView) Store() string { return "memory" }

// Setup empties the graph.
func (v *GraphView) Setup(ctx context.Context) error {
	v.mu.Lock()
	v.out = map[int64]map[int64]struct{}{}
	v.marker = 0
	v.mu.Unlock()
	return nil
}

// Apply adds and removes edges.
func (v *GraphView) Apply(ctx context.Context, changes []Change) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	for i := range changes {
		c := &changes[i]
		switch c.Entity {
		case EntityMarker:
			v.marker = max(v.marker, c.Seq)
		case EntityFollow:
			if c.Op == OpDelete {
				if s := v.out[c.Src]; s != nil {
					delete(s, c.Dst)
				}
				continue
			}
			s := v.out[c.Src]
			if s == nil {
				s = map[int64]struct{}{}
				v.out[c.Src] = s
			}
			s[c.Dst] = struct{}{}
		}
	}
	return nil
}

// Marker returns the highest marker applied.
func (v *GraphView) Marker(ctx context.Context) (int64, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.marker, nil
}

// Digest projects a follow to its presence.
func (v *GraphView) Digest(c *Change) (string, string, bool) {
	if c.Entity != EntityFollow {
		return "", "", false
	}
	return c.Key(), "1", true
}

// Scan lists every edge.
func (v *GraphView) Scan(ctx context.Context, fn func(key, digest string) error) error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	for src, s := range v.out {
		for dst := range s {
			if err := fn(fmt.Sprintf("follow/%d/%d", src, dst), "1"); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close does nothing.
func (v *GraphView) Close() error { return nil }

// ---- timeline: redis ----

// TimelineView is the timeline cache in Redis: one sorted set per author,
// <prefix>tl:<user>, of tweet ids scored by created_at (Unix seconds); the
// marker is the string <prefix>marker. Batches go as one pipeline.
type TimelineView struct {
	client rueidis.Client
	prefix string
	addr   string
	proc   *redisProc // the view's own server, if any
}

// NewTimelineView connects to the Redis server dsn names
// (redis://[user:password@]host:port/db) and keeps its keys under prefix.
func NewTimelineView(ctx context.Context, dsn, prefix string) (*TimelineView, error) {
	opt, err := rueidis.ParseURL(dsn)
	if err != nil {
		return nil, fmt.Errorf("timeline view: bad redis DSN: %v", err)
	}
	opt.ForceSingleClient = true
	opt.DisableCache = true
	opt.DisableRetry = true
	opt.ClientName = "storefit-sync"
	opt.ConnWriteTimeout = 2 * time.Second
	client, err := rueidis.NewClient(opt)
	if err != nil {
		return nil, fmt.Errorf("timeline view: redis at %s: %v", strings.Join(opt.InitAddress, ","), err)
	}
	if err := client.Do(ctx, client.B().Ping().Build()).Error(); err != nil {
		client.Close()
		return nil, fmt.Errorf("timeline view: redis at %s: %v", strings.Join(opt.InitAddress, ","), err)
	}
	return &TimelineView{client: client, prefix: prefix, addr: strings.Join(opt.InitAddress, ",")}, nil
}

// Name returns "timeline".
func (v *TimelineView) Name() string { return ViewTimeline }

// Store returns "redis".
func (v *TimelineView) Store() string { return "redis" }

func (v *TimelineView) keys(ctx context.Context, match string, fn func(keys []string) error) error {
	var cursor uint64
	for {
		e, err := v.client.Do(ctx, v.client.B().Scan().Cursor(cursor).Match(match).Count(1000).Build()).AsScanEntry()
		if err != nil {
			return fmt.Errorf("timeline view: scan: %w", err)
		}
		if len(e.Elements) > 0 {
			if err := fn(e.Elements); err != nil {
				return err
			}
		}
		if e.Cursor == 0 {
			return nil
		}
		cursor = e.Cursor
	}
}

// Setup deletes the view's keys.
func (v *TimelineView) Setup(ctx context.Context) error {
	return v.keys(ctx, v.prefix+"*", func(keys []string) error {
		if err := v.client.Do(ctx, v.client.B().Del().Key(keys...).Build()).Error(); err != nil {
			return fmt.Errorf("timeline view: setup: %w", err)
		}
		return nil
	})
}

func (v *TimelineView) timelineKey(user int64) string {
	return v.prefix + "tl:" + strconv.FormatInt(user, 10)
}

// Apply sends the batch's commands as one pipeline: ZADD for an upserted
// tweet, ZREM for a deleted one, SET of the marker.
func (v *TimelineView) Apply(ctx context.Context, changes []Change) error {
	rows, marker := lastPerKey(changes, EntityTweet)
	cmds := make(rueidis.Commands, 0, len(rows)+1)
	for _, c := range rows {
		id := strconv.FormatInt(c.TweetID, 10)
		k := v.timelineKey(c.UserID)
		if c.Op == OpDelete {
			cmds = append(cmds, v.client.B().Zrem().Key(k).Member(id).Build())
			continue
		}
		cmds = append(cmds, v.client.B().Zadd().Key(k).ScoreMember().ScoreMember(float64(c.CreatedAt.Unix()), id).Build())
	}
	if marker > 0 {
		cmds = append(cmds, v.client.B().Set().Key(v.prefix+"marker").Value(strconv.FormatInt(marker, 10)).Build())
	}
	if len(cmds) == 0 {
		return nil
	}
	for _, r := range v.client.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil {
			return fmt.Errorf("timeline view: %w", err)
		}
	}
	return nil
}

// Marker reads the marker back from Redis.
func (v *TimelineView) Marker(ctx context.Context) (int64, error) {
	n, err := v.client.Do(ctx, v.client.B().Get().Key(v.prefix+"marker").Build()).AsInt64()
	if rueidis.IsRedisNil(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("timeline view: marker: %w", err)
	}
	return n, nil
}

// Digest projects a tweet to its author and created_at (Unix seconds).
func (v *TimelineView) Digest(c *Change) (string, string, bool) {
	if c.Entity != EntityTweet {
		return "", "", false
	}
	return c.Key(), fmt.Sprintf("%d|%d", c.UserID, c.CreatedAt.Unix()), true
}

// Scan reads every timeline.
func (v *TimelineView) Scan(ctx context.Context, fn func(key, digest string) error) error {
	return v.keys(ctx, v.prefix+"tl:*", func(keys []string) error {
		for _, k := range keys {
			user := strings.TrimPrefix(k, v.prefix+"tl:")
			zs, err := v.client.Do(ctx, v.client.B().Zrange().Key(k).Min("0").Max("-1").Withscores().Build()).AsZScores()
			if err != nil {
				return fmt.Errorf("timeline view: scan %s: %w", k, err)
			}
			for _, z := range zs {
				if err := fn("tweet/"+z.Member, fmt.Sprintf("%s|%d", user, int64(z.Score))); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Close closes the client (and stops the view's own server).
func (v *TimelineView) Close() error {
	v.client.Close()
	if v.proc != nil {
		return v.proc.close()
	}
	return nil
}

// ---- analytics: duckdb ----

// AnalyticsView is the analytics copy of tweets in an embedded DuckDB
// database (in a fresh temporary directory, removed at Close): the
// table tweets(id, user_id, like_count, created_at, body_len) and a
// one-row marker table. A batch is one transaction: DELETE of the batch's
// rows, then INSERT of their new images.
type AnalyticsView struct {
	mu  sync.Mutex
	dir string
	db  *sql.DB
}

// NewAnalyticsView opens a DuckDB database in a temporary directory.
func NewAnalyticsView(ctx context.Context) (*AnalyticsView, error) {
	dir, err := os.MkdirTemp("", "storefit-sync-duckdb-")
	if err != nil {
		return nil, fmt.Errorf("analytics view: %w", err)
	}
	connector, err := duckdb.NewConnector(dir+"/analytics.duckdb", nil)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("analytics view: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(4)
	return &AnalyticsView{dir: dir, db: db}, nil
}

// Name returns "analytics".
func (v *AnalyticsView) Name() string { return ViewAnalytics }

// Store returns "duckdb".
func (v *AnalyticsView) Store() string { return "duckdb" }

// Setup creates the tables empty.
func (v *AnalyticsView) Setup(ctx context.Context) error {
	for _, s := range []string{
		"DROP TABLE IF EXISTS tweets",
		"DROP TABLE IF EXISTS marker",
		"CREATE TABLE tweets (id BIGINT, user_id BIGINT, like_count BIGINT, created_at TIMESTAMP, body_len INTEGER)",
		"CREATE TABLE marker (seq BIGINT)",
		"INSERT INTO marker VALUES (0)",
	} {
		if _, err := v.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("analytics view: setup: %w", err)
		}
	}
	return nil
}

// Apply applies the batch in one transaction.
func (v *AnalyticsView) Apply(ctx context.Context, changes []Change) error {
	rows, marker := lastPerKey(changes, EntityTweet)
	if len(rows) == 0 && marker == 0 {
		return nil
	}
	v.mu.Lock() // one writer: DuckDB transactions on one table conflict
	defer v.mu.Unlock()
	tx, err := v.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("analytics view: %w", err)
	}
	defer tx.Rollback()
	if len(rows) > 0 {
		ids := make([]string, len(rows))
		for i, c := range rows {
			ids[i] = strconv.FormatInt(c.TweetID, 10)
		}
		// The ids are integers formatted here, not data from outside.
		if _, err := tx.ExecContext(ctx, "DELETE FROM tweets WHERE id IN ("+strings.Join(ids, ",")+")"); err != nil {
			return fmt.Errorf("analytics view: delete: %w", err)
		}
		var sb strings.Builder
		var args []any
		sb.WriteString("INSERT INTO tweets VALUES ")
		for _, c := range rows {
			if c.Op == OpDelete {
				continue
			}
			if len(args) > 0 {
				sb.WriteString(",")
			}
			sb.WriteString("(?,?,?,?,?)")
			args = append(args, c.TweetID, c.UserID, c.LikeCount, c.CreatedAt.UTC(), len(c.Body))
		}
		if len(args) > 0 {
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				return fmt.Errorf("analytics view: insert: %w", err)
			}
		}
	}
	if marker > 0 {
		if _, err := tx.ExecContext(ctx, "UPDATE marker SET seq = greatest(seq, ?)", marker); err != nil {
			return fmt.Errorf("analytics view: marker: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("analytics view: commit: %w", err)
	}
	return nil
}

// Marker reads the marker back from DuckDB.
func (v *AnalyticsView) Marker(ctx context.Context) (int64, error) {
	var n int64
	if err := v.db.QueryRowContext(ctx, "SELECT seq FROM marker").Scan(&n); err != nil {
		return 0, fmt.Errorf("analytics view: marker: %w", err)
	}
	return n, nil
}

// Digest projects a tweet to author, like count, created_at and body
// length.
func (v *AnalyticsView) Digest(c *Change) (string, string, bool) {
	if c.Entity != EntityTweet {
		return "", "", false
	}
	return c.Key(), fmt.Sprintf("%d|%d|%d|%d", c.UserID, c.LikeCount, c.CreatedAt.Unix(), len(c.Body)), true
}

// Scan reads the whole table.
func (v *AnalyticsView) Scan(ctx context.Context, fn func(key, digest string) error) error {
	rs, err := v.db.QueryContext(ctx, "SELECT id, user_id, like_count, created_at, body_len FROM tweets")
	if err != nil {
		return fmt.Errorf("analytics view: scan: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var id, user, likes int64
		var at time.Time
		var n int
		if err := rs.Scan(&id, &user, &likes, &at, &n); err != nil {
			return fmt.Errorf("analytics view: scan: %w", err)
		}
		if err := fn(fmt.Sprintf("tweet/%d", id), fmt.Sprintf("%d|%d|%d|%d", user, likes, at.Unix(), n)); err != nil {
			return err
		}
	}
	return rs.Err()
}

// Close closes the database and removes its directory.
func (v *AnalyticsView) Close() error {
	err := v.db.Close()
	return errors.Join(err, os.RemoveAll(v.dir))
}
