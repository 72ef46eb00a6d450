package crud

import (
	"context"
	"errors"
	"time"

	"github.com/storefit/storefit/drivers"
)

// UserID identifies a user.
type UserID int64

// TweetID identifies a tweet.
type TweetID int64

// User is a row of the users table.
type User struct {
	ID        UserID    `json:"id"`
	Handle    string    `json:"handle"` // unique
	Name      string    `json:"name"`
	Bio       string    `json:"bio"`
	CreatedAt time.Time `json:"created_at"`
}

// Tweet is a row of the tweets table.
type Tweet struct {
	ID        TweetID   `json:"id"`
	UserID    UserID    `json:"user_id"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
	// LikeCount is the number of likes of the tweet, kept by Like and
	// DeleteTweet (and given as loaded by LoadTweets).
	LikeCount int64 `json:"like_count"`
}

// Like is a row of the likes table; (UserID, TweetID) is unique.
type Like struct {
	UserID    UserID    `json:"user_id"`
	TweetID   TweetID   `json:"tweet_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Equal reports whether u and v are the same row (times compared as
// instants, whatever their location).
func (u User) Equal(v User) bool {
	return u.ID == v.ID && u.Handle == v.Handle && u.Name == v.Name && u.Bio == v.Bio && u.CreatedAt.Equal(v.CreatedAt)
}

// Equal reports whether t and u are the same row (times compared as
// instants, whatever their location).
func (t Tweet) Equal(u Tweet) bool {
	return t.ID == u.ID && t.UserID == u.UserID && t.Body == u.Body && t.CreatedAt.Equal(u.CreatedAt) && t.LikeCount == u.LikeCount
}

// Schema names the tables of a crud data set and gives column size hints.
type Schema struct {
	// Prefix is put before the table names users, tweets and likes, so
	// several data sets can live in one store.
	Prefix string
	// MaxBodyLength is the longest tweet body in bytes (a hint for column
	// types; bodies are never longer).
	MaxBodyLength int
	// MaxTextLength is the longest handle, name or bio in bytes.
	MaxTextLength int
}

// Users returns the name of the users table.
func (s Schema) Users() string { return s.Prefix + "users" }

// Tweets returns the name of the tweets table.
func (s Schema) Tweets() string { return s.Prefix + "tweets" }

// Likes returns the name of the likes table.
func (s Schema) Likes() string { return s.Prefix + "likes" }

// ErrDuplicate reports an insert of a row whose key exists: a second like of
// the same tweet by the same user, a tweet id or a user handle that is
// taken. The store is left unchanged (a duplicate like does not change
// like_count). Test for it with errors.Is.
var ErrDuplicate = errors.New("already exists")

// Provider is implemented by connections that support the crud pattern.
type Provider interface {
	// CrudStore returns a handle on the tables s names. It does not touch
	// the store; Store.Setup creates the tables.
	CrudStore(s Schema) (Store, error)
}

// Store is the crud pattern: users, tweets and likes of a small social
// network, read and written one row (or one timeline page) at a time.
//
// Byte slices passed in are only valid for the duration of the call: a store
// that keeps them must copy them. Unknown ids and handles give
// drivers.ErrNotFound where a row is asked for or changed; inserts whose key
// exists give ErrDuplicate. Methods are safe for concurrent use.
//
// Bulk loads run concurrently in parts (see the package documentation): a
// loaded tweet's author, and a loaded like's user, may belong to a part that
// is not loaded yet, so a store must not enforce those references during
// the load (a SQL store adds foreign keys after loading, or not at all).
type Store interface {
	// Setup creates the tables (and the index a timeline needs) empty,
	// dropping any previous ones.
	Setup(ctx context.Context) error
	// LoadUsers inserts a batch of new users.
	LoadUsers(ctx context.Context, users []User) error
	// LoadTweets inserts a batch of new tweets with their LikeCount as
	// given.
	LoadTweets(ctx context.Context, tweets []Tweet) error
	// LoadLikes inserts a batch of new likes of loaded tweets. It does not
	// change like_count: the loaded tweets already count their loaded likes.
	LoadLikes(ctx context.Context, likes []Like) error

	// TweetByID returns a tweet, or drivers.ErrNotFound.
	TweetByID(ctx context.Context, id TweetID) (Tweet, error)
	// Timeline returns the ids of the limit newest tweets of user: by
	// created_at descending, ties by id descending. It reuses dst and
	// returns dst[:n]; a user without tweets (or unknown) gives an empty
	// answer, not an error.
	Timeline(ctx context.Context, user UserID, limit int, dst []TweetID) ([]TweetID, error)
	// Like records that user likes tweet at the given time and increments
	// the tweet's like_count, atomically: both happen or neither. An
	// unknown user or tweet gives drivers.ErrNotFound, a second like of the
	// same pair ErrDuplicate.
	Like(ctx context.Context, user UserID, tweet TweetID, at time.Time) error
	// CreateTweet inserts a new tweet with no likes. An unknown user gives
	// drivers.ErrNotFound, a taken id ErrDuplicate.
	CreateTweet(ctx context.Context, id TweetID, user UserID, body []byte, at time.Time) error
	// UserByHandle returns the user with the handle, or
	// drivers.ErrNotFound.
	UserByHandle(ctx context.Context, handle []byte) (User, error)
	// UpdateTweetBody replaces a tweet's body, or returns
	// drivers.ErrNotFound.
	UpdateTweetBody(ctx context.Context, id TweetID, body []byte) error
	// DeleteTweet removes a tweet and its likes, or returns
	// drivers.ErrNotFound. Other tweets' like counts are unaffected.
	DeleteTweet(ctx context.Context, id TweetID) error
	// CountLikes returns the number of rows of the likes table for tweet
	// (counted, not read from like_count): 0 for an unknown tweet.
	// Validation uses it to check like_count.
	CountLikes(ctx context.Context, tweet TweetID) (int64, error)
}

// Supports reports whether c supports the crud pattern.
func Supports(c drivers.Conn) bool {
	_, ok := c.(Provider)
	return ok
}
