package search

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/storefit/storefit/drivers"
)

// Schema describes the index a search workload uses.
type Schema struct {
	// Index names the index (table, collection), "tweets" by default.
	Index string
}

// Doc is one document: a tweet. Its fields are only valid during the call
// they are passed to.
type Doc struct {
	ID        int64
	UserID    int64
	CreatedAt time.Time
	// Body is the text to index with the Analyzer contract (see Tokens).
	Body []byte
}

// Kind is the shape of a Query.
type Kind uint8

// The query kinds.
const (
	// Term matches documents containing Terms[0].
	Term Kind = iota + 1
	// And matches documents containing every term.
	And
	// Or matches documents containing at least one term.
	Or
	// Phrase matches documents in which the terms occur at consecutive
	// token positions, in order.
	Phrase
)

var kindNames = [...]string{Term: "term", And: "and", Or: "or", Phrase: "phrase"}

// String returns "term", "and", "or" or "phrase".
func (k Kind) String() string {
	if k >= Term && k <= Phrase {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MarshalText encodes the kind as its name (in query-set files).
func (k Kind) MarshalText() ([]byte, error) {
	if k < Term || k > Phrase {
		return nil, fmt.Errorf("search: bad query kind %d", uint8(k))
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText decodes a kind name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i := Term; i <= Phrase; i++ {
		if string(b) == kindNames[i] {
			*k = i
			return nil
		}
	}
	return fmt.Errorf("search: unknown query kind %q (use term, and, or or phrase)", b)
}

// Query is one search: a kind and its terms. Terms are in analyzed form
// (lowercase runs of letters and digits, as Tokens produces them), so a store
// matches them exactly against its indexed tokens without analyzing them
// again. The workload sends one term for Term and two for And, Or and
// Phrase; stores should accept any number ≥ 1.
type Query struct {
	Kind  Kind     `json:"kind"`
	Terms []string `json:"terms"`
}

// String returns a readable form: term(a), and(a, b), or(a, b), "a b".
func (q Query) String() string {
	if q.Kind == Phrase {
		return `"` + strings.Join(q.Terms, " ") + `"`
	}
	return q.Kind.String() + "(" + strings.Join(q.Terms, ", ") + ")"
}

// Check reports whether q is well formed: a known kind, at least one term
// (exactly one for Term), no empty term.
func (q Query) Check() error {
	if q.Kind < Term || q.Kind > Phrase {
		return fmt.Errorf("search: bad query kind %d", uint8(q.Kind))
	}
	if len(q.Terms) == 0 || (q.Kind == Term && len(q.Terms) != 1) {
		return fmt.Errorf("search: %s query with %d terms", q.Kind, len(q.Terms))
	}
	for _, t := range q.Terms {
		if t == "" {
			return fmt.Errorf("search: empty term in %s", q)
		}
	}
	return nil
}

// Hit is one document of a ranked answer with the store's relevance score.
type Hit struct {
	ID    int64   `json:"id"`
	Score float64 `json:"score"`
}

// Hits is a ranked answer: best first.
type Hits []Hit

// IDs returns the document ids of h in order.
func (h Hits) IDs() []int64 {
	ids := make([]int64, len(h))
	for i, x := range h {
		ids[i] = x.ID
	}
	return ids
}

// Provider is implemented by connections that support the search pattern.
type Provider interface {
	// SearchStore returns a handle on the index s describes. It does not
	// touch the store; Store.Setup creates the index.
	SearchStore(s Schema) (Store, error)
}

// Store is the search (full-text) pattern over one index of tweets.
//
// Every store indexes Doc.Body with the same analyzer: lowercase, split on
// anything that is not a letter or a digit, no stemming, no stop words (see
// Tokens). Methods are safe for concurrent use; slices passed in are only
// valid during the call.
//
// Count and Search answer Term, And and Or queries; phrase queries, which
// need term positions, go to the optional Phraser interface. A store that
// gets a query kind it cannot answer returns an error wrapping
// drivers.ErrUnsupported.
type Store interface {
	// Setup creates the index empty, dropping any previous one.
	Setup(ctx context.Context) error
	// LoadDocs indexes a batch of new documents (bulk load); their ids were
	// never loaded before. Documents are searchable when it returns.
	LoadDocs(ctx context.Context, docs []Doc) error
	// Count returns the exact number of documents matching q.
	Count(ctx context.Context, q Query) (int64, error)
	// Search returns the topK (≥ 1) documents matching q that are most
	// relevant by the store's ranking, best first (scores non-increasing),
	// fewer when fewer match; BM25 (k1 = 1.2, b = 0.75) is what relevance
	// agreement is measured against. It reuses dst's storage and returns
	// dst[:n].
	Search(ctx context.Context, q Query, topK int, dst Hits) (Hits, error)
}

// Phraser is an optional interface of a Store that keeps term positions and
// so answers phrase queries: Count and Search with q.Kind == Phrase. The
// search/mix workload needs it and is n/a on a store without it;
// search/boolean runs without phrases.
type Phraser interface {
	// CountPhrase is Count for a Phrase query.
	CountPhrase(ctx context.Context, q Query) (int64, error)
	// SearchPhrase is Search for a Phrase query.
	SearchPhrase(ctx context.Context, q Query, topK int, dst Hits) (Hits, error)
}

// DefaultRelevanceFloor is the relevance floor of a store that declares
// none (see RelevanceFloorer).
const DefaultRelevanceFloor = 0.9

// RelevanceFloorer is an optional interface of a Store that declares its
// relevance floor: the lowest relevance agreement with the reference BM25
// (FigureAgreementTies: the share of the store's top k that belongs in a
// reference top k, averaged over the validation queries) its ranking, as
// configured, reaches. Validation fails below it. A store that computes
// the reference BM25 exactly declares a floor near 1; one whose engine
// scores differently (its own BM25 variant, phrases as one unit) declares
// what its documented, measured agreement supports, with a margin for
// other seeds and load orders. If a Store does not implement it, the floor
// is DefaultRelevanceFloor.
type RelevanceFloorer interface {
	RelevanceFloor() float64
}

// Floor returns s's relevance floor.
func Floor(s Store) float64 {
	if f, ok := s.(RelevanceFloorer); ok {
		return f.RelevanceFloor()
	}
	return DefaultRelevanceFloor
}

// Supports reports whether c supports the search pattern.
func Supports(c drivers.Conn) bool {
	_, ok := c.(Provider)
	return ok
}

// errNoPhrases reports a phrase query to a store without Phraser.
var errNoPhrases = fmt.Errorf("search phrase queries (no term positions): %w", drivers.ErrUnsupported)

// Count asks s for the number of documents matching q, sending phrase
// queries to s's Phraser: all dispatch on query kind lives here.
func Count(ctx context.Context, s Store, q Query) (int64, error) {
	if q.Kind != Phrase {
		return s.Count(ctx, q)
	}
	if p, ok := s.(Phraser); ok {
		return p.CountPhrase(ctx, q)
	}
	return 0, errNoPhrases
}

// Search asks s for the topK documents matching q, sending phrase queries to
// s's Phraser.
func Search(ctx context.Context, s Store, q Query, topK int, dst Hits) (Hits, error) {
	if q.Kind != Phrase {
		return s.Search(ctx, q, topK, dst)
	}
	if p, ok := s.(Phraser); ok {
		return p.SearchPhrase(ctx, q, topK, dst)
	}
	return dst[:0], errNoPhrases
}
