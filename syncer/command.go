package syncer

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

// CommandKind is the kind of an application write.
type CommandKind uint8

// The application writes. Their semantics are State's: every Source
// implements them the same way, and the tests check sources against State.
const (
	// CreateTweet inserts Tweet (ID, UserID, Body, CreatedAt) with no
	// likes: one tweet upsert. A taken id is an error wrapping
	// crud.ErrDuplicate.
	CreateTweet CommandKind = iota + 1
	// UpdateTweet replaces the body of tweet Tweet.ID with Tweet.Body: the
	// tweet's new image; nothing for an unknown tweet.
	UpdateTweet
	// DeleteTweet deletes tweet Tweet.ID and its likes: a like delete per
	// like, then the tweet's delete (its last image); nothing for an
	// unknown tweet.
	DeleteTweet
	// Like records Like (UserID, TweetID, CreatedAt) and increments the
	// tweet's like_count in one transaction: the like's upsert, then the
	// tweet's new image; nothing when the tweet is unknown or the like
	// exists.
	Like
	// Follow adds the edge Edge: its upsert; nothing when it exists.
	Follow
	// ToggleFollow adds Edge, or removes it when it exists: its upsert or
	// its delete.
	ToggleFollow
)

var commandNames = [...]string{CreateTweet: "create_tweet", UpdateTweet: "update_tweet", DeleteTweet: "delete_tweet",
	Like: "like", Follow: "follow", ToggleFollow: "toggle_follow"}

// String returns the command's name ("create_tweet", …).
func (k CommandKind) String() string {
	if int(k) < len(commandNames) && commandNames[k] != "" {
		return commandNames[k]
	}
	return fmt.Sprintf("command(%d)", uint8(k))
}

// Command is one application write, as data: strategies that log it (event
// sourcing) decide it against their own state, the others run it on the
// source.
type Command struct {
	Kind  CommandKind
	Tweet crud.Tweet
	Like  crud.Like
	Edge  graph.Edge
}

// State is an in-memory copy of the social data model: tweets, likes and
// follows. It decides commands the way every Source must (it is the
// reference the sources are tested against), folds changes, and scans its
// rows. Event sourcing keeps one as its write model and folds the log into
// one to check its projections; the memory store is one. Safe for
// concurrent use.
type State struct {
	mu      sync.RWMutex
	keeps   EntitySet
	tweets  map[crud.TweetID]crud.Tweet
	likes   map[crud.TweetID]map[crud.UserID]crud.Like
	follows map[graph.Edge]struct{}
}

// NewState returns an empty state keeping the entities of keeps (changes of
// other entities are ignored).
func NewState(keeps EntitySet) *State {
	s := &State{keeps: keeps}
	s.reset()
	return s
}

func (s *State) reset() {
	s.tweets = map[crud.TweetID]crud.Tweet{}
	s.likes = map[crud.TweetID]map[crud.UserID]crud.Like{}
	s.follows = map[graph.Edge]struct{}{}
}

// Keeps returns the entities s keeps.
func (s *State) Keeps() EntitySet { return s.keeps }

// Reset empties s.
func (s *State) Reset(ctx context.Context) error {
	s.mu.Lock()
	s.reset()
	s.mu.Unlock()
	return nil
}

// Decide returns the changes cmd makes to s, without making them. It needs
// the state of every entity cmd reads: a state that keeps only some
// entities decides as if the others were empty.
func (s *State) Decide(cmd *Command) ([]Change, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.decide(cmd)
}

