package kafkasync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/storefit/storefit/cdc/kafkalog"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

// events is the event-sourcing strategy. The application appends every
// write to a Kafka topic — the event log, one partition, so every row's
// events are in the order they were decided — and that log is the source
// of truth: no database is written in the request path. Every store, the
// source store too, is a projection: it has its own consumer group, which
// applies the log's events in order and commits its offset after applying
// them, so a projection that is down or whose consumer dies resumes from
// its own position and the others go on.
//
// A command is decided against the write model, the log folded into memory
// (syncer.State), under a lock on the rows it touches: the events it
// appends are the rows' new images (a like: the like, and the tweet with
// its new like_count), so a projection applies them as upserts and
// deletes by key, and a replay applies once (the same image again). The
// write model is rebuilt from the log when the process starts (here: built
// by the initial load).
type events struct {
	env   *syncer.Env
	kafka string
	topic string
	prod  *kafkalog.Producer
	state *syncer.State
	locks [256]sync.Mutex
	group string // groups are group-<view>
	setup bool
}

func newEvents(env *syncer.Env) (syncer.Strategy, error) {
	return &events{env: env, kafka: kafkaDSN(env.Options), state: syncer.NewState(syncer.AllEntities)}, nil
}

// Setup creates the log (a topic named per run) before the load.
func (ev *events) Setup(ctx context.Context) error {
	run, err := runID()
	if err != nil {
		return err
	}
	ev.topic = "storefit_" + ev.env.Options.Name + "events_" + run
	ev.group = ev.topic + "-view-"
	if err := kafkalog.EnsureTopics(ctx, ev.kafka, ev.topic); err != nil {
		return err
	}
	ev.setup = true
	if ev.prod, err = kafkalog.NewProducer(ctx, ev.kafka, ev.topic); err != nil {
		return err
	}
	return nil
}

// Load appends the initial rows to the log, in records of Options.Batch
// rows, and folds them into the write model.
func (ev *events) Load(ctx context.Context, rows []syncer.Change) error {
	ev.state.Apply(rows)
	var values [][]byte
	for i := 0; i < len(rows); i += ev.env.Options.Batch {
		b, err := encodeEvents(rows[i:min(i+ev.env.Options.Batch, len(rows))])
		if err != nil {
			return err
		}
		values = append(values, b)
	}
	if len(values) == 0 {
		return nil
	}
	_, err := ev.prod.Append(ctx, nil, values...)
	return err
}

// Prepare sets every projection's position at the log's end: the load
// built them already.
func (ev *events) Prepare(ctx context.Context) error {
	end, err := kafkalog.EndOffsets(ctx, ev.kafka, ev.topic)
	if err != nil {
		return err
	}
	for _, s := range ev.env.Sinks {
		if err := kafkalog.CommitGroup(ctx, ev.kafka, ev.group+s.Name(), ev.topic, end); err != nil {
			return err
		}
	}
	return nil
}

// lock returns the lock of the rows cmd decides on: a tweet's (its likes
// and its deletion included) or an edge's.
func (ev *events) lock(cmd *syncer.Command) *sync.Mutex {
	var k uint64
	switch cmd.Kind {
	case syncer.Like:
		k = uint64(cmd.Like.TweetID)
	case syncer.Follow, syncer.ToggleFollow:
		k = uint64(cmd.Edge.Src)*0x9E3779B97F4A7C15 ^ uint64(cmd.Edge.Dst)
	default:
		k = uint64(cmd.Tweet.ID)
	}
	return &ev.locks[k%uint64(len(ev.locks))]
}

