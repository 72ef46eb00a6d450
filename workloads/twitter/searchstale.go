package twitter

import (
	"context"
	"slices"
	"sync"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/gen"
	"github.com/storefit/storefit/workloads/search"
)

// bodies regenerates tweets' bodies from their ids (the generator's rows
// are deterministic: a loaded tweet's and a posted tweet's body are
// TwitterRows.AppendBody(id, 0)), for judging search staleness.
type bodies struct{ rows sync.Pool } // *gen.TwitterRows

// SetBodies gives the App the workload's generator, so a search answer's
// staleness is judged against what the answer holds (see SearchTweets).
// Without it, any pending matching tweet makes a full answer stale.
func (a *App) SetBodies(g *gen.Twitter) {
	if a.bodies.Load() != nil {
		return
	}
	b := &bodies{}
	b.rows.New = func() any { return g.Rows() }
	a.bodies.CompareAndSwap(nil, b)
}

// pendingMatch is a tweet pending for the search view that matches a
// query.
type pendingMatch struct {
	id   int64
	body string
}

// searchBegin counts a search read of the view as it begins (read,
// behind) and returns the pending tweets that match q, which may make
// its answer stale.
func (a *App) searchBegin(q search.Query, dst []pendingMatch) ([]pendingMatch, bool) {
	i := a.view[ViewSearch]
	if i < 0 {
		return dst, false
	}
	a.reads[ViewSearch].Add(1)
	l := a.eng.Ledger()
	if l.Pending(i) == 0 {
		return dst, false
	}
	a.behind[ViewSearch].Add(1)
	l.AnyPending(i, func(c *syncer.Change) bool {
		if matchesQuery(c, q) {
			dst = append(dst, pendingMatch{id: int64(c.Tweet.ID), body: c.Tweet.Body})
		}
		return false
	})
	return dst, true
}

// searchStale tells whether one of the pending matching tweets would be
// in the answer hits (the top topK of q): when the answer is not full,
// every match would be; otherwise when its reference score (BM25, the
// query's terms weighted alike) reaches that of the answer's last hit —
// exact for one-term queries, whose BM25 order depends only on a tweet's
// term count and length, an approximation for AND queries where a tweet
// repeats one term. Without the generator's bodies (SetBodies), any
// pending match makes a full answer stale.
func (a *App) searchStale(q search.Query, pend []pendingMatch, hits search.Hits, topK int) bool {
	if len(pend) == 0 {
		return false
	}
	if len(hits) < topK {
		return true
	}
	b := a.bodies.Load()
	if b == nil {
		return true
	}
	last := hits[len(hits)-1]
	rows := b.rows.Get().(*gen.TwitterRows)
	body := rows.AppendBody(nil, last.ID, 0)
	b.rows.Put(rows)
	floor := refScore(q, search.Tokens(body))
	for _, p := range pend {
		if p.id == last.ID || slices.ContainsFunc(hits, func(h search.Hit) bool { return h.ID == p.id }) {
			continue // the view shows it already
		}
		if refScore(q, search.Tokens([]byte(p.body))) >= floor {
			return true
		}
	}
	return false
}

// refAvgDL is the document length the reference score normalizes by: a
// tweet's typical token count. (For a one-term query it changes no
// order.)
const refAvgDL = 12

// refScore is a tweet's reference relevance for q: BM25 summed over the
// query's terms, each with idf 1.
func refScore(q search.Query, toks []string) float64 {
	var s float64
	for _, t := range q.Terms {
		var tf int64
		for _, x := range toks {
			if x == t {
				tf++
			}
		}
		s += search.BM25(1, tf, int64(len(toks)), refAvgDL)
	}
	return s
}

// searchTweets runs the search with the staleness rule of SearchTweets.
func (a *App) searchTweets(ctx context.Context, q search.Query, topK int, dst search.Hits) (search.Hits, error) {
	var buf [4]pendingMatch
	pend, behind := a.searchBegin(q, buf[:0])
	hits, err := search.Search(ctx, a.b.Search, q, topK, dst)
	if err == nil && behind && a.searchStale(q, pend, hits, topK) {
		a.stale[ViewSearch].Add(1)
	}
	return hits, err
}