func (s *State) decide(cmd *Command) ([]Change, error) {
	switch cmd.Kind {
	case CreateTweet:
		if _, ok := s.tweets[cmd.Tweet.ID]; ok {
			return nil, fmt.Errorf("create tweet %d: %w", cmd.Tweet.ID, crud.ErrDuplicate)
		}
		t := cmd.Tweet
		t.LikeCount = 0
		return []Change{TweetUpsert(t)}, nil
	case UpdateTweet:
		t, ok := s.tweets[cmd.Tweet.ID]
		if !ok {
			return nil, nil
		}
		t.Body = cmd.Tweet.Body
		return []Change{TweetUpsert(t)}, nil
	case DeleteTweet:
		t, ok := s.tweets[cmd.Tweet.ID]
		if !ok {
			return nil, nil
		}
		var out []Change
		for _, l := range sortedLikes(s.likes[t.ID]) {
			out = append(out, LikeDelete(l))
		}
		return append(out, TweetDelete(t)), nil
	case Like:
		t, ok := s.tweets[cmd.Like.TweetID]
		if !ok {
			return nil, nil
		}
		if _, dup := s.likes[t.ID][cmd.Like.UserID]; dup {
			return nil, nil
		}
		t.LikeCount++
		return []Change{LikeUpsert(cmd.Like), TweetUpsert(t)}, nil
	case Follow, ToggleFollow:
		if _, ok := s.follows[cmd.Edge]; !ok {
			return []Change{FollowUpsert(cmd.Edge)}, nil
		}
		if cmd.Kind == ToggleFollow {
			return []Change{FollowDelete(cmd.Edge)}, nil
		}
		return nil, nil
	}
	return nil, fmt.Errorf("unknown command %v", cmd.Kind)
}

// Exec decides cmd and applies its changes, atomically.
func (s *State) Exec(cmd *Command) ([]Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.decide(cmd)
	if err != nil {
		return nil, err
	}
	s.apply(ch)
	return ch, nil
}

// Apply folds changes into s, in order: upserts replace the row, deletes
// remove it.
func (s *State) Apply(changes []Change) {
	s.mu.Lock()
	s.apply(changes)
	s.mu.Unlock()
}

func (s *State) apply(changes []Change) {
	for i := range changes {
		c := &changes[i]
		if !s.keeps.Has(c.Entity) {
			continue
		}
		switch c.Entity {
		case EntityTweet:
			if c.Op == Delete {
				delete(s.tweets, c.Tweet.ID)
			} else {
				s.tweets[c.Tweet.ID] = c.Tweet
			}
		case EntityLike:
			m := s.likes[c.Like.TweetID]
			if c.Op == Delete {
				delete(m, c.Like.UserID)
				if len(m) == 0 {
					delete(s.likes, c.Like.TweetID)
				}
				continue
			}
			if m == nil {
				m = map[crud.UserID]crud.Like{}
				s.likes[c.Like.TweetID] = m
			}
			m[c.Like.UserID] = c.Like
		case EntityFollow:
			if c.Op == Delete {
				delete(s.follows, c.Edge)
			} else {
				s.follows[c.Edge] = struct{}{}
			}
		}
	}
}

// Tweet returns a tweet's row.
func (s *State) Tweet(id crud.TweetID) (crud.Tweet, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tweets[id]
	return t, ok
}

// Counts returns the rows s holds per entity.
func (s *State) Counts() (tweets, likes, follows int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, m := range s.likes {
		likes += len(m)
	}
	return len(s.tweets), likes, len(s.follows)
}

// Scan calls fn with every row as an upsert: tweets by id, then likes by
// tweet and user, then follows by src and dst.
func (s *State) Scan(ctx context.Context, fn func(c *Change) error) error {
	s.mu.RLock()
	rows := make([]Change, 0, len(s.tweets)+len(s.follows))
	for _, t := range s.tweets {
		rows = append(rows, TweetUpsert(t))
	}
	for _, m := range s.likes {
		for _, l := range m {
			rows = append(rows, LikeUpsert(l))
		}
	}
	for e := range s.follows {
		rows = append(rows, FollowUpsert(e))
	}
	s.mu.RUnlock()
	slices.SortFunc(rows, func(a, b Change) int { return compareKeys(a.Key(), b.Key()) })
	for i := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(&rows[i]); err != nil {
			return err
		}
	}
	return nil
}

func compareKeys(a, b Key) int {
	if c := cmp.Compare(a.Entity, b.Entity); c != 0 {
		return c
	}
	if c := cmp.Compare(a.A, b.A); c != 0 {
		return c
	}
	return cmp.Compare(a.B, b.B)
}

func sortedLikes(m map[crud.UserID]crud.Like) []crud.Like {
	out := make([]crud.Like, 0, len(m))
	for _, l := range m {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b crud.Like) int { return cmp.Compare(a.UserID, b.UserID) })
	return out
}