// Exec decides cmd against the write model and appends its events to the
// log; it returns once the broker acknowledged them. The changes are
// registered in the ledger before the append and stamped after it.
func (ev *events) Exec(ctx context.Context, cmd *syncer.Command) error {
	mu := ev.lock(cmd)
	mu.Lock()
	defer mu.Unlock()
	changes, err := ev.state.Decide(cmd)
	if err != nil || len(changes) == 0 {
		return err
	}
	b, err := encodeEvents(changes)
	if err != nil {
		return err
	}
	tk := ev.env.Ledger.Begin(changes)
	if _, err := ev.prod.Append(ctx, nil, b); err != nil {
		tk.Withdraw()
		return err
	}
	tk.Commit(time.Now())
	ev.state.Apply(changes)
	return nil
}

// Run runs a consumer per projection, each in its own group.
func (ev *events) Run(ctx context.Context, deliver syncer.Deliver) error {
	return syncer.RunPerView(ctx, len(ev.env.Sinks), func(ctx context.Context, i int) error {
		c, err := kafkalog.NewConsumer(ctx, kafkalog.ConsumerConfig{Kafka: ev.kafka, Group: ev.group + ev.env.Sinks[i].Name(),
			Topics: []string{ev.topic}, MaxBatch: max(1, ev.env.Options.Batch/2)}) // a record holds a command's changes: one or two, mostly
		if err != nil {
			return err
		}
		defer c.Close()
		return c.Run(ctx, func(ctx context.Context, recs []*kgo.Record) error {
			batch, err := decodeRecords(recs)
			if err != nil {
				return err
			}
			return deliver(ctx, i, batch)
		})
	})
}

// decodeRecords returns the events of records, in order.
func decodeRecords(recs []*kgo.Record) ([]syncer.Change, error) {
	var out []syncer.Change
	for _, r := range recs {
		cs, err := decodeEvents(r.Value)
		if err != nil {
			return nil, fmt.Errorf("event log record %d: %w", r.Offset, err)
		}
		for j := range cs {
			cs[j].Commit, cs[j].Pos = r.Timestamp, uint64(r.Offset)
		}
		out = append(out, cs...)
	}
	return out, nil
}

// Truth returns the source of truth: the log, read from its start and
// folded.
func (ev *events) Truth() syncer.Scanner { return logScanner{ev} }

type logScanner struct{ ev *events }

// Scan folds the whole log into a fresh state and scans it.
func (s logScanner) Scan(ctx context.Context, fn func(c *syncer.Change) error) error {
	st := syncer.NewState(syncer.AllEntities)
	_, err := kafkalog.ReadAll(ctx, s.ev.kafka, s.ev.topic, func(recs []*kgo.Record) error {
		cs, err := decodeRecords(recs)
		st.Apply(cs)
		return err
	})
	if err != nil {
		return err
	}
	return st.Scan(ctx, fn)
}

