package series

import (
	"time"

	"github.com/storefit/storefit/workloads/gen"
)

// Random stream numbers: workers use workerStream+id, the validation set
// validationStream. Distinct from each other and from the generator's.
const (
	workerStream     = 1 << 32
	validationStream = 1<<32 - 1
)

// The TSBS shapes of the single-groupby queries: fields and hosts.
const (
	single581Fields = 5
	single581Hosts  = 8
	maxAllHosts     = 8
)

// drawer draws query parameters for one stream. Its slices are reused by
// every draw: a drawn query is valid until the next draw of the same kind.
type drawer struct {
	w      *Workload
	r      *gen.Rand
	lo, hi int // hosts are drawn from ids [lo, hi)
	hosts  [single581Hosts]string
	ids    [single581Hosts]int
	fields [NumFields]int
}

func newDrawer(w *Workload, r *gen.Rand) *drawer {
	d := &drawer{w: w, r: r, hi: w.cfg.Hosts}
	for i := range d.fields {
		d.fields[i] = i // TSBS takes the first n fields
	}
	return d
}

// window draws a window of length length inside the data, starting at a
// whole second after the first readings (TSBS's MustRandWindow, to the
// second).
func (d *drawer) window(length time.Duration) (start, end time.Time) {
	span := time.Duration(d.w.data.Points*d.w.data.Interval) - length
	off := time.Duration(0)
	if span >= time.Second {
		off = time.Duration(d.r.Int64N(int64(span/time.Second)+1)) * time.Second
	}
	start = time.Unix(0, d.w.data.Start).UTC().Add(off)
	return start, start.Add(length)
}

// randomHosts draws n distinct hosts (all hosts when there are fewer), as
// TSBS's getRandomSubsetPerm does, into d.hosts.
func (d *drawer) randomHosts(n int) []string {
	n = min(n, d.hi-d.lo)
	for i := 0; i < n; i++ {
	draw:
		id := d.lo + d.r.IntN(d.hi-d.lo)
		for _, prev := range d.ids[:i] {
			if prev == id {
				goto draw
			}
		}
		d.ids[i] = id
		d.hosts[i] = d.w.hostnames[id]
	}
	return d.hosts[:n]
}

// single fills q with a single-groupby query of nFields fields and nHosts
// hosts.
func (d *drawer) single(q *MaxQuery, nFields, nHosts int) {
	c := &d.w.cfg
	q.Hosts = d.randomHosts(nHosts)
	q.Fields = d.fields[:nFields]
	q.Start, q.End = d.window(c.GroupByWindow)
	q.Bucket = c.GroupByBucket
}

// double fills q with a double-groupby-1 query.
func (d *drawer) double(q *MeanQuery) {
	c := &d.w.cfg
	q.Fields = d.fields[:1]
	q.Start, q.End = d.window(c.DoubleGroupByWindow)
	q.Bucket = c.DoubleGroupByBucket
}

// doubleAll fills q with a double-groupby-all query: every field.
func (d *drawer) doubleAll(q *MeanQuery) {
	c := &d.w.cfg
	q.Fields = d.fields[:]
	q.Start, q.End = d.window(c.DoubleGroupByWindow)
	q.Bucket = c.DoubleGroupByBucket
}

// maxAll fills q with a cpu-max-all-8 query: every field of 8 hosts.
func (d *drawer) maxAll(q *MaxQuery) {
	c := &d.w.cfg
	q.Hosts = d.randomHosts(maxAllHosts)
	q.Fields = d.fields[:]
	q.Start, q.End = d.window(c.MaxAllWindow)
	q.Bucket = c.MaxAllBucket
}

// highCPU fills q with a high-cpu-1 query.
func (d *drawer) highCPU(q *HighCPUQuery) {
	c := &d.w.cfg
	q.Hosts = d.randomHosts(1)
	q.Threshold = c.HighCPUThreshold
	q.Start, q.End = d.window(c.HighCPUWindow)
}

// recent fills q with a groupby-orderby-limit query: the end is drawn at a
// whole second in [first readings + limit·bucket, end of the data].
func (d *drawer) recent(q *RecentQuery) {
	c := &d.w.cfg
	span := time.Duration(d.w.data.Points * d.w.data.Interval)
	lead := min(time.Duration(c.Limit)*c.LimitBucket, span)
	_, q.End = d.window(lead)
	q.Bucket = c.LimitBucket
	q.Limit = c.Limit
}
