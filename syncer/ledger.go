package syncer

import (
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Ledger follows every change a writer makes from its commit until each
// view that keeps its entity shows it, which is how the engine measures
// commit-to-visible lag for every data change (not a marker standing for
// them), knows what each view still lacks, and skips replays for views
// that cannot take them twice.
//
// The protocol: a writer registers its changes right before the source
// commits (Begin) and stamps them with its clock right after the commit
// returned (Ticket.Commit), or withdraws them when the commit failed. An
// applier reports each batch a view applied (Visible): for every change,
// the oldest pending entries of its row up to the one with the same image
// are no longer pending — the view shows that image, or a newer one.
// Rows keep their order in every transport, so a row's entries leave in
// the order they came; a change whose image no pending entry of its row
// has is a replay. A change can become visible before its writer stamped
// it (a transport read the commit first): its lag is then 0.
//
// Lag is measured over a window (BeginMeasure … EndMeasure, the measured
// phase): every change committed inside it counts, with its
// commit-to-visible time, or, when it is still pending as the window ends,
// with its age at that moment (a lower bound: a change never delivered is
// never left out).
type Ledger struct {
	mu    sync.Mutex
	books []*book
	open  bool      // a window is open
	start time.Time // the window's start
}

// book is one view's part of the ledger.
type book struct {
	name    string
	keeps   EntitySet
	byKey   map[Key][]*entry // pending entries per row, oldest first
	head    *entry           // pending entries in registration order
	tail    *entry
	shown   map[Key]string // the image each row shows, once the ledger saw one shown
	pending atomic.Int64   // committed entries pending
	replays atomic.Int64   // since the last window began
	applied atomic.Int64   // entries made visible since the last window began

	hist         *hdrhistogram.Histogram // µs, over the window
	sum, max     time.Duration
	pendingAtEnd int64
	oldestAtEnd  time.Duration
	series       []float64 // per second of the window: largest staleness, ms
}

// entry is one change pending for one view.
type entry struct {
	c       Change
	digest  string
	b       *book
	commit  time.Time // zero until the writer stamped it
	visible time.Time // set when it became visible before the stamp
	measure bool      // committed inside the window, not recorded yet
	gone    bool      // no longer pending
	prev    *entry
	next    *entry
}

// ViewInfo names a view of the ledger and the entities it keeps.
type ViewInfo struct {
	Name  string
	Keeps EntitySet
}

// NewLedger returns a ledger of views.
func NewLedger(views []ViewInfo) *Ledger {
	l := &Ledger{}
	for _, v := range views {
		l.books = append(l.books, &book{name: v.Name, keeps: v.Keeps, byKey: map[Key][]*entry{}, shown: map[Key]string{}, hist: newLagHistogram()})
	}
	return l
}

func newLagHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
}

// Views returns the views' names, in order (view i of the other methods).
func (l *Ledger) Views() []string {
	out := make([]string, len(l.books))
	for i, b := range l.books {
		out[i] = b.name
	}
	return out
}

// Index returns the index of the view called name, or -1.
func (l *Ledger) Index(name string) int {
	for i, b := range l.books {
		if b.name == name {
			return i
		}
	}
	return -1
}

// Ticket is a writer's registration of the changes of one transaction.
type Ticket struct {
	l       *Ledger
	entries []*entry
}