// Rebuild drops projection i and rebuilds it from the start of the log,
// in batches of Options.Batch events, with its consumer stopped.
func (ev *events) Rebuild(ctx context.Context, i int) (syncer.Rebuild, error) {
	s := ev.env.Sinks[i]
	r := syncer.Rebuild{View: s.Name()}
	reset, ok := s.(syncer.Resetter)
	if !ok {
		return r, fmt.Errorf("view %s cannot be dropped", s.Name())
	}
	t0 := time.Now()
	if err := reset.Reset(ctx); err != nil {
		return r, fmt.Errorf("drop %s: %w", s.Name(), err)
	}
	var pending []syncer.Change
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := s.Apply(ctx, syncer.Keep(nil, pending, s.Keeps()))
		pending = pending[:0]
		return err
	}
	n, err := kafkalog.ReadAll(ctx, ev.kafka, ev.topic, func(recs []*kgo.Record) error {
		cs, err := decodeRecords(recs)
		if err != nil {
			return err
		}
		r.Events += int64(len(cs))
		for _, c := range cs {
			pending = append(pending, c)
			if len(pending) >= ev.env.Options.Batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	r.Records, r.Seconds = n, time.Since(t0).Seconds()
	if err != nil {
		return r, fmt.Errorf("rebuild %s: %w", s.Name(), err)
	}
	return r, nil
}

// Cleanup deletes the log and the groups.
func (ev *events) Cleanup(ctx context.Context) error {
	if ev.prod != nil {
		ev.prod.Close()
	}
	if !ev.setup {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	errs := []error{kafkalog.DeleteTopics(ctx, ev.kafka, ev.topic)}
	for _, s := range ev.env.Sinks {
		errs = append(errs, kafkalog.DeleteGroup(ctx, ev.kafka, ev.group+s.Name()))
	}
	return errors.Join(errs...)
}

// event is one row change in the log: its entity, whether it deletes the
// row, and the row's columns (times in Unix microseconds).
type event struct {
	E      syncer.Entity `json:"e"`
	Delete bool          `json:"d,omitempty"`
	ID     int64         `json:"id,omitempty"`
	User   int64         `json:"u,omitempty"`
	Tweet  int64         `json:"t,omitempty"`
	Body   string        `json:"b,omitempty"`
	At     int64         `json:"at,omitempty"`
	Likes  int64         `json:"l,omitempty"`
	Src    int64         `json:"s,omitempty"`
	Dst    int64         `json:"x,omitempty"`
}

// encodeEvents encodes a record's events (one command's, or a load batch).
func encodeEvents(cs []syncer.Change) ([]byte, error) {
	evs := make([]event, len(cs))
	for i := range cs {
		c := &cs[i]
		e := event{E: c.Entity, Delete: c.Op == syncer.Delete}
		switch c.Entity {
		case syncer.EntityTweet:
			e.ID, e.User, e.Body, e.Likes = int64(c.Tweet.ID), int64(c.Tweet.UserID), c.Tweet.Body, c.Tweet.LikeCount
			if !c.Tweet.CreatedAt.IsZero() {
				e.At = c.Tweet.CreatedAt.UnixMicro()
			}
		case syncer.EntityLike:
			e.User, e.Tweet = int64(c.Like.UserID), int64(c.Like.TweetID)
			if !c.Like.CreatedAt.IsZero() {
				e.At = c.Like.CreatedAt.UnixMicro()
			}
		case syncer.EntityFollow:
			e.Src, e.Dst = int64(c.Edge.Src), int64(c.Edge.Dst)
		}
		evs[i] = e
	}
	return json.Marshal(evs)
}

// decodeEvents decodes a record's events.
func decodeEvents(b []byte) ([]syncer.Change, error) {
	var evs []event
	if err := json.Unmarshal(b, &evs); err != nil {
		return nil, err
	}
	out := make([]syncer.Change, len(evs))
	for i, e := range evs {
		var at time.Time
		if e.At != 0 {
			at = time.UnixMicro(e.At).UTC()
		}
		var c syncer.Change
		switch e.E {
		case syncer.EntityTweet:
			t := crud.Tweet{ID: crud.TweetID(e.ID), UserID: crud.UserID(e.User), Body: e.Body, CreatedAt: at, LikeCount: e.Likes}
			c = syncer.TweetUpsert(t)
			if e.Delete {
				c = syncer.TweetDelete(t)
			}
		case syncer.EntityLike:
			l := crud.Like{UserID: crud.UserID(e.User), TweetID: crud.TweetID(e.Tweet), CreatedAt: at}
			c = syncer.LikeUpsert(l)
			if e.Delete {
				c = syncer.LikeDelete(l)
			}
		case syncer.EntityFollow:
			ed := graph.Edge{Src: graph.UserID(e.Src), Dst: graph.UserID(e.Dst)}
			c = syncer.FollowUpsert(ed)
			if e.Delete {
				c = syncer.FollowDelete(ed)
			}
		default:
			return nil, fmt.Errorf("event of unknown entity %d", e.E)
		}
		out[i] = c
	}
	return out, nil
}

func init() {
	syncer.Register(syncer.StrategyInfo{Name: "event-sourcing",
		Summary: "event sourcing (the application appends to a Kafka log, the source of truth; every store, the source too, is a projection with its own consumer)",
		New:     newEvents, SourceIsProjection: true})
}
