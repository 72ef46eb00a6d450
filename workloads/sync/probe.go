package syncwl

import (
	"context"
	"github.com/jackc/pgx/v5"
	"sync"
	"time"
)

// probe measures freshness lag: one goroutine bumps the source's marker
// every interval through the strategy (recording when each value
// committed), and one goroutine per view reads the view's marker every poll
// interval. A marker's lag is the time from its commit to the first poll
// that saw it (or a later one) in the view; the staleness at a poll is the
// age of the oldest committed marker the view does not show yet.
type probe struct {
	views []View
	poll  time.Duration

	mu      sync.Mutex
	seq     int64
	commits map[int64]time.Time
	lost    map[int64]bool // markers whose write failed
	lastErr error
	known   int64 // every marker up to known committed (or was lost)
	state   []viewProbe
}

type viewProbe struct {
	seen  int64
	lags  []lagSample // per marker: when seen, lag
	stale []lagSample // per poll: when, staleness
}

type lagSample struct {
	at  time.Time
	lag time.Duration
}

func newProbe(views []View, poll time.Duration) *probe {
	return &probe{views: views, poll: poll, commits: map[int64]time.Time{}, lost: map[int64]bool{}, state: make([]viewProbe, len(views))}
}

// mark writes the next marker through s and records its commit time; it
// returns the marker's seq.
func (p *probe) mark(ctx context.Context, s Strategy, t Tables) (int64, error) {
	p.mu.Lock()
	p.seq++
	seq := p.seq
	p.mu.Unlock()
	var got []Change
	err := s.Write(ctx, func(ctx context.Context, tx pgx.Tx) ([]Change, error) {
		ch, err := SetMarker(t, seq)(ctx, tx)
		got = ch
		return ch, err
	})
	p.mu.Lock()
	switch {
	case err != nil:
		// The marker never committed: a hole later markers step over.
		p.lost[seq] = true
		p.lastErr = err
	case len(got) > 0:
		p.commits[seq] = got[0].CommitTime
	}
	for {
		if _, ok := p.commits[p.known+1]; !ok && !p.lost[p.known+1] {
			break
		}
		p.known++
	}
	p.mu.Unlock()
	return seq, err
}

// run writes markers and polls views until ctx ends.
func (p *probe) run(ctx context.Context, s Strategy, t Tables, every time.Duration) {
	var wg sync.WaitGroup
	for i := range p.views {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(p.poll)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				p.pollView(ctx, i)
			}
		}()
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
		}
		// A failed marker write (the source refused it) leaves a hole
		// the next marker covers.
		_, _ = p.mark(ctx, s, t)
	}
}

// pollView reads view i's marker once.
func (p *probe) pollView(ctx context.Context, i int) {
	m, err := p.views[i].Marker(ctx)
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.state[i]
	if err == nil {
		// Only markers whose commit time is known count as seen, so a
		// lag is never measured against a missing commit time.
		top := min(m, p.known)
		for s := st.seen + 1; s <= top; s++ {
			if at, ok := p.commits[s]; ok {
				st.lags = append(st.lags, lagSample{at: now, lag: now.Sub(at)})
			}
		}
		st.seen = max(st.seen, top)
	}
	var stale time.Duration
	if at, ok := p.commits[st.seen+1]; ok {
		stale = now.Sub(at)
	}
	st.stale = append(st.stale, lagSample{at: now, lag: stale})
}

// seen returns the highest marker view i showed.
func (p *probe) seen(i int) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state[i].seen
}

// snapshot returns copies of view i's samples.
func (p *probe) snapshot(i int) (lags, stale []lagSample) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.state[i]
	return append([]lagSample(nil), st.lags...), append([]lagSample(nil), st.stale...)
}
