package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/twitter"
)

var _ twitter.InboxProvider = (*Conn)(nil)

// inboxState holds the twitter application's home-timeline inboxes, by
// name.
type inboxState struct {
	mu  sync.Mutex
	set map[string]*inboxes
}

// inboxes are the inboxes of one name: per user, its posts newest first
// (ties by id descending), at most capacity of them.
type inboxes struct {
	c        *Conn
	name     string
	capacity int
	mu       sync.RWMutex
	boxes    map[crud.UserID][]twitter.Post
}

// Inboxes returns the home-timeline inboxes called name, each keeping the
// newest capacity posts (twitter.InboxProvider).
func (c *Conn) Inboxes(name string, capacity int) (twitter.Inboxes, error) {
	st, err := patternState(c, "inbox", func() *inboxState { return &inboxState{set: map[string]*inboxes{}} })
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if b, ok := st.set[name]; ok {
		return b, nil
	}
	b := &inboxes{c: c, name: name, capacity: capacity, boxes: map[crud.UserID][]twitter.Post{}}
	st.set[name] = b
	return b, nil
}

// Setup drops every inbox.
func (b *inboxes) Setup(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.boxes = map[crud.UserID][]twitter.Post{}
	return nil
}

func newer(a, p twitter.Post) int {
	if c := p.At.Compare(a.At); c != 0 {
		return c
	}
	return cmp.Compare(p.ID, a.ID)
}

// Push inserts each post in order (a post already in the inbox is kept
// once), then trims the inbox to its capacity.
func (b *inboxes) Push(ctx context.Context, pushes []twitter.InboxPush) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range pushes {
		post := twitter.Post{ID: p.Post.ID, At: p.Post.At.Truncate(time.Microsecond)}
		box := b.boxes[p.User]
		i, found := slices.BinarySearchFunc(box, post, newer)
		if found {
			continue
		}
		box = slices.Insert(box, i, post)
		if len(box) > b.capacity {
			box = box[:b.capacity]
		}
		b.boxes[p.User] = box
	}
	return nil
}

// Read returns the limit newest posts of user's inbox.
func (b *inboxes) Read(ctx context.Context, user crud.UserID, limit int, dst []twitter.Post) ([]twitter.Post, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	box := b.boxes[user]
	return append(dst[:0], box[:min(limit, len(box))]...), nil
}
