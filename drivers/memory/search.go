package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/storefit/storefit/workloads/search"
)

var (
	_ search.Provider         = (*Conn)(nil)
	_ search.Store            = (*searchIndex)(nil)
	_ search.Phraser          = (*searchIndex)(nil)
	_ search.RelevanceFloorer = (*searchIndex)(nil)
)

// searchState holds the search indexes of a Conn by name.
type searchState struct {
	mu      sync.Mutex
	indexes map[string]*searchIndex
}

// searchIndex is one full-text index, kept the obvious way: every
// document's tokens (as term ids) in order, and for every term the
// documents that contain it. Queries take a candidate list from the
// postings, test each candidate against the query on its token list, and
// score matches with BM25 from the definitions in package search.
type searchIndex struct {
	mu       sync.RWMutex
	termIDs  map[string]int32 // term → id
	postings [][]int64        // term id → ids of the documents containing it
	docs     map[int64][]int32
	tokens   int64 // tokens over all documents
}

// SearchStore returns the index s names, creating it empty if new.
func (c *Conn) SearchStore(s search.Schema) (search.Store, error) {
	st, err := patternState(c, "search", func() *searchState {
		return &searchState{indexes: map[string]*searchIndex{}}
	})
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	ix, ok := st.indexes[s.Index]
	if !ok {
		ix = &searchIndex{}
		ix.reset()
		st.indexes[s.Index] = ix
	}
	return ix, nil
}

func (ix *searchIndex) reset() {
	ix.termIDs = map[string]int32{}
	ix.postings = nil
	ix.docs = map[int64][]int32{}
	ix.tokens = 0
}

func (ix *searchIndex) Setup(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.reset()
	return nil
}

func (ix *searchIndex) LoadDocs(ctx context.Context, docs []search.Doc) error {
	toks := make([][]string, len(docs))
	for i, d := range docs {
		toks[i] = search.Tokens(d.Body)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	seen := map[int64]bool{}
	for _, d := range docs {
		if _, dup := ix.docs[d.ID]; dup || seen[d.ID] {
			return fmt.Errorf("memory: duplicate document id %d", d.ID)
		}
		seen[d.ID] = true
	}
	for i, d := range docs {
		ids := make([]int32, len(toks[i]))
		for j, t := range toks[i] {
			id, ok := ix.termIDs[t]
			if !ok {
				id = int32(len(ix.postings))
				ix.termIDs[t] = id
				ix.postings = append(ix.postings, nil)
			}
			ids[j] = id
			if !slices.Contains(ids[:j], id) { // first occurrence in this document
				ix.postings[id] = append(ix.postings[id], d.ID)
			}
		}
		ix.docs[d.ID] = ids
		ix.tokens += int64(len(ids))
	}
	return nil
}

// termID returns the id of term, or -1 if no document contains it.
func (ix *searchIndex) termID(t string) int32 {
	if id, ok := ix.termIDs[t]; ok {
		return id
	}
	return -1
}

// matches returns the ids of the documents matching q, in no order. The
// caller holds ix.mu.
func (ix *searchIndex) matches(q search.Query) ([]int64, []int32, error) {
	if err := q.Check(); err != nil {
		return nil, nil, err
	}
	terms := make([]int32, len(q.Terms))
	for i, t := range q.Terms {
		terms[i] = ix.termID(t)
	}
	// Candidates: every match of a Term, And or Phrase query contains every
	// term, so the shortest postings list will do (none if a term is in no
	// document); every match of an Or query contains some term.
	var candidates []int64
	if q.Kind == search.Or {
		seen := map[int64]bool{}
		for _, id := range terms {
			if id < 0 {
				continue
			}
			for _, d := range ix.postings[id] {
				if !seen[d] {
					seen[d] = true
					candidates = append(candidates, d)
				}
			}
		}
	} else if !slices.Contains(terms, -1) {
		candidates = ix.postings[terms[0]]
		for _, id := range terms[1:] {
			if len(ix.postings[id]) < len(candidates) {
				candidates = ix.postings[id]
			}
		}
	}
	var out []int64
	for _, d := range candidates {
		if match(q.Kind, terms, ix.docs[d]) {
			out = append(out, d)
		}
	}
	return out, terms, nil
}

// match tests one document's tokens against a query's term ids (-1: a term
// no document has).
func match(kind search.Kind, terms, toks []int32) bool {
	switch kind {
	case search.Term, search.And:
		for _, t := range terms {
			if !slices.Contains(toks, t) {
				return false
			}
		}
		return true
	case search.Or:
		for _, t := range terms {
			if slices.Contains(toks, t) {
				return true
			}
		}
		return false
	case search.Phrase:
		for i := 0; i+len(terms) <= len(toks); i++ {
			if slices.Equal(toks[i:i+len(terms)], terms) {
				return true
			}
		}
	}
	return false
}

func (ix *searchIndex) Count(ctx context.Context, q search.Query) (int64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	m, _, err := ix.matches(q)
	return int64(len(m)), err
}

func (ix *searchIndex) Search(ctx context.Context, q search.Query, topK int, dst search.Hits) (search.Hits, error) {
	if topK < 1 {
		return dst[:0], fmt.Errorf("memory: search for top %d", topK)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	m, terms, err := ix.matches(q)
	if err != nil {
		return dst[:0], err
	}
	n := int64(len(ix.docs))
	avgdl := search.AvgDL(ix.tokens, n)
	hits := make(search.Hits, len(m))
	for i, d := range m {
		toks := ix.docs[d]
		s := 0.0
		for _, t := range terms {
			var df, tf int64
			if t >= 0 {
				df = int64(len(ix.postings[t]))
				for _, x := range toks {
					if x == t {
						tf++
					}
				}
			}
			s += search.BM25(search.IDF(n, df), tf, int64(len(toks)), avgdl)
		}
		hits[i] = search.Hit{ID: d, Score: s}
	}
	slices.SortFunc(hits, func(a, b search.Hit) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return append(dst[:0], hits[:min(topK, len(hits))]...), nil
}

func (ix *searchIndex) CountPhrase(ctx context.Context, q search.Query) (int64, error) {
	if q.Kind != search.Phrase {
		return 0, fmt.Errorf("memory: CountPhrase of a %s query", q.Kind)
	}
	return ix.Count(ctx, q)
}

func (ix *searchIndex) SearchPhrase(ctx context.Context, q search.Query, topK int, dst search.Hits) (search.Hits, error) {
	if q.Kind != search.Phrase {
		return dst[:0], fmt.Errorf("memory: SearchPhrase of a %s query", q.Kind)
	}
	return ix.Search(ctx, q, topK, dst)
}

// RelevanceFloor is 0.99: the oracle scores with the reference's own BM25
// functions, bit for bit, so its top k is the reference's (agreement 1).
func (ix *searchIndex) RelevanceFloor() float64 { return 0.99 }