// Begin registers changes about to be committed, for every view that keeps
// their entity. Call it before the source commits.
func (l *Ledger) Begin(changes []Change) *Ticket {
	t := &Ticket{l: l}
	if len(changes) == 0 {
		return t
	}
	digests := make([]string, len(changes))
	for i := range changes {
		digests[i] = changes[i].Digest()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range l.books {
		for i := range changes {
			if !b.keeps.Has(changes[i].Entity) {
				continue
			}
			e := &entry{c: changes[i], digest: digests[i], b: b}
			k := e.c.Key()
			b.byKey[k] = append(b.byKey[k], e)
			b.link(e)
			t.entries = append(t.entries, e)
		}
	}
	return t
}

// Commit stamps the ticket's changes with at, the writer's clock right
// after the source committed: their lag is measured from it.
func (t *Ticket) Commit(at time.Time) {
	if t == nil || len(t.entries) == 0 {
		return
	}
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range t.entries {
		e.commit = at
		e.measure = l.open && !at.Before(l.start)
		if e.gone {
			if !e.visible.IsZero() {
				l.record(e, max(0, e.visible.Sub(at)))
			}
			continue
		}
		e.b.pending.Add(1)
	}
}

// Withdraw removes the ticket's changes: the transaction did not commit.
func (t *Ticket) Withdraw() {
	if t == nil || len(t.entries) == 0 {
		return
	}
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range t.entries {
		if !e.gone {
			e.b.remove(e)
		}
	}
}

// Visible records that view applied batch at time at.
func (l *Ledger) Visible(view int, batch []Change, at time.Time) {
	if len(batch) == 0 {
		return
	}
	b := l.books[view]
	var buf []byte
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range batch {
		c := &batch[i]
		if !b.keeps.Has(c.Entity) {
			continue
		}
		q := b.byKey[c.Key()]
		buf = c.AppendDigest(buf[:0])
		n := -1
		for j, e := range q {
			if e.digest == string(buf) {
				n = j
				break
			}
		}
		if n < 0 {
			b.replays.Add(1)
			continue
		}
		for _, e := range append([]*entry(nil), q[:n+1]...) {
			l.visible(e, at)
		}
	}
}

// visible makes e visible at at: no longer pending, its lag recorded.
func (l *Ledger) visible(e *entry, at time.Time) {
	b := e.b
	b.remove(e)
	b.applied.Add(1)
	b.shown[e.c.Key()] = e.image()
	if e.commit.IsZero() {
		e.visible = at
		return
	}
	b.pending.Add(-1)
	l.record(e, at.Sub(e.commit))
}

// record adds e's lag to its view's window figures, once.
func (l *Ledger) record(e *entry, lag time.Duration) {
	if !e.measure || !l.open {
		return
	}
	e.measure = false
	b := e.b
	lag = max(0, lag)
	_ = b.hist.RecordValue(min(int64(lag/time.Microsecond), b.hist.HighestTrackableValue()))
	b.sum += lag
	b.max = max(b.max, lag)
}

// Claim reports, for each change of batch, whether view holds it pending:
// the changes a NotIdempotent view should apply (the others are replays).
func (l *Ledger) Claim(view int, batch []Change, dst []bool) []bool {
	b := l.books[view]
	var buf []byte
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range batch {
		c := &batch[i]
		buf = c.AppendDigest(buf[:0])
		found := false
		for _, e := range b.byKey[c.Key()] {
			if e.digest == string(buf) {
				found = true
				break
			}
		}
		dst = append(dst, found)
	}
	return dst
}

// countReplay counts a change handed to view again, skipped.
func (l *Ledger) countReplay(view int) { l.books[view].replays.Add(1) }

// Pending returns the number of committed changes view does not show yet.
// It takes no lock.
func (l *Ledger) Pending(view int) int64 { return l.books[view].pending.Load() }

// AnyPending reports whether fn holds for one of the committed changes view
// does not show yet.
func (l *Ledger) AnyPending(view int, fn func(c *Change) bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for e := l.books[view].head; e != nil; e = e.next {
		if !e.commit.IsZero() && fn(&e.c) {
			return true
		}
	}
	return false
}

// Diverged returns the number of rows view shows another image of than
// the source's latest, as the writers and appliers know it: rows whose
// latest committed change the view does not show, unless what it shows is
// that same image (a follow removed and added again, both lost). base
// returns a row's image as loaded, before the ledger saw it (its Digest;
// "" when the row did not exist). After a drain this is what a view lost
// for good — dual writes' lost view writes — and reconciliation must find
// at least that many (more when concurrent writers reordered a row's
// writes to a view).
func (l *Ledger) Diverged(view int, base func(Key) string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.books[view]
	var n int64
	for k, q := range b.byKey {
		latest := ""
		found := false
		for _, e := range q {
			if !e.commit.IsZero() {
				latest, found = e.image(), true
			}
		}
		if !found {
			continue
		}
		shown, ok := b.shown[k]
		if !ok && base != nil {
			shown = base(k)
		}
		if shown != latest {
			n++
		}
	}
	return n
}

// image is the row's digest after e, "" when e deletes it.
func (e *entry) image() string {
	if e.c.Op == Delete {
		return ""
	}
	return e.digest
}

// PendingSet is a snapshot of the committed changes a view did not show
// at some moment.
type PendingSet struct {
	view    int
	entries []*entry
}

// Len returns the number of changes in the set.
func (s PendingSet) Len() int { return len(s.entries) }

// Snapshot returns the committed changes view does not show now (for a
// view refreshed from the source: a refresh beginning now covers them).
func (l *Ledger) Snapshot(view int) PendingSet {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := PendingSet{view: view}
	for e := l.books[view].head; e != nil; e = e.next {
		if !e.commit.IsZero() {
			s.entries = append(s.entries, e)
		}
	}
	return s
}

// VisibleSet records that the changes of s became visible at at.
func (l *Ledger) VisibleSet(s PendingSet, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range s.entries {
		if !e.gone {
			l.visible(e, at)
		}
	}
}

// BeginMeasure opens a measuring window at start: the view figures start
// from zero and count the changes committed from then on.
func (l *Ledger) BeginMeasure(start time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open, l.start = true, start
	for _, b := range l.books {
		b.hist.Reset()
		b.replays.Store(0)
		b.applied.Store(0)
		b.sum, b.max, b.pendingAtEnd, b.oldestAtEnd, b.series = 0, 0, 0, 0, nil
		for e := b.head; e != nil; e = e.next {
			e.measure = false
		}
	}
}

// EndMeasure closes the window at end: every change committed in it and
// still pending counts with its age at end.
func (l *Ledger) EndMeasure(end time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.open {
		return
	}
	l.sample(end)
	for _, b := range l.books {
		for e := b.head; e != nil; e = e.next {
			if e.measure && !e.commit.IsZero() {
				age := end.Sub(e.commit)
				b.pendingAtEnd++
				b.oldestAtEnd = max(b.oldestAtEnd, age)
				l.record(e, age)
			}
		}
	}
	l.open = false
}

// Sample records each view's staleness at at — the age of the oldest
// committed change it does not show (0 when it shows every one) — into
// the window's per-second series.
func (l *Ledger) Sample(at time.Time) {
	l.mu.Lock()
	l.sample(at)
	l.mu.Unlock()
}

func (l *Ledger) sample(at time.Time) {
	if !l.open || at.Before(l.start) {
		return
	}
	sec := int(at.Sub(l.start) / time.Second)
	for _, b := range l.books {
		var age time.Duration
		for e := b.head; e != nil; e = e.next {
			if !e.commit.IsZero() {
				age = max(0, at.Sub(e.commit))
				break
			}
		}
		for len(b.series) <= sec {
			b.series = append(b.series, 0)
		}
		b.series[sec] = max(b.series[sec], float64(age)/1e6)
	}
}

// Lag is one view's lag over a window.
type Lag struct {
	// Changes counts the changes committed in the window that feed the
	// view: those it showed, and those still pending at the window's end.
	Changes int64
	// PendingAtEnd counts those still pending at the end, Oldest is the
	// largest of their ages.
	PendingAtEnd int64
	Oldest       time.Duration
	// Mean, P50, P99 and Max are commit-to-visible times over Changes (a
	// pending change counts with its age at the end).
	Mean, P50, P99, Max time.Duration
	// Series is, per second of the window, the largest staleness seen: the
	// age of the oldest committed change the view did not show, in ms.
	Series []float64
	// Replays counts changes the view was handed again after it had
	// shown them, Applied the changes it showed, both since the window
	// began (and after it ended).
	Replays, Applied int64
}

// Lag returns view's figures over the last window (or the one open).
func (l *Ledger) Lag(view int) Lag {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.books[view]
	out := Lag{Changes: b.hist.TotalCount(), PendingAtEnd: b.pendingAtEnd, Oldest: b.oldestAtEnd, Max: b.max,
		Series: append([]float64(nil), b.series...), Replays: b.replays.Load(), Applied: b.applied.Load()}
	if out.Changes > 0 {
		us := func(q float64) time.Duration { return time.Duration(b.hist.ValueAtQuantile(q)) * time.Microsecond }
		out.Mean = b.sum / time.Duration(out.Changes)
		out.P50, out.P99 = us(50), us(99)
	}
	return out
}

// link appends e to the book's pending list.
func (b *book) link(e *entry) {
	e.prev = b.tail
	if b.tail != nil {
		b.tail.next = e
	} else {
		b.head = e
	}
	b.tail = e
}

// remove takes e out of the book's list and its row's queue.
func (b *book) remove(e *entry) {
	e.gone = true
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		b.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		b.tail = e.prev
	}
	e.prev, e.next = nil, nil
	k := e.c.Key()
	q := b.byKey[k]
	for i, x := range q {
		if x == e {
			q = append(q[:i], q[i+1:]...)
			break
		}
	}
	if len(q) == 0 {
		delete(b.byKey, k)
	} else {
		b.byKey[k] = q
	}
}
